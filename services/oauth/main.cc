// oauth: the provider registry, the authorization-code flow and the
// encrypted token store.
#include "absl/time/clock.h"
#include "oauth/authorization_flow.h"
#include "oauth/migrations.h"
#include "oauth/oauth_service.h"
#include "oauth/oauth_store.h"
#include "oauth/provider_client.h"
#include "oauth/provider_registry.h"
#include "oauth/settings.h"
#include "oauth/token_broker.h"
#include "runtime/http_client.h"
#include "runtime/server.h"

int main(int argc, char** argv) {
  const lc::oauth::Settings settings = lc::LoadSettingsOrDie("oauth", lc::oauth::SettingSpecs(),
                                                             lc::oauth::ReadSettings, argc, argv);
  lc::ServiceRuntime runtime("oauth", settings.runtime);
  auto pool = lc::OpenDatabaseOrExit(settings.database, "oauth", lc::oauth::Migrations());

  lc::CurlHttpClient http(lc::CurlHttpClient::Options{.ca_file = settings.http_ca_file});
  lc::oauth::ProviderClient client(http, settings.client);
  lc::oauth::PgOAuthStore store(*pool);
  lc::oauth::ProviderRegistry registry(store, settings.cipher);
  auto now = [] { return absl::Now(); };
  lc::oauth::AuthorizationFlow flow(store, registry, client, settings.cipher, now, {});
  lc::oauth::TokenBroker broker(store, registry, client, settings.cipher, now, settings.broker);
  lc::oauth::OAuthServiceImpl service(registry, flow, broker, runtime.edge());
  runtime.AddService(&service);
  return runtime.Run();
}
