// Dropbox API v2: the RPC host (api.dropboxapi.com), the content host
// (content.dropboxapi.com), the notify host and OAuth, on one port.
#include <map>
#include <memory>

#include "download_link.h"
#include "provider_server.h"
#include "util.h"

namespace lc::emulator {
namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

// Dropbox-API-Result must be ASCII: escape everything else as \uXXXX.
std::string HeaderSafeJson(const json& j) { return j.dump(-1, ' ', true); }

bool PreviewAsPdf(const std::string& name) {
  static const std::set<std::string> kPdf = {"ai",      "doc",  "docm", "docx", "eps",  "gdoc",
                                             "gslides", "odp",  "odt",  "pps",  "ppsm", "ppsx",
                                             "ppt",     "pptm", "pptx", "rtf",  "pdf"};
  auto dot = name.rfind('.');
  return dot != std::string::npos && kPdf.count(ToLower(name.substr(dot + 1)));
}

bool PreviewAsHtml(const std::string& name) {
  static const std::set<std::string> kHtml = {"csv", "ods", "xls", "xlsm", "gsheet", "xlsx"};
  auto dot = name.rfind('.');
  return dot != std::string::npos && kHtml.count(ToLower(name.substr(dot + 1)));
}

struct Cursor {
  std::string user_id;
  std::string folder_id;
  std::string folder_path;
  bool recursive = false;
  bool include_deleted = false;
  int64_t seq = 0;    // changes after this sequence number
  std::string after;  // listing phase: last id listed
  bool listing = false;
  size_t limit = 2000;

  std::string Encode() const {
    json j = {{"u", user_id},         {"f", folder_id}, {"p", folder_path}, {"r", recursive},
              {"d", include_deleted}, {"s", seq},       {"l", limit}};
    if (listing) j["a"] = after;
    return "AA" + Base64UrlEncode(j.dump());
  }

  static std::optional<Cursor> Decode(const std::string& s) {
    if (!StartsWith(s, "AA")) return std::nullopt;
    std::string text;
    Base64UrlDecode(s.substr(2), &text);
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    try {
      Cursor c;
      c.user_id = j.at("u");
      c.folder_id = j.at("f");
      c.folder_path = j.at("p");
      c.recursive = j.at("r");
      c.include_deleted = j.at("d");
      c.seq = j.at("s");
      c.limit = j.at("l");
      if (j.contains("a")) {
        c.listing = true;
        c.after = j["a"];
      }
      return c;
    } catch (const json::exception&) {
      return std::nullopt;
    }
  }
};

class Dropbox {
 public:
  explicit Dropbox(ProviderServer& s) : s_(s), store_(s.store()) {}

