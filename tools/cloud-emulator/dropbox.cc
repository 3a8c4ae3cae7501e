// Dropbox API v2: the RPC host (api.dropboxapi.com), the content host
// (content.dropboxapi.com), the notify host and OAuth, on one port.
#include <map>
#include <memory>

#include "download_link.h"
#include "dropbox_rules.h"
#include "provider_server.h"
#include "util.h"

namespace lc::emulator {
namespace {

using dropbox::HeaderSafe;
using dropbox::HeaderSafeJson;
using dropbox::PathKind;
using dropbox::PathMatches;
using dropbox::PathPattern;
using dropbox::PreviewOf;
using dropbox::RevMatches;
using dropbox::Tag;
using dropbox::ThumbnailExtension;
using dropbox::ThumbnailFormat;
using dropbox::ThumbnailMode;
using dropbox::ThumbnailSize;
using httplib::Request;
using httplib::Response;
using nlohmann::json;

constexpr char kCorsHack[] = "text/plain; charset=dropbox-cors-hack";
constexpr char kArgHeader[] = "HTTP header \"Dropbox-API-Arg\"";

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
      if (header.empty()) header = req.get_param_value("authorization");
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
    Rpc("files/restore", [this](const Request&, Response& res, const User& u, const json& arg) {
      Restore(res, u, arg);
    });
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
    Content("files/upload", Style::kUpload,
            [this](const Request& req, Response& res, const User& u, const json& arg) {
              Upload(req, res, u, arg);
            });
    Content("files/download", Style::kDownload,
            [this](const Request& req, Response& res, const User& u, const json& arg) {
              Download(req, res, u, arg);
            });
    Content("files/get_thumbnail_v2", Style::kDownload,
            [this](const Request&, Response& res, const User& u, const json& arg) {
              Thumbnail(res, u, arg, true);
            });
    Content("files/get_thumbnail", Style::kDownload,
            [this](const Request&, Response& res, const User& u, const json& arg) {
              Thumbnail(res, u, arg, false);
            });
    Content("files/get_preview", Style::kDownload,
            [this](const Request&, Response& res, const User& u, const json& arg) {
              Preview(res, u, arg);
            });
    Content("files/export", Style::kDownload,
            [this](const Request&, Response& res, const User& u, const json& arg) {
              auto item = Resolve(u, arg.value("path", ""));
              if (!item) {
                return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
              }
              RouteError(res, "non_exportable", {{".tag", "non_exportable"}});
            });
    // notify.dropboxapi.com: no Authorization, the cursor says whose feed.
    s_.Route("POST", "/2/files/list_folder/longpoll", "files/list_folder/longpoll",
             [this](const Request& req, Response& res) { Longpoll(req, res); });
    // The web preview page (www.dropbox.com/preview/<path>) a signed-in
    // browser sees; the emulator has no browser sessions, so it names the path.
    s_.Route("GET", R"(/preview/.*)", "web.preview",
             [this](const Request& req, Response& res) { WebPreview(req, res); });
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

  // The bearer token comes in the Authorization header or the authorization
  // URL parameter (HTTP docs, "Request and response formats"); neither is
  // bad input (400), a token Dropbox does not know is a 401.
  std::optional<User> Auth(const Request& req, Response& res, const std::string& route) {
    std::string header = req.get_header_value("Authorization");
    if (header.empty()) header = req.get_param_value("authorization");
    if (header.empty()) {
      BadInput(res, route,
               "Must provide HTTP header \"Authorization\" or URL parameter \"authorization\".");
      return std::nullopt;
    }
    std::string user_id;
    AuthResult r = s_.oauth().Authenticate(header, &user_id);
    if (r == AuthResult::kOk) {
      NoteRequestUser(user_id);
      if (auto user = store_.FindUser(user_id)) return user;
    }
    std::string tag = r == AuthResult::kExpired ? "expired_access_token" : "invalid_access_token";
    res.set_header("WWW-Authenticate", "OAuth realm=\"Dropbox-API\"");
    SendJson(res, 401, {{"error_summary", tag + "/.."}, {"error", {{".tag", tag}}}});
    return std::nullopt;
  }

