// Microsoft Graph v1.0 drive API (graph.microsoft.com) and the Microsoft
// identity platform v2 endpoints (login.microsoftonline.com) over HTTPS.
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "download_link.h"
#include "provider_server.h"
#include "util.h"

namespace lc::emulator {
namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

constexpr int64_t kShortLinkMs = 60 * 60 * 1000;
// Preview (embed) URLs are short-lived too; the revision claim of their
// signed token carries this prefix, so a download token is never a preview
// token and the reverse.
constexpr char kPreviewClaim[] = "preview:";

// Source extensions content?format=pdf converts: the ones both of
// Microsoft's lists name (Graph v1.0 "Download a file in another format":
// csv doc docx odp ods odt pot potm potx pps ppsx ppsxm ppt pptm pptx rtf
// xls xlsx; the OneDrive dev center page: doc docx epub eml htm html md msg
// odp ods odt pps ppsx ppt pptx rtf tif tiff xls xlsm xlsx), without csv,
// which Graph v1.0 answers notSupported in practice
// (microsoft-graph-docs-contrib#807). See README.md.
bool ConvertsToPdf(const std::string& name) {
  static const std::set<std::string> kSources = {"doc",  "docx", "odp",  "ods", "odt", "pps",
                                                 "ppsx", "ppt",  "pptx", "rtf", "xls", "xlsx"};
  auto dot = name.rfind('.');
  return dot != std::string::npos && kSources.count(ToLower(name.substr(dot + 1))) > 0;
}

std::string UpperHex(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A delta token: the sequence number seen, plus where an initial
// enumeration has got to.
struct DeltaToken {
  int64_t seq = 0;
  bool listing = false;
  std::string after;

  std::string Encode() const {
    json j = {{"s", seq}};
    if (listing) j["a"] = after;
    return Base64UrlEncode(j.dump());
  }
  static std::optional<DeltaToken> Decode(const std::string& s) {
    std::string text;
    Base64UrlDecode(s, &text);
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("s") || !j["s"].is_number()) {
      return std::nullopt;
    }
    DeltaToken t;
    t.seq = j["s"];
    if (j.contains("a") && j["a"].is_string()) {
      t.listing = true;
      t.after = j["a"];
    }
    return t;
  }
};

class OneDrive {
 public:
  explicit OneDrive(ProviderServer& s) : s_(s), store_(s.store()) {}

  void Install() {
    s_.set_fault_responder([](Response& res, int status, int) {
      if (status == 429)
        return Error(res, 429, "activityLimitReached", "The request has been throttled");
      if (status == 503) return Error(res, 503, "serviceNotAvailable", "Service unavailable");
      Error(res, status, "generalException", "An unspecified error has occurred.");
    });
    const std::string tenant = R"(/(common|consumers|organizations|[A-Za-z0-9.\-]+))";
    s_.Route("GET", tenant + "/v2.0/.well-known/openid-configuration", "oauth.discovery",
             [this](const Request& req, Response& res) { Discovery(req, res); });
    s_.Route(
        "GET", tenant + "/discovery/instance", "oauth.instance",
        [this](const Request& req, Response& res) {
          std::string host = req.get_header_value("Host");
          SendJson(
              res, 200,
              {{"tenant_discovery_endpoint",
                s_.BaseUrl(req) + "/common/v2.0/.well-known/openid-configuration"},
               {"api-version", "1.1"},
               {"metadata",
                {{{"preferred_network", host}, {"preferred_cache", host}, {"aliases", {host}}}}}});
        });
    s_.Route("GET", tenant + "/oauth2/v2.0/authorize", "oauth.authorize",
             [this](const Request& req, Response& res) { HandleAuthorize(s_, req, res, true); });
    s_.Route("POST", tenant + "/oauth2/v2.0/token", "oauth.token",
             [this](const Request& req, Response& res) { Token(req, res); });
    s_.Route("GET", tenant + "/discovery/v2.0/keys", "oauth.keys",
             [](const Request&, Response& res) {
               SendJson(res, 200, {{"keys", json::array()}});
             });
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      s_.Route(method, R"(/v1\.0/(.+))", std::string("graph.") + method,
               [this](const Request& req, Response& res) { Dispatch(req, res); });
    }
    // The web app page (webUrl: onedrive.live.com / SharePoint) a signed-in
    // browser sees; the emulator has no browser sessions, so it names the path.
    s_.Route("GET", R"(/personal/(.+))", "web.view", [](const Request& req, Response& res) {
      res.set_content(WebAppPage("OneDrive", "/" + std::string(req.matches[1])),
                      "text/html; charset=utf-8");
    });
    s_.Route("GET", R"(/_dl/onedrive/([A-Za-z0-9_.\-]+))", "download.link",
             [this](const Request& req, Response& res) { ServeLink(req, res); });
    s_.Route("GET", R"(/_preview/onedrive/([A-Za-z0-9_.\-]+))", "preview.page",
             [this](const Request& req, Response& res) { ServePreview(req, res); });
    s_.Route("GET", R"(/_thumbnails/onedrive/([A-Za-z0-9!]+)/(small|medium|large))", "thumbnail",
             [this](const Request& req, Response& res) {
               if (!store_.OwnerOf(req.matches[1])) {
                 res.status = 404;
                 return;
               }
               res.set_content(ThumbnailJpeg(), "image/jpeg");
             });
  }

