// Box API 2.0 (api.box.com/2.0), its upload host (upload.box.com/api/2.0),
// download and representation URLs (dl.boxcloud.com) and OAuth, on one port.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>

#include "box_representations.h"
#include "download_link.h"
#include "provider_server.h"
#include "util.h"

namespace lc::emulator {
namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

constexpr int64_t kShortLinkMs = 15 * 60 * 1000;

// Whether the emulator may hand the bytes out as extracted text: not a ZIP
// container (Office, OpenDocument), no NUL bytes. (A PDF whose content
// stream holds its words in clear passes: its "text" then has them.)
bool LooksLikeText(const std::string& bytes) {
  if (bytes.rfind("PK\x03\x04", 0) == 0) return false;
  return bytes.find('\0') == std::string::npos;
}

class Box {
 public:
  explicit Box(ProviderServer& s) : s_(s), store_(s.store()) {}

  void Install() {
    s_.set_fault_responder([](Response& res, int status, int) {
      if (status == 429) {
        return Error(res, 429, "rate_limit_exceeded",
                     "Request rate limit exceeded, please try again later");
      }
      if (status == 503) return Error(res, 503, "unavailable", "Unavailable");
      Error(res, status, "internal_server_error", "Internal Server Error");
    });
    s_.oauth().set_dialect(BoxOAuthDialect());
    s_.Route("GET", "/api/oauth2/authorize", "oauth.authorize",
             [this](const Request& req, Response& res) { HandleAuthorize(s_, req, res, true); });
    s_.Route("POST", "/oauth2/token", "oauth.token",
             [this](const Request& req, Response& res) { Token(req, res); });
    s_.Route("POST", "/oauth2/revoke", "oauth.revoke", [this](const Request& req, Response& res) {
      s_.oauth().Revoke(OAuthParams(req)["token"]);
      res.status = 200;
    });
    Api("GET", "/2.0/users/me", "users.me",
        [this](const Request& req, Response& res, const User& u) {
          SendJson(res, 200, Fields(req, UserJson(u, true)));
        });
    Api("GET", R"(/2.0/files/(\d+))", "files.get",
        [this](const Request& req, Response& res, const User& u) { GetFile(req, res, u); });
    Api("PUT", R"(/2.0/files/(\d+))", "files.update",
        [this](const Request& req, Response& res, const User& u) { UpdateItem(req, res, u); });
    Api("DELETE", R"(/2.0/files/(\d+))", "files.delete",
        [this](const Request& req, Response& res, const User& u) { DeleteItem(req, res, u); });
    Api("GET", R"(/2.0/files/(\d+)/content)", "files.content",
        [this](const Request& req, Response& res, const User& u) { Download(req, res, u); });
    Api("GET", R"(/2.0/files/(\d+)/thumbnail\.(png|jpg))", "files.thumbnail",
        [this](const Request& req, Response& res, const User& u) { Thumbnail(req, res, u); });
    Api("GET", R"(/2.0/files/(\d+)/versions)", "versions.list",
        [this](const Request& req, Response& res, const User& u) { Versions(req, res, u); });
    Api("POST", R"(/2.0/files/(\d+)/versions/current)", "versions.promote",
        [this](const Request& req, Response& res, const User& u) { Promote(req, res, u); });
    Api("GET", R"(/2.0/internal_files/(\d+)/versions/(\d+)/representations/([a-z_]+))",
        "representations.info",
        [this](const Request& req, Response& res, const User& u) { RepInfo(req, res, u); });
    Api("GET",
        R"(/2.0/internal_files/(\d+)/versions/(\d+)/representations/([a-z_]+)/content/?(.*))",
        "representations.content",
        [this](const Request& req, Response& res, const User& u) { RepContent(req, res, u); });
    Api("GET", R"(/2.0/folders/(\d+))", "folders.get",
        [this](const Request& req, Response& res, const User& u) { GetFolder(req, res, u); });
    Api("GET", R"(/2.0/folders/(\d+)/items)", "folders.items",
        [this](const Request& req, Response& res, const User& u) { Items(req, res, u); });
    Api("POST", "/2.0/folders", "folders.create",
        [this](const Request& req, Response& res, const User& u) { CreateFolder(req, res, u); });
    Api("PUT", R"(/2.0/folders/(\d+))", "folders.update",
        [this](const Request& req, Response& res, const User& u) { UpdateItem(req, res, u); });
    Api("DELETE", R"(/2.0/folders/(\d+))", "folders.delete",
        [this](const Request& req, Response& res, const User& u) { DeleteItem(req, res, u); });
    Api("POST", "/api/2.0/files/content", "uploads.file",
        [this](const Request& req, Response& res, const User& u) { Upload(req, res, u, ""); });
    Api("POST", R"(/api/2.0/files/(\d+)/content)", "uploads.version",
        [this](const Request& req, Response& res, const User& u) {
          Upload(req, res, u, req.matches[1]);
        });
    Api("OPTIONS", "/2.0/files/content", "uploads.preflight",
        [this](const Request& req, Response& res, const User&) {
          SendJson(res, 200,
                   {{"upload_url", s_.BaseUrl(req) + "/api/2.0/files/content"},
                    {"upload_token", nullptr}});
        });
    Api("GET", "/2.0/events", "events.get",
        [this](const Request& req, Response& res, const User& u) { Events(req, res, u); });
    Api("OPTIONS", "/2.0/events", "events.realtime",
        [this](const Request& req, Response& res, const User& u) {
          std::string channel = Base64UrlEncode(u.id);
          SendJson(res, 200,
                   {{"chunk_size", 1},
                    {"entries",
                     {{{"type", "realtime_server"},
                       {"url",
                        s_.BaseUrl(req) + "/_realtime/box?channel=" + channel + "&stream_type=all"},
                       {"ttl", "10"},
                       {"max_retries", "10"},
                       {"retry_timeout", 610}}}}});
        });
    s_.Route("GET", "/_realtime/box", "events.longpoll", [this](const Request& req, Response& res) {
      std::string user_id;
      Base64UrlDecode(req.get_param_value("channel"), &user_id);
      int64_t position = std::atoll(req.get_param_value("stream_position").c_str());
      bool changed = store_.WaitForChange(user_id, position, 60 * 1000);
      SendJson(res, 200, {{"message", changed ? "new_change" : "reconnect"}});
    });
    // The web app page of a file (app.box.com/file/<id>) a signed-in
    // browser sees.
    s_.Route("GET", R"(/file/([0-9]+))", "web.file", [this](const Request& req, Response& res) {
      auto owner = store_.OwnerOf(req.matches[1]);
      auto item = owner ? store_.Get(*owner, req.matches[1]) : absl::NotFoundError("");
      if (!item.ok() || item->trashed || item->deleted) {
        res.status = 404;
        return res.set_content(WebAppPage("Box", "This item is no longer available"),
                               "text/html; charset=utf-8");
      }
      res.set_content(WebAppPage("Box", item->name), "text/html; charset=utf-8");
    });
    s_.Route("GET", R"(/_dl/box/([A-Za-z0-9_.\-]+))", "download.link",
             [this](const Request& req, Response& res) { ServeLink(req, res); });
    // The placeholder icon a thumbnail request redirects to (Box's CDN).
    s_.Route("GET", R"(/_placeholder/box/thumbnail\.(png|jpg))", "thumbnail.placeholder",
             [](const Request& req, Response& res) {
               if (std::string(req.matches[1]) == "png") {
                 return res.set_content(ThumbnailPng(), "image/png");
               }
               res.set_content(ThumbnailJpeg(), "image/jpeg");
             });
    // Admin (never faulted or counted, like the rest of /_emulator/).
    auto settings = [this](const Request& req, Response& res) { Settings(req, res); };
    s_.http().Get("/_emulator/settings", settings);
    s_.http().Post("/_emulator/settings", settings);
  }