  void Install() {
    s_.set_fault_responder([](Response& res, int status, int retry_after) {
      if (status == 429) {
        return SendJson(
            res, 429,
            {{"error_summary", "too_many_requests/.."},
             {"error",
              {{"reason", {{".tag", "too_many_requests"}}}, {"retry_after", retry_after}}}});
      }
      res.status = status;
      res.set_content(status == 503 ? "Service Unavailable" : "Internal Server Error",
                      "text/plain; charset=utf-8");
    });
    s_.oauth().set_dialect(DropboxOAuthDialect());
    s_.Route("GET", "/oauth2/authorize", "oauth.authorize",
             [this](const Request& req, Response& res) {
               HandleAuthorize(s_, req, res, req.get_param_value("token_access_type") == "offline");
             });
    s_.Route("POST", "/oauth2/token", "oauth.token",
             [this](const Request& req, Response& res) { Token(req, res); });
    Rpc("auth/token/revoke", [this](const Request& req, Response& res, const User&, const json&) {
      std::string header = req.get_header_value("Authorization");
      s_.oauth().Revoke(header.substr(std::min<size_t>(7, header.size())));
      SendJson(res, 200, nullptr);
    });
    Rpc("users/get_current_account", [this](const Request&, Response& res, const User& u,
                                            const json&) { SendJson(res, 200, Account(u)); });
    Rpc("users/get_space_usage", [](const Request&, Response& res, const User&, const json&) {
      SendJson(
          res, 200,
          {{"used", 0}, {"allocation", {{".tag", "individual"}, {"allocated", 2199023255552LL}}}});
    });
    Rpc("files/get_metadata", [this](const Request&, Response& res, const User& u,
                                     const json& arg) { GetMetadata(res, u, arg); });
    Rpc("files/list_folder", [this](const Request&, Response& res, const User& u, const json& arg) {
      ListFolder(res, u, arg);
    });
    Rpc("files/list_folder/continue", [this](const Request&, Response& res, const User& u,
                                             const json& arg) { Continue(res, u, arg); });
    Rpc("files/list_folder/get_latest_cursor",
        [this](const Request&, Response& res, const User& u, const json& arg) {
          LatestCursor(res, u, arg);
        });
    Rpc("files/list_revisions", [this](const Request&, Response& res, const User& u,
                                       const json& arg) { ListRevisions(res, u, arg); });
    Rpc("files/create_folder_v2", [this](const Request&, Response& res, const User& u,
                                         const json& arg) { CreateFolder(res, u, arg); });
    Rpc("files/delete_v2", [this](const Request&, Response& res, const User& u, const json& arg) {
      DeleteItem(res, u, arg);
    });
    Rpc("files/move_v2", [this](const Request&, Response& res, const User& u, const json& arg) {
      MoveItem(res, u, arg);
    });
    Rpc("files/get_temporary_link", [this](const Request& req, Response& res, const User& u,
                                           const json& arg) { TemporaryLink(req, res, u, arg); });
    Rpc("sharing/create_shared_link_with_settings",
        [this](const Request& req, Response& res, const User& u, const json& arg) {
          CreateSharedLink(req, res, u, arg);
        });
    Rpc("sharing/list_shared_links", [this](const Request&, Response& res, const User& u,
                                            const json& arg) { ListSharedLinks(res, u, arg); });
    Content("files/upload", [this](const Request& req, Response& res, const User& u,
                                   const json& arg) { Upload(req, res, u, arg); });
    Content("files/download", [this](const Request& req, Response& res, const User& u,
                                     const json& arg) { Download(req, res, u, arg); });
    Content("files/get_thumbnail_v2", [this](const Request&, Response& res, const User& u,
                                             const json& arg) { Thumbnail(res, u, arg, true); });
    Content("files/get_thumbnail", [this](const Request&, Response& res, const User& u,
                                          const json& arg) { Thumbnail(res, u, arg, false); });
    Content("files/get_preview", [this](const Request&, Response& res, const User& u,
                                        const json& arg) { Preview(res, u, arg); });
    Content("files/export", [this](const Request&, Response& res, const User& u, const json& arg) {
      auto item = Resolve(u, arg.value("path", ""));
      if (!item) return RouteError(res, "path", {{".tag", "path"}, {"path", NotFound()}});
      RouteError(res, "non_exportable", {{".tag", "non_exportable"}});
    });
    // notify.dropboxapi.com: no Authorization, the cursor says whose feed.
    s_.Route("POST", "/2/files/list_folder/longpoll", "files/list_folder/longpoll",
             [this](const Request& req, Response& res) { Longpoll(req, res); });
    // The web preview page (www.dropbox.com/preview/<path>) a signed-in
    // browser sees; the emulator has no browser sessions, so it names the path.
    s_.Route("GET", R"(/preview/(.+))", "web.preview", [](const Request& req, Response& res) {
      res.set_content(WebAppPage("Dropbox", "/" + std::string(req.matches[1])),
                      "text/html; charset=utf-8");
    });
    s_.Route("GET", R"(/_content/dropbox/([A-Za-z0-9_.\-]+))", "temporary_link",
             [this](const Request& req, Response& res) { ServeLink(req, res); });
  }

 private:
  using Handler = std::function<void(const Request&, Response&, const User&, const json& arg)>;

