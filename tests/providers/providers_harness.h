// Runs the providers service in-process on 127.0.0.1:0 against an oauth
// service address, with the real adapters, session, cache and token source,
// and hands out stubs authenticated as users or services.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "liveconnect/v1/providers.grpc.pb.h"
#include "providers/adapter_registry.h"
#include "providers/api_session.h"
#include "providers/metadata_cache.h"
#include "providers/oauth_token_source.h"
#include "providers/providers.h"
#include "providers/providers_service.h"
#include "runtime/http_client.h"
#include "runtime/server.h"

namespace lc::testing {

class ProvidersHarness {
 public:
  struct Options {
    std::string ca_file;
    providers::ReliabilityOptions reliability;
    providers::Providers::Options providers;
    absl::Duration cache_ttl = absl::Seconds(30);
  };
  // jwt_secret: the secret the oauth service also verifies with.
  ProvidersHarness(int oauth_port, const std::string& jwt_secret, Options options);
  ~ProvidersHarness();

  std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                          std::vector<std::string> roles = {},
                                          absl::Duration deadline = absl::Seconds(30));
  std::unique_ptr<grpc::ClientContext> AsService(absl::Duration deadline = absl::Seconds(30)) {
    return As("service:repository", {"service"}, deadline);
  }
  ::liveconnect::v1::ProviderService::Stub& stub() { return *stub_; }
  int port() const { return port_; }
  // The limiters and breakers, for tests that wait on their state.
  providers::ReliabilityState& reliability() { return *reliability_; }

 private:
  std::string secret_;
  int port_ = 0;
  std::unique_ptr<CurlHttpClient> http_;
  std::unique_ptr<providers::ReliabilityState> reliability_;
  std::unique_ptr<providers::OAuthTokenSource> tokens_;
  std::unique_ptr<providers::MetadataCache> cache_;
  std::unique_ptr<providers::AdapterRegistry> adapters_;
  std::unique_ptr<providers::Providers> providers_;
  std::unique_ptr<RpcEdge> edge_;
  std::unique_ptr<providers::ProviderServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<::liveconnect::v1::ProviderService::Stub> stub_;
};

}  // namespace lc::testing
