#include "oauth/oauth_service.h"

namespace lc::oauth {
namespace {

// Copies a StatusOr's value into the response, or passes its error on.
template <typename T>
absl::Status Answer(absl::StatusOr<T> result, T* resp) {
  if (!result.ok()) return result.status();
  *resp = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

grpc::Status OAuthServiceImpl::ListServiceProviders(grpc::ServerContext* ctx,
                                                    const v1::ListServiceProvidersRequest*,
                                                    v1::ListServiceProvidersResponse* resp) {
  return edge_.Serve(ctx, "ListServiceProviders", Access::kAdmin,
                     [&](const CallContext&) { return Answer(registry_.List(), resp); });
}

grpc::Status OAuthServiceImpl::GetServiceProvider(grpc::ServerContext* ctx,
                                                  const v1::GetServiceProviderRequest* req,
                                                  v1::ServiceProvider* resp) {
  return edge_.Serve(ctx, "GetServiceProvider", Access::kAdmin,
                     [&](const CallContext&) { return Answer(registry_.Get(req->name()), resp); });
}

grpc::Status OAuthServiceImpl::UpdateServiceProvider(grpc::ServerContext* ctx,
                                                     const v1::UpdateServiceProviderRequest* req,
                                                     v1::ServiceProvider* resp) {
  return edge_.Serve(ctx, "UpdateServiceProvider", Access::kAdmin,
                     [&](const CallContext&) { return Answer(registry_.Update(*req), resp); });
}

grpc::Status OAuthServiceImpl::SetServiceProviderEnabled(
    grpc::ServerContext* ctx, const v1::SetServiceProviderEnabledRequest* req,
    v1::ServiceProvider* resp) {
  return edge_.Serve(ctx, "SetServiceProviderEnabled", Access::kAdmin,
                     [&](const CallContext&) { return Answer(registry_.SetEnabled(*req), resp); });
}

grpc::Status OAuthServiceImpl::StartAuthorization(grpc::ServerContext* ctx,
                                                  const v1::StartAuthorizationRequest* req,
                                                  v1::StartAuthorizationResponse* resp) {
  return edge_.Serve(ctx, "StartAuthorization", Access::kUser, [&](const CallContext& c) {
    return Answer(flow_.Start(c.principal, *req), resp);
  });
}

grpc::Status OAuthServiceImpl::CompleteAuthorization(grpc::ServerContext* ctx,
                                                     const v1::CompleteAuthorizationRequest* req,
                                                     v1::CompleteAuthorizationResponse* resp) {
  return edge_.Serve(ctx, "CompleteAuthorization", Access::kUser, [&](const CallContext& c) {
    return Answer(flow_.Complete(c.principal, *req), resp);
  });
}

grpc::Status OAuthServiceImpl::ListAccounts(grpc::ServerContext* ctx,
                                            const v1::ListAccountsRequest* req,
                                            v1::ListAccountsResponse* resp) {
  return edge_.Serve(ctx, "ListAccounts", Access::kUser, [&](const CallContext& c) {
    return Answer(broker_.ListAccounts(c.principal, *req), resp);
  });
}

grpc::Status OAuthServiceImpl::Disconnect(grpc::ServerContext* ctx,
                                          const v1::DisconnectRequest* req,
                                          v1::DisconnectResponse* resp) {
  return edge_.Serve(ctx, "Disconnect", Access::kUser, [&](const CallContext& c) {
    return Answer(broker_.Disconnect(c.principal, *req), resp);
  });
}

grpc::Status OAuthServiceImpl::GetAccessToken(grpc::ServerContext* ctx,
                                              const v1::GetAccessTokenRequest* req,
                                              v1::GetAccessTokenResponse* resp) {
  return edge_.Serve(ctx, "GetAccessToken", Access::kService, [&](const CallContext&) {
    return Answer(broker_.GetAccessToken(*req), resp);
  });
}

grpc::Status OAuthServiceImpl::GetAccount(grpc::ServerContext* ctx,
                                          const v1::GetAccountRequest* req, v1::Account* resp) {
  return edge_.Serve(ctx, "GetAccount", Access::kService,
                     [&](const CallContext&) { return Answer(broker_.GetAccount(*req), resp); });
}

}  // namespace lc::oauth
