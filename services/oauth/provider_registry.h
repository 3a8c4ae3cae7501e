// The service-provider registry: the admin view (never a client secret, only
// whether one is set) and the usable configuration the flows run with.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/oauth.pb.h"
#include "oauth/oauth_store.h"
#include "oauth/provider_client.h"
#include "oauth/token_cipher.h"

namespace lc::oauth {

class ProviderRegistry {
 public:
  ProviderRegistry(OAuthStore& store, const TokenCipher& cipher) : store_(store), cipher_(cipher) {}

  absl::StatusOr<v1::ListServiceProvidersResponse> List();
  absl::StatusOr<v1::ServiceProvider> Get(const std::string& name);
  // Copies the fields named in the mask; "client_secret" takes the request's
  // write-only secret (empty clears it). Unknown or read-only paths are
  // INVALID_ARGUMENT.
  absl::StatusOr<v1::ServiceProvider> Update(const v1::UpdateServiceProviderRequest& req);
  absl::StatusOr<v1::ServiceProvider> SetEnabled(const v1::SetServiceProviderEnabledRequest& req);

  // The configuration to run a flow with: NOT_FOUND for an unknown name,
  // FAILED_PRECONDITION naming what is missing when it is not usable.
  absl::StatusOr<ProviderConfig> Usable(const std::string& name);

  // The public view of a row (exposed for tests).
  static v1::ServiceProvider ToProto(const ProviderRecord& record);

 private:
  OAuthStore& store_;
  const TokenCipher& cipher_;
};

}  // namespace lc::oauth