  static json NotFound() { return {{".tag", "not_found"}}; }

  static void RouteError(Response& res, const std::string& summary, const json& error) {
    SendJson(res, 409, {{"error_summary", summary + "/.."}, {"error", error}});
  }

  static void BadInput(Response& res, const std::string& route, const std::string& why) {
    res.status = 400;
    res.set_content("Error in call to API function \"" + route + "\": " + why,
                    "text/plain; charset=utf-8");
  }

  std::optional<User> Auth(const Request& req, Response& res) {
    std::string user_id;
    AuthResult r = s_.oauth().Authenticate(req.get_header_value("Authorization"), &user_id);
    if (r == AuthResult::kOk) {
      NoteRequestUser(user_id);
      if (auto user = store_.FindUser(user_id)) return user;
    }
    std::string tag = r == AuthResult::kExpired ? "expired_access_token" : "invalid_access_token";
    res.set_header("WWW-Authenticate", "OAuth realm=\"Dropbox-API\"");
    SendJson(res, 401, {{"error_summary", tag + "/.."}, {"error", {{".tag", tag}}}});
    return std::nullopt;
  }

  // RPC routes: JSON argument in the body (or "null").
  void Rpc(const std::string& route, Handler handler) {
    s_.Route("POST", "/2/" + route, route,
             [this, route, handler](const Request& req, Response& res) {
               auto user = Auth(req, res);
               if (!user) return;
               std::string type = req.get_header_value("Content-Type");
               if (!req.body.empty() && type.find("application/json") == std::string::npos) {
                 return BadInput(res, route,
                                 "Bad HTTP \"Content-Type\" header: \"" + type +
                                     "\".  Expecting one of \"application/json\".");
               }
               json arg = json::parse(req.body.empty() ? "null" : req.body, nullptr, false);
               if (arg.is_discarded()) {
                 return BadInput(res, route, "request body: could not decode input as JSON");
               }
               if (arg.is_null()) arg = json::object();
               handler(req, res, *user, arg);
             });
  }

  // Content routes: argument in Dropbox-API-Arg (or ?arg=), bytes in the body.
  void Content(const std::string& route, Handler handler) {
    auto wrapped = [this, route, handler](const Request& req, Response& res) {
      auto user = Auth(req, res);
      if (!user) return;
      std::string raw = req.get_header_value("Dropbox-API-Arg");
      if (raw.empty()) raw = req.get_param_value("arg");
      json arg = json::parse(raw.empty() ? "{}" : raw, nullptr, false);
      if (arg.is_discarded() || !arg.is_object()) {
        return BadInput(res, route,
                        "HTTP header \"Dropbox-API-Arg\": could not decode input as JSON");
      }
      handler(req, res, *user, arg);
    };
    s_.Route("POST", "/2/" + route, route, wrapped);
    s_.Route("GET", "/2/" + route, route, wrapped);
  }

  json Account(const User& u) {
    std::string surname = "User";
    return {
        {"account_id", u.id},
        {"name",
         {{"given_name", u.name},
          {"surname", surname},
          {"familiar_name", u.name},
          {"display_name", u.name + " " + surname},
          {"abbreviated_name", u.name.substr(0, 1) + surname.substr(0, 1)}}},
        {"email", u.email},
        {"email_verified", true},
        {"disabled", false},
        {"country", "US"},
        {"locale", "en"},
        {"referral_link", "https://db.tt/emulator"},
        {"is_paired", false},
        {"account_type", {{".tag", "basic"}}},
        {"root_info",
         {{".tag", "user"}, {"root_namespace_id", "3235641"}, {"home_namespace_id", "3235641"}}}};
  }

