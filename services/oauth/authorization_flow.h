// The authorization-code flow with PKCE: StartAuthorization issues a random
// single-use state (only its hash is stored) bound to the user, provider,
// redirect URI and return_to; CompleteAuthorization checks it, exchanges the
// code, asks the provider whose account it is and stores the credential.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/oauth.pb.h"
#include "oauth/oauth_store.h"
#include "oauth/provider_client.h"
#include "oauth/provider_registry.h"
#include "oauth/token_cipher.h"
#include "runtime/jwt.h"

namespace lc::oauth {

using Clock = std::function<absl::Time()>;

class AuthorizationFlow {
 public:
  struct Options {
    absl::Duration state_ttl = absl::Minutes(10);
  };
  AuthorizationFlow(OAuthStore& store, ProviderRegistry& registry, ProviderClient& client,
                    const TokenCipher& cipher, Clock now, Options options)
      : store_(store),
        registry_(registry),
        client_(client),
        cipher_(cipher),
        now_(std::move(now)),
        options_(options) {}

  absl::StatusOr<v1::StartAuthorizationResponse> Start(const Principal& caller,
                                                       const v1::StartAuthorizationRequest& req);
  // Errors (see docs/oauth.md): unknown or tampered state INVALID_ARGUMENT;
  // state of another provider INVALID_ARGUMENT; another user's state
  // PERMISSION_DENIED; replayed or expired state FAILED_PRECONDITION; the
  // user declined (error=access_denied) PERMISSION_DENIED; no refresh token
  // granted FAILED_PRECONDITION (nothing is stored).
  absl::StatusOr<v1::CompleteAuthorizationResponse> Complete(
      const Principal& caller, const v1::CompleteAuthorizationRequest& req);

 private:
  OAuthStore& store_;
  ProviderRegistry& registry_;
  ProviderClient& client_;
  const TokenCipher& cipher_;
  Clock now_;
  Options options_;
};

// The stored form of a state: hex SHA-256.
std::string StateHash(const std::string& state);

// Contexts that bind sealed values to their row (associated data).
std::string VerifierContext(const std::string& state_hash);
std::string AccessTokenContext(const CredentialKey& key);
std::string RefreshTokenContext(const CredentialKey& key);

}  // namespace lc::oauth
