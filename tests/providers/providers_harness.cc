#include "providers_harness.h"

#include <stdexcept>

#include "runtime/jwt.h"

namespace lc::testing {

ProvidersHarness::ProvidersHarness(int oauth_port, const std::string& jwt_secret, Options o)
    : secret_(jwt_secret) {
  http_ = std::make_unique<CurlHttpClient>(
      CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}, .ca_file = o.ca_file});
  reliability_ = std::make_unique<providers::ReliabilityState>(o.reliability, providers::Clock{});
  tokens_ = std::make_unique<providers::OAuthTokenSource>(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(oauth_port),
                          grpc::InsecureChannelCredentials()),
      [this] {
        absl::Time now = absl::Now();
        return MintHs256(secret_, Principal{"service:providers", {"service"}}, now,
                         now + absl::Minutes(5));
      });
  cache_ = std::make_unique<providers::MetadataCache>(o.cache_ttl, 1000);
  adapters_ = std::make_unique<providers::AdapterRegistry>();
  providers_ = std::make_unique<providers::Providers>(*adapters_, *tokens_, *http_, *reliability_,
                                                      *cache_, o.providers);
  edge_ = std::make_unique<RpcEdge>(
      std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = jwt_secret}));
  service_ = std::make_unique<providers::ProviderServiceImpl>(*providers_, *edge_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_) throw std::runtime_error("cannot start the providers test server");
  stub_ = ::liveconnect::v1::ProviderService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
}

ProvidersHarness::~ProvidersHarness() {
  server_->Shutdown();
  server_->Wait();
}

std::unique_ptr<grpc::ClientContext> ProvidersHarness::As(const std::string& user,
                                                          std::vector<std::string> roles,
                                                          absl::Duration deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  absl::Time now = absl::Now();
  ctx->AddMetadata("authorization",
                   "Bearer " + MintHs256(secret_, Principal{user, std::move(roles)}, now,
                                         now + absl::Minutes(5)));
  ctx->set_deadline(absl::ToChronoTime(now + deadline));
  return ctx;
}

}  // namespace lc::testing