 private:
  using Handler = std::function<void(const Request&, Response&, const User&)>;

  static void Error(Response& res, int status, const std::string& code, const std::string& message,
                    const json& context = nullptr) {
    json body = {{"type", "error"},    {"status", status},
                 {"code", code},       {"help_url", "http://developers.box.com/docs/#errors"},
                 {"message", message}, {"request_id", RandomToken(16)}};
    if (!context.is_null()) body["context_info"] = context;
    SendJson(res, status, body);
  }

  static void NotFound(Response& res) {
    Error(res, 404, "not_found", "Not Found",
          {{"errors",
            {{{"reason", "invalid_parameter"},
              {"name", "item"},
              {"message", "Invalid value 'item'. 'item' with value not found"}}}}});
  }

  // Box caps offset paging at 10000; deeper pages need marker-based paging.
  static void OffsetTooLarge(Response& res, int64_t offset) {
    Error(res, 400, "bad_request", "Bad Request",
          {{"errors",
            {{{"reason", "invalid_parameter"},
              {"name", "offset"},
              {"message", "Invalid value '" + std::to_string(offset) +
                              "'. The offset must be 10000 or less; use "
                              "marker-based pagination."}}}}});
  }

  // The revision if the owner's plan still keeps it.
  std::optional<Revision> LiveRevision(const Item& item, const std::string& revision_id) const {
    for (Revision& r : store_.LiveRevisions(item)) {
      if (r.id == revision_id) return std::move(r);
    }
    return std::nullopt;
  }