  // RPC routes: JSON argument in the body (or "null"), POST only.
  void Rpc(const std::string& route, Handler handler) {
    s_.Route("POST", "/2/" + route, route,
             [this, route, handler](const Request& req, Response& res) {
               auto user = Auth(req, res, route);
               if (!user) return;
               std::string type = req.get_header_value("Content-Type");
               bool json_type = StartsWith(ToLower(type), "application/json") || type == kCorsHack;
               if ((!req.body.empty() || !type.empty()) && !json_type) {
                 return BadInput(res, route,
                                 "Bad HTTP \"Content-Type\" header: \"" + type +
                                     "\".  Expecting one of \"application/json\", "
                                     "\"application/json; charset=utf-8\", \"" +
                                     kCorsHack + "\".");
               }
               json arg = json::parse(req.body.empty() ? "null" : req.body, nullptr, false);
               if (arg.is_discarded()) {
                 return BadInput(res, route, "request body: could not decode input as JSON");
               }
               if (arg.is_null()) arg = json::object();
               Guarded(res, route, "request body", [&] { handler(req, res, *user, arg); });
             });
  }

  // Content routes: argument in Dropbox-API-Arg (or ?arg=). Upload routes
  // take the bytes in a POST body typed application/octet-stream; download
  // routes answer POST and GET with an empty body and no Content-Type.
  enum class Style { kUpload, kDownload };
  void Content(const std::string& route, Style style, Handler handler) {
    auto wrapped = [this, route, style, handler](const Request& req, Response& res) {
      auto user = Auth(req, res, route);
      if (!user) return;
      std::string type = req.get_header_value("Content-Type");
      if (style == Style::kUpload && type != "application/octet-stream" && type != kCorsHack) {
        return BadInput(res, route,
                        "Bad HTTP \"Content-Type\" header: \"" + type +
                            "\".  Expecting one of \"application/octet-stream\", \"" + kCorsHack +
                            "\".");
      }
      if (style == Style::kDownload && !type.empty() && type != kCorsHack) {
        return BadInput(res, route,
                        "You provided a non-empty HTTP \"Content-Type\" header (\"" + type +
                            "\").  This API function requires that the header be missing or "
                            "empty.");
      }
      if (style == Style::kDownload && !req.body.empty()) {
        return BadInput(res, route,
                        "The request body is supposed to be empty, but it isn't; got \"" +
                            req.body.substr(0, 32) + "\"");
      }
      const std::string where = req.has_header("Dropbox-API-Arg")
                                    ? "HTTP header \"Dropbox-API-Arg\""
                                    : "HTTP URL parameter \"arg\"";
      std::string raw = req.get_header_value("Dropbox-API-Arg");
      if (!req.has_header("Dropbox-API-Arg")) raw = req.get_param_value("arg");
      json arg = json::parse(raw.empty() ? "{}" : raw, nullptr, false);
      if (!HeaderSafe(raw) && req.has_header("Dropbox-API-Arg")) arg = json::value_t::discarded;
      if (arg.is_discarded() || !arg.is_object()) {
        return BadInput(res, route, where + ": could not decode input as JSON");
      }
      Guarded(res, route, where, [&] { handler(req, res, *user, arg); });
    };
    s_.Route("POST", "/2/" + route, route, wrapped);
    if (style == Style::kDownload) s_.Route("GET", "/2/" + route, route, wrapped);
  }

  // A mistyped argument member (a number for a path, ...) is the client's
  // error: 400, as Dropbox's argument validation answers, never a 500.
  static void Guarded(Response& res, const std::string& route, const std::string& where,
                      const std::function<void()>& run) {
    try {
      run();
    } catch (const json::type_error& e) {
      BadInput(res, route, where + ": " + e.what());
    }
  }

  // Checks an integer argument against its files.stone bounds; false (and a
  // 400 sent) when outside.
  static bool InRange(Response& res, const std::string& route, const std::string& field,
                      int64_t value, int64_t min, int64_t max) {
    if (value >= min && value <= max) return true;
    BadInput(res, route, "request body: " + field + ": value out of range");
    return false;
  }

