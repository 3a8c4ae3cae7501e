// Google Drive v3 (www.googleapis.com), its upload host and Google OAuth
// (accounts.google.com, oauth2.googleapis.com) on one port.
#include <algorithm>
#include <map>
#include <memory>

#include "googledrive_export.h"
#include "provider_server.h"
#include "util.h"

namespace lc::emulator {
namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

constexpr char kFolderMime[] = "application/vnd.google-apps.folder";
// revisions resource, keepForever: "This can be set on a maximum of 200
// revisions for a file."
constexpr long kMaxKeptForever = 200;

// A parsed `fields` selector such as "nextPageToken,files(id,name)".
struct FieldMask {
  std::map<std::string, FieldMask> children;
  bool all = false;  // "*" or a leaf

  static FieldMask Parse(const std::string& spec) {
    FieldMask root;
    size_t pos = 0;
    ParseList(spec, pos, root);
    return root;
  }

  bool Wants(const std::string& key) const {
    return all || children.empty() || children.count(key) || children.count("*");
  }
  // The mask for a member ("files" in "files(id,name)"); null means all.
  const FieldMask* Sub(const std::string& key) const {
    if (all || children.empty() || children.count("*")) return nullptr;
    auto it = children.find(key);
    if (it == children.end() || it->second.all || it->second.children.empty()) return nullptr;
    return &it->second;
  }

  json Apply(const json& value) const {
    if (all || children.empty()) return value;
    if (value.is_array()) {
      json out = json::array();
      for (const auto& v : value) out.push_back(Apply(v));
      return out;
    }
    if (!value.is_object()) return value;
    json out = json::object();
    for (const auto& [key, sub] : children) {
      if (key == "*") return value;
      auto it = value.find(key);
      if (it != value.end()) out[key] = sub.Apply(*it);
    }
    return out;
  }

 private:
  static void ParseList(const std::string& s, size_t& pos, FieldMask& into) {
    while (pos < s.size()) {
      while (pos < s.size() && (s[pos] == ' ' || s[pos] == ',')) ++pos;
      if (pos >= s.size() || s[pos] == ')') return;
      std::string name;
      while (pos < s.size() && s[pos] != ',' && s[pos] != '(' && s[pos] != ')') {
        if (s[pos] != ' ') name.push_back(s[pos]);
        ++pos;
      }
      // "a/b/c" is a(b(c)).
      FieldMask* node = &into;
      for (const auto& part : Split(name, '/')) {
        if (part.empty()) continue;
        node = &node->children[part];
      }
      if (pos < s.size() && s[pos] == '(') {
        ++pos;
        ParseList(s, pos, *node);
        if (pos < s.size() && s[pos] == ')') ++pos;
      } else if (node->children.empty()) {
        node->all = true;
      }
    }
  }
};

json Project(const json& full, const std::string& fields, const std::string& defaults) {
  return FieldMask::Parse(fields.empty() ? defaults : fields).Apply(full);
}

bool IsGoogleNative(const std::string& mime) {
  return StartsWith(mime, "application/vnd.google-apps.") && mime != kFolderMime;
}

// One clause of a Drive `q`.
struct Clause {
  std::string field, op, value;
};

bool ParseQuery(const std::string& q, std::vector<Clause>* clauses) {
  // Split on " and " outside quotes.
  std::vector<std::string> parts;
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < q.size(); ++i) {
    if (q[i] == '\'' && (i == 0 || q[i - 1] != '\\')) quoted = !quoted;
    if (!quoted && ToLower(q.substr(i, 5)) == " and ") {
      parts.push_back(current);
      current.clear();
      i += 4;
      continue;
    }
    current.push_back(q[i]);
  }
  parts.push_back(current);
  static const std::regex in_parents(R"(^\s*'([^']*)'\s+in\s+parents\s*$)", std::regex::icase);
  static const std::regex compare(
      R"(^\s*(name|mimeType|trashed|starred)\s*(=|!=|contains)\s*('((?:[^'\\]|\\.)*)'|true|false)\s*$)");
  for (const auto& part : parts) {
    std::smatch m;
    if (part.find_first_not_of(' ') == std::string::npos) {
      if (parts.size() > 1) return false;
      continue;
    }
    if (std::regex_match(part, m, in_parents)) {
      clauses->push_back({"parents", "in", m[1]});
    } else if (std::regex_match(part, m, compare)) {
      std::string value = m[4].matched ? std::string(m[4]) : std::string(m[3]);
      std::string unescaped;
      for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        unescaped.push_back(value[i]);
      }
      clauses->push_back({m[1], m[2], unescaped});
    } else {
      return false;
    }
  }
  return true;
}

class GoogleDrive {
 public:
  explicit GoogleDrive(ProviderServer& s) : s_(s), store_(s.store()) {}

