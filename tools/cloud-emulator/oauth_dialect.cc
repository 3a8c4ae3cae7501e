#include "oauth_dialect.h"

#include "util.h"

namespace lc::emulator {

using nlohmann::json;

namespace {

// A small HTML page: the title, then each paragraph (already escaped).
std::string Page(const std::string& title, const std::vector<std::string>& paragraphs) {
  std::string html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title +
                     "</title></head><body><h1>" + title + "</h1>";
  for (const auto& p : paragraphs) html += "<p>" + p + "</p>";
  return html + "</body></html>";
}

std::string Esc(const std::string& s) { return HtmlEscape(s); }

bool IsLoopbackHttp(const std::string& uri, std::string* without_port) {
  for (const char* host : {"http://localhost", "http://127.0.0.1"}) {
    const std::string h = host;
    if (uri.compare(0, h.size(), h) != 0) continue;
    size_t rest = h.size();
    if (rest < uri.size() && uri[rest] == ':') {
      size_t end = uri.find_first_of("/?#", rest);
      *without_port = h + (end == std::string::npos ? "" : uri.substr(end));
      return true;
    }
    if (rest == uri.size() || uri[rest] == '/' || uri[rest] == '?' || uri[rest] == '#') {
      *without_port = uri;
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- RFC 6749

class Rfc6749 : public OAuthDialect {
 public:
  OAuthError TokenRefusal(ClientRefusal why, const RefusalContext&) const override {
    switch (why) {
      case ClientRefusal::kRedirectNotRegistered:
      case ClientRefusal::kRedirectMismatch:
      case ClientRefusal::kRedirectMissing:
        return {"invalid_grant", "redirect_uri does not match the authorization request", 400};
      default:
        return {"invalid_client", "Client authentication failed.", 401};
    }
  }
  ErrorPage AuthorizeRefusal(ClientRefusal why, const RefusalContext& ctx) const override {
    if (why == ClientRefusal::kUnknownClient) {
      return {400, Page("invalid_client", {"Unknown client_id: " + Esc(ctx.client_id)})};
    }
    return {400, Page("invalid_request", {"The redirect_uri is not registered for this client: " +
                                          Esc(ctx.redirect_uri)})};
  }
};

// ------------------------------------------------------------------ Google

class Google : public OAuthDialect {
 public:
  OAuthError TokenRefusal(ClientRefusal why, const RefusalContext&) const override {
    switch (why) {
      case ClientRefusal::kUnknownClient:
        return {"invalid_client", "The OAuth client was not found.", 401};
      case ClientRefusal::kMissingSecret:
        return {"invalid_request", "client_secret is missing.", 400};
      case ClientRefusal::kWrongSecret:
        return {"invalid_client", "Unauthorized", 401};
      case ClientRefusal::kRedirectMissing:
        return {"invalid_request", "Missing required parameter: redirect_uri", 400};
      case ClientRefusal::kRedirectNotRegistered:
      case ClientRefusal::kRedirectMismatch:
        return {"redirect_uri_mismatch", "Bad Request", 400};
    }
    return {"invalid_request", "Bad Request", 400};
  }
  ErrorPage AuthorizeRefusal(ClientRefusal why, const RefusalContext& ctx) const override {
    // "Access blocked: Authorization Error" pages of accounts.google.com.
    std::string details = "Request details: client_id=" + Esc(ctx.client_id);
    if (!ctx.redirect_uri.empty()) details += " redirect_uri=" + Esc(ctx.redirect_uri);
    switch (why) {
      case ClientRefusal::kUnknownClient:
        return {401,
                Page("Access blocked: Authorization Error",
                     {"The OAuth client was not found.", "Error 401: invalid_client", details})};
      case ClientRefusal::kRedirectMissing:
        return {400, Page("Access blocked: Authorization Error",
                          {"Missing required parameter: redirect_uri", "Error 400: invalid_request",
                           details})};
      default:
        return {400, Page("Access blocked: This app's request is invalid",
                          {"You can't sign in because this app sent an invalid request. If you "
                           "are the developer, register the redirect URI in the Google Cloud "
                           "Console.",
                           "Error 400: redirect_uri_mismatch", details})};
    }
  }
  int TokenErrorStatus(const OAuthError& e) const override {
    if (e.status != 0) return e.status;
    return e.error == "invalid_client" ? 401 : 400;
  }
};

// ----------------------------------------------------------------- Dropbox

class Dropbox : public OAuthDialect {
 public:
  bool PkceReplacesSecret() const override { return true; }
  OAuthError TokenRefusal(ClientRefusal why, const RefusalContext&) const override {
    switch (why) {
      case ClientRefusal::kRedirectMissing:
      case ClientRefusal::kRedirectNotRegistered:
      case ClientRefusal::kRedirectMismatch:
        return {"invalid_grant", "redirect_uri mismatch", 400};
      default:
        return {"invalid_client", "Invalid client_id or client_secret", 400};
    }
  }
  ErrorPage AuthorizeRefusal(ClientRefusal why, const RefusalContext& ctx) const override {
    // www.dropbox.com/oauth2/authorize: "Error (400)" with details for
    // developers.
    std::string detail;
    switch (why) {
      case ClientRefusal::kUnknownClient:
        detail = "Invalid client_id: \"" + Esc(ctx.client_id) + "\".";
        break;
      case ClientRefusal::kRedirectMissing:
        detail = "The emulator cannot show the code to the user: send a redirect_uri.";
        break;
      default:
        detail =
            "Invalid redirect_uri: \"" + Esc(ctx.redirect_uri) +
            "\". It must exactly match one of the redirect URIs you've pre-configured for your "
            "app (including the path).";
    }
    return {400, Page("Error (400)",
                      {"It seems the app you were using submitted a bad request. If you would "
                       "like to report this error to the app's developer, include the "
                       "information below.",
                       "More details for developers", detail})};
  }
};

// --------------------------------------------------------------------- Box

class Box : public OAuthDialect {
 public:
  bool DefaultsToOnlyRedirect() const override { return true; }
  bool TokenChecksRedirect() const override { return false; }
  OAuthError TokenRefusal(ClientRefusal, const RefusalContext&) const override {
    return {"invalid_client", "The client credentials are invalid", 400};
  }
  ErrorPage AuthorizeRefusal(ClientRefusal why, const RefusalContext& ctx) const override {
    // account.box.com: "Error: <code>" with the request's parameters under
    // "Show Error Details".
    std::string code = why == ClientRefusal::kUnknownClient     ? "invalid_client"
                       : why == ClientRefusal::kRedirectMissing ? "redirect_uri_missing"
                                                                : "redirect_uri_mismatch";
    return {400,
            Page("Error: " + code, {"response_type=code", "redirect_uri=" + Esc(ctx.redirect_uri),
                                    "client_id=" + Esc(ctx.client_id)})};
  }
};

// --------------------------------------------------------------- Microsoft

class Microsoft : public OAuthDialect {
 public:
  bool DefaultsToOnlyRedirect() const override { return true; }

  // Loopback redirect URIs match whatever their port (RFC 8252 7.3), as
  // the Microsoft identity platform documents; everything else is exact.
  bool RedirectMatches(const std::string& registered, const std::string& requested) const override {
    std::string a, b;
    if (IsLoopbackHttp(registered, &a) && IsLoopbackHttp(requested, &b)) return a == b;
    return registered == requested;
  }

  OAuthError TokenRefusal(ClientRefusal why, const RefusalContext& ctx) const override {
    switch (why) {
      case ClientRefusal::kUnknownClient:
        return {"unauthorized_client", AppNotFound(ctx), 400, 700016};
      case ClientRefusal::kMissingSecret:
        return {"invalid_client",
                "The request body must contain the following parameter: 'client_assertion' or "
                "'client_secret'.",
                401, 7000218};
      case ClientRefusal::kWrongSecret:
        return {"invalid_client",
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID, for a secret added to app '" +
                    ctx.client_id + "'.",
                401, 7000215};
      case ClientRefusal::kRedirectNotRegistered:
        return {"invalid_client", RedirectNotRegistered(ctx), 401, 50011};
      case ClientRefusal::kRedirectMissing:
        return {"invalid_grant",
                "'redirect_uri' must be provided when presenting an authorization code "
                "requested with a 'redirect_uri'.",
                400, 70000};
      case ClientRefusal::kRedirectMismatch:
        return {"invalid_grant",
                "The provided 'redirect_uri' is not the one the authorization code was "
                "requested with.",
                400, 70000};
    }
    return {"invalid_request", "Bad request", 400, 900144};
  }

  ErrorPage AuthorizeRefusal(ClientRefusal why, const RefusalContext& ctx) const override {
    switch (why) {
      case ClientRefusal::kUnknownClient:
        return SignInError(700016, AppNotFound(ctx));
      case ClientRefusal::kRedirectMissing:
        return SignInError(500113, "No reply address is registered for the application.");
      default:
        return SignInError(50011, RedirectNotRegistered(ctx));
    }
  }

  int TokenErrorStatus(const OAuthError& e) const override {
    if (e.status != 0) return e.status;
    return e.error == "invalid_client" ? 401 : 400;
  }

  // {"error", "error_description": "AADSTS<n>: ...\r\nTrace ID: ...",
  //  "error_codes": [n], "timestamp", "trace_id", "correlation_id",
  //  "error_uri"}: what MSAL parses.
  json TokenErrorBody(const OAuthError& e, int64_t now_ms) const override {
    int64_t code = e.provider_code;
    if (code == 0) code = e.error == "invalid_grant" ? 70000 : 900144;
    std::string trace = Guid(), correlation = Guid();
    std::string stamp = Rfc3339Seconds(now_ms);
    if (stamp.size() > 10) stamp[10] = ' ';
    return {{"error", e.error},
            {"error_description",
             "AADSTS" + std::to_string(code) + ": " + e.description + "\r\nTrace ID: " + trace +
                 "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + stamp},
            {"error_codes", {code}},
            {"timestamp", stamp},
            {"trace_id", trace},
            {"correlation_id", correlation},
            {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(code)}};
  }

  // organizations (and a tenant id or domain) sign in work or school
  // accounts only, consumers personal Microsoft accounts only, common both.
  std::optional<ErrorPage> RefuseAccount(const std::string& tenant, const std::string& account_type,
                                         const std::string& email,
                                         const std::string& client_id) const override {
    auto refusal = AccountRefusal(tenant, account_type, email, client_id);
    if (!refusal) return std::nullopt;
    return SignInError(refusal->first, refusal->second);
  }
  std::optional<OAuthError> RefuseAccountGrant(const std::string& tenant,
                                               const std::string& account_type,
                                               const std::string& email,
                                               const std::string& client_id) const override {
    auto refusal = AccountRefusal(tenant, account_type, email, client_id);
    if (!refusal) return std::nullopt;
    return OAuthError{"invalid_grant", refusal->second, 400,
                      refusal->first == 0 ? 70000 : refusal->first};
  }

  std::string NewAccountType(const std::string& tenant) const override {
    return tenant == "common" || tenant == "consumers" || tenant.empty() ? "personal" : "business";
  }

 private:
  // The AADSTS code (0: none, the consumer sign-in page) and message.
  static std::optional<std::pair<int64_t, std::string>> AccountRefusal(
      const std::string& tenant, const std::string& account_type, const std::string& email,
      const std::string& client_id) {
    const bool business = account_type == "business";
    if (tenant == "common" || tenant.empty()) return std::nullopt;
    if (tenant == "consumers") {
      if (!business) return std::nullopt;
      // login.live.com does not know a work account's name.
      return std::make_pair(
          int64_t{0},
          "That Microsoft account doesn't exist. Enter a different account or get a "
          "new one. ('" +
              email +
              "' is a work or school account; the consumers endpoint signs in "
              "personal Microsoft accounts only.)");
    }
    if (business) return std::nullopt;
    if (tenant == "organizations") {
      return std::make_pair(int64_t{500200},
                            "User account '" + email +
                                "' is a personal Microsoft account. Personal Microsoft accounts "
                                "are not supported for this application unless explicitly "
                                "invited to an organization. Try signing out and signing back in "
                                "with an organizational account.");
    }
    return std::make_pair(
        int64_t{50020},
        "User account '" + email +
            "' from identity provider 'live.com' does not exist in tenant '" + tenant +
            "' and cannot access the application '" + client_id +
            "' in that tenant. The account needs to be added as an external user in the tenant "
            "first. Sign out and sign in again with a different Azure Active Directory user "
            "account.");
  }

  static std::string Guid() {
    return RandomHex(8) + "-" + RandomHex(4) + "-" + RandomHex(4) + "-" + RandomHex(4) + "-" +
           RandomHex(12);
  }
  static std::string Directory(const RefusalContext& ctx) {
    if (ctx.tenant == "consumers") return "Microsoft Accounts";
    if (ctx.tenant.empty() || ctx.tenant == "common" || ctx.tenant == "organizations") {
      return "9188040d-6c67-4c5b-b112-36a304b66dad";
    }
    return ctx.tenant;
  }
  static std::string AppNotFound(const RefusalContext& ctx) {
    return "Application with identifier '" + ctx.client_id + "' was not found in the directory '" +
           Directory(ctx) +
           "'. This can happen if the application has not been installed by the administrator of "
           "the tenant or consented to by any user in the tenant. You may have sent your "
           "authentication request to the wrong tenant.";
  }
  static std::string RedirectNotRegistered(const RefusalContext& ctx) {
    return "The redirect URI '" + ctx.redirect_uri +
           "' specified in the request does not match the redirect URIs configured for the "
           "application '" +
           ctx.client_id +
           "'. Make sure the redirect URI sent in the request matches one added to your "
           "application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError "
           "to learn more about how to fix this.";
  }
  // login.microsoftonline.com's "Sorry, but we're having trouble signing
  // you in." page.
  static ErrorPage SignInError(int64_t code, const std::string& message) {
    std::string m = code == 0 ? message : "AADSTS" + std::to_string(code) + ": " + message;
    return {400, Page("Sign in to your account",
                      {"Sorry, but we're having trouble signing you in.", "Request Id: " + Guid(),
                       "Correlation Id: " + Guid(), "Message: " + Esc(m)})};
  }
};

}  // namespace

bool OAuthDialect::RedirectMatches(const std::string& registered,
                                   const std::string& requested) const {
  return registered == requested;
}

int OAuthDialect::TokenErrorStatus(const OAuthError& e) const {
  return e.status != 0 ? e.status : 400;
}

json OAuthDialect::TokenErrorBody(const OAuthError& e, int64_t) const {
  return {{"error", e.error}, {"error_description", e.description}};
}

std::optional<ErrorPage> OAuthDialect::RefuseAccount(const std::string&, const std::string&,
                                                     const std::string&, const std::string&) const {
  return std::nullopt;
}

std::optional<OAuthError> OAuthDialect::RefuseAccountGrant(const std::string&, const std::string&,
                                                           const std::string&,
                                                           const std::string&) const {
  return std::nullopt;
}

std::string OAuthDialect::NewAccountType(const std::string&) const { return "personal"; }

std::shared_ptr<const OAuthDialect> Rfc6749Dialect() {
  static const auto* d = new std::shared_ptr<const OAuthDialect>(std::make_shared<Rfc6749>());
  return *d;
}
std::shared_ptr<const OAuthDialect> GoogleOAuthDialect() {
  static const auto* d = new std::shared_ptr<const OAuthDialect>(std::make_shared<Google>());
  return *d;
}
std::shared_ptr<const OAuthDialect> DropboxOAuthDialect() {
  static const auto* d = new std::shared_ptr<const OAuthDialect>(std::make_shared<Dropbox>());
  return *d;
}
std::shared_ptr<const OAuthDialect> BoxOAuthDialect() {
  static const auto* d = new std::shared_ptr<const OAuthDialect>(std::make_shared<Box>());
  return *d;
}
std::shared_ptr<const OAuthDialect> MicrosoftOAuthDialect() {
  static const auto* d = new std::shared_ptr<const OAuthDialect>(std::make_shared<Microsoft>());
  return *d;
}

}  // namespace lc::emulator