  // Checks a path argument against its files.stone pattern; false (and a
  // 400 sent) when it does not match.
  static bool PathArgOk(Response& res, const std::string& route, const std::string& where,
                        const std::string& path, PathKind kind) {
    if (PathMatches(path, kind)) return true;
    BadInput(res, route,
             where + ": path: '" + path + "' did not match pattern '" + PathPattern(kind) + "'");
    return false;
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
        // users.stone AccountType: basic, pro or business (a team member).
        {"account_type", {{".tag", u.account_type == "business" ? "business" : "basic"}}},
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
  // A deleted or trashed entry is not found (Dropbox has no visible trash)
  // unless `include_deleted`, or when a rev: names one of its revisions.
  std::optional<Item> Resolve(const User& u, const std::string& path, std::string* rev = nullptr,
                              bool include_deleted = false) {
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
      // A revision past the retention period is gone, as if it never was.
      item = store_.GetByRevision(u.id, path.substr(4));
      if (item.ok() && !store_.RevisionLive(*item, path.substr(4))) return std::nullopt;
      if (item.ok() && rev) *rev = path.substr(4);
    } else if (path[0] == '/') {
      item = store_.GetByPath(u.id, path);
    } else {
      return std::nullopt;
    }
    if (!item.ok()) return std::nullopt;
    if ((item->deleted || item->trashed) && !include_deleted && !StartsWith(path, "rev:")) {
      return std::nullopt;
    }
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
      return BadInput(res, "files/get_metadata",
                      "request body: path: The root folder is unsupported.");
    }
    if (!PathArgOk(res, "files/get_metadata", "request body", path, PathKind::kRead)) return;
    std::string rev;
    auto item = Resolve(u, path, &rev, arg.value("include_deleted", false));
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    // With include_deleted, a deleted entry is its DeletedMetadata.
    if ((item->trashed || item->deleted) && rev.empty()) {
      const std::string p = store_.PathOf(*item);
      return SendJson(res, 200,
                      {{".tag", "deleted"},
                       {"name", item->name},
                       {"path_lower", ToLower(p)},
                       {"path_display", p}});
    }
    const Revision* r = PickRevision(*item, rev);
    if (!r) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    SendJson(res, 200, Metadata(*item, r));
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
    if (!InRange(res, "files/list_folder", "limit", limit, 1, 2000)) return;
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
    int64_t limit = arg.value("limit", 2000);
    if (!InRange(res, "files/list_folder/get_latest_cursor", "limit", limit, 1, 2000)) return;
    c.limit = static_cast<size_t>(limit);
    SendJson(res, 200, {{"cursor", c.Encode()}});
  }

  // www.dropbox.com/preview/<path>: the path is percent-encoded in the URL.
  // The server sees the request target as sent: a raw space or non-ASCII
  // byte is not a valid request target (400), and a raw '#' or '?' ends the
  // path, so the page names another path, which is not found (404).
  void WebPreview(const Request& req, Response& res) {
    const std::string raw = req.target.substr(0, req.target.find('?'));
    for (unsigned char c : raw) {
      if (c <= 0x20 || c >= 0x7F) {
        res.status = 400;
        return res.set_content("Bad Request", "text/plain; charset=utf-8");
      }
    }
    const std::string path = PercentDecode(raw.substr(std::string("/preview").size()));
    for (const User& u : store_.Users()) {
      auto item = Resolve(u, path);
      if (item && !item->parent_id.empty()) {
        return res.set_content(WebAppPage("Dropbox", store_.PathOf(*item)),
                               "text/html; charset=utf-8");
      }
    }
    res.status = 404;
    res.set_content(WebAppPage("Dropbox", "Not found"), "text/html; charset=utf-8");
  }

  void Longpoll(const Request& req, Response& res) {
    Guarded(res, "files/list_folder/longpoll", "request body", [&] { LongpollGuarded(req, res); });
  }

  void LongpollGuarded(const Request& req, Response& res) {
    json arg = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (arg.is_discarded() || !arg.is_object()) {
      return BadInput(res, "files/list_folder/longpoll", "could not decode input as JSON");
    }
    auto c = Cursor::Decode(arg.value("cursor", ""));
    if (!c) {
      return BadInput(res, "files/list_folder/longpoll",
                      "Invalid \"cursor\" parameter: the cursor could not be parsed");
    }
    int64_t timeout = arg.value("timeout", 30);
    if (!InRange(res, "files/list_folder/longpoll", "timeout", timeout, 30, 480)) return;
    if (c->seq < store_.OldestValidSeq()) {
      return RouteError(res, "reset", {{".tag", "reset"}});
    }
    bool changes = store_.WaitForChange(c->user_id, c->seq, timeout * 1000);
    SendJson(res, 200, {{"changes", changes}});
  }

