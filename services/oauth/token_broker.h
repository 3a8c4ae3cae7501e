// The credential store's callers: hands out valid access tokens (refreshing
// one credential at most once at a time, across replicas), lists and checks
// connected accounts, and disconnects them.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/oauth.pb.h"
#include "oauth/oauth_store.h"
#include "oauth/provider_client.h"
#include "oauth/provider_registry.h"
#include "oauth/refresh_single_flight.h"
#include "oauth/token_cipher.h"
#include "runtime/jwt.h"

namespace lc::oauth {

class TokenBroker {
 public:
  struct Options {
    // A token expiring within this margin is refreshed before it is handed
    // out.
    absl::Duration refresh_margin = absl::Minutes(5);
  };
  TokenBroker(OAuthStore& store, ProviderRegistry& registry, ProviderClient& client,
              const TokenCipher& cipher, std::function<absl::Time()> now, Options options)
      : store_(store),
        registry_(registry),
        client_(client),
        cipher_(cipher),
        now_(std::move(now)),
        options_(options) {}

  // A token valid for at least the margin. The refresh runs inside a
  // transaction holding the credential's row lock (other replicas wait, then
  // see the new token) and behind an in-process lock per credential. The
  // new (possibly rotated) refresh token is committed before the access
  // token is returned. invalid_grant marks the credential needs_reconnect
  // and is FAILED_PRECONDITION; a refused client (invalid_client: the
  // configured id/secret) is FAILED_PRECONDITION naming the provider's
  // configuration and leaves the credential untouched, as do provider
  // 5xx/timeouts (UNAVAILABLE).
  absl::StatusOr<v1::GetAccessTokenResponse> GetAccessToken(const v1::GetAccessTokenRequest& req);
  absl::StatusOr<v1::Account> GetAccount(const v1::GetAccountRequest& req);
  absl::StatusOr<v1::ListAccountsResponse> ListAccounts(const Principal& caller,
                                                        const v1::ListAccountsRequest& req);
  // Revokes at the provider where it can (best effort), then deletes.
  absl::StatusOr<v1::DisconnectResponse> Disconnect(const Principal& caller,
                                                    const v1::DisconnectRequest& req);

 private:
  bool Fresh(const CredentialRecord& c, absl::Time now) const;
  absl::StatusOr<v1::GetAccessTokenResponse> Answer(const CredentialRecord& c,
                                                    const ProviderConfig& provider) const;

  OAuthStore& store_;
  ProviderRegistry& registry_;
  ProviderClient& client_;
  const TokenCipher& cipher_;
  std::function<absl::Time()> now_;
  Options options_;
  RefreshSingleFlight flights_;
};

v1::Account AccountOf(const CredentialRecord& c);

}  // namespace lc::oauth
