// oauth: the provider registry, the authorization-code flow and the
// encrypted token store.
#include <iostream>

#include "absl/time/clock.h"
#include "oauth/authorization_flow.h"
#include "oauth/migrations.h"
#include "oauth/oauth_service.h"
#include "oauth/oauth_store.h"
#include "oauth/provider_client.h"
#include "oauth/provider_registry.h"
#include "oauth/token_broker.h"
#include "oauth/token_cipher.h"
#include "runtime/http_client.h"
#include "runtime/log.h"
#include "runtime/pg.h"
#include "runtime/server.h"

int main(int argc, char** argv) {
  auto specs = lc::CommonSettingsWithDatabase("0.0.0.0:50052");
  specs.push_back({.name = "token-keys",
                   .help = "keys sealing tokens at rest: \"kid:base64-32-bytes[,kid2:...]\"; the "
                           "first seals new values, all open old ones",
                   .required = true,
                   .secret = true});
  specs.push_back({.name = "refresh-margin",
                   .type = lc::SettingType::kDuration,
                   .default_value = "5m",
                   .help = "refresh an access token that expires within this margin"});
  specs.push_back({.name = "http-timeout",
                   .type = lc::SettingType::kDuration,
                   .default_value = "10s",
                   .help = "time for one call to a provider's token, account or revoke endpoint"});
  specs.push_back({.name = "http-ca-file",
                   .help = "extra CA bundle for provider endpoints (the emulator's certificate)"});
  lc::Config config = lc::LoadConfigOrDie("oauth", specs, argc, argv);

  auto cipher = lc::oauth::TokenCipher::FromKeyList(config.GetString("token-keys"));
  if (!cipher.ok()) {
    std::cerr << "oauth: --token-keys (LC_TOKEN_KEYS): " << cipher.status().message() << "\n";
    return 2;
  }
  if (config.GetDuration("refresh-margin") < absl::ZeroDuration() ||
      config.GetDuration("refresh-margin") > absl::Hours(1)) {
    std::cerr << "oauth: --refresh-margin (LC_REFRESH_MARGIN): must be between 0s and 1h\n";
    return 2;
  }
  if (config.GetDuration("http-timeout") <= absl::ZeroDuration()) {
    std::cerr << "oauth: --http-timeout (LC_HTTP_TIMEOUT): must be more than 0s\n";
    return 2;
  }
  lc::ServiceRuntime runtime("oauth", config);

  lc::PgPool pool(lc::PgOptions{.conninfo = config.GetString("db-url"),
                                .schema = "oauth",
                                .pool_size = static_cast<int>(config.GetInt("db-pool-size"))});
  if (auto s = lc::ApplyMigrations(pool, lc::oauth::Migrations()); !s.ok()) {
    lc::LogError("cannot migrate the oauth schema", {{"error", s.ToString()}});
    return 1;
  }
  if (config.GetBool("migrate-only")) {
    lc::LogInfo("migrations applied; exiting (--migrate-only)");
    return 0;
  }

  lc::CurlHttpClient http(lc::CurlHttpClient::Options{.ca_file = config.GetString("http-ca-file")});
  lc::oauth::ProviderClient client(
      http, lc::oauth::ProviderClient::Options{.timeout = config.GetDuration("http-timeout")});
  lc::oauth::PgOAuthStore store(pool);
  lc::oauth::ProviderRegistry registry(store, *cipher);
  auto now = [] { return absl::Now(); };
  lc::oauth::AuthorizationFlow flow(store, registry, client, *cipher, now, {});
  lc::oauth::TokenBroker broker(
      store, registry, client, *cipher, now,
      lc::oauth::TokenBroker::Options{.refresh_margin = config.GetDuration("refresh-margin")});
  lc::oauth::OAuthServiceImpl service(registry, flow, broker, runtime.edge());
  runtime.AddService(&service);
  if (auto s = runtime.Start(); !s.ok()) {
    lc::LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  runtime.Wait();
  return 0;
}