  void Token(const Request& req, Response& res) {
    TokenGrant grant;
    OAuthError error;
    auto params = OAuthParams(req);
    if (!GrantTokens(s_, params, &grant, &error)) return SendTokenError(s_, res, error);
    json body = {{"access_token", grant.access_token},
                 {"token_type", "bearer"},
                 {"expires_in", grant.expires_in}};
    if (params["grant_type"] == "authorization_code") {
      auto user = store_.FindUser(grant.user_id);
      body["uid"] = RandomDigits(9);
      body["account_id"] = grant.user_id;
      body["scope"] = grant.scope.empty() ? "account_info.read files.content.read "
                                            "files.content.write files.metadata.read"
                                          : grant.scope;
      if (!grant.refresh_token.empty()) body["refresh_token"] = grant.refresh_token;
    }
    SendJson(res, 200, body);
  }

  // Resolves "", "/path", "id:..." and "rev:..." (as the file at that rev).
  std::optional<Item> Resolve(const User& u, const std::string& path, std::string* rev = nullptr) {
    absl::StatusOr<Item> item;
    if (path.empty() || path == "/") {
      item = store_.Get(u.id, u.root_id);
    } else if (StartsWith(path, "id:")) {
      auto slash = path.find('/');
      item = store_.Get(u.id, path.substr(0, slash));
      if (item.ok() && slash != std::string::npos) {
        std::string rest = path.substr(slash);
        item = store_.GetByPath(u.id, store_.PathOf(*item) + rest);
      }
    } else if (StartsWith(path, "rev:")) {
      item = store_.GetByRevision(u.id, path.substr(4));
      if (item.ok() && rev) *rev = path.substr(4);
    } else if (path[0] == '/') {
      item = store_.GetByPath(u.id, path);
    } else {
      return std::nullopt;
    }
    if (!item.ok()) return std::nullopt;
    return *item;
  }

  json Metadata(const Item& item, const Revision* rev = nullptr) {
    std::string path = store_.PathOf(item);
    json m = {{"name", item.name},
              {"path_lower", ToLower(path)},
              {"path_display", path},
              {"id", item.id}};
    if (item.folder) {
      m[".tag"] = "folder";
      return m;
    }
    const Revision* r = rev ? rev : item.head();
    m[".tag"] = "file";
    m["client_modified"] = Rfc3339Seconds(r->modified_ms);
    m["server_modified"] = Rfc3339Seconds(r->modified_ms);
    m["rev"] = r->id;
    m["size"] = r->content.size();
    m["is_downloadable"] = true;
    m["content_hash"] = DropboxContentHash(r->content);
    return m;
  }

  static json Deleted(const std::string& path) {
    auto slash = path.rfind('/');
    return {{".tag", "deleted"},
            {"name", path.substr(slash == std::string::npos ? 0 : slash + 1)},
            {"path_lower", ToLower(path)},
            {"path_display", path}};
  }

  void GetMetadata(Response& res, const User& u, const json& arg) {
    std::string path = arg.value("path", "");
    if (path.empty()) {
      return RouteError(res, "path/unsupported_content",
                        {{".tag", "path"}, {"path", {{".tag", "unsupported_content"}}}});
    }
    auto item = Resolve(u, path);
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    // Dropbox has no visible trash: a deleted entry is not found, or with
    // include_deleted its DeletedMetadata (a pinned rev: stays readable).
    if ((item->trashed || item->deleted) && !StartsWith(path, "rev:")) {
      if (!arg.value("include_deleted", false)) {
        return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
      }
      const std::string p = store_.PathOf(*item);
      return SendJson(res, 200,
                      {{".tag", "deleted"},
                       {"name", item->name},
                       {"path_lower", ToLower(p)},
                       {"path_display", p}});
    }
    SendJson(res, 200, Metadata(*item));
  }

  void ListFolder(Response& res, const User& u, const json& arg) {
    auto folder = Resolve(u, arg.value("path", ""));
    if (!folder) {
      return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    }
    if (!folder->folder) {
      return RouteError(res, "path/not_folder",
                        {{".tag", "path"}, {"path", {{".tag", "not_folder"}}}});
    }
    Cursor c;
    c.user_id = u.id;
    c.folder_id = folder->id;
    c.folder_path = store_.PathOf(*folder);
    c.recursive = arg.value("recursive", false);
    c.include_deleted = arg.value("include_deleted", false);
    c.seq = store_.LatestSeq();
    c.listing = true;
    int64_t limit = arg.value("limit", 2000);
    if (limit < 1 || limit > 2000) {
      return BadInput(res, "files/list_folder", "request body: limit: value out of range");
    }
    c.limit = static_cast<size_t>(limit);
    ListPage(res, u, c);
  }