  // list_revisions: the revisions the retention policy keeps, newest first,
  // up to `limit` (1..100). A deleted file still lists its revisions, with
  // is_deleted.
  void ListRevisions(Response& res, const User& u, const json& arg) {
    const std::string route = "files/list_revisions";
    const std::string path = arg.value("path", "");
    if (!PathArgOk(res, route, "request body", path, PathKind::kPathOrId)) return;
    int64_t limit = arg.value("limit", 10);
    if (!InRange(res, route, "limit", limit, 1, 100)) return;
    auto item = Resolve(u, path, nullptr, /*include_deleted=*/StartsWith(path, "id:"));
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    if (item->folder) {
      return RouteError(res, "path/not_file", {{".tag", "path"}, {"path", {{".tag", "not_file"}}}});
    }
    const std::vector<Revision> revisions = store_.LiveRevisions(*item);
    json entries = json::array();
    for (auto it = revisions.rbegin();
         it != revisions.rend() && entries.size() < static_cast<size_t>(limit); ++it) {
      entries.push_back(Metadata(*item, &*it));
    }
    json out = {{"is_deleted", item->deleted || item->trashed},
                {"entries", entries},
                {"has_more", revisions.size() > static_cast<size_t>(limit)}};
    if (item->deleted || item->trashed) out["server_deleted"] = Rfc3339Seconds(item->modified_ms);
    SendJson(res, 200, out);
  }

