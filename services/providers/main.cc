// providers: one adapter per cloud behind one interface, with the limiter,
// retries, circuit breaker and metadata cache around them.
#include <grpcpp/grpcpp.h>

#include "providers/adapter_registry.h"
#include "providers/api_session.h"
#include "providers/metadata_cache.h"
#include "providers/oauth_token_source.h"
#include "providers/providers.h"
#include "providers/providers_service.h"
#include "providers/settings.h"
#include "runtime/http_client.h"
#include "runtime/server.h"

int main(int argc, char** argv) {
  const lc::providers::Settings settings = lc::LoadSettingsOrDie(
      "providers", lc::providers::SettingSpecs(), lc::providers::ReadSettings, argc, argv);
  lc::ServiceRuntime runtime("providers", settings.runtime);
  // Retries live in ResilientSession (per-account limiter, Retry-After); the
  // HTTP client makes single attempts.
  lc::CurlHttpClient http(lc::CurlHttpClient::Options{.retry = lc::RetryPolicy{.max_attempts = 1},
                                                      .ca_file = settings.http_ca_file});
  lc::providers::ReliabilityState reliability(settings.reliability, lc::providers::Clock{});
  lc::providers::OAuthTokenSource tokens(
      grpc::CreateChannel(settings.oauth_addr, grpc::InsecureChannelCredentials()),
      [&runtime] { return runtime.ServiceToken(); });
  lc::providers::MetadataCache cache(settings.cache_ttl, settings.cache_entries);
  lc::providers::AdapterRegistry adapters;
  lc::providers::Providers providers(adapters, tokens, http, reliability, cache,
                                     settings.providers);
  lc::providers::ProviderServiceImpl service(providers, runtime.edge());
  runtime.AddService(&service);
  return runtime.Run();
}
