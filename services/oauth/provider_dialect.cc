#include "oauth/provider_dialect.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/encoding.h"

namespace lc::oauth {
namespace {

using json = nlohmann::json;

std::string JsonString(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

HttpRequest Get(std::string url, const std::string& access_token) {
  HttpRequest req;
  req.url = std::move(url);
  req.headers = {{"Authorization", "Bearer " + access_token}, {"Accept", "application/json"}};
  return req;
}

HttpRequest Post(std::string url) {
  HttpRequest req;
  req.method = "POST";
  req.url = std::move(url);
  req.idempotent = true;  // revoking twice is harmless
  return req;
}

class Google : public ProviderDialect {
 public:
  std::string_view kind() const override { return "google"; }
  HttpRequest AccountRequest(const std::string& base, const std::string& token) const override {
    return Get(base + "/drive/v3/about?fields=user", token);
  }
  AccountIdentity AccountOf(const json& j) const override {
    json user = j.value("user", json::object());
    return {JsonString(user, "emailAddress"), JsonString(user, "displayName")};
  }
  // Revoking the refresh token ends the whole grant.
  std::optional<HttpRequest> RevokeRequest(const ProviderConfig& p, const std::string&,
                                           const std::string& refresh_token) const override {
    HttpRequest req =
        Post(absl::StrCat(p.revoke_url, absl::StrContains(p.revoke_url, "?") ? "&" : "?",
                          FormEncode({{"token", refresh_token}})));
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    return req;
  }
};

class Dropbox : public ProviderDialect {
 public:
  std::string_view kind() const override { return "dropbox"; }
  // An RPC route without arguments: POST a JSON null. An empty POST would
  // go out typed application/x-www-form-urlencoded (libcurl's default),
  // which Dropbox refuses with a 400.
  HttpRequest AccountRequest(const std::string& base, const std::string& token) const override {
    HttpRequest req = Get(base + "/2/users/get_current_account", token);
    req.method = "POST";
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = "null";
    req.idempotent = true;
    return req;
  }
  AccountIdentity AccountOf(const json& j) const override {
    AccountIdentity id{JsonString(j, "email"), ""};
    if (id.account.empty()) id.account = JsonString(j, "account_id");
    id.display_name = JsonString(j.value("name", json::object()), "display_name");
    return id;
  }
  // /2/auth/token/revoke revokes the bearer token's grant.
  std::optional<HttpRequest> RevokeRequest(const ProviderConfig& p, const std::string& access_token,
                                           const std::string&) const override {
    HttpRequest req = Post(p.revoke_url);
    // Dropbox RPC: a JSON null, typed as JSON (see AccountRequest).
    req.headers = {{"Authorization", "Bearer " + access_token},
                   {"Content-Type", "application/json"}};
    req.body = "null";
    return req;
  }
};

class Box : public ProviderDialect {
 public:
  std::string_view kind() const override { return "box"; }
  HttpRequest AccountRequest(const std::string& base, const std::string& token) const override {
    return Get(base + "/2.0/users/me?fields=login,name", token);
  }
  AccountIdentity AccountOf(const json& j) const override {
    return {JsonString(j, "login"), JsonString(j, "name")};
  }
  // Box authenticates the client on revocation too.
  std::optional<HttpRequest> RevokeRequest(const ProviderConfig& p, const std::string&,
                                           const std::string& refresh_token) const override {
    HttpRequest req = Post(p.revoke_url);
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = FormEncode(
        {{"client_id", p.client_id}, {"client_secret", p.client_secret}, {"token", refresh_token}});
    return req;
  }
};

class Microsoft : public ProviderDialect {
 public:
  std::string_view kind() const override { return "microsoft"; }
  bool HasTenant() const override { return true; }
  HttpRequest AccountRequest(const std::string& base, const std::string& token) const override {
    return Get(base + "/v1.0/me", token);
  }
  AccountIdentity AccountOf(const json& j) const override {
    AccountIdentity id{JsonString(j, "userPrincipalName"), JsonString(j, "displayName")};
    if (id.account.empty()) id.account = JsonString(j, "mail");
    return id;
  }
  // The Microsoft identity platform has no revocation endpoint for a
  // client; the user removes the app's access in their account.
  std::optional<HttpRequest> RevokeRequest(const ProviderConfig&, const std::string&,
                                           const std::string&) const override {
    return std::nullopt;
  }
  // An application the tenant does not know is AADSTS700016
  // unauthorized_client; a wrong or missing secret invalid_client.
  bool RefusesClient(std::string_view error) const override {
    return error == "invalid_client" || error == "unauthorized_client";
  }
};

}  // namespace

std::shared_ptr<const ProviderDialect> DialectFor(std::string_view kind) {
  static const auto* dialects = new std::vector<std::shared_ptr<const ProviderDialect>>{
      std::make_shared<Google>(), std::make_shared<Dropbox>(), std::make_shared<Box>(),
      std::make_shared<Microsoft>()};
  for (const auto& d : *dialects) {
    if (d->kind() == kind) return d;
  }
  return nullptr;
}

}  // namespace lc::oauth