  void ListPage(Response& res, const User& u, Cursor c) {
    ItemPage page = c.recursive ? store_.ListSubtree(u.id, c.folder_id, c.after, c.limit)
                                : store_.ListChildren(u.id, c.folder_id, c.after, c.limit);
    json entries = json::array();
    for (const auto& item : page.items) entries.push_back(Metadata(item));
    bool has_more = !page.next_after.empty();
    if (has_more) {
      c.after = page.next_after;
    } else {
      c.listing = false;
    }
    SendJson(res, 200, {{"entries", entries}, {"cursor", c.Encode()}, {"has_more", has_more}});
  }

  std::optional<Cursor> ParseCursor(Response& res, const User& u, const json& arg,
                                    const std::string& route) {
    auto c = Cursor::Decode(arg.value("cursor", ""));
    if (!c || c->user_id != u.id) {
      BadInput(res, route, "Invalid \"cursor\" parameter: the cursor could not be parsed");
      return std::nullopt;
    }
    return c;
  }

  void Continue(Response& res, const User& u, const json& arg) {
    auto c = ParseCursor(res, u, arg, "files/list_folder/continue");
    if (!c) return;
    if (c->listing) return ListPage(res, u, *c);
    auto page = store_.ChangesSince(u.id, c->seq, c->limit, c->folder_id);
    if (!page.ok()) return RouteError(res, "reset", {{".tag", "reset"}});
    json entries = json::array();
    std::set<std::string> live_paths;
    for (const auto& e : page->entries) {
      if (!e.item.deleted && !e.item.trashed) live_paths.insert(ToLower(e.path));
    }
    for (const auto& path : page->vacated_paths) {
      if (!live_paths.count(ToLower(path))) entries.push_back(Deleted(path));
    }
    for (const auto& e : page->entries) {
      if (!c->recursive && e.item.parent_id != c->folder_id) continue;
      if (e.item.deleted || e.item.trashed) {
        entries.push_back(Deleted(e.item.deleted ? e.path : store_.PathOf(e.item)));
      } else {
        entries.push_back(Metadata(e.item));
        // A moved folder moves its subtree: Dropbox lists it at the new paths.
        if (e.item.folder && e.change.kind == ChangeKind::kMoved && c->recursive) {
          std::string after;
          do {
            ItemPage sub = store_.ListSubtree(u.id, e.item.id, after, 2000);
            for (const auto& child : sub.items) entries.push_back(Metadata(child));
            after = sub.next_after;
          } while (!after.empty());
        }
      }
    }
    c->seq = page->next_seq;
    SendJson(res, 200,
             {{"entries", entries}, {"cursor", c->Encode()}, {"has_more", page->has_more}});
  }

  void LatestCursor(Response& res, const User& u, const json& arg) {
    auto folder = Resolve(u, arg.value("path", ""));
    if (!folder || !folder->folder) {
      return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    }
    Cursor c;
    c.user_id = u.id;
    c.folder_id = folder->id;
    c.folder_path = store_.PathOf(*folder);
    c.recursive = arg.value("recursive", false);
    c.include_deleted = arg.value("include_deleted", false);
    c.seq = store_.LatestSeq();
    c.limit = std::clamp<int64_t>(arg.value("limit", 2000), 1, 2000);
    SendJson(res, 200, {{"cursor", c.Encode()}});
  }

