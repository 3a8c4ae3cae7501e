// TokenSource backed by the oauth service's GetAccessToken (service identity).
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "liveconnect/v1/oauth.grpc.pb.h"
#include "providers/api_session.h"

namespace lc::providers {

class OAuthTokenSource : public TokenSource {
 public:
  // service_token: a fresh service-identity JWT for each call.
  OAuthTokenSource(std::shared_ptr<grpc::Channel> channel,
                   std::function<std::string()> service_token,
                   absl::Duration timeout = absl::Seconds(10));

  // NOT_FOUND (the account is not one of the user's connected accounts) and
  // FAILED_PRECONDITION (reconnect needed, provider disabled) pass through
  // with oauth's message; transport trouble is UNAVAILABLE.
  absl::StatusOr<AccessToken> Get(const AccountKey& key, bool force_refresh,
                                  absl::Time deadline) override;

 private:
  std::unique_ptr<::liveconnect::v1::OAuthService::Stub> stub_;
  std::function<std::string()> service_token_;
  absl::Duration timeout_;
};

}  // namespace lc::providers
