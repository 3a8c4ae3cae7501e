// gRPC handler of OAuthService: authenticate, call the logic, map.
#pragma once

#include "liveconnect/v1/oauth.grpc.pb.h"
#include "oauth/authorization_flow.h"
#include "oauth/provider_registry.h"
#include "oauth/token_broker.h"
#include "runtime/server.h"

namespace lc::oauth {

class OAuthServiceImpl final : public v1::OAuthService::Service {
 public:
  OAuthServiceImpl(ProviderRegistry& registry, AuthorizationFlow& flow, TokenBroker& broker,
                   const RpcEdge& edge)
      : registry_(registry), flow_(flow), broker_(broker), edge_(edge) {}

  grpc::Status ListServiceProviders(grpc::ServerContext* ctx,
                                    const v1::ListServiceProvidersRequest* req,
                                    v1::ListServiceProvidersResponse* resp) override;
  grpc::Status GetServiceProvider(grpc::ServerContext* ctx,
                                  const v1::GetServiceProviderRequest* req,
                                  v1::ServiceProvider* resp) override;
  grpc::Status UpdateServiceProvider(grpc::ServerContext* ctx,
                                     const v1::UpdateServiceProviderRequest* req,
                                     v1::ServiceProvider* resp) override;
  grpc::Status SetServiceProviderEnabled(grpc::ServerContext* ctx,
                                         const v1::SetServiceProviderEnabledRequest* req,
                                         v1::ServiceProvider* resp) override;
  grpc::Status StartAuthorization(grpc::ServerContext* ctx,
                                  const v1::StartAuthorizationRequest* req,
                                  v1::StartAuthorizationResponse* resp) override;
  grpc::Status CompleteAuthorization(grpc::ServerContext* ctx,
                                     const v1::CompleteAuthorizationRequest* req,
                                     v1::CompleteAuthorizationResponse* resp) override;
  grpc::Status ListAccounts(grpc::ServerContext* ctx, const v1::ListAccountsRequest* req,
                            v1::ListAccountsResponse* resp) override;
  grpc::Status Disconnect(grpc::ServerContext* ctx, const v1::DisconnectRequest* req,
                          v1::DisconnectResponse* resp) override;
  grpc::Status GetAccessToken(grpc::ServerContext* ctx, const v1::GetAccessTokenRequest* req,
                              v1::GetAccessTokenResponse* resp) override;
  grpc::Status GetAccount(grpc::ServerContext* ctx, const v1::GetAccountRequest* req,
                          v1::Account* resp) override;

 private:
  ProviderRegistry& registry_;
  AuthorizationFlow& flow_;
  TokenBroker& broker_;
  const RpcEdge& edge_;
};

}  // namespace lc::oauth