  void Longpoll(const Request& req, Response& res) {
    json arg = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (arg.is_discarded() || !arg.is_object()) {
      return BadInput(res, "files/list_folder/longpoll", "could not decode input as JSON");
    }
    auto c = Cursor::Decode(arg.value("cursor", ""));
    if (!c) {
      return BadInput(res, "files/list_folder/longpoll",
                      "Invalid \"cursor\" parameter: the cursor could not be parsed");
    }
    int64_t timeout = std::clamp<int64_t>(arg.value("timeout", 30), 30, 480);
    if (c->seq < store_.OldestValidSeq()) {
      return RouteError(res, "reset", {{".tag", "reset"}});
    }
    bool changes = store_.WaitForChange(c->user_id, c->seq, timeout * 1000);
    SendJson(res, 200, {{"changes", changes}});
  }

  void ListRevisions(Response& res, const User& u, const json& arg) {
    auto item = Resolve(u, arg.value("path", ""));
    if (!item || item->folder) {
      return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    }
    size_t limit = std::clamp<int64_t>(arg.value("limit", 10), 1, 100);
    json entries = json::array();
    for (auto it = item->revisions.rbegin(); it != item->revisions.rend() && entries.size() < limit;
         ++it) {
      entries.push_back(Metadata(*item, &*it));
    }
    SendJson(res, 200,
             {{"is_deleted", false},
              {"entries", entries},
              {"has_more", item->revisions.size() > limit}});
  }

  void CreateFolder(Response& res, const User& u, const json& arg) {
    std::string path = arg.value("path", "");
    if (path.empty() || path[0] != '/') {
      return RouteError(res, "path/malformed_path",
                        {{".tag", "path"}, {"path", {{".tag", "malformed_path"}}}});
    }
    if (Resolve(u, path)) {
      return RouteError(
          res, "path/conflict/folder",
          {{".tag", "path"}, {"path", {{".tag", "conflict"}, {"conflict", {{".tag", "folder"}}}}}});
    }
    auto folder = store_.MakeFolders(u.id, path);
    if (!folder.ok()) {
      return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    }
    SendJson(res, 200, {{"metadata", Metadata(*folder)}});
  }

  void DeleteItem(Response& res, const User& u, const json& arg) {
    auto item = Resolve(u, arg.value("path", ""));
    if (!item || item->parent_id.empty()) {
      return RouteError(res, "path_lookup/not_found",
                        {{".tag", "path_lookup"}, {"path_lookup", NotFound()}});
    }
    json meta = Metadata(*item);
    auto st = store_.Delete(u.id, item->id);
    if (!st.ok()) {
      return RouteError(res, "path_lookup/not_found",
                        {{".tag", "path_lookup"}, {"path_lookup", NotFound()}});
    }
    SendJson(res, 200, {{"metadata", meta}});
  }

  void MoveItem(Response& res, const User& u, const json& arg) {
    auto item = Resolve(u, arg.value("from_path", ""));
    if (!item) {
      return RouteError(res, "from_lookup/not_found",
                        {{".tag", "from_lookup"}, {"from_lookup", NotFound()}});
    }
    std::string to = arg.value("to_path", "");
    auto slash = to.rfind('/');
    if (to.empty() || slash == std::string::npos) {
      return RouteError(res, "to/malformed_path",
                        {{".tag", "to"}, {"to", {{".tag", "malformed_path"}}}});
    }
    auto parent = Resolve(u, to.substr(0, slash));
    if (!parent) {
      auto made = store_.MakeFolders(u.id, to.substr(0, slash));
      if (!made.ok()) {
        return RouteError(res, "to/not_found", {{".tag", "to"}, {"to", NotFound()}});
      }
      parent = *made;
    }
    auto moved = store_.Move(u.id, item->id, to.substr(slash + 1), parent->id);
    if (!moved.ok()) {
      return RouteError(
          res, "to/conflict/file",
          {{".tag", "to"}, {"to", {{".tag", "conflict"}, {"conflict", {{".tag", "file"}}}}}});
    }
    SendJson(res, 200, {{"metadata", Metadata(*moved)}});
  }