  void Api(const std::string& method, const std::string& pattern, const std::string& op,
           Handler handler) {
    s_.Route(method, pattern, op, [this, handler](const Request& req, Response& res) {
      std::string user_id;
      AuthResult r = s_.oauth().Authenticate(req.get_header_value("Authorization"), &user_id);
      std::optional<User> user;
      if (r == AuthResult::kOk) {
        NoteRequestUser(user_id);
        user = store_.FindUser(user_id);
      }
      if (!user) {
        // Box answers 401 with an empty body and the reason in the header.
        res.status = 401;
        res.set_header("WWW-Authenticate",
                       r == AuthResult::kMissing
                           ? "Bearer realm=\"Service\""
                           : "Bearer realm=\"Service\", error=\"invalid_token\", "
                             "error_description=\"The access token provided is invalid.\"");
        return;
      }
      handler(req, res, *user);
    });
  }

  void Token(const Request& req, Response& res) {
    TokenGrant grant;
    OAuthError error;
    if (!GrantTokens(s_, OAuthParams(req), &grant, &error)) return SendTokenError(s_, res, error);
    SendJson(res, 200,
             {{"access_token", grant.access_token},
              {"expires_in", grant.expires_in},
              {"restricted_to", json::array()},
              {"refresh_token", grant.refresh_token},
              {"token_type", "bearer"}});
  }

  std::string Internal(const User& u, const std::string& id) { return id == "0" ? u.root_id : id; }
  std::string Public(const User& u, const std::string& id) { return id == u.root_id ? "0" : id; }

  json UserJson(const User& u, bool full) {
    json j = {{"type", "user"}, {"id", u.id}, {"name", u.name}, {"login", u.email}};
    if (full) {
      j["created_at"] = BoxTime(0);
      j["modified_at"] = BoxTime(0);
      j["language"] = "en";
      j["timezone"] = "America/Los_Angeles";
      j["space_amount"] = 10737418240LL;
      j["space_used"] = 0;
      j["max_upload_size"] = 5368709120LL;
      j["status"] = "active";
      j["job_title"] = "";
      j["phone"] = "";
      j["address"] = "";
      j["avatar_url"] = "";
    }
    return j;
  }

  json Mini(const User& u, const Item& item) {
    json j = {{"type", item.folder ? "folder" : "file"},
              {"id", Public(u, item.id)},
              {"sequence_id",
               item.parent_id.empty() ? json(nullptr) : json(std::to_string(item.version))},
              {"etag", item.parent_id.empty() ? json(nullptr) : json(std::to_string(item.version))},
              {"name", item.name}};
    if (!item.folder) {
      j["sha1"] = item.head()->sha1;
      j["file_version"] = {
          {"type", "file_version"}, {"id", item.head()->id}, {"sha1", item.head()->sha1}};
    }
    return j;
  }

  json SharedLink(const Item& item) {
    if (item.shared_link.empty()) return nullptr;
    return {{"url", item.shared_link},
            {"download_url", item.folder ? json(nullptr) : json(item.shared_link + "/download")},
            {"vanity_url", nullptr},
            {"vanity_name", nullptr},
            {"effective_access", "open"},
            {"effective_permission", item.folder ? "can_preview" : "can_download"},
            {"is_password_enabled", false},
            {"unshared_at", nullptr},
            {"download_count", 0},
            {"preview_count", 0},
            {"access", "open"},
            {"permissions", {{"can_download", true}, {"can_preview", true}, {"can_edit", false}}}};
  }

  json Full(const Request& req, const User& u, const Item& item) {
    json j = Mini(u, item);
    json path = json::array();
    std::string parent = item.parent_id;
    std::vector<Item> chain;
    while (!parent.empty()) {
      auto p = store_.Get(u.id, parent);
      if (!p.ok()) break;
      chain.push_back(*p);
      parent = p->parent_id;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) path.push_back(Mini(u, *it));
    j["description"] = "";
    j["size"] = item.folder ? 0 : item.size();
    j["path_collection"] = {{"total_count", path.size()}, {"entries", path}};
    j["created_at"] = BoxTime(item.created_ms);
    j["modified_at"] = BoxTime(item.modified_ms);
    j["trashed_at"] = nullptr;
    j["purged_at"] = nullptr;
    j["content_created_at"] = BoxTime(item.created_ms);
    j["content_modified_at"] = BoxTime(item.modified_ms);
    j["created_by"] = UserJson(u, false);
    j["modified_by"] = UserJson(u, false);
    j["owned_by"] = UserJson(u, false);
    j["shared_link"] = SharedLink(item);
    j["parent"] = chain.empty() ? json(nullptr) : Mini(u, chain.front());
    j["item_status"] = "active";
    if (!item.folder) {
      auto dot = item.name.rfind('.');
      j["extension"] = dot == std::string::npos ? "" : item.name.substr(dot + 1);
      j["version_number"] = std::to_string(item.revisions.size());
      j["comment_count"] = 0;
      j["is_package"] = false;
    }
    (void)req;
    return j;
  }

