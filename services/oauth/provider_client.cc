#include "oauth/provider_client.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "oauth/provider_dialect.h"
#include "runtime/encoding.h"
#include "runtime/log.h"

namespace lc::oauth {
namespace {

constexpr char kOAuthErrorPayload[] = "type.liveconnect/oauth-error";
constexpr char kClientRefusedPayload[] = "type.liveconnect/oauth-client-refused";
constexpr size_t kMaxDescription = 200;

using json = nlohmann::json;

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// A short, printable excerpt of provider-written text for an error message:
// its first line (Microsoft appends trace and correlation ids on more).
std::string Printable(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, std::min(text.find_first_of("\r\n"), kMaxDescription))) {
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  return out;
}

std::string JsonString(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

absl::Status Unreachable(const ProviderConfig& p, const char* what, const absl::Status& s) {
  return absl::UnavailableError(absl::StrCat("cannot reach the ", p.name, " ", what, " (",
                                             absl::StatusCodeToString(s.code()), ": ", s.message(),
                                             "); try again later"));
}

absl::Status NoDialect(const ProviderConfig& p) {
  return absl::InternalError(
      absl::StrCat("provider ", p.name, " has a kind the service does not know: ", p.kind));
}

absl::StatusOr<json> ParseJson(const HttpResponse& resp) {
  json j = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InternalError("not JSON");
  return j;
}

}  // namespace

std::string OAuthErrorOf(const absl::Status& status) {
  auto payload = status.GetPayload(kOAuthErrorPayload);
  return payload ? std::string(*payload) : "";
}

bool ClientRefused(const absl::Status& status) {
  return status.GetPayload(kClientRefusedPayload).has_value();
}

absl::StatusOr<TokenResponse> ProviderClient::CallTokenEndpoint(
    const ProviderConfig& p, const std::vector<std::pair<std::string, std::string>>& form,
    const char* what) {
  HttpRequest req;
  req.method = "POST";
  req.url = p.token_url;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = FormEncode(form);
  req.timeout = options_.timeout;
  // Never retried: a refresh the provider did process but whose answer was
  // lost must not be replayed (Box would have rotated the refresh token).
  req.idempotent = false;
  absl::StatusOr<HttpResponse> resp = http_.Send(req);
  if (!resp.ok()) return Unreachable(p, "token endpoint", resp.status());
  LogInfo("provider token endpoint answered",
          {{"provider", p.name}, {"grant", what}, {"http_status", resp->status}});
  if (resp->status >= 500 || resp->status == 429) {
    return absl::UnavailableError(absl::StrCat("the ", p.name, " token endpoint answered HTTP ",
                                               resp->status, "; try again later"));
  }
  absl::StatusOr<json> body = ParseJson(*resp);
  if (resp->status >= 400) {
    std::string error = body.ok() ? JsonString(*body, "error") : "";
    std::string description = body.ok() ? JsonString(*body, "error_description") : "";
    if (error.empty()) error = absl::StrCat("http_", resp->status);
    const std::string detail = absl::StrCat(
        Printable(error), description.empty() ? "" : absl::StrCat(": ", Printable(description)));
    const bool client_refused = p.dialect && p.dialect->RefusesClient(error);
    absl::Status s = absl::FailedPreconditionError(
        client_refused
            ? absl::StrCat("the client id/secret configured for ", p.name, " is refused (", p.name,
                           " answered the ", what, " with ", detail,
                           "); an administrator must correct the provider's client id and "
                           "secret (UpdateServiceProvider); connected accounts stay as they are")
            : absl::StrCat(
                  p.name, " refused the ", what, ": ", Printable(error),
                  description.empty() ? "" : absl::StrCat(" (", Printable(description), ")")));
    s.SetPayload(kOAuthErrorPayload, absl::Cord(error));
    if (client_refused) s.SetPayload(kClientRefusedPayload, absl::Cord("1"));
    return s;
  }
  if (!body.ok() || !body->is_object()) {
    return absl::InternalError(absl::StrCat("the ", p.name, " token endpoint answered HTTP ",
                                            resp->status,
                                            " with a body that is not a JSON object"));
  }
  TokenResponse out;
  out.access_token = JsonString(*body, "access_token");
  if (out.access_token.empty()) {
    return absl::InternalError(
        absl::StrCat("the ", p.name, " token endpoint answered without an access_token"));
  }
  out.refresh_token = JsonString(*body, "refresh_token");
  auto expires = body->find("expires_in");
  if (expires != body->end()) {
    if (expires->is_number()) {
      out.expires_in = absl::Seconds(expires->get<double>());
    } else if (expires->is_string()) {
      double seconds = 0;
      if (absl::SimpleAtod(expires->get<std::string>(), &seconds)) {
        out.expires_in = absl::Seconds(seconds);
      }
    }
  }
  out.scopes = absl::StrSplit(JsonString(*body, "scope"), ' ', absl::SkipEmpty());
  return out;
}

absl::StatusOr<TokenResponse> ProviderClient::ExchangeCode(const ProviderConfig& p,
                                                           const std::string& code,
                                                           const std::string& redirect_uri,
                                                           const std::string& code_verifier) {
  return CallTokenEndpoint(p,
                           {{"grant_type", "authorization_code"},
                            {"code", code},
                            {"redirect_uri", redirect_uri},
                            {"code_verifier", code_verifier},
                            {"client_id", p.client_id},
                            {"client_secret", p.client_secret}},
                           "authorization code");
}

absl::StatusOr<TokenResponse> ProviderClient::Refresh(const ProviderConfig& p,
                                                      const std::string& refresh_token) {
  return CallTokenEndpoint(p,
                           {{"grant_type", "refresh_token"},
                            {"refresh_token", refresh_token},
                            {"client_id", p.client_id},
                            {"client_secret", p.client_secret}},
                           "refresh token");
}

absl::StatusOr<AccountIdentity> ProviderClient::FetchAccount(const ProviderConfig& p,
                                                             const std::string& access_token) {
  if (!p.dialect) return NoDialect(p);
  HttpRequest req = p.dialect->AccountRequest(TrimSlash(p.api_base_url), access_token);
  req.timeout = options_.timeout;
  absl::StatusOr<HttpResponse> resp = http_.Send(req);
  if (!resp.ok()) return Unreachable(p, "account endpoint", resp.status());
  if (resp->status >= 500 || resp->status == 429) {
    return absl::UnavailableError(absl::StrCat("the ", p.name, " account endpoint answered HTTP ",
                                               resp->status, "; try again later"));
  }
  if (resp->status != 200) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", p.name, " account endpoint refused the new token (HTTP ", resp->status, ")"));
  }
  absl::StatusOr<json> body = ParseJson(*resp);
  if (!body.ok() || !body->is_object()) {
    return absl::InternalError(
        absl::StrCat("the ", p.name, " account endpoint answered with a body that is not JSON"));
  }
  AccountIdentity id = p.dialect->AccountOf(*body);
  if (id.account.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", p.name, " account endpoint did not say which account the token belongs to"));
  }
  if (id.display_name.empty()) id.display_name = id.account;
  return id;
}

bool ProviderClient::Revoke(const ProviderConfig& p, const std::string& access_token,
                            const std::string& refresh_token) {
  if (p.revoke_url.empty() || !p.dialect) return false;
  std::optional<HttpRequest> req = p.dialect->RevokeRequest(p, access_token, refresh_token);
  if (!req) return false;
  req->timeout = options_.timeout;
  absl::StatusOr<HttpResponse> resp = http_.Send(*req);
  const int status = resp.ok() ? resp->status : 0;
  LogInfo("provider revoke answered", {{"provider", p.name}, {"http_status", status}});
  return status >= 200 && status < 300;
}

}  // namespace lc::oauth