  void Upload(const Request& req, Response& res, const User& u, const json& arg) {
    std::string path = arg.value("path", "");
    auto slash = path.rfind('/');
    if (path.empty() || path[0] != '/' || slash == path.size() - 1) {
      return RouteError(
          res, "path/malformed_path",
          {{".tag", "path"}, {"reason", {{".tag", "malformed_path"}}}, {"upload_session_id", ""}});
    }
    std::string mode = "add";
    std::string update_rev;
    if (arg.contains("mode")) {
      const json& m = arg["mode"];
      if (m.is_string()) {
        mode = m;
      } else if (m.is_object()) {
        mode = m.value(".tag", "add");
        update_rev = m.value("update", "");
      }
    }
    auto conflict = [&res] {
      RouteError(res, "path/conflict/file/",
                 {{".tag", "path"},
                  {"reason", {{".tag", "conflict"}, {"conflict", {{".tag", "file"}}}}},
                  {"upload_session_id", ""}});
    };
    auto existing = Resolve(u, path);
    if (existing && existing->folder) return conflict();
    absl::StatusOr<Item> item;
    if (existing) {
      bool same = existing->head()->content == req.body;
      if (mode == "overwrite" || (mode == "update" && existing->head()->id == update_rev)) {
        item = same ? *existing : store_.UpdateContent(u.id, existing->id, req.body);
      } else if (mode == "add" && same) {
        item = *existing;  // Dropbox leaves identical content alone
      } else if (arg.value("autorename", false)) {
        std::string name = path.substr(slash + 1);
        auto dot = name.rfind('.');
        std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
        std::string ext = dot == std::string::npos || dot == 0 ? "" : name.substr(dot);
        for (int n = 1;; ++n) {
          std::string candidate =
              path.substr(0, slash + 1) + stem + " (" + std::to_string(n) + ")" + ext;
          if (!Resolve(u, candidate)) {
            item = store_.PutAtPath(u.id, candidate, req.body, "", false);
            break;
          }
        }
      } else {
        return conflict();
      }
    } else {
      item = store_.PutAtPath(u.id, path, req.body, "", false);
    }
    if (!item.ok()) return conflict();
    SendJson(res, 200, Metadata(*item));
  }

  void SendContent(Response& res, const json& result, const std::string& body,
                   const std::string& type) {
    res.status = 200;
    res.set_header("Dropbox-API-Result", HeaderSafeJson(result));
    res.set_content(body, type);
  }

  // The head, or the revision a "rev:" path names; null when it names none.
  static const Revision* PickRevision(const Item& item, const std::string& rev) {
    if (rev.empty()) return item.head();
    for (const auto& candidate : item.revisions) {
      if (candidate.id == rev) return &candidate;
    }
    return nullptr;
  }

  void Download(const Request& req, Response& res, const User& u, const json& arg) {
    std::string rev = arg.value("rev", "");
    auto item = Resolve(u, arg.value("path", ""), &rev);
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    if (item->folder) {
      return RouteError(res, "path/not_file", {{".tag", "path"}, {"path", {{".tag", "not_file"}}}});
    }
    const Revision* r = PickRevision(*item, rev);
    if (!r) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    res.set_header("Dropbox-API-Result", HeaderSafeJson(Metadata(*item, r)));
    SendBytes(req, res, r->content, "application/octet-stream");
  }

  void Thumbnail(Response& res, const User& u, const json& arg, bool v2) {
    std::string path = arg.value("path", "");
    if (v2 && arg.contains("resource")) path = arg["resource"].value("path", "");
    auto item = Resolve(u, path);
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    if (item->folder) {
      return RouteError(res, "unsupported_extension", {{".tag", "unsupported_extension"}});
    }
    std::string format = "jpeg";
    if (arg.contains("format") && arg["format"].is_object()) {
      format = arg["format"].value(".tag", "jpeg");
    }
    json result = v2 ? json{{"file_metadata", Metadata(*item)}} : Metadata(*item);
    if (format == "png") {
      return SendContent(res, result, ThumbnailPng(), "image/png");
    }
    SendContent(res, result, ThumbnailJpeg(), "image/jpeg");
  }