  // Box returns only the requested fields (plus type, id, etag) when asked.
  json Fields(const Request& req, const json& full) {
    if (!req.has_param("fields")) return full;
    json out = {{"type", full["type"]}, {"id", full["id"]}};
    if (full.contains("etag")) out["etag"] = full["etag"];
    for (const auto& f : Split(req.get_param_value("fields"), ',')) {
      if (full.contains(f)) out[f] = full[f];
    }
    return out;
  }

  std::optional<Item> Find(const User& u, const std::string& public_id, bool folder,
                           Response& res) {
    auto item = store_.Get(u.id, Internal(u, public_id));
    if (!item.ok() || item->folder != folder) {
      NotFound(res);
      return std::nullopt;
    }
    return *item;
  }

  // One representation entry as Box lists it in representations.entries and
  // answers it at info.url.
  json RepJson(const Request& req, const Item& item, const Revision& rev, const std::string& rep) {
    const std::string info = s_.BaseUrl(req) + "/2.0/internal_files/" + item.id + "/versions/" +
                             rev.id + "/representations/" + rep;
    // The emulator extracts no text from binary formats (Office, images):
    // generating that text fails instead of serving the raw bytes as text.
    const bool readable = rep != "extracted_text" || LooksLikeText(rev.content);
    const box::RepState state =
        box::StateAt(store_.clock().NowMs(), rev.modified_ms, delay_ms_.load(), readable);
    return {
        {"representation", rep},
        {"properties", rep == "jpg" || rep == "png"
                           ? json{{"dimensions", "320x320"}, {"paged", "false"}, {"thumb", "true"}}
                           : json::object()},
        {"info", {{"url", info}}},
        {"status", {{"state", box::StateName(state)}}},
        {"content", {{"url_template", info + "/content/{+asset_path}"}}}};
  }

  // The representations x-rep-hints asks for (all when it names none) that
  // Box makes for this file type; the others are left out, as Box does.
  json Representations(const Request& req, const Item& item) {
    std::vector<std::string> hints = box::ParseRepHints(req.get_header_value("X-Rep-Hints"));
    if (hints.empty())
      hints.assign(std::begin(box::kRepresentations), std::end(box::kRepresentations));
    json entries = json::array();
    std::set<std::string> listed;
    for (const auto& rep : hints) {
      if (!box::Supports(rep, item.name) || !listed.insert(rep).second) continue;
      entries.push_back(RepJson(req, item, *item.head(), rep));
    }
    return {{"entries", entries}};
  }

  // If-None-Match with the item's current etag: 304 and no body, as Box
  // answers GET of a file or folder that has not changed.
  static bool NotModified(const Request& req, Response& res, const Item& item) {
    const std::string if_none_match = req.get_header_value("If-None-Match");
    // The root folder has no etag.
    if (if_none_match.empty() || item.parent_id.empty() ||
        if_none_match != std::to_string(item.version)) {
      return false;
    }
    res.status = 304;
    return true;
  }

  void GetFile(const Request& req, Response& res, const User& u) {
    auto item = Find(u, req.matches[1], false, res);
    if (!item || NotModified(req, res, *item)) return;
    json full = Full(req, u, *item);
    std::string fields = req.get_param_value("fields");
    if (fields.find("representations") != std::string::npos) {
      full["representations"] = Representations(req, *item);
    }
    if (fields.find("expiring_embed_link") != std::string::npos) {
      std::string token = NewLink(u, *item, item->head()->id);
      full["expiring_embed_link"] = {{"url", s_.BaseUrl(req) + "/_dl/box/" + token}};
    }
    if (fields.find("shared_link_permission_options") != std::string::npos) {
      full["shared_link_permission_options"] = {"can_preview", "can_download"};
    }
    SendJson(res, 200, Fields(req, full));
  }

