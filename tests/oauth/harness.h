// Runs the oauth service in-process on 127.0.0.1:0 against a PostgreSQL
// database with an injected clock, and hands out stubs authenticated as
// given users, admins or services. Helpers configure it for the cloud
// emulator and connect emulator accounts through it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "liveconnect/v1/oauth.grpc.pb.h"
#include "oauth/authorization_flow.h"
#include "oauth/oauth_service.h"
#include "oauth/oauth_store.h"
#include "oauth/provider_client.h"
#include "oauth/provider_registry.h"
#include "oauth/token_broker.h"
#include "oauth/token_cipher.h"
#include "runtime/http_client.h"
#include "runtime/pg.h"
#include "runtime/server.h"

namespace lc::testing {

namespace v1 = ::liveconnect::v1;

inline constexpr char kJwtSecret[] = "test-secret-test-secret-test-secret-0123";
// Two 32-byte keys (base64): "k1" is active unless a test says otherwise.
inline constexpr char kKeyK1[] = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
inline constexpr char kKeyK2[] = "k2:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";

class OAuthHarness {
 public:
  // ca_file: extra CA bundle for provider endpoints (the emulator's TLS).
  explicit OAuthHarness(const std::string& conninfo, const std::string& token_keys = kKeyK1,
                        const std::string& ca_file = "");
  ~OAuthHarness();

  std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                          std::vector<std::string> roles = {});
  std::unique_ptr<grpc::ClientContext> AsAdmin() { return As("root", {"admin"}); }
  std::unique_ptr<grpc::ClientContext> AsService() { return As("service:providers", {"service"}); }
  v1::OAuthService::Stub& stub() { return *stub_; }
  PgPool& pool() { return *pool_; }
  int port() const { return port_; }

  // The service's clock is the wall clock plus this offset.
  void Advance(absl::Duration d) { offset_us_ += absl::ToInt64Microseconds(d); }
  absl::Time Now() const { return absl::Now() + absl::Microseconds(offset_us_.load()); }

 private:
  std::atomic<int64_t> offset_us_{0};
  int port_ = 0;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<oauth::TokenCipher> cipher_;
  std::unique_ptr<CurlHttpClient> http_;
  std::unique_ptr<oauth::ProviderClient> client_;
  std::unique_ptr<oauth::PgOAuthStore> store_;
  std::unique_ptr<oauth::ProviderRegistry> registry_;
  std::unique_ptr<oauth::AuthorizationFlow> flow_;
  std::unique_ptr<oauth::TokenBroker> broker_;
  std::unique_ptr<RpcEdge> edge_;
  std::unique_ptr<oauth::OAuthServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::OAuthService::Stub> stub_;
};

// Admin: replaces `provider`'s client secret (as an administrator who
// pastes the wrong one would).
grpc::Status SetClientSecret(OAuthHarness& oauth, const std::string& provider,
                             const std::string& secret);

class EmulatorProcess;  // testing/emulator_process.h

// The emulator account the suites connect for `provider`: the emulator's
// default user (alice@example.com, a personal account), except for
// onedrive-business, whose tenant (organizations) signs in work or school
// accounts only: alice@contoso.example, a business account the Graph
// emulator creates at its first sign-in there.
std::string EmulatorAccountOf(const std::string& provider);

// The redirect URI the emulator suites' flows use for `provider` (a gateway
// that is never called: the tests carry the code to the service).
std::string EmulatorRedirectUri(const std::string& provider);

// Admin: points `provider` at the cloud emulator (as ./scripts/up does:
// client "lc-{provider}" with its emulator secret, registered at the
// emulator with EmulatorRedirectUri, the emulator's OAuth endpoints, its API
// as the base URL) and enables it.
grpc::Status ConfigureEmulatorProvider(OAuthHarness& oauth, EmulatorProcess& emulator,
                                       const std::string& provider);

// Connects the emulator's `account` of `provider` for `user`: starts the code
// flow, follows the emulator's authorize page (it approves at once and
// redirects with a code and the state) and completes it.
grpc::Status ConnectEmulatorAccount(OAuthHarness& oauth, EmulatorProcess& emulator,
                                    const std::string& user, const std::string& provider,
                                    const std::string& account);

}  // namespace lc::testing