 private:
  // Graph's error body; `inner_code` is the more specific code some errors
  // carry in innerError (resyncChangesApplyDifferences, invalidFileFormat).
  static void Error(Response& res, int status, const std::string& code, const std::string& message,
                    const std::string& inner_code = "") {
    std::string id = RandomHex(8) + "-" + RandomHex(4) + "-" + RandomHex(4) + "-" + RandomHex(4) +
                     "-" + RandomHex(12);
    json inner = {{"date", Rfc3339Seconds(std::time(nullptr) * 1000LL)},
                  {"request-id", id},
                  {"client-request-id", id}};
    if (!inner_code.empty()) inner["code"] = inner_code;
    SendJson(res, status,
             {{"error", {{"code", code}, {"message", message}, {"innerError", inner}}}});
  }
  static void NotFound(Response& res) { Error(res, 404, "itemNotFound", "Item not found"); }

  void Discovery(const Request& req, Response& res) {
    std::string base = s_.BaseUrl(req) + "/" + std::string(req.matches[1]);
    SendJson(res, 200,
             {{"token_endpoint", base + "/oauth2/v2.0/token"},
              {"token_endpoint_auth_methods_supported",
               {"client_secret_post", "private_key_jwt", "client_secret_basic"}},
              {"jwks_uri", base + "/discovery/v2.0/keys"},
              {"response_modes_supported", {"query", "fragment", "form_post"}},
              {"subject_types_supported", {"pairwise"}},
              {"id_token_signing_alg_values_supported", {"RS256"}},
              {"response_types_supported", {"code", "id_token", "code id_token", "id_token token"}},
              {"scopes_supported", {"openid", "profile", "email", "offline_access"}},
              {"issuer", s_.BaseUrl(req) + "/{tenantid}/v2.0"},
              {"request_uri_parameter_supported", false},
              {"userinfo_endpoint", s_.BaseUrl(req) + "/oidc/userinfo"},
              {"authorization_endpoint", base + "/oauth2/v2.0/authorize"},
              {"device_authorization_endpoint", base + "/oauth2/v2.0/devicecode"},
              {"http_logout_supported", true},
              {"frontchannel_logout_supported", true},
              {"end_session_endpoint", base + "/oauth2/v2.0/logout"},
              {"claims_supported", {"sub", "iss", "aud", "exp", "iat", "nonce", "tid", "oid"}},
              {"tenant_region_scope", nullptr},
              {"cloud_instance_name", "microsoftonline.com"},
              {"cloud_graph_host_name", "graph.windows.net"},
              {"msgraph_host", "graph.microsoft.com"},
              {"rbac_url", "https://pas.windows.net"}});
  }

  static constexpr const char* kTenantId = "9188040d-6c67-4c5b-b112-36a304b66dad";