  void GetFolder(const Request& req, Response& res, const User& u) {
    auto item = Find(u, req.matches[1], true, res);
    if (!item || NotModified(req, res, *item)) return;
    json full = Full(req, u, *item);
    ItemPage page = store_.ListChildren(u.id, item->id, "", 100);
    json entries = json::array();
    for (const auto& c : page.items) entries.push_back(Mini(u, c));
    full["item_collection"] = {{"total_count", entries.size()},
                               {"entries", entries},
                               {"offset", 0},
                               {"limit", 100},
                               {"order", {{{"by", "type"}, {"direction", "ASC"}}}}};
    SendJson(res, 200, Fields(req, full));
  }

  void Items(const Request& req, Response& res, const User& u) {
    auto folder = Find(u, req.matches[1], true, res);
    if (!folder) return;
    int64_t limit = req.has_param("limit") ? std::atoll(req.get_param_value("limit").c_str()) : 100;
    if (limit < 1 || limit > 1000) {
      return Error(res, 400, "bad_request", "Bad Request",
                   {{"errors",
                     {{{"reason", "invalid_parameter"},
                       {"name", "limit"},
                       {"message", "Invalid value for 'limit'."}}}}});
    }
    bool marker_paging = req.get_param_value("usemarker") == "true" || req.has_param("marker");
    auto emit = [&](const Item& c) {
      json mini = Mini(u, c);
      if (req.has_param("fields")) {
        json full = Full(req, u, c);
        for (const auto& f : Split(req.get_param_value("fields"), ',')) {
          if (full.contains(f)) mini[f] = full[f];
        }
      }
      return mini;
    };
    json entries = json::array();
    if (marker_paging) {
      std::string after;  // an unreadable marker starts from the beginning
      Base64UrlDecode(req.get_param_value("marker"), &after);
      ItemPage page = store_.ListChildren(u.id, folder->id, after, limit);
      for (const auto& c : page.items) entries.push_back(emit(c));
      json body = {{"entries", entries}, {"limit", limit}};
      body["next_marker"] =
          page.next_after.empty() ? json(nullptr) : json(Base64UrlEncode(page.next_after));
      return SendJson(res, 200, body);
    }
    int64_t offset = std::max<int64_t>(0, std::atoll(req.get_param_value("offset").c_str()));
    if (offset > 10000) return OffsetTooLarge(res, offset);
    ItemPage page = store_.ListChildrenAt(u.id, folder->id, offset, limit);
    for (const auto& c : page.items) entries.push_back(emit(c));
    SendJson(res, 200,
             {{"total_count", store_.ChildCount(folder->id)},
              {"entries", entries},
              {"offset", offset},
              {"limit", limit},
              {"order", {{{"by", "type"}, {"direction", "ASC"}}}}});
  }

  void CreateFolder(const Request& req, Response& res, const User& u) {
    auto body = ParseJsonBody(req.body);
    if (!body || !body->contains("name") || !body->contains("parent")) {
      return Error(res, 400, "bad_request", "Bad Request");
    }
    std::string parent = Internal(u, (*body)["parent"].value("id", ""));
    std::string name = (*body)["name"];
    if (auto clash = store_.FindChild(parent, name)) {
      return Error(res, 409, "item_name_in_use", "Item with the same name already exists",
                   {{"conflicts", {Mini(u, *clash)}}});
    }
    auto folder = store_.Create(u.id, parent, name, true, "", "", false);
    if (!folder.ok()) return NotFound(res);
    SendJson(res, 201, Fields(req, Full(req, u, *folder)));
  }

  void UpdateItem(const Request& req, Response& res, const User& u) {
    bool folder = StartsWith(req.path, "/2.0/folders/");
    auto item = Find(u, req.matches[1], folder, res);
    if (!item) return;
    auto body = ParseJsonBody(req.body);
    if (!body) return Error(res, 400, "bad_request", "Bad Request");
    std::string if_match = req.get_header_value("If-Match");
    if (!if_match.empty() && if_match != std::to_string(item->version)) {
      return Error(res, 412, "precondition_failed", "The resource has been modified.");
    }
    absl::StatusOr<Item> updated = *item;
    std::optional<std::string> name, parent;
    if (body->contains("name")) name = (*body)["name"].get<std::string>();
    if (body->contains("parent")) parent = Internal(u, (*body)["parent"].value("id", ""));
    if (name || parent) updated = store_.Move(u.id, item->id, name, parent);
    if (updated.ok() && body->contains("shared_link") && !(*body)["shared_link"].is_null()) {
      std::string url = s_.BaseUrl(req) + "/s/" + ToLower(RandomToken(32));
      updated = store_.CreateSharedLink(u.id, item->id, url);
    }
    if (absl::IsAlreadyExists(updated.status())) {
      return Error(res, 409, "item_name_in_use", "Item with the same name already exists");
    }
    if (!updated.ok()) return NotFound(res);
    SendJson(res, 200, Fields(req, Full(req, u, *updated)));
  }

