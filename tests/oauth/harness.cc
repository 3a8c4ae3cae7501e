#include "harness.h"

#include <stdexcept>

#include "absl/time/clock.h"
#include "oauth/migrations.h"
#include "runtime/jwt.h"
#include "testing/emulator_process.h"

namespace lc::testing {

OAuthHarness::OAuthHarness(const std::string& conninfo, const std::string& token_keys,
                           const std::string& ca_file) {
  pool_ = std::make_unique<PgPool>(PgOptions{.conninfo = conninfo,
                                             .schema = "oauth",
                                             .pool_size = 8,
                                             .acquire_timeout = absl::Seconds(10),
                                             .connect_timeout = absl::Seconds(2)});
  auto s = ApplyMigrations(*pool_, oauth::Migrations());
  if (!s.ok()) throw std::runtime_error("migrations: " + s.ToString());
  auto cipher = oauth::TokenCipher::FromKeyList(token_keys);
  if (!cipher.ok()) throw std::runtime_error("keys: " + cipher.status().ToString());
  cipher_ = std::make_unique<oauth::TokenCipher>(*std::move(cipher));
  http_ = std::make_unique<CurlHttpClient>(
      CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}, .ca_file = ca_file});
  client_ = std::make_unique<oauth::ProviderClient>(
      *http_, oauth::ProviderClient::Options{.timeout = absl::Seconds(5)});
  store_ = std::make_unique<oauth::PgOAuthStore>(*pool_);
  registry_ = std::make_unique<oauth::ProviderRegistry>(*store_, *cipher_);
  auto now = [this] { return Now(); };
  flow_ = std::make_unique<oauth::AuthorizationFlow>(*store_, *registry_, *client_, *cipher_, now,
                                                     oauth::AuthorizationFlow::Options{});
  broker_ = std::make_unique<oauth::TokenBroker>(*store_, *registry_, *client_, *cipher_, now,
                                                 oauth::TokenBroker::Options{});
  edge_ = std::make_unique<RpcEdge>(
      std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kJwtSecret}));
  service_ = std::make_unique<oauth::OAuthServiceImpl>(*registry_, *flow_, *broker_, *edge_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_) throw std::runtime_error("cannot start the test server");
  stub_ = v1::OAuthService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                                        grpc::InsecureChannelCredentials()));
}

OAuthHarness::~OAuthHarness() {
  server_->Shutdown();
  server_->Wait();
}

std::unique_ptr<grpc::ClientContext> OAuthHarness::As(const std::string& user,
                                                      std::vector<std::string> roles) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  absl::Time now = absl::Now();
  ctx->AddMetadata("authorization",
                   "Bearer " + MintHs256(kJwtSecret, Principal{user, std::move(roles)}, now,
                                         now + absl::Minutes(5)));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

grpc::Status SetClientSecret(OAuthHarness& oauth, const std::string& provider,
                             const std::string& secret) {
  v1::UpdateServiceProviderRequest req;
  req.mutable_provider()->set_name(provider);
  req.set_client_secret(secret);
  req.mutable_update_mask()->add_paths("client_secret");
  v1::ServiceProvider out;
  auto ctx = oauth.AsAdmin();
  return oauth.stub().UpdateServiceProvider(ctx.get(), req, &out);
}

std::string EmulatorAccountOf(const std::string& provider) {
  return provider == "onedrive-business" ? "alice@contoso.example" : "alice@example.com";
}

std::string EmulatorRedirectUri(const std::string& provider) {
  return "https://gw.example.test/oauth2/" + provider + "/callback";
}

grpc::Status ConfigureEmulatorProvider(OAuthHarness& oauth, EmulatorProcess& emulator,
                                       const std::string& p) {
  const EmulatorEndpoints e = EmulatorEndpointsOf(p);
  const std::string base = emulator.Base(p);
  emulator.RegisterClient(p, "lc-" + p, "emulator-client-secret-" + p, {EmulatorRedirectUri(p)});
  v1::UpdateServiceProviderRequest req;
  req.mutable_provider()->set_name(p);
  req.mutable_provider()->set_client_id("lc-" + p);
  req.mutable_provider()->set_authorization_url(base + e.auth);
  req.mutable_provider()->set_token_url(base + e.token);
  req.mutable_provider()->set_revoke_url(e.revoke.empty() ? "" : base + e.revoke);
  req.mutable_provider()->set_api_base_url(base);
  req.mutable_provider()->set_enabled(true);
  req.set_client_secret("emulator-client-secret-" + p);
  for (const char* path : {"client_id", "client_secret", "authorization_url", "token_url",
                           "revoke_url", "api_base_url", "enabled"}) {
    req.mutable_update_mask()->add_paths(path);
  }
  v1::ServiceProvider out;
  auto ctx = oauth.AsAdmin();
  return oauth.stub().UpdateServiceProvider(ctx.get(), req, &out);
}

grpc::Status ConnectEmulatorAccount(OAuthHarness& oauth, EmulatorProcess& emulator,
                                    const std::string& user, const std::string& p,
                                    const std::string& account) {
  v1::StartAuthorizationRequest start;
  start.set_provider(p);
  start.set_redirect_uri(EmulatorRedirectUri(p));
  start.set_return_to("/");
  start.set_login_hint(account);
  v1::StartAuthorizationResponse started;
  auto c1 = oauth.As(user);
  grpc::Status s = oauth.stub().StartAuthorization(c1.get(), start, &started);
  if (!s.ok()) return s;
  auto page = emulator.Send("GET", started.authorization_url());
  if (!page.ok() || page->status != 302) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "the emulator's authorize page did not redirect: " +
                            (page.ok() ? std::to_string(page->status) + " " + page->body
                                       : page.status().ToString()));
  }
  auto q = QueryOf(page->Header("location"));
  v1::CompleteAuthorizationRequest done;
  done.set_provider(p);
  done.set_code(q["code"]);
  done.set_state(q["state"]);
  v1::CompleteAuthorizationResponse out;
  auto c2 = oauth.As(user);
  return oauth.stub().CompleteAuthorization(c2.get(), done, &out);
}

}  // namespace lc::testing