  void Token(const Request& req, Response& res) {
    TokenGrant grant;
    OAuthError error;
    auto params = OAuthParams(req);
    if (!GrantTokens(s_, params, &grant, &error)) {
      std::string code = error.error == "invalid_grant" ? "AADSTS70000" : "AADSTS900144";
      return SendJson(res, 400,
                      {{"error", error.error},
                       {"error_description", code + ": " + error.description},
                       {"error_codes", {code == "AADSTS70000" ? 70000 : 900144}},
                       {"timestamp", Rfc3339Seconds(store_.clock().NowMs())}});
    }
    auto user = store_.FindUser(grant.user_id);
    std::string scope = params["scope"].empty() ? grant.scope : params["scope"];
    if (scope.empty()) scope = "Files.ReadWrite User.Read offline_access openid profile";
    int64_t now = store_.clock().NowMs() / 1000;
    std::string client_id = params["client_id"].empty() ? grant.client_id : params["client_id"];
    json claims = {{"aud", client_id},     {"iss", s_.BaseUrl(req) + "/" + kTenantId + "/v2.0"},
                   {"iat", now},           {"nbf", now},
                   {"exp", now + 3600},    {"name", user ? user->name : ""},
                   {"oid", grant.user_id}, {"preferred_username", user ? user->email : ""},
                   {"sub", grant.user_id}, {"tid", kTenantId},
                   {"ver", "2.0"}};
    if (!grant.nonce.empty()) claims["nonce"] = grant.nonce;
    std::string id_token = Base64UrlEncode(R"({"typ":"JWT","alg":"none"})") + "." +
                           Base64UrlEncode(claims.dump()) + ".";
    json body = {
        {"token_type", "Bearer"},
        {"scope", scope},
        {"expires_in", grant.expires_in},
        {"ext_expires_in", grant.expires_in},
        {"access_token", grant.access_token},
        {"id_token", id_token},
        {"client_info", Base64UrlEncode(json{{"uid", grant.user_id}, {"utid", kTenantId}}.dump())}};
    if (!grant.refresh_token.empty()) body["refresh_token"] = grant.refresh_token;
    SendJson(res, 200, body);
  }