  void DeleteItem(const Request& req, Response& res, const User& u) {
    bool folder = StartsWith(req.path, "/2.0/folders/");
    auto item = Find(u, req.matches[1], folder, res);
    if (!item) return;
    if (folder && req.get_param_value("recursive") != "true" &&
        !store_.ListChildren(u.id, item->id, "", 1).items.empty()) {
      return Error(res, 400, "folder_not_empty", "Cannot delete – folder not empty");
    }
    if (!store_.Delete(u.id, item->id).ok()) return NotFound(res);
    res.status = 204;
  }

  void Upload(const Request& req, Response& res, const User& u, const std::string& file_id) {
    if (!req.is_multipart_form_data() || !req.has_file("file")) {
      return Error(res, 400, "bad_request", "Bad Request",
                   {{"errors", {{{"reason", "missing_parameter"}, {"name", "file"}}}}});
    }
    json attributes = json::object();
    if (req.has_file("attributes")) {
      auto parsed = ParseJsonBody(req.get_file_value("attributes").content);
      if (!parsed) return Error(res, 400, "bad_request", "Bad Request");
      attributes = *parsed;
    }
    const std::string& content = req.get_file_value("file").content;
    absl::StatusOr<Item> item;
    if (file_id.empty()) {
      std::string name = attributes.value("name", req.get_file_value("file").filename);
      std::string parent =
          Internal(u, attributes.contains("parent") ? attributes["parent"].value("id", "0") : "0");
      if (auto clash = store_.FindChild(parent, name)) {
        return Error(res, 409, "item_name_in_use", "Item with the same name already exists",
                     {{"conflicts", Mini(u, *clash)}});
      }
      item = store_.Create(u.id, parent, name, false, content, "", false);
    } else {
      auto existing = Find(u, file_id, false, res);
      if (!existing) return;
      std::string if_match = req.get_header_value("If-Match");
      if (!if_match.empty() && if_match != std::to_string(existing->version)) {
        return Error(res, 412, "precondition_failed", "The resource has been modified.");
      }
      item = store_.UpdateContent(u.id, existing->id, content);
      if (item.ok() && attributes.contains("name")) {
        item = store_.Move(u.id, existing->id, attributes["name"].get<std::string>(), std::nullopt);
      }
    }
    if (!item.ok()) return NotFound(res);
    SendJson(res, 201, {{"total_count", 1}, {"entries", {Full(req, u, *item)}}});
  }

  std::string NewLink(const User& u, const Item& item, const std::string& rev) {
    return SignDownloadLink({u.id, item.id, rev, false, store_.clock().NowMs() + kShortLinkMs});
  }

  void Download(const Request& req, Response& res, const User& u) {
    auto item = Find(u, req.matches[1], false, res);
    if (!item) return;
    std::string rev = req.has_param("version") ? req.get_param_value("version") : item->head()->id;
    // A version the plan no longer keeps (or never kept) is gone.
    if (!LiveRevision(*item, rev)) return NotFound(res);
    res.status = 302;
    res.set_header("Location", s_.BaseUrl(req) + "/_dl/box/" + NewLink(u, *item, rev));
  }

  void ServeLink(const Request& req, Response& res) {
    auto link = VerifyDownloadLink(req.matches[1]);
    if (!link || link->expires_ms < store_.clock().NowMs()) {
      res.status = 403;
      res.set_content("Link expired", "text/plain");
      return;
    }
    auto item = store_.Get(link->user_id, link->item_id);
    if (!item.ok()) {
      res.status = 404;
      return;
    }
    if (auto r = LiveRevision(*item, link->revision_id)) {
      res.set_header("Content-Disposition", "attachment;filename=\"" + item->name + "\"");
      return SendBytes(req, res, r->content, "application/octet-stream");
    }
    res.status = 404;
  }