  void Preview(Response& res, const User& u, const json& arg) {
    std::string rev = arg.value("rev", "");
    auto item = Resolve(u, arg.value("path", ""), &rev);
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    if (item->folder) {
      return RouteError(res, "unsupported_content", {{".tag", "unsupported_content"}});
    }
    const Revision* r = PickRevision(*item, rev);
    if (!r) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    const std::string& text = r->content;
    if (PreviewAsPdf(item->name)) {
      return SendContent(res, Metadata(*item), MakePdf(item->name, text), "application/pdf");
    }
    if (PreviewAsHtml(item->name)) {
      return SendContent(res, Metadata(*item), "<html><body><pre>" + text + "</pre></body></html>",
                         "text/html; charset=utf-8");
    }
    RouteError(res, "unsupported_extension", {{".tag", "unsupported_extension"}});
  }

  void TemporaryLink(const Request& req, Response& res, const User& u, const json& arg) {
    std::string rev = arg.value("rev", "");
    auto item = Resolve(u, arg.value("path", ""), &rev);
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    if (item->folder) {
      return RouteError(res, "path/not_file", {{".tag", "path"}, {"path", {{".tag", "not_file"}}}});
    }
    const Revision* r = PickRevision(*item, rev);
    if (!r) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    std::string token =
        SignDownloadLink({u.id, item->id, r->id, false, store_.clock().NowMs() + 4 * 3600 * 1000});
    SendJson(
        res, 200,
        {{"metadata", Metadata(*item)}, {"link", s_.BaseUrl(req) + "/_content/dropbox/" + token}});
  }

  void ServeLink(const Request& req, Response& res) {
    auto link = VerifyDownloadLink(req.matches[1]);
    if (!link || link->expires_ms < store_.clock().NowMs()) {
      res.status = 410;
      res.set_content("This link has expired.", "text/plain");
      return;
    }
    auto item = store_.Get(link->user_id, link->item_id);
    if (!item.ok()) {
      res.status = 404;
      return;
    }
    for (const auto& r : item->revisions) {
      if (r.id == link->revision_id) return SendBytes(req, res, r.content, item->mime_type);
    }
    res.status = 404;
  }

  json SharedLink(const Item& item) {
    json m = Metadata(item);
    m["url"] = item.shared_link;
    m["link_permissions"] = {{"can_revoke", true},
                             {"resolved_visibility", {{".tag", "public"}}},
                             {"visibility_policies", json::array()}};
    m.erase("content_hash");
    m.erase("is_downloadable");
    return m;
  }

  void CreateSharedLink(const Request& req, Response& res, const User& u, const json& arg) {
    auto item = Resolve(u, arg.value("path", ""));
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    if (!item->shared_link.empty()) {
      return RouteError(res, "shared_link_already_exists/metadata",
                        {{".tag", "shared_link_already_exists"},
                         {"shared_link_already_exists",
                          {{".tag", "metadata"}, {"metadata", SharedLink(*item)}}}});
    }
    std::string url =
        s_.BaseUrl(req) + "/s/" + RandomToken(15) + "/" + PercentEncode(item->name) + "?dl=0";
    auto shared = store_.CreateSharedLink(u.id, item->id, url);
    if (!shared.ok()) {
      return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    }
    SendJson(res, 200, SharedLink(*shared));
  }

  void ListSharedLinks(Response& res, const User& u, const json& arg) {
    json links = json::array();
    if (arg.contains("path")) {
      auto item = Resolve(u, arg.value("path", ""));
      if (!item) {
        return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
      }
      if (!item->shared_link.empty()) links.push_back(SharedLink(*item));
    }
    SendJson(res, 200, {{"links", links}, {"has_more", false}});
  }

  ProviderServer& s_;
  Store& store_;
};

}  // namespace

void InstallDropbox(ProviderServer& server) {
  auto dropbox = std::make_shared<Dropbox>(server);
  dropbox->Install();
  server.Keep(dropbox);
}

}  // namespace lc::emulator