  void Install() {
    s_.set_fault_responder([](Response& res, int status, int) {
      if (status == 429) {
        Error(res, 429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits");
      } else if (status == 403) {
        Error(res, 403, "userRateLimitExceeded", "User Rate Limit Exceeded", "usageLimits");
      } else if (status == 503) {
        Error(res, 503, "backendError", "The service is currently unavailable.", "global");
      } else {
        Error(res, status, "internalError", "Internal Error", "global");
      }
    });
    auto authorize = [this](const Request& req, Response& res) {
      HandleAuthorize(s_, req, res, req.get_param_value("access_type") == "offline");
    };
    s_.Route("GET", "/o/oauth2/v2/auth", "oauth.authorize", authorize);
    s_.Route("GET", "/o/oauth2/auth", "oauth.authorize", authorize);
    auto token = [this](const Request& req, Response& res) { Token(req, res); };
    s_.Route("POST", "/token", "oauth.token", token);
    s_.Route("POST", "/o/oauth2/token", "oauth.token", token);
    auto revoke = [this](const Request& req, Response& res) {
      auto params = OAuthParams(req);
      if (!s_.oauth().Revoke(params["token"])) {
        return SendJson(
            res, 400,
            {{"error", "invalid_token"}, {"error_description", "Token expired or revoked"}});
      }
      SendJson(res, 200, json::object());
    };
    s_.Route("POST", "/revoke", "oauth.revoke", revoke);
    s_.Route("GET", "/revoke", "oauth.revoke", revoke);
    s_.Route("POST", "/o/oauth2/revoke", "oauth.revoke", revoke);
    auto userinfo = [this](const Request& req, Response& res) {
      auto user = Auth(req, res);
      if (!user) return;
      SendJson(res, 200,
               {{"sub", user->id},
                {"id", user->id},
                {"name", user->name},
                {"given_name", user->name},
                {"email", user->email},
                {"email_verified", true},
                {"verified_email", true},
                {"picture", s_.BaseUrl(req) + "/_thumbnails/user.png"}});
    };
    s_.Route("GET", "/oauth2/v3/userinfo", "oauth.userinfo", userinfo);
    s_.Route("GET", "/oauth2/v2/userinfo", "oauth.userinfo", userinfo);
    s_.Route("GET", "/v1/userinfo", "oauth.userinfo", userinfo);

    s_.Route("GET", "/drive/v3/about", "about.get",
             [this](const Request& req, Response& res) { About(req, res); });
    s_.Route("GET", "/drive/v3/files", "files.list",
             [this](const Request& req, Response& res) { List(req, res); });
    s_.Route("POST", "/drive/v3/files", "files.create", [this](const Request& req, Response& res) {
      Upload(req, res, "", /*metadata_only=*/true);
    });
    s_.Route("GET", R"(/drive/v3/files/([^/]+))", "files.get",
             [this](const Request& req, Response& res) { GetFile(req, res); });
    s_.Route("PATCH", R"(/drive/v3/files/([^/]+))", "files.update",
             [this](const Request& req, Response& res) {
               Upload(req, res, req.matches[1], /*metadata_only=*/true);
             });
    s_.Route("DELETE", R"(/drive/v3/files/([^/]+))", "files.delete",
             [this](const Request& req, Response& res) { Delete(req, res); });
    s_.Route("GET", R"(/drive/v3/files/([^/]+)/export)", "files.export",
             [this](const Request& req, Response& res) { Export(req, res); });
    s_.Route("POST", R"(/drive/v3/files/([^/]+)/permissions)", "permissions.create",
             [this](const Request& req, Response& res) { Share(req, res); });
    s_.Route("GET", R"(/drive/v3/files/([^/]+)/revisions)", "revisions.list",
             [this](const Request& req, Response& res) { Revisions(req, res); });
    s_.Route("GET", R"(/drive/v3/files/([^/]+)/revisions/([^/]+))", "revisions.get",
             [this](const Request& req, Response& res) { GetRevision(req, res); });
    s_.Route("PATCH", R"(/drive/v3/files/([^/]+)/revisions/([^/]+))", "revisions.update",
             [this](const Request& req, Response& res) { GetRevision(req, res); });
    s_.Route("GET", "/drive/v3/changes/startPageToken", "changes.getStartPageToken",
             [this](const Request& req, Response& res) {
               auto user = Auth(req, res);
               if (!user) return;
               SendJson(res, 200,
                        {{"kind", "drive#startPageToken"},
                         {"startPageToken", std::to_string(store_.LatestSeq() + 1)}});
             });
    s_.Route("GET", "/drive/v3/changes", "changes.list",
             [this](const Request& req, Response& res) { Changes(req, res); });
    s_.Route("POST", "/upload/drive/v3/files", "files.create.upload",
             [this](const Request& req, Response& res) { Upload(req, res, "", false); });
    s_.Route("PUT", "/upload/drive/v3/files", "files.upload.resumable",
             [this](const Request& req, Response& res) { Resume(req, res); });
    s_.Route(
        "PATCH", R"(/upload/drive/v3/files/([^/]+))", "files.update.upload",
        [this](const Request& req, Response& res) { Upload(req, res, req.matches[1], false); });
    s_.Route("PUT", R"(/upload/drive/v3/files/([^/]+))", "files.upload.resumable",
             [this](const Request& req, Response& res) { Resume(req, res); });
    s_.Route("GET", R"(/_thumbnails/drive/([^/]+))", "thumbnail",
             [this](const Request& req, Response& res) { Thumbnail(req, res); });
    s_.Route("GET", "/_thumbnails/user.png", "thumbnail",
             [](const Request&, Response& res) { res.set_content(ThumbnailPng(), "image/png"); });
    // Drive's web pages, for a browser signed in as the file's owner (the
    // emulator has no browser sessions: every browser is): webContentLink,
    // webViewLink and the exportLinks of native documents.
    s_.Route("GET", "/uc", "web.download", [this](const Request& req, Response& res) {
      auto item = WebItem(req.get_param_value("id"));
      if (!item || item->folder || item->native || item->head() == nullptr) {
        return NotFoundPage(res);
      }
      res.set_header("Content-Disposition", "attachment; filename=\"" + item->name + "\"");
      res.set_content(item->head()->content, item->head()->mime_type.empty()
                                                 ? "application/octet-stream"
                                                 : item->head()->mime_type);
    });
    for (const char* page : {R"(/file/d/([^/]+)/view)", R"(/drive/folders/([^/]+))"}) {
      s_.Route("GET", page, "web.view", [this](const Request& req, Response& res) {
        auto item = WebItem(req.matches[1]);
        if (!item) return NotFoundPage(res);
        res.set_content(WebAppPage("Google Drive", item->name), "text/html; charset=utf-8");
      });
    }
    s_.Route("GET", "/feeds/download/export", "web.export",
             [this](const Request& req, Response& res) { WebExport(req, res); });
  }

 private:
  // The live item `id` names, whoever owns it (web pages carry no token).
  std::optional<Item> WebItem(const std::string& id) {
    auto owner = store_.OwnerOf(id);
    if (!owner) return std::nullopt;
    auto item = store_.Get(*owner, id);
    if (!item.ok() || item->trashed || item->deleted) return std::nullopt;
    return *item;
  }
  static void NotFoundPage(Response& res) {
    res.status = 404;
    res.set_content(WebAppPage("Google Drive", "Sorry, the file you requested does not exist."),
                    "text/html; charset=utf-8");
  }

  // Sends an export with its type; text types say their charset.
  static void SendExport(Response& res, const Item& item, const std::string& text,
                         const drive::ExportFormat& format) {
    const bool textual = StartsWith(format.mime_type, "text/") ||
                         format.mime_type == "image/svg+xml" ||
                         format.mime_type == "application/rtf";
    res.set_content(drive::ExportDocument(item.mime_type, item.name, text, format),
                    format.mime_type + (textual ? "; charset=utf-8" : ""));
  }

  // exportLinks of a native document (or of one of its revisions): web
  // URLs, as on Drive (docs.google.com/feeds/download/...), not the API.
  json ExportLinks(const Request& req, const Item& item, const std::string& revision_id) {
    json links = json::object();
    const std::string url = s_.BaseUrl(req) + "/feeds/download/export?id=" + item.id +
                            (revision_id.empty() ? "" : "&revision=" + revision_id) +
                            "&exportFormat=";
    for (const auto& f : drive::ExportFormats(item.mime_type)) {
      links[f.mime_type] = url + f.web_format;
    }
    return links;
  }

  // The browser's export of a native document or of one of its revisions
  // (exportLinks). The emulator has no browser sessions: every browser is
  // signed in as the owner.
  void WebExport(const Request& req, Response& res) {
    auto item = WebItem(req.get_param_value("id"));
    if (!item || !item->native || item->head() == nullptr) return NotFoundPage(res);
    const Revision* rev = item->head();
    const std::vector<Revision> live = store_.LiveRevisions(*item);
    if (const std::string r = req.get_param_value("revision"); !r.empty()) {
      rev = nullptr;
      for (const Revision& candidate : live) {
        if (candidate.id == r) rev = &candidate;
      }
      if (rev == nullptr) return NotFoundPage(res);
    }
    auto format =
        drive::FindExportByWebFormat(item->mime_type, req.get_param_value("exportFormat"));
    if (!format) return NotFoundPage(res);
    res.set_header("Content-Disposition",
                   "attachment; filename=\"" + item->name + "." + format->web_format + "\"");
    SendExport(res, *item, rev->content, *format);
  }

  // thumbnailLink. Drive: "If the file isn't shared publicly, the URL
  // returned in files.thumbnailLink must be fetched using a credentialed
  // request." Without the owner's token the image host answers 403.
  void Thumbnail(const Request& req, Response& res) {
    const std::string id = req.matches[1];
    auto owner = store_.OwnerOf(id);
    absl::StatusOr<Item> item = absl::NotFoundError(id);
    if (owner) item = store_.Get(*owner, id);
    if (!item.ok() || item->deleted || item->folder) {
      res.status = 404;
      return res.set_content(ErrorPage(404, "Not Found"), "text/html; charset=UTF-8");
    }
    if (item->shared_link.empty()) {
      std::string user_id;
      if (s_.oauth().Authenticate(req.get_header_value("Authorization"), &user_id) !=
              AuthResult::kOk ||
          user_id != *owner) {
        res.status = 403;
        return res.set_content(ErrorPage(403, "Forbidden"), "text/html; charset=UTF-8");
      }
      NoteRequestUser(user_id);
    }
    res.set_header("Cache-Control", "private, max-age=86400");
    res.set_content(ThumbnailPng(), "image/png");
  }
  // The image host's error page: HTML, not the API's JSON error.
  static std::string ErrorPage(int status, const std::string& text) {
    return "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error " +
           std::to_string(status) + " (" + text + ")!!1</title><p><b>" + std::to_string(status) +
           ".</b> <ins>That's an error.</ins>";
  }

  static void Error(Response& res, int code, const std::string& reason, const std::string& message,
                    const std::string& domain, const std::string& location = "",
                    const std::string& location_type = "") {
    json err = {{"domain", domain}, {"reason", reason}, {"message", message}};
    if (!location.empty()) {
      err["location"] = location;
      err["locationType"] = location_type;
    }
    json body = {{"error", {{"code", code}, {"message", message}, {"errors", {err}}}}};
    static const std::map<int, std::string> kStatus = {
        {400, "INVALID_ARGUMENT"}, {401, "UNAUTHENTICATED"},    {403, "PERMISSION_DENIED"},
        {404, "NOT_FOUND"},        {429, "RESOURCE_EXHAUSTED"}, {500, "INTERNAL"},
        {503, "UNAVAILABLE"}};
    if (auto it = kStatus.find(code); it != kStatus.end()) {
      body["error"]["status"] = it->second;
    }
    SendJson(res, code, body);
  }

  static void NotFound(Response& res, const std::string& id) {
    Error(res, 404, "notFound", "File not found: " + id + ".", "global", "fileId", "parameter");
  }

  std::optional<User> Auth(const Request& req, Response& res) {
    std::string user_id;
    std::string header = req.get_header_value("Authorization");
    if (header.empty() && req.has_param("access_token")) {
      header = "Bearer " + req.get_param_value("access_token");
    }
    AuthResult r = s_.oauth().Authenticate(header, &user_id);
    if (r == AuthResult::kOk) {
      NoteRequestUser(user_id);
      if (auto user = store_.FindUser(user_id)) return user;
    }
    res.set_header("WWW-Authenticate",
                   "Bearer realm=\"https://accounts.google.com/\", "
                   "error=\"invalid_token\"");
    if (r == AuthResult::kMissing) {
      Error(res, 401, "required", "Login Required.", "global", "Authorization", "header");
      return std::nullopt;
    }
    Error(res, 401, "authError",
          "Request had invalid authentication credentials. Expected OAuth 2 "
          "access token, login cookie or other valid authentication "
          "credential. See "
          "https://developers.google.com/identity/sign-in/web/"
          "devconsole-project.",
          "global", "Authorization", "header");
    return std::nullopt;
  }

  void Token(const Request& req, Response& res) {
    TokenGrant grant;
    OAuthError error;
    if (!GrantTokens(s_, OAuthParams(req), &grant, &error)) {
      int status = error.error == "invalid_client" ? 401 : 400;
      return SendJson(res, status,
                      {{"error", error.error}, {"error_description", error.description}});
    }
    json body = {
        {"access_token", grant.access_token},
        {"expires_in", grant.expires_in},
        {"scope", grant.scope.empty() ? "https://www.googleapis.com/auth/drive" : grant.scope},
        {"token_type", "Bearer"}};
    if (!grant.refresh_token.empty()) body["refresh_token"] = grant.refresh_token;
    res.set_header("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
    SendJson(res, 200, body);
  }

  std::string ResolveId(const User& user, const std::string& id) {
    return id == "root" ? user.root_id : id;
  }

  json Owner(const User& user) {
    return {{"kind", "drive#user"},
            {"displayName", user.name},
            {"emailAddress", user.email},
            {"permissionId", user.id},
            {"me", true}};
  }

  // Builds only what `mask` asks for (listings of thousands of files).
  json FileJson(const Request& req, const User& user, const Item& item,
                const FieldMask* mask = nullptr) {
    std::string base = s_.BaseUrl(req);
    json f = json::object();
    auto put = [&](const char* key, auto&& make) {
      if (!mask || mask->Wants(key)) f[key] = make();
    };
    bool binary = !item.folder && !item.native;
    const Revision* head = item.head();
    put("kind", [] { return "drive#file"; });
    put("id", [&] { return item.id; });
    put("name", [&] { return item.name; });
    put("mimeType", [&] { return item.mime_type; });
    put("starred", [] { return false; });
    put("trashed", [&] { return item.trashed; });
    put("explicitlyTrashed", [&] { return item.trashed; });
    put("version", [&] { return std::to_string(item.version); });
    put("createdTime", [&] { return Rfc3339Millis(item.created_ms); });
    put("modifiedTime", [&] { return Rfc3339Millis(item.modified_ms); });
    put("modifiedByMeTime", [&] { return Rfc3339Millis(item.modified_ms); });
    put("viewedByMe", [] { return true; });
    put("ownedByMe", [] { return true; });
    put("owners", [&] { return json::array({Owner(user)}); });
    put("lastModifyingUser", [&] { return Owner(user); });
    put("shared", [&] { return !item.shared_link.empty(); });
    put("spaces", [] { return json::array({"drive"}); });
    put("webViewLink", [&] {
      return base + (item.folder ? "/drive/folders/" : "/file/d/") + item.id +
             (item.folder ? "" : "/view?usp=drivesdk");
    });
    put("iconLink", [&] { return base + "/_thumbnails/user.png"; });
    put("hasThumbnail", [&] { return !item.folder; });
    put("capabilities", [] {
      return json{{"canDownload", true}, {"canEdit", true},   {"canRename", true},
                  {"canTrash", true},    {"canDelete", true}, {"canShare", true}};
    });
    if (!item.parent_id.empty()) put("parents", [&] { return json::array({item.parent_id}); });
    if (!item.folder) {
      put("thumbnailLink", [&] {
        return base + "/_thumbnails/drive/" + item.id +
               "?sz=s220&v=" + std::to_string(item.version);
      });
      put("thumbnailVersion", [&] { return std::to_string(item.version); });
    }
    if (binary) {
      put("size", [&] { return std::to_string(item.size()); });
      put("quotaBytesUsed", [&] { return std::to_string(item.size()); });
      put("md5Checksum", [&] { return head->md5; });
      put("sha1Checksum", [&] { return head->sha1; });
      put("sha256Checksum", [&] { return head->sha256; });
      put("headRevisionId", [&] { return head->id; });
      put("originalFilename", [&] { return item.name; });
      put("webContentLink", [&] { return base + "/uc?id=" + item.id + "&export=download"; });
      auto dot = item.name.rfind('.');
      if (dot != std::string::npos) {
        put("fileExtension", [&] { return item.name.substr(dot + 1); });
        put("fullFileExtension", [&] { return item.name.substr(dot + 1); });
      }
    } else if (item.native) {
      put("quotaBytesUsed", [] { return "0"; });
      if (!drive::ExportFormats(item.mime_type).empty()) {
        put("exportLinks", [&] { return ExportLinks(req, item, ""); });
      }
    }
    if (!item.shared_link.empty()) {
      put("permissionIds", [&] { return json::array({user.id, "anyoneWithLink"}); });
    }
    return f;
  }

  static constexpr const char* kFileDefaults = "kind,id,name,mimeType";

  static json ExportFormatsJson() {
    json formats = json::object();
    for (const char* type :
         {"application/vnd.google-apps.document", "application/vnd.google-apps.spreadsheet",
          "application/vnd.google-apps.presentation", "application/vnd.google-apps.drawing",
          "application/vnd.google-apps.script"}) {
      json list = json::array();
      for (const auto& f : drive::ExportFormats(type)) list.push_back(f.mime_type);
      formats[type] = list;
    }
    return formats;
  }

  void About(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    if (!req.has_param("fields")) {
      return Error(res, 400, "required", "The 'fields' parameter is required for this method.",
                   "global", "fields", "parameter");
    }
    json about = {{"kind", "drive#about"},
                  {"user", Owner(*user)},
                  {"storageQuota",
                   {{"limit", "16106127360"},
                    {"usage", "0"},
                    {"usageInDrive", "0"},
                    {"usageInDriveTrash", "0"}}},
                  {"maxUploadSize", "5242880000000"},
                  {"appInstalled", false},
                  {"canCreateDrives", false},
                  {"exportFormats", ExportFormatsJson()},
                  {"importFormats", {{"text/plain", {"application/vnd.google-apps.document"}}}}};
    SendJson(res, 200, Project(about, req.get_param_value("fields"), ""));
  }

  void List(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    std::vector<Clause> clauses;
    if (!ParseQuery(req.get_param_value("q"), &clauses)) {
      return Error(res, 400, "invalid", "Invalid Value", "global", "q", "parameter");
    }
    size_t page_size = 100;
    if (req.has_param("pageSize")) {
      page_size = std::clamp<long>(std::atol(req.get_param_value("pageSize").c_str()), 1, 1000);
    }
    std::string parent;
    bool trashed_only = false;
    for (const auto& c : clauses) {
      if (c.field == "parents") parent = ResolveId(*user, c.value);
      if (c.field == "trashed" && c.value == "true") trashed_only = true;
    }
    auto matches = [&](const Item& item) {
      for (const auto& c : clauses) {
        if (c.field == "name") {
          bool eq = c.op == "contains"
                        ? ToLower(item.name).find(ToLower(c.value)) != std::string::npos
                        : item.name == c.value;
          if (eq == (c.op == "!=")) return false;
        } else if (c.field == "mimeType") {
          if ((item.mime_type == c.value) == (c.op == "!=")) return false;
        } else if (c.field == "starred") {
          if (c.value == "true") return false;
        }
      }
      return true;
    };
    std::string after;  // an unreadable token starts from the beginning
    Base64UrlDecode(req.get_param_value("pageToken"), &after);
    FieldMask mask =
        FieldMask::Parse(req.has_param("fields")
                             ? req.get_param_value("fields")
                             : "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)");
    const FieldMask* file_mask = mask.Sub("files");
    json files = json::array();
    std::string cursor = after;  // the last id scanned
    bool exhausted = trashed_only;
    while (!exhausted && files.size() < page_size) {
      ItemPage page = parent.empty()
                          ? store_.ListSubtree(user->id, user->root_id, cursor, page_size)
                          : store_.ListChildren(user->id, parent, cursor, page_size);
      for (const auto& item : page.items) {
        cursor = item.id;
        if (!matches(item)) continue;
        files.push_back(FileJson(req, *user, item, file_mask));
        if (files.size() == page_size) break;
      }
      bool page_done = page.items.empty() || cursor == page.items.back().id;
      if (page_done && page.next_after.empty()) exhausted = true;
    }
    std::string next = exhausted ? "" : cursor;
    json body = {{"kind", "drive#fileList"}, {"incompleteSearch", false}, {"files", files}};
    if (!next.empty()) body["nextPageToken"] = Base64UrlEncode(next);
    SendJson(res, 200,
             Project(body, req.get_param_value("fields"),
                     "kind,nextPageToken,incompleteSearch,files(kind,id,name,"
                     "mimeType)"));
  }

  void GetFile(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    std::string id = ResolveId(*user, req.matches[1]);
    auto item = store_.Get(user->id, id);
    if (!item.ok()) return NotFound(res, req.matches[1]);
    if (req.get_param_value("alt") == "media") {
      if (item->folder || item->native) {
        return Error(res, 403, "fileNotDownloadable",
                     "Only files with binary content can be downloaded. Use "
                     "Export with Docs Editors files.",
                     "global", "alt", "parameter");
      }
      res.set_header("Content-Disposition", "attachment; filename=\"" + item->name + "\"");
      res.set_header("X-Goog-Hash", "md5=" + Base64Encode(item->head()->md5));
      return SendBytes(req, res, item->head()->content, item->mime_type);
    }
    SendJson(res, 200,
             Project(FileJson(req, *user, *item), req.get_param_value("fields"), kFileDefaults));
  }

  void Delete(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    std::string id = ResolveId(*user, req.matches[1]);
    auto st = store_.Delete(user->id, id);
    if (absl::IsNotFound(st)) return NotFound(res, req.matches[1]);
    if (!st.ok()) {
      return Error(res, 403, "insufficientFilePermissions", std::string(st.message()), "global");
    }
    res.status = 204;
  }

  void Export(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    auto item = store_.Get(user->id, ResolveId(*user, req.matches[1]));
    if (!item.ok()) return NotFound(res, req.matches[1]);
    std::string mime = req.get_param_value("mimeType");
    if (mime.empty()) {
      return Error(res, 400, "required", "Required parameter: mimeType", "global", "mimeType",
                   "parameter");
    }
    if (!item->native || item->head() == nullptr) {
      return Error(res, 403, "fileNotExportable", "Export only supports Docs Editors files.",
                   "global");
    }
    // Each native type exports only to its own formats (Drive's "Export
    // MIME types for Google Workspace documents"); Sheets have no text/plain.
    auto format = drive::FindExportByMime(item->mime_type, mime.substr(0, mime.find(';')));
    if (!format) {
      return Error(res, 400, "badRequest", "The requested conversion is not supported.", "global",
                   "convertTo", "parameter");
    }
    if (item->head()->content.size() > 10 * 1024 * 1024) {
      return Error(res, 403, "exportSizeLimitExceeded", "This file is too large to be exported.",
                   "global");
    }
    SendExport(res, *item, item->head()->content, *format);
  }

  void Share(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    auto body = ParseJsonBody(req.body);
    if (!body) return Error(res, 400, "parseError", "Parse Error", "global");
    std::string id = ResolveId(*user, req.matches[1]);
    std::string type = body->value("type", "");
    std::string role = body->value("role", "reader");
    if (type != "anyone" && type != "user" && type != "domain" && type != "group") {
      return Error(res, 400, "required", "Permission type field required.", "global",
                   "permission.type", "parameter");
    }
    auto item = type == "anyone"
                    ? store_.CreateSharedLink(
                          user->id, id, s_.BaseUrl(req) + "/file/d/" + id + "/view?usp=sharing")
                    : store_.Get(user->id, id);
    if (!item.ok()) return NotFound(res, req.matches[1]);
    SendJson(res, 200,
             {{"kind", "drive#permission"},
              {"id", type == "anyone" ? "anyoneWithLink" : RandomDigits(20)},
              {"type", type},
              {"role", role},
              {"allowFileDiscovery", body->value("allowFileDiscovery", false)}});
  }

  json RevisionJson(const Request& req, const User& user, const Item& item, const Revision& rev) {
    json r = {{"kind", "drive#revision"},        {"id", rev.id},
              {"mimeType", rev.mime_type},       {"modifiedTime", Rfc3339Millis(rev.modified_ms)},
              {"keepForever", rev.keep_forever}, {"published", false},
              {"lastModifyingUser", Owner(user)}};
    if (item.native) {
      if (!drive::ExportFormats(item.mime_type).empty()) {
        r["exportLinks"] = ExportLinks(req, item, rev.id);
      }
    } else {
      r["md5Checksum"] = rev.md5;
      r["size"] = std::to_string(rev.content.size());
      r["originalFilename"] = item.name;
    }
    return r;
  }

  void Revisions(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    auto item = store_.Get(user->id, ResolveId(*user, req.matches[1]));
    if (!item.ok()) return NotFound(res, req.matches[1]);
    if (item->folder) {
      return Error(res, 403, "revisionsNotSupported", "The file does not support revisions.",
                   "global");
    }
    size_t page_size = 200;
    if (req.has_param("pageSize")) {
      page_size = std::clamp<long>(std::atol(req.get_param_value("pageSize").c_str()), 1, 1000);
    }
    size_t start = std::atol(req.get_param_value("pageToken").c_str());
    json revisions = json::array();
    size_t i = start;
    // Only what retention has not purged (the head and keepForever always).
    const std::vector<Revision> live = store_.LiveRevisions(*item);
    for (; i < live.size() && revisions.size() < page_size; ++i) {
      revisions.push_back(RevisionJson(req, *user, *item, live[i]));
    }
    json body = {{"kind", "drive#revisionList"}, {"revisions", revisions}};
    if (i < live.size()) body["nextPageToken"] = std::to_string(i);
    SendJson(res, 200, Project(body, req.get_param_value("fields"), ""));
  }

  void GetRevision(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    std::string id = ResolveId(*user, req.matches[1]);
    std::string rev_id = req.matches[2];
    auto item = store_.Get(user->id, id);
    if (!item.ok()) return NotFound(res, req.matches[1]);
    if (rev_id == "head" && item->head()) rev_id = item->head()->id;
    // A revision retention purged is gone, as on Drive.
    const std::vector<Revision> live = store_.LiveRevisions(*item);
    const Revision* rev = nullptr;
    for (const auto& r : live) {
      if (r.id == rev_id) rev = &r;
    }
    if (!rev) {
      return Error(res, 404, "notFound", "Revision not found: " + rev_id + ".", "global",
                   "revisionId", "parameter");
    }
    if (req.method == "PATCH") {
      auto body = ParseJsonBody(req.body);
      if (!body) return Error(res, 400, "parseError", "Parse Error", "global");
      if (body->contains("keepForever")) {
        const json& keep = (*body)["keepForever"];
        if (!keep.is_boolean()) {
          return Error(res, 400, "invalid", "Invalid value for: keepForever", "global",
                       "keepForever", "parameter");
        }
        if (item->native) {
          return Error(res, 400, "invalid", "keepForever is only supported for binary files.",
                       "global");
        }
        // Drive's "Resolve errors" guide: a revision kept forever cannot be
        // set back to false (only deleted).
        if (!keep.get<bool>() && rev->keep_forever) {
          return Error(res, 400, "illegalKeepForeverModification",
                       "Bad Request. Cannot update a revision to false that is marked as "
                       "keepForever.",
                       "global");
        }
        // "This can be set on a maximum of 200 revisions for a file."
        if (keep.get<bool>() && !rev->keep_forever &&
            std::count_if(item->revisions.begin(), item->revisions.end(),
                          [](const Revision& r) { return r.keep_forever; }) >= kMaxKeptForever) {
          return Error(res, 400, "badRequest",
                       "The maximum number of revisions that can be kept forever (" +
                           std::to_string(kMaxKeptForever) + ") has been reached for this file.",
                       "global", "keepForever", "parameter");
        }
        auto updated = store_.SetKeepForever(user->id, id, rev_id, keep.get<bool>());
        if (!updated.ok()) return NotFound(res, rev_id);
        return SendJson(
            res, 200,
            Project(RevisionJson(req, *user, *item, *updated), req.get_param_value("fields"),
                    "kind,id,mimeType,modifiedTime,keepForever"));
      }
    } else if (req.get_param_value("alt") == "media") {
      if (item->native) {
        return Error(res, 403, "fileNotDownloadable",
                     "Only files with binary content can be downloaded.", "global", "alt",
                     "parameter");
      }
      return SendBytes(req, res, rev->content, rev->mime_type);
    }
    SendJson(res, 200,
             Project(RevisionJson(req, *user, *item, *rev), req.get_param_value("fields"),
                     "kind,id,mimeType,modifiedTime"));
  }

  void Changes(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    std::string token = req.get_param_value("pageToken");
    char* end = nullptr;
    long long seq = std::strtoll(token.c_str(), &end, 10);
    if (token.empty() || *end != '\0' || seq < 1) {
      return Error(res, 400, "invalid", "Invalid Value", "global", "pageToken", "parameter");
    }
    size_t page_size = 100;
    if (req.has_param("pageSize")) {
      page_size = std::clamp<long>(std::atol(req.get_param_value("pageSize").c_str()), 1, 1000);
    }
    bool include_removed = req.get_param_value("includeRemoved") != "false";
    auto page = store_.ChangesSince(user->id, seq - 1, page_size);
    if (!page.ok()) {
      return Error(res, 400, "invalid", "Invalid Value", "global", "pageToken", "parameter");
    }
    json changes = json::array();
    for (const auto& e : page->entries) {
      bool removed = e.item.deleted;
      if (removed && !include_removed) continue;
      json c = {{"kind", "drive#change"}, {"changeType", "file"},
                {"type", "file"},         {"time", Rfc3339Millis(e.change.time_ms)},
                {"removed", removed},     {"fileId", e.item.id}};
      if (!removed) c["file"] = FileJson(req, *user, e.item);
      changes.push_back(std::move(c));
    }
    json body = {{"kind", "drive#changeList"}, {"changes", changes}};
    if (page->has_more) {
      body["nextPageToken"] = std::to_string(page->next_seq + 1);
    } else {
      body["newStartPageToken"] = std::to_string(page->next_seq + 1);
    }
    SendJson(res, 200,
             Project(body, req.get_param_value("fields"),
                     "kind,nextPageToken,newStartPageToken,changes(kind,"
                     "changeType,type,time,removed,fileId,file(kind,id,name,"
                     "mimeType))"));
  }

  // Splits a multipart/related body into (headers, body) parts.
  static bool ParseMultipart(const Request& req,
                             std::vector<std::pair<std::string, std::string>>* parts) {
    std::string type = req.get_header_value("Content-Type");
    auto b = type.find("boundary=");
    if (b == std::string::npos) return false;
    std::string boundary = type.substr(b + 9);
    if (auto semi = boundary.find(';'); semi != std::string::npos) {
      boundary = boundary.substr(0, semi);
    }
    if (!boundary.empty() && boundary.front() == '"') {
      boundary = boundary.substr(1, boundary.size() - 2);
    }
    std::string delim = "--" + boundary;
    const std::string& body = req.body;
    size_t pos = body.find(delim);
    while (pos != std::string::npos) {
      pos += delim.size();
      if (body.compare(pos, 2, "--") == 0) break;
      if (body.compare(pos, 2, "\r\n") == 0) pos += 2;
      size_t next = body.find("\r\n" + delim, pos);
      if (next == std::string::npos) return false;
      std::string part = body.substr(pos, next - pos);
      size_t split = part.find("\r\n\r\n");
      if (split == std::string::npos) {
        parts->push_back({"", part});
      } else {
        parts->push_back({part.substr(0, split), part.substr(split + 4)});
      }
      pos = next + 2;
    }
    return !parts->empty();
  }

  static std::string HeaderValue(const std::string& headers, const std::string& name) {
    for (const auto& line : Split(headers, '\n')) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      if (ToLower(line.substr(0, colon)) == ToLower(name)) {
        std::string v = line.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
        while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
        return v;
      }
    }
    return "";
  }

  // files.create / files.update, metadata only or with media.
  void Upload(const Request& req, Response& res, const std::string& raw_id, bool metadata_only) {
    auto user = Auth(req, res);
    if (!user) return;
    std::string upload_type = req.get_param_value("uploadType");
    json metadata = json::object();
    std::optional<std::string> media;
    std::string media_type;
    if (metadata_only) {
      auto body = ParseJsonBody(req.body);
      if (!body) return Error(res, 400, "parseError", "Parse Error", "global");
      metadata = *body;
    } else if (upload_type == "multipart" || upload_type.empty()) {
      std::vector<std::pair<std::string, std::string>> parts;
      if (!ParseMultipart(req, &parts) || parts.size() < 2) {
        if (upload_type == "multipart") {
          return Error(res, 400, "badContent",
                       "Multipart upload requires metadata and media parts.", "global");
        }
        media = req.body;
        media_type = req.get_header_value("Content-Type");
      } else {
        auto m = ParseJsonBody(parts[0].second);
        if (!m) return Error(res, 400, "parseError", "Parse Error", "global");
        metadata = *m;
        media = parts[1].second;
        media_type = HeaderValue(parts[1].first, "Content-Type");
      }
    } else if (upload_type == "media") {
      media = req.body;
      media_type = req.get_header_value("Content-Type");
    } else if (upload_type == "resumable") {
      auto m = ParseJsonBody(req.body);
      if (!m) return Error(res, 400, "parseError", "Parse Error", "global");
      std::string upload_id = RandomToken(40);
      {
        std::lock_guard<std::mutex> lock(mu_);
        pending_[upload_id] = {user->id, raw_id, *m, req.get_header_value("X-Upload-Content-Type")};
      }
      std::string url = s_.BaseUrl(req) + "/upload/drive/v3/files" +
                        (raw_id.empty() ? "" : "/" + raw_id) +
                        "?uploadType=resumable&upload_id=" + upload_id;
      if (req.has_param("fields")) {
        url += "&fields=" + PercentEncode(req.get_param_value("fields"));
      }
      res.set_header("Location", url);
      res.set_header("X-GUploader-UploadID", upload_id);
      res.status = 200;
      return;
    } else {
      return Error(res, 400, "invalid", "Invalid Value", "global", "uploadType", "parameter");
    }
    Apply(req, res, *user, raw_id, metadata, media, media_type, req.get_param_value("addParents"),
          req.get_param_value("removeParents"), req.get_param_value("fields"));
  }

  void Resume(const Request& req, Response& res) {
    std::string upload_id = req.get_param_value("upload_id");
    Pending p;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.find(upload_id);
      if (it == pending_.end()) {
        return Error(res, 404, "notFound", "Upload session not found.", "global");
      }
      p = it->second;
      pending_.erase(it);
    }
    auto user = store_.FindUser(p.user_id);
    if (!user) return NotFound(res, upload_id);
    std::string type = req.get_header_value("Content-Type");
    if (type.empty()) type = p.content_type;
    Apply(req, res, *user, p.file_id, p.metadata, req.body, type, "", "",
          req.get_param_value("fields"));
  }

