#include "providers/oauth_token_source.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/client_call.h"
#include "runtime/status.h"

namespace lc::providers {

OAuthTokenSource::OAuthTokenSource(std::shared_ptr<grpc::Channel> channel,
                                   std::function<std::string()> service_token,
                                   absl::Duration timeout)
    : stub_(::liveconnect::v1::OAuthService::NewStub(std::move(channel))),
      service_token_(std::move(service_token)),
      timeout_(timeout) {}

absl::StatusOr<AccessToken> OAuthTokenSource::Get(const AccountKey& key, bool force_refresh,
                                                  absl::Time deadline) {
  grpc::ClientContext ctx;
  PrepareOutgoingCall(ctx, service_token_(), std::min(deadline, absl::Now() + timeout_));
  ::liveconnect::v1::GetAccessTokenRequest req;
  req.set_user(key.user);
  req.set_provider(key.provider);
  req.set_account(key.account);
  req.set_force_refresh(force_refresh);
  ::liveconnect::v1::GetAccessTokenResponse resp;
  grpc::Status s = stub_->GetAccessToken(&ctx, req, &resp);
  if (!s.ok()) {
    absl::Status st = FromGrpcStatus(s);
    if (absl::IsNotFound(st)) {
      return absl::NotFoundError(absl::StrCat("account \"", key.account, "\" of ", key.provider,
                                              " is not one of your connected accounts"));
    }
    if (absl::IsUnauthenticated(st) || absl::IsPermissionDenied(st)) {
      // Our own service identity was refused: a deployment problem.
      return absl::InternalError(
          absl::StrCat("oauth refused the providers service: ", st.message()));
    }
    return absl::Status(st.code(), absl::StrCat("oauth: ", st.message()));
  }
  return AccessToken{resp.access_token(), resp.api_base_url()};
}

}  // namespace lc::providers