  // restore (RestoreError): the bytes of a revision the retention policy
  // still keeps become a new revision at `path`; any other rev is
  // invalid_revision.
  void Restore(Response& res, const User& u, const json& arg) {
    const std::string route = "files/restore";
    const std::string path = arg.value("path", "");
    const std::string rev = arg.value("rev", "");
    if (path.empty() || path[0] != '/') {
      return BadInput(
          res, route,
          "request body: path: '" + path +
              "' did not match pattern '(/(.|[\\r\\n])*)|(ns:[0-9]+(/(.|[\\r\\n])*)?)'");
    }
    if (!RevMatches(rev)) {
      return BadInput(res, route,
                      "request body: rev: '" + rev + "' did not match pattern '[0-9a-f]+'");
    }
    auto source = Resolve(u, "rev:" + rev);
    const Revision* r = source ? PickRevision(*source, rev) : nullptr;
    if (!r) return RouteError(res, "invalid_revision", {{".tag", "invalid_revision"}});
    const std::string content = r->content;
    auto existing = Resolve(u, path);
    if (existing && existing->folder) {
      return RouteError(
          res, "path_write/conflict/folder",
          {{".tag", "path_write"},
           {"path_write", {{".tag", "conflict"}, {"conflict", {{".tag", "folder"}}}}}});
    }
    absl::StatusOr<Item> restored = existing ? store_.UpdateContent(u.id, existing->id, content)
                                             : store_.PutAtPath(u.id, path, content, "", false);
    if (!restored.ok()) {
      return RouteError(
          res, "path_write/conflict/file_ancestor",
          {{".tag", "path_write"},
           {"path_write", {{".tag", "conflict"}, {"conflict", {{".tag", "file_ancestor"}}}}}});
    }
    SendJson(res, 200, Metadata(*restored));
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

  // The head, or the revision a "rev:" path names; null when it names none
  // or the user's retention policy has let it go.
  const Revision* PickRevision(const Item& item, const std::string& rev) const {
    if (rev.empty()) return item.head();
    if (!store_.RevisionLive(item, rev)) return nullptr;
    for (const auto& candidate : item.revisions) {
      if (candidate.id == rev) return &candidate;
    }
    return nullptr;
  }

  void Download(const Request& req, Response& res, const User& u, const json& arg) {
    const std::string path = arg.value("path", "");
    if (!PathArgOk(res, "files/download", kArgHeader, path, PathKind::kRead)) return;
    std::string rev = arg.value("rev", "");
    auto item = Resolve(u, path, &rev);
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    if (item->folder) {
      return RouteError(res, "path/not_file", {{".tag", "path"}, {"path", {{".tag", "not_file"}}}});
    }
    const Revision* r = PickRevision(*item, rev);
    if (!r) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    res.set_header("Dropbox-API-Result", HeaderSafeJson(Metadata(*item, r)));
    SendBytes(req, res, r->content, "application/octet-stream");
  }

  // get_thumbnail (ThumbnailError) and get_thumbnail:2 (ThumbnailV2Error):
  // both unions carry path, unsupported_extension and unsupported_image.
  void Thumbnail(Response& res, const User& u, const json& arg, bool v2) {
    const std::string route = v2 ? "files/get_thumbnail_v2" : "files/get_thumbnail";
    const std::string format = Tag(arg, "format", "jpeg");
    const std::string size = Tag(arg, "size", "w64h64");
    const std::string mode = Tag(arg, "mode", "strict");
    auto known = [&](const char* field, const std::string& value,
                     bool (*valid)(const std::string&)) {
      if (valid(value)) return true;
      BadInput(res, route,
               std::string(kArgHeader) + ": " + field + ": unknown tag '" + value + "'");
      return false;
    };
    if (!known("format", format, ThumbnailFormat) || !known("size", size, ThumbnailSize) ||
        !known("mode", mode, ThumbnailMode)) {
      return;
    }
    std::string path;
    if (v2) {
      const std::string resource = Tag(arg, "resource", "");
      if (resource == "link") {
        // Shared-link resources are not emulated: no link is known.
        return RouteError(res, "not_found", {{".tag", "not_found"}});
      }
      if (resource != "path" || !arg["resource"].contains("path")) {
        return BadInput(res, route, std::string(kArgHeader) + ": resource: missing or invalid");
      }
      path = arg["resource"]["path"];
    } else {
      path = arg.value("path", "");
    }
    if (!PathArgOk(res, route, kArgHeader, path, PathKind::kRead)) return;
    std::string rev;
    auto item = Resolve(u, path, &rev);
    const Revision* r = item ? PickRevision(*item, rev) : nullptr;
    if (!item || (!item->folder && !r)) {
      return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    }
    if (item->folder || !ThumbnailExtension(item->name)) {
      return RouteError(res, "unsupported_extension", {{".tag", "unsupported_extension"}});
    }
    if (r->content.size() > dropbox::kThumbnailMaxBytes) {
      return RouteError(res, "unsupported_image", {{".tag", "unsupported_image"}});
    }
    json result = v2 ? json{{"file_metadata", Metadata(*item, r)}} : Metadata(*item, r);
    if (format == "png") {
      return SendContent(res, result, ThumbnailPng(), "image/png");
    }
    SendContent(res, result, ThumbnailJpeg(), "image/jpeg");
  }

  // get_preview (PreviewError): PDF or HTML by extension, else
  // unsupported_extension.
  void Preview(Response& res, const User& u, const json& arg) {
    const std::string path = arg.value("path", "");
    if (!PathArgOk(res, "files/get_preview", kArgHeader, path, PathKind::kRead)) return;
    std::string rev = arg.value("rev", "");
    auto item = Resolve(u, path, &rev);
    if (!item) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    if (item->folder) {
      return RouteError(res, "unsupported_content", {{".tag", "unsupported_content"}});
    }
    const Revision* r = PickRevision(*item, rev);
    if (!r) return RouteError(res, "path/not_found", {{".tag", "path"}, {"path", NotFound()}});
    const std::string& text = r->content;
    const dropbox::Preview preview = PreviewOf(item->name);
    if (preview == dropbox::Preview::kPdf) {
      return SendContent(res, Metadata(*item, r), MakePdf(item->name, text), "application/pdf");
    }
    if (preview == dropbox::Preview::kHtml) {
      return SendContent(res, Metadata(*item, r),
                         "<html><body><pre>" + HtmlEscape(text) + "</pre></body></html>",
                         "text/html; charset=utf-8");
    }
    RouteError(res, "unsupported_extension", {{".tag", "unsupported_extension"}});
  }

  void TemporaryLink(const Request& req, Response& res, const User& u, const json& arg) {
    const std::string path = arg.value("path", "");
    if (!PathArgOk(res, "files/get_temporary_link", "request body", path, PathKind::kRead)) return;
    std::string rev;
    auto item = Resolve(u, path, &rev);
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
    // A link to an older revision stops working once that revision is gone.
    const Revision* r = PickRevision(*item, link->revision_id);
    if (!r) {
      res.status = 404;
      return;
    }
    SendBytes(req, res, r->content, item->mime_type);
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