  void Apply(const Request& req, Response& res, const User& user, const std::string& raw_id,
             const json& metadata, const std::optional<std::string>& media,
             const std::string& media_type, const std::string& add_parents,
             const std::string& remove_parents, const std::string& fields) {
    // A mistyped member is the client's error (400), never the emulator's.
    if (std::string bad = MistypedMember(metadata); !bad.empty()) {
      return Error(res, 400, "invalid", "Invalid value for: " + bad, "global", bad, "parameter");
    }
    std::string meta_mime = metadata.value("mimeType", std::string());
    if (auto semi = meta_mime.find(';'); semi != std::string::npos) {
      meta_mime = meta_mime.substr(0, semi);
    }
    std::string body_mime = media_type.substr(0, media_type.find(';'));
    absl::StatusOr<Item> item;
    if (raw_id.empty()) {
      std::string parent = user.root_id;
      if (metadata.contains("parents") && !metadata["parents"].empty()) {
        parent = ResolveId(user, metadata["parents"][0].get<std::string>());
      }
      std::string name = metadata.value("name", std::string("Untitled"));
      bool folder = meta_mime == kFolderMime;
      bool native = IsGoogleNative(meta_mime);
      std::string mime = meta_mime.empty() ? body_mime : meta_mime;
      if (mime.empty() || mime == "application/octet-stream") {
        mime = GuessMimeType(name);
      }
      item = store_.Create(user.id, parent, name, folder, media.value_or(""),
                           folder ? kFolderMime : mime, native);
      if (absl::IsNotFound(item.status())) {
        return Error(res, 404, "notFound", "File not found: " + parent + ".", "global", "parentId",
                     "parameter");
      }
    } else {
      std::string id = ResolveId(user, raw_id);
      item = store_.Get(user.id, id);
      if (!item.ok()) return NotFound(res, raw_id);
      if (media) {
        item = store_.UpdateContent(user.id, id, *media, item->native ? "" : body_mime);
      }
      std::optional<std::string> name, parent;
      if (metadata.contains("name")) name = metadata["name"].get<std::string>();
      if (!add_parents.empty()) parent = ResolveId(user, Split(add_parents, ',')[0]);
      (void)remove_parents;  // one parent per item: addParents replaces it
      if (item.ok() && (name || parent)) {
        item = store_.Move(user.id, id, name, parent);
      }
      if (item.ok() && metadata.contains("trashed")) {
        item = store_.SetTrashed(user.id, id, metadata["trashed"].get<bool>());
      }
    }
    if (!item.ok()) {
      return Error(res, 400, "invalid", std::string(item.status().message()), "global");
    }
    SendJson(res, 200, Project(FileJson(req, user, *item), fields, kFileDefaults));
  }

  // The first member of a files resource body whose JSON type is wrong.
  static std::string MistypedMember(const json& metadata) {
    if (!metadata.is_object()) return "resource";
    for (const char* key : {"name", "mimeType"}) {
      if (metadata.contains(key) && !metadata[key].is_string()) return key;
    }
    if (metadata.contains("trashed") && !metadata["trashed"].is_boolean()) return "trashed";
    if (metadata.contains("parents")) {
      const json& parents = metadata["parents"];
      if (!parents.is_array()) return "parents";
      for (const json& p : parents) {
        if (!p.is_string()) return "parents";
      }
    }
    return "";
  }

  struct Pending {
    std::string user_id;
    std::string file_id;
    json metadata;
    std::string content_type;
  };

  ProviderServer& s_;
  Store& store_;
  std::mutex mu_;
  std::map<std::string, Pending> pending_;
};

}  // namespace

void InstallGoogleDrive(ProviderServer& server) {
  auto drive = std::make_shared<GoogleDrive>(server);
  drive->Install();
  server.Keep(drive);
}

}  // namespace lc::emulator
