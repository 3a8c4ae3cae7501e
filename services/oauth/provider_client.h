// The OAuth2 and account calls to a provider: code exchange (with the PKCE
// verifier), refresh, "who is this token", and revocation, in each
// provider's dialect (provider_dialect.h). Response bodies may hold tokens,
// so none is ever logged or copied into an error message.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/http_client.h"

namespace lc::oauth {

class ProviderDialect;  // oauth/provider_dialect.h

// A usable provider with its secret opened and its URLs resolved (the
// Microsoft "{tenant}" placeholder replaced).
struct ProviderConfig {
  std::string name;
  std::string kind;  // google | dropbox | box | microsoft
  std::string client_id;
  std::string client_secret;
  std::string authorization_url;
  std::string token_url;
  std::string revoke_url;
  std::vector<std::string> scopes;
  std::map<std::string, std::string> extra_params;
  std::string api_base_url;
  // The kind's strategy, chosen by the registry (DialectFor(kind)).
  std::shared_ptr<const ProviderDialect> dialect;
};

struct TokenResponse {
  std::string access_token;
  std::string refresh_token;  // empty when the provider sent none
  std::optional<absl::Duration> expires_in;
  std::vector<std::string> scopes;  // empty when the provider did not say
};

struct AccountIdentity {
  std::string account;  // email, login or account id
  std::string display_name;
};

// The OAuth "error" code of a token-endpoint refusal carried by a status
// returned from ProviderClient ("invalid_grant", "invalid_client", ...), or
// "" when the status is not such a refusal.
std::string OAuthErrorOf(const absl::Status& status);
// Whether a status from ProviderClient says the provider refused the
// configured client itself (its id, secret or registration: Microsoft's
// unauthorized_client too): an administrator's problem, not the account's.
bool ClientRefused(const absl::Status& status);

class ProviderClient {
 public:
  struct Options {
    absl::Duration timeout = absl::Seconds(10);
  };
  ProviderClient(HttpClient& http, Options options) : http_(http), options_(options) {}

  // Token-endpoint errors: transport failure, 5xx or 429 -> UNAVAILABLE;
  // a 4xx refusal -> FAILED_PRECONDITION carrying the OAuth error code
  // (OAuthErrorOf); a refused client -> FAILED_PRECONDITION "the client
  // id/secret configured for <provider> is refused ..." (ClientRefused); a
  // 2xx without access_token -> INTERNAL.
  absl::StatusOr<TokenResponse> ExchangeCode(const ProviderConfig& provider,
                                             const std::string& code,
                                             const std::string& redirect_uri,
                                             const std::string& code_verifier);
  absl::StatusOr<TokenResponse> Refresh(const ProviderConfig& provider,
                                        const std::string& refresh_token);
  // Asks the provider's account endpoint who the token belongs to.
  absl::StatusOr<AccountIdentity> FetchAccount(const ProviderConfig& provider,
                                               const std::string& access_token);
  // True when the provider confirmed; false when it has no revoke URL or
  // refused. Never fails: revocation is best effort.
  bool Revoke(const ProviderConfig& provider, const std::string& access_token,
              const std::string& refresh_token);

 private:
  absl::StatusOr<TokenResponse> CallTokenEndpoint(
      const ProviderConfig& provider, const std::vector<std::pair<std::string, std::string>>& form,
      const char* what);

  HttpClient& http_;
  Options options_;
};

}  // namespace lc::oauth