  // files/{id}/thumbnail.{png,jpg}: Box's sizes are 32, 64, 128 and 256 px
  // in PNG and 32, 160 and 320 px in JPEG; a type Box makes no thumbnail of
  // redirects to a placeholder icon, and a new version's thumbnail is 202
  // (placeholder and Retry-After) while Box makes it.
  void Thumbnail(const Request& req, Response& res, const User& u) {
    auto item = Find(u, req.matches[1], false, res);
    if (!item) return;
    const std::string format = req.matches[2];
    auto dim = [&](const char* name) {
      return std::max<int64_t>(0, std::atoll(req.get_param_value(name).c_str()));
    };
    const int64_t largest = format == "png" ? 256 : 320;
    const int64_t min_w = dim("min_width"), min_h = dim("min_height");
    const int64_t max_w = dim("max_width"), max_h = dim("max_height");
    if (min_w > largest || min_h > largest || (max_w > 0 && (max_w < 32 || max_w < min_w)) ||
        (max_h > 0 && (max_h < 32 || max_h < min_h))) {
      return Error(res, 400, "requested_preview_unavailable",
                   "The requested thumbnail size is not available");
    }
    const std::string placeholder = s_.BaseUrl(req) + "/_placeholder/box/thumbnail." + format;
    if (!box::Supports(format, item->name)) {
      res.status = 302;
      res.set_header("Location", placeholder);
      return;
    }
    const Revision& head = *item->head();
    const int64_t left_ms = head.modified_ms + delay_ms_.load() - store_.clock().NowMs();
    if (left_ms > 0) {
      res.status = 202;
      res.set_header("Location", placeholder);
      res.set_header("Retry-After", std::to_string((left_ms + 999) / 1000));
      return;
    }
    if (format == "png") return res.set_content(ThumbnailPng(), "image/png");
    res.set_content(ThumbnailJpeg(), "image/jpeg");
  }

  json VersionJson(const User& u, const Item& item, const Revision& r) {
    return {{"type", "file_version"},
            {"id", r.id},
            {"sha1", r.sha1},
            {"name", item.name},
            {"size", r.content.size()},
            {"created_at", BoxTime(r.modified_ms)},
            {"modified_at", BoxTime(r.modified_ms)},
            {"modified_by", UserJson(u, false)},
            // Box's document types trashed_by/restored_by as a user object
            // (not nullable): a version never trashed or restored omits them.
            {"trashed_at", nullptr},
            {"restored_at", nullptr},
            {"purged_at", nullptr},
            {"uploader_display_name", u.name},
            {"version_number", std::to_string(r.number)}};
  }

  // Box lists the previous versions it keeps, newest first; the current one
  // is the file's file_version. Free accounts keep none: the list is empty.
  void Versions(const Request& req, Response& res, const User& u) {
    auto item = Find(u, req.matches[1], false, res);
    if (!item) return;
    int64_t limit =
        req.has_param("limit") ? std::atoll(req.get_param_value("limit").c_str()) : 1000;
    int64_t offset = std::max<int64_t>(0, std::atoll(req.get_param_value("offset").c_str()));
    if (offset > 10000) return OffsetTooLarge(res, offset);
    std::vector<Revision> live = store_.LiveRevisions(*item);
    if (!live.empty()) live.pop_back();  // the head
    json entries = json::array();
    const int64_t total = static_cast<int64_t>(live.size());
    for (int64_t i = total - 1 - offset; i >= 0 && static_cast<int64_t>(entries.size()) < limit;
         --i) {
      entries.push_back(VersionJson(u, *item, live[i]));
    }
    SendJson(res, 200,
             {{"total_count", total},
              {"entries", entries},
              {"offset", offset},
              {"limit", limit},
              {"order", {{{"by", "type"}, {"direction", "ASC"}}}}});
  }

  void Promote(const Request& req, Response& res, const User& u) {
    auto item = Find(u, req.matches[1], false, res);
    if (!item) return;
    auto body = ParseJsonBody(req.body);
    if (!body) return Error(res, 400, "bad_request", "Bad Request");
    if (auto r = LiveRevision(*item, body->value("id", ""))) {
      auto updated = store_.UpdateContent(u.id, item->id, r->content);
      if (!updated.ok()) return NotFound(res);
      return SendJson(res, 201, VersionJson(u, *updated, *updated->head()));
    }
    NotFound(res);
  }

  std::optional<std::pair<Item, Revision>> FindRep(const Request& req, Response& res,
                                                   const User& u) {
    auto item = store_.Get(u.id, req.matches[1]);
    if (!item.ok()) {
      NotFound(res);
      return std::nullopt;
    }
    if (!box::Supports(std::string(req.matches[3]), item->name)) {
      NotFound(res);
      return std::nullopt;
    }
    if (auto r = LiveRevision(*item, req.matches[2])) return std::make_pair(*item, *r);
    NotFound(res);
    return std::nullopt;
  }

  // info.url: the representation's current state.
  void RepInfo(const Request& req, Response& res, const User& u) {
    auto found = FindRep(req, res, u);
    if (!found) return;
    SendJson(res, 200, RepJson(req, found->first, found->second, req.matches[3]));
  }