  std::optional<User> Auth(const Request& req, Response& res) {
    std::string user_id;
    AuthResult r = s_.oauth().Authenticate(req.get_header_value("Authorization"), &user_id);
    if (r == AuthResult::kOk) {
      NoteRequestUser(user_id);
      if (auto user = store_.FindUser(user_id)) return user;
    }
    res.set_header("WWW-Authenticate",
                   "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/"
                   "common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"");
    if (r == AuthResult::kMissing) {
      Error(res, 401, "InvalidAuthenticationToken", "Access token is empty.");
    } else if (r == AuthResult::kExpired) {
      Error(res, 401, "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.");
    } else {
      Error(res, 401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.");
    }
    return std::nullopt;
  }

  static bool Business(const User& u) { return u.account_type == "business"; }

  // Personal drive ids are 16 hex digits; OneDrive for Business (SharePoint)
  // drive ids start with "b!".
  std::string DriveId(const User& u) {
    if (Business(u)) return "b!" + Base64UrlEncode(Sha1Hex("drive:" + u.id).substr(0, 30));
    return UpperHex(Sha1Hex(u.id).substr(0, 16));
  }
  static const char* DriveType(const User& u) { return Business(u) ? "business" : "personal"; }

  // The drive's web address: a personal drive's under the drive id; a
  // business one's, as on SharePoint, under the user's principal name with
  // '@' and '.' as '_' (contoso-my.sharepoint.com/personal/alice_contoso_com).
  std::string DriveWebUrl(const Request& req, const User& u) {
    std::string owner = DriveId(u);
    if (Business(u)) {
      owner = ToLower(u.email);
      for (char& c : owner) {
        if (c == '@' || c == '.') c = '_';
      }
    }
    return s_.BaseUrl(req) + "/personal/" + owner + "/Documents";
  }

  json Identity(const User& u) { return {{"user", {{"id", u.id}, {"displayName", u.name}}}}; }

  json ItemJson(const Request& req, const User& u, const Item& item) {
    std::string base = s_.BaseUrl(req);
    std::string drive = DriveId(u);
    const char* drive_type = DriveType(u);
    std::string tag = std::to_string(item.version);
    json j = {{"id", item.id},
              {"name", item.parent_id.empty() ? "root" : item.name},
              {"eTag", "\"{" + item.id + "}," + tag + "\""},
              {"cTag", "\"c:{" + item.id + "}," + tag + "\""},
              {"createdDateTime", Rfc3339Seconds(item.created_ms)},
              {"lastModifiedDateTime", Rfc3339Seconds(item.modified_ms)},
              {"size", item.folder ? 0 : item.size()},
              {"webUrl", DriveWebUrl(req, u) + store_.PathOf(item)},
              {"createdBy", Identity(u)},
              {"lastModifiedBy", Identity(u)},
              {"fileSystemInfo",
               {{"createdDateTime", Rfc3339Seconds(item.created_ms)},
                {"lastModifiedDateTime", Rfc3339Seconds(item.modified_ms)}}}};
    if (item.parent_id.empty()) {
      j["root"] = json::object();
      j["parentReference"] = {{"driveId", drive}, {"driveType", drive_type}};
    } else {
      std::string parent_path = store_.PathOf(item);
      parent_path = parent_path.substr(0, parent_path.rfind('/'));
      j["parentReference"] = {{"driveId", drive},
                              {"driveType", drive_type},
                              {"id", item.parent_id},
                              {"path", "/drive/root:" + parent_path}};
    }
    if (item.folder) {
      j["folder"] = {{"childCount", store_.ChildCount(item.id)}};
    } else {
      const Revision* head = item.head();
      // quickXorHash is the one hash both kinds of drive carry; business
      // drives carry no other, personal ones also sha1Hash (sha256Hash is
      // "not supported, don't use" in the hashes resource).
      json hashes = {{"quickXorHash", QuickXorHashBase64(head->content)}};
      if (!Business(u)) hashes["sha1Hash"] = UpperHex(head->sha1);
      j["file"] = {{"mimeType", item.mime_type}, {"hashes", hashes}};
      j["@microsoft.graph.downloadUrl"] =
          base + "/_dl/onedrive/" + NewLink(u, item, head->id, false);
    }
    if (!item.shared_link.empty()) j["shared"] = {{"scope", "anonymous"}};
    return j;
  }

  std::string NewLink(const User& u, const Item& item, const std::string& rev, bool pdf) {
    return SignDownloadLink({u.id, item.id, rev, pdf, store_.clock().NowMs() + kShortLinkMs});
  }

  void ServeLink(const Request& req, Response& res) {
    auto link = VerifyDownloadLink(req.matches[1]);
    if (!link || link->expires_ms < store_.clock().NowMs()) {
      return Error(res, 401, "unauthenticated", "The download URL has expired.");
    }
    auto item = store_.Get(link->user_id, link->item_id);
    if (!item.ok()) return NotFound(res);
    for (const auto& r : store_.LiveRevisions(*item)) {
      if (r.id != link->revision_id) continue;
      if (link->pdf) return res.set_content(MakePdf(item->name, r.content), "application/pdf");
      return SendBytes(req, res, r.content, item->mime_type);
    }
    NotFound(res);
  }

  // Resolves the item part of a Graph path and returns the remaining
  // segments: "me/drive/items/{id}/children" -> item, "children".
  struct Target {
    std::optional<Item> item;
    std::string rest;
    std::string parent_id;  // for "parent:/new-name:" addressing
    std::string new_name;
  };

  bool Resolve(const User& u, const std::string& path, Target* t, Response& res) {
    std::string p = path;
    if (StartsWith(p, "me/drive/")) {
      p = p.substr(9);
    } else if (StartsWith(p, "drives/")) {
      auto slash = p.find('/', 7);
      if (slash == std::string::npos || p.substr(7, slash - 7) != DriveId(u)) {
        Error(res, 404, "itemNotFound", "The resource could not be found.");
        return false;
      }
      p = p.substr(slash + 1);
    } else {
      Error(res, 400, "BadRequest",
            "Resource not found for the segment '" + p.substr(0, p.find('/')) + "'.");
      return false;
    }
    std::string base_id;
    if (StartsWith(p, "root")) {
      base_id = u.root_id;
      p = p.substr(4);
    } else if (StartsWith(p, "items/")) {
      auto end = p.find_first_of("/:", 6);
      base_id = p.substr(6, end == std::string::npos ? std::string::npos : end - 6);
      p = end == std::string::npos ? "" : p.substr(end);
      if (base_id == "root") base_id = u.root_id;
    } else {
      Error(res, 400, "BadRequest", "Unsupported segment");
      return false;
    }
    auto base = store_.Get(u.id, base_id);
    if (!base.ok()) {
      NotFound(res);
      return false;
    }
    if (StartsWith(p, ":")) {
      // ":/relative/path:" then optional "/segment", or a trailing ":" only.
      auto close = p.find(':', 1);
      std::string rel = p.substr(1, close == std::string::npos ? std::string::npos : close - 1);
      p = close == std::string::npos ? "" : p.substr(close + 1);
      std::string full = store_.PathOf(*base) + "/" + rel;
      auto found = store_.GetByPath(u.id, full);
      if (found.ok()) {
        t->item = *found;
      } else {
        // Creating by path: remember the parent and the new name.
        while (!rel.empty() && rel.back() == '/') rel.pop_back();
        auto slash = rel.rfind('/');
        std::string parent_path =
            store_.PathOf(*base) + "/" + (slash == std::string::npos ? "" : rel.substr(0, slash));
        t->new_name = slash == std::string::npos ? rel : rel.substr(slash + 1);
        while (!t->new_name.empty() && t->new_name.front() == '/') t->new_name.erase(0, 1);
        auto parent = store_.GetByPath(u.id, parent_path);
        if (parent.ok()) t->parent_id = parent->id;
      }
    } else {
      t->item = *base;
    }
    if (StartsWith(p, "/")) p = p.substr(1);
    t->rest = p;
    return true;
  }

  void Dispatch(const Request& req, Response& res) {
    auto user = Auth(req, res);
    if (!user) return;
    std::string path = req.matches[1];
    std::string base = s_.BaseUrl(req);
    if (path == "me") {
      return SendJson(res, 200,
                      {{"@odata.context", base + "/v1.0/$metadata#users/$entity"},
                       {"id", user->id},
                       {"displayName", user->name},
                       {"givenName", user->name},
                       {"surname", nullptr},
                       {"userPrincipalName", user->email},
                       {"mail", user->email},
                       {"preferredLanguage", "en-US"},
                       {"businessPhones", json::array()},
                       {"jobTitle", nullptr},
                       {"mobilePhone", nullptr},
                       {"officeLocation", nullptr}});
    }
    if (path == "me/drive" || path == "drives/" + DriveId(*user)) {
      // Free personal accounts have 5 GB; Microsoft 365 work accounts 1 TB.
      const int64_t quota = Business(*user) ? 1099511627776LL : 5368709120LL;
      return SendJson(res, 200,
                      {{"@odata.context", base + "/v1.0/$metadata#drives/$entity"},
                       {"id", DriveId(*user)},
                       {"driveType", DriveType(*user)},
                       {"name", "OneDrive"},
                       {"createdDateTime", Rfc3339Seconds(0)},
                       {"lastModifiedDateTime", Rfc3339Seconds(store_.clock().NowMs())},
                       {"webUrl", DriveWebUrl(req, *user)},
                       {"owner", Identity(*user)},
                       {"quota",
                        {{"deleted", 0},
                         {"remaining", quota},
                         {"state", "normal"},
                         {"total", quota},
                         {"used", 0}}}});
    }
    Target t;
    if (!Resolve(*user, path, &t, res)) return;
    const std::string& rest = t.rest;
    const std::string& m = req.method;
    if (rest == "content" && m == "PUT") return Upload(req, res, *user, t);
    if (!t.item) return NotFound(res);
    const Item& item = *t.item;
    std::smatch sm;
    if (rest.empty() && m == "GET") return SendJson(res, 200, ItemJson(req, *user, item));
    if (rest.empty() && m == "PATCH") return Update(req, res, *user, item);
    if (rest.empty() && m == "DELETE") {
      if (!store_.Delete(user->id, item.id).ok()) return NotFound(res);
      res.status = 204;
      return;
    }
    if (rest == "children" && m == "GET") return Children(req, res, *user, item);
    if (rest == "children" && m == "POST") return CreateChild(req, res, *user, item);
    if (rest == "content" && m == "GET") return Content(req, res, *user, item, "");
    if (rest == "thumbnails" && m == "GET") return Thumbnails(req, res, item);
    if (rest == "versions" && m == "GET") return Versions(req, res, *user, item);
    static const std::regex version_re(R"(versions/([^/]+)(/content|/restoreVersion)?)");
    if (std::regex_match(rest, sm, version_re)) {
      std::string v = sm[1];
      std::string what = sm[2];
      if (item.folder) return Error(res, 400, "invalidRequest", "Folders have no versions");
      // Only the versions the retention policy still keeps (Graph caps
      // their number); "current" names the head.
      std::optional<Revision> rev;
      for (const auto& r : store_.LiveRevisions(item)) {
        if (r.id == v || (v == "current" && r.id == item.head()->id)) rev = r;
      }
      if (!rev) return Error(res, 404, "itemNotFound", "The requested version was not found.");
      const bool current = rev->id == item.head()->id;
      if (what == "/content" && m == "GET") {
        // By design the current version's bytes come from the item itself
        // (OneDrive/onedrive-api-docs#1112).
        if (current) {
          return Error(res, 400, "invalidRequest",
                       "You cannot get the content of the current version.");
        }
        return Content(req, res, *user, item, rev->id);
      }
      if (what == "/restoreVersion" && m == "POST") {
        if (!store_.UpdateContent(user->id, item.id, rev->content).ok()) return NotFound(res);
        res.status = 204;
        return;
      }
      if (what.empty() && m == "GET") return SendJson(res, 200, VersionJson(*user, item, *rev));
    }
    if (rest == "delta" && m == "GET") return Delta(req, res, *user, item);
    if (rest == "createLink" && m == "POST") return CreateLink(req, res, *user, item);
    if (rest == "preview" && m == "POST") return Preview(req, res, *user, item);
    Error(res, 400, "invalidRequest", "Invalid request");
  }

  // POST .../preview: "only available on SharePoint and OneDrive for
  // Business"; a personal drive answers 400 invalidRequest "API not found"
  // (OneDrive/onedrive-api-docs#983). The getUrl is a short-lived embed page
  // that needs no sign-in.
  void Preview(const Request& req, Response& res, const User& u, const Item& item) {
    if (!Business(u)) return Error(res, 400, "invalidRequest", "API not found");
    if (!ParseJsonBody(req.body)) return Error(res, 400, "invalidRequest", "Invalid request body");
    const std::string token =
        SignDownloadLink({u.id, item.id, kPreviewClaim + (item.folder ? item.id : item.head()->id),
                          false, store_.clock().NowMs() + kShortLinkMs});
    SendJson(res, 200,
             {{"getUrl", s_.BaseUrl(req) + "/_preview/onedrive/" + token},
              {"postUrl", nullptr},
              {"postParameters", nullptr}});
  }

  void ServePreview(const Request& req, Response& res) {
    auto link = VerifyDownloadLink(req.matches[1]);
    if (!link || link->expires_ms < store_.clock().NowMs() ||
        !StartsWith(link->revision_id, kPreviewClaim)) {
      return Error(res, 401, "unauthenticated", "The preview URL has expired.");
    }
    auto item = store_.Get(link->user_id, link->item_id);
    if (!item.ok()) return NotFound(res);
    res.set_content(WebAppPage("OneDrive preview", store_.PathOf(*item)),
                    "text/html; charset=utf-8");
  }

  void Update(const Request& req, Response& res, const User& u, const Item& item) {
    auto body = ParseJsonBody(req.body);
    if (!body) return Error(res, 400, "invalidRequest", "Invalid request body");
    std::optional<std::string> name, parent;
    if (body->contains("name")) name = (*body)["name"].get<std::string>();
    if (body->contains("parentReference") && (*body)["parentReference"].contains("id")) {
      parent = (*body)["parentReference"]["id"].get<std::string>();
    }
    auto moved = store_.Move(u.id, item.id, name, parent);
    if (absl::IsAlreadyExists(moved.status())) {
      return Error(res, 409, "nameAlreadyExists", "The specified item name already exists.");
    }
    if (!moved.ok()) return NotFound(res);
    SendJson(res, 200, ItemJson(req, u, *moved));
  }

  void Children(const Request& req, Response& res, const User& u, const Item& item) {
    if (!item.folder) return Error(res, 400, "invalidRequest", "Item is not a folder");
    size_t top = 200;
    if (req.has_param("$top"))
      top = std::clamp<long>(std::atol(req.get_param_value("$top").c_str()), 1, 1000);
    std::string after;  // an unreadable token starts from the beginning
    Base64UrlDecode(req.get_param_value("$skiptoken"), &after);
    ItemPage page = store_.ListChildren(u.id, item.id, after, top);
    json value = json::array();
    for (const auto& c : page.items) value.push_back(ItemJson(req, u, c));
    json body = {{"@odata.context", s_.BaseUrl(req) + "/v1.0/$metadata#users('" + u.id +
                                        "')/drive/items('" + item.id + "')/children"},
                 {"value", value}};
    if (!page.next_after.empty()) {
      body["@odata.nextLink"] = s_.BaseUrl(req) + req.path + "?$top=" + std::to_string(top) +
                                "&$skiptoken=" + Base64UrlEncode(page.next_after);
    }
    SendJson(res, 200, body);
  }

  void CreateChild(const Request& req, Response& res, const User& u, const Item& parent) {
    auto body = ParseJsonBody(req.body);
    if (!body || !body->contains("name")) return Error(res, 400, "invalidRequest", "name required");
    std::string name = (*body)["name"];
    std::string behavior = body->value("@microsoft.graph.conflictBehavior", "fail");
    if (auto clash = store_.FindChild(parent.id, name)) {
      if (behavior == "fail") {
        return Error(res, 409, "nameAlreadyExists", "The specified item name already exists.");
      }
      if (behavior == "replace") {
        store_.Delete(u.id, clash->id).IgnoreError();
      } else {
        name = name + " 1";
      }
    }
    bool folder = body->contains("folder");
    auto created = store_.Create(u.id, parent.id, name, folder, "", "", false);
    if (!created.ok()) return NotFound(res);
    SendJson(res, 201, ItemJson(req, u, *created));
  }

  void Upload(const Request& req, Response& res, const User& u, const Target& t) {
    absl::StatusOr<Item> item;
    std::string type = req.get_header_value("Content-Type");
    if (type.empty() || StartsWith(type, "application/octet-stream") ||
        StartsWith(type, "text/plain")) {
      type = "";
    }
    if (t.item) {
      if (t.item->folder) return Error(res, 409, "nameAlreadyExists", "A folder has that name.");
      if (req.get_param_value("@microsoft.graph.conflictBehavior") == "fail") {
        return Error(res, 409, "nameAlreadyExists", "The specified item name already exists.");
      }
      item = store_.UpdateContent(u.id, t.item->id, req.body, type);
      if (!item.ok()) return NotFound(res);
      return SendJson(res, 200, ItemJson(req, u, *item));
    }
    if (t.parent_id.empty() || t.new_name.empty()) return NotFound(res);
    item = store_.Create(u.id, t.parent_id, t.new_name, false, req.body, type, false);
    if (!item.ok()) return NotFound(res);
    SendJson(res, 201, ItemJson(req, u, *item));
  }

  void Content(const Request& req, Response& res, const User& u, const Item& item,
               const std::string& rev) {
    if (item.folder) return Error(res, 400, "invalidRequest", "Folders have no content");
    std::string format = req.get_param_value("format");
    if (!format.empty() && format != "pdf") {
      return Error(res, 406, "notSupported", "Conversion to " + format + " is not supported");
    }
    // Only the documented source formats convert; the Office conversion
    // service refuses the rest with 406 notSupported.
    if (format == "pdf" && !ConvertsToPdf(item.name)) {
      return Error(res, 406, "notSupported",
                   "Error from Office Service. HttpCode=UnsupportedMediaType", "invalidFileFormat");
    }
    std::string token = NewLink(u, item, rev.empty() ? item.head()->id : rev, format == "pdf");
    res.status = 302;
    res.set_header("Location", s_.BaseUrl(req) + "/_dl/onedrive/" + token);
  }

  void Thumbnails(const Request& req, Response& res, const Item& item) {
    if (item.folder) return SendJson(res, 200, {{"value", json::array()}});
    std::string base = s_.BaseUrl(req) + "/_thumbnails/onedrive/" + item.id + "/";
    auto size = [&](const char* name, int px) {
      return json{{"height", px}, {"width", px}, {"url", base + name}};
    };
    SendJson(res, 200,
             {{"value",
               {{{"id", "0"},
                 {"small", size("small", 96)},
                 {"medium", size("medium", 176)},
                 {"large", size("large", 800)}}}}});
  }

  json VersionJson(const User& u, const Item& item, const Revision& r) {
    return {{"id", r.id},
            {"lastModifiedDateTime", Rfc3339Seconds(r.modified_ms)},
            {"size", r.content.size()},
            {"lastModifiedBy", Identity(u)}};
    (void)item;
  }

  void Versions(const Request& req, Response& res, const User& u, const Item& item) {
    if (item.folder) return Error(res, 400, "invalidRequest", "Folders have no versions");
    // Newest first, only what the retention policy keeps. Versions carry
    // no @microsoft.graph.downloadUrl (microsoft-graph-docs#16053).
    json value = json::array();
    const std::vector<Revision> live = store_.LiveRevisions(item);
    for (auto it = live.rbegin(); it != live.rend(); ++it) {
      value.push_back(VersionJson(u, item, *it));
    }
    SendJson(res, 200,
             {{"@odata.context", s_.BaseUrl(req) + "/v1.0/$metadata#driveItemVersions"},
              {"value", value}});
  }

  void Delta(const Request& req, Response& res, const User& u, const Item& root) {
    std::string base = s_.BaseUrl(req) + req.path;
    std::string raw = req.get_param_value("token");
    size_t top = 200;
    if (req.has_param("$top"))
      top = std::clamp<long>(std::atol(req.get_param_value("$top").c_str()), 1, 1000);
    auto link = [&](const DeltaToken& t) {
      return base + "?token=" + t.Encode() +
             (req.has_param("$top") ? "&$top=" + std::to_string(top) : "");
    };
    json body = {{"@odata.context", s_.BaseUrl(req) + "/v1.0/$metadata#Collection(driveItem)"}};
    if (raw == "latest") {
      body["value"] = json::array();
      body["@odata.deltaLink"] = link(DeltaToken{store_.LatestSeq(), false, ""});
      return SendJson(res, 200, body);
    }
    DeltaToken token;
    if (raw.empty()) {
      token = {store_.LatestSeq(), true, ""};
    } else {
      auto decoded = DeltaToken::Decode(raw);
      if (!decoded) return Error(res, 400, "invalidRequest", "Invalid delta token");
      token = *decoded;
    }
    json value = json::array();
    if (token.listing) {
      if (token.after.empty()) value.push_back(ItemJson(req, u, root));
      ItemPage page = store_.ListSubtree(u.id, root.id, token.after, top);
      for (const auto& item : page.items) value.push_back(ItemJson(req, u, item));
      body["value"] = value;
      if (!page.next_after.empty()) {
        body["@odata.nextLink"] = link(DeltaToken{token.seq, true, page.next_after});
      } else {
        body["@odata.deltaLink"] = link(DeltaToken{token.seq, false, ""});
      }
      return SendJson(res, 200, body);
    }
    auto page = store_.ChangesSince(u.id, token.seq, top, root.id);
    if (!page.ok()) {
      // 410 with the specific code in innerError and, in Location, a
      // nextLink that starts a fresh enumeration (driveItem: delta).
      res.set_header("Location", link(DeltaToken{store_.LatestSeq(), true, ""}));
      return Error(res, 410, "resyncRequired",
                   "Resync required. Replace any local items with the server's version "
                   "(including deletes) if you're sure that the service was up to date with "
                   "your local changes when you last sync'd. Upload any local changes that "
                   "the server doesn't know about.",
                   "resyncChangesApplyDifferences");
    }
    for (const auto& e : page->entries) {
      if (e.item.deleted || e.item.trashed) {
        value.push_back({{"id", e.item.id},
                         {"name", e.item.name},
                         {"deleted", {{"state", "deleted"}}},
                         {"parentReference", {{"driveId", DriveId(u)}, {"id", e.item.parent_id}}}});
        if (!e.item.folder)
          value.back()["file"] = json::object();
        else
          value.back()["folder"] = json::object();
      } else {
        value.push_back(ItemJson(req, u, e.item));
      }
    }
    body["value"] = value;
    if (page->has_more) {
      body["@odata.nextLink"] = link(DeltaToken{page->next_seq, false, ""});
    } else {
      body["@odata.deltaLink"] = link(DeltaToken{page->next_seq, false, ""});
    }
    SendJson(res, 200, body);
  }

  void CreateLink(const Request& req, Response& res, const User& u, const Item& item) {
    auto body = ParseJsonBody(req.body);
    if (!body || !body->contains("type")) return Error(res, 400, "invalidRequest", "type required");
    std::string type = (*body)["type"];
    std::string scope = body->value("scope", "anonymous");
    bool existed = !item.shared_link.empty();
    auto shared = store_.CreateSharedLink(u.id, item.id, s_.BaseUrl(req) + "/s!" + RandomToken(22));
    if (!shared.ok()) return NotFound(res);
    SendJson(res, existed ? 200 : 201,
             {{"id", Sha1Hex(shared->shared_link).substr(0, 16)},
              {"roles", {type == "edit" ? "write" : "read"}},
              {"link",
               {{"type", type},
                {"scope", scope},
                {"webUrl", shared->shared_link},
                {"application", {{"id", "1234"}, {"displayName", "cloud-emulator"}}}}}});
  }

  ProviderServer& s_;
  Store& store_;
};

}  // namespace

void InstallOneDrive(ProviderServer& server) {
  auto onedrive = std::make_shared<OneDrive>(server);
  onedrive->Install();
  server.Keep(onedrive);
}

}  // namespace lc::emulator
