// providers: one adapter per cloud behind one interface, with the limiter,
// retries, circuit breaker and metadata cache around them.
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "providers/adapter_registry.h"
#include "providers/api_session.h"
#include "providers/metadata_cache.h"
#include "providers/oauth_token_source.h"
#include "providers/providers.h"
#include "providers/providers_service.h"
#include "runtime/http_client.h"
#include "runtime/log.h"
#include "runtime/server.h"

namespace {

int Fail(const std::string& setting, const std::string& why) {
  std::cerr << "providers: --" << setting << " (" << lc::Config::EnvName(setting) << "): " << why
            << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  auto specs = lc::CommonSettings("0.0.0.0:50053");
  specs.push_back({.name = "oauth-addr",
                   .type = lc::SettingType::kHostPort,
                   .default_value = "127.0.0.1:50052",
                   .help = "the oauth service (tokens, account ownership)"});
  specs.push_back({.name = "http-timeout",
                   .type = lc::SettingType::kDuration,
                   .default_value = "30s",
                   .help = "time for one HTTP attempt to a provider"});
  specs.push_back({.name = "http-attempts",
                   .type = lc::SettingType::kInt,
                   .default_value = "4",
                   .help = "attempts per provider call for 5xx, timeouts and throttling",
                   .min = 1,
                   .max = 10});
  specs.push_back({.name = "http-ca-file",
                   .help = "extra CA bundle for provider endpoints (the emulator's certificate)"});
  specs.push_back({.name = "content-max-bytes",
                   .type = lc::SettingType::kInt,
                   .default_value = "104857600",
                   .help = "GetContent size cap (and the default when a request sets none)",
                   .min = 1});
  specs.push_back({.name = "content-timeout",
                   .type = lc::SettingType::kDuration,
                   .default_value = "2m",
                   .help = "GetContent time cap"});
  specs.push_back(
      {.name = "cache-ttl",
       .type = lc::SettingType::kDuration,
       .default_value = "30s",
       .help = "GetFile metadata cache for user calls (0s disables; never for services)"});
  specs.push_back({.name = "cache-entries",
                   .type = lc::SettingType::kInt,
                   .default_value = "10000",
                   .help = "metadata cache size",
                   .min = 0});
  specs.push_back({.name = "breaker-threshold",
                   .type = lc::SettingType::kInt,
                   .default_value = "5",
                   .help = "consecutive failed calls that open a provider's circuit",
                   .min = 1});
  specs.push_back({.name = "breaker-open-for",
                   .type = lc::SettingType::kDuration,
                   .default_value = "30s",
                   .help = "how long an open circuit refuses calls"});
  lc::Config config = lc::LoadConfigOrDie("providers", specs, argc, argv);
  for (const char* d : {"http-timeout", "content-timeout", "breaker-open-for"}) {
    if (config.GetDuration(d) <= absl::ZeroDuration()) return Fail(d, "must be more than 0s");
  }
  if (config.GetDuration("cache-ttl") < absl::ZeroDuration() ||
      config.GetDuration("cache-ttl") > absl::Minutes(10)) {
    return Fail("cache-ttl", "must be between 0s and 10m");
  }
  if (const std::string& ca = config.GetString("http-ca-file"); !ca.empty()) {
    if (FILE* f = fopen(ca.c_str(), "r")) {
      fclose(f);
    } else {
      return Fail("http-ca-file", "cannot read " + ca);
    }
  }

  lc::ServiceRuntime runtime("providers", config);
  // Retries live in ResilientSession (per-account limiter, Retry-After); the
  // HTTP client makes single attempts.
  lc::CurlHttpClient http(lc::CurlHttpClient::Options{.retry = lc::RetryPolicy{.max_attempts = 1},
                                                      .ca_file = config.GetString("http-ca-file")});
  lc::providers::ReliabilityState reliability(
      lc::providers::ReliabilityOptions{
          .max_attempts = static_cast<int>(config.GetInt("http-attempts")),
          .http_timeout = config.GetDuration("http-timeout"),
          .breaker_threshold = static_cast<int>(config.GetInt("breaker-threshold")),
          .breaker_open_for = config.GetDuration("breaker-open-for")},
      lc::providers::Clock{});
  lc::providers::OAuthTokenSource tokens(
      grpc::CreateChannel(config.GetString("oauth-addr"), grpc::InsecureChannelCredentials()),
      [&runtime] { return runtime.ServiceToken(); });
  lc::providers::MetadataCache cache(config.GetDuration("cache-ttl"),
                                     static_cast<size_t>(config.GetInt("cache-entries")));
  lc::providers::AdapterRegistry adapters;
  lc::providers::Providers providers(
      adapters, tokens, http, reliability, cache,
      lc::providers::Providers::Options{.max_content_bytes = config.GetInt("content-max-bytes"),
                                        .content_timeout = config.GetDuration("content-timeout")});
  lc::providers::ProviderServiceImpl service(providers, runtime.edge());
  runtime.AddService(&service);
  if (auto s = runtime.Start(); !s.ok()) {
    lc::LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  runtime.Wait();
  return 0;
}