  void RepContent(const Request& req, Response& res, const User& u) {
    auto found = FindRep(req, res, u);
    if (!found) return;
    const std::string rep = req.matches[3];
    const auto& [item, rev] = *found;
    const json entry = RepJson(req, item, rev, rep);
    const std::string state = entry["status"]["state"];
    if (state == "pending") {
      // Not generated yet: Box's answer for content that is not ready
      // (202 with the seconds to wait).
      const int64_t left_ms = rev.modified_ms + delay_ms_.load() - store_.clock().NowMs();
      res.status = 202;
      res.set_header("Retry-After", std::to_string(std::max<int64_t>(1, (left_ms + 999) / 1000)));
      return;
    }
    if (state != "success") return NotFound(res);
    if (rep == "pdf") return res.set_content(MakePdf(item.name, rev.content), "application/pdf");
    if (rep == "extracted_text") return res.set_content(rev.content, "text/plain; charset=utf-8");
    if (rep == "jpg") return res.set_content(ThumbnailJpeg(), "image/jpeg");
    res.set_content(ThumbnailPng(), "image/png");
  }

  // GET/POST /_emulator/settings on the Box port: how long representations
  // stay pending after an upload.
  void Settings(const Request& req, Response& res) {
    if (req.method == "POST") {
      auto body = ParseJsonBody(req.body);
      if (!body || !body->is_object()) return SendJson(res, 400, {{"error", "invalid JSON"}});
      if (body->contains("box_representation_delay_ms")) {
        const json& v = (*body)["box_representation_delay_ms"];
        if (!v.is_number_integer() || v.get<int64_t>() < 0) {
          return SendJson(res, 400,
                          {{"error", "box_representation_delay_ms must be an integer >= 0"}});
        }
        delay_ms_ = v.get<int64_t>();
      }
    }
    SendJson(res, 200, {{"box_representation_delay_ms", delay_ms_.load()}});
  }

  static std::string EventType(ChangeKind kind, bool folder) {
    switch (kind) {
      case ChangeKind::kCreated:
        return folder ? "ITEM_CREATE" : "ITEM_UPLOAD";
      case ChangeKind::kContent:
        return "ITEM_UPLOAD";
      case ChangeKind::kMoved:
        return "ITEM_RENAME";
      case ChangeKind::kTrashed:
      case ChangeKind::kDeleted:
        return "ITEM_TRASH";
      case ChangeKind::kRestored:
        return "ITEM_UNDELETE_VIA_TRASH";
      case ChangeKind::kMetadata:
        return "ITEM_SHARED_UPDATE";
    }
    return "ITEM_MODIFY";
  }

  void Events(const Request& req, Response& res, const User& u) {
    std::string position = req.get_param_value("stream_position");
    std::string stream_type = req.get_param_value("stream_type");
    if (!stream_type.empty() && stream_type != "all" && stream_type != "changes" &&
        stream_type != "sync") {
      return Error(res, 400, "bad_request", "Bad Request");
    }
    if (position == "now") {
      return SendJson(res, 200,
                      {{"chunk_size", 0},
                       {"next_stream_position", store_.LatestSeq()},
                       {"entries", json::array()}});
    }
    int64_t after = position.empty() ? 0 : std::atoll(position.c_str());
    after = std::max(after, store_.OldestValidSeq());
    after = std::min(after, store_.LatestSeq());
    size_t limit = std::clamp<int64_t>(
        req.has_param("limit") ? std::atoll(req.get_param_value("limit").c_str()) : 100, 1, 500);
    auto page = store_.ChangesSince(u.id, after, limit);
    if (!page.ok()) return Error(res, 400, "bad_request", "Invalid stream position");
    json entries = json::array();
    for (const auto& e : page->entries) {
      json source = e.item.deleted ? Mini(u, e.item) : Full(req, u, e.item);
      if (e.item.deleted) source["item_status"] = "trashed";
      entries.push_back({{"type", "event"},
                         {"event_id", std::to_string(e.change.seq) + "-" + e.item.id},
                         {"event_type", EventType(e.change.kind, e.item.folder)},
                         {"created_at", BoxTime(e.change.time_ms)},
                         {"recorded_at", BoxTime(e.change.time_ms)},
                         {"created_by", UserJson(u, false)},
                         {"session_id", nullptr},
                         {"source", source}});
    }
    SendJson(res, 200,
             {{"chunk_size", entries.size()},
              {"next_stream_position", page->next_seq},
              {"entries", entries}});
  }

  ProviderServer& s_;
  Store& store_;
  // How long a new revision's representations stay pending.
  std::atomic<int64_t> delay_ms_{2000};
};

}  // namespace

void InstallBox(ProviderServer& server) {
  auto box = std::make_shared<Box>(server);
  box->Install();
  server.Keep(box);
}

}  // namespace lc::emulator
