// Two oauth service processes (the real binary) on one database: 50 parallel
// GetAccessToken calls, split between them, on a credential that needs a
// refresh cause exactly one call at the token endpoint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "absl/time/clock.h"
#include "fake_provider.h"
#include "harness.h"
#include "runtime/jwt.h"
#include "testing/emulator_process.h"
#include "testing/pg_fixture.h"
#include "testing/wait.h"

namespace lc::testing {
namespace {

class OAuthProcess {
 public:
  OAuthProcess(const std::string& conninfo, const std::string& log_file) {
    std::remove(log_file.c_str());  // never read a previous run's port
    pid_ = fork();
    if (pid_ == 0) {
      if (freopen(log_file.c_str(), "w", stderr) == nullptr) _exit(126);
      setenv("LC_DB_URL", conninfo.c_str(), 1);
      setenv("LC_JWT_SECRET", kJwtSecret, 1);
      setenv("LC_TOKEN_KEYS", kKeyK1, 1);
      setenv("LC_LISTEN_ADDR", "127.0.0.1:0", 1);
      setenv("LC_METRICS_PORT", "-1", 1);
      setenv("LC_SHUTDOWN_GRACE", "1s", 1);
      // Tokens with less than 59 minutes left are refreshed: the provider's
      // first 50-minute token needs a refresh at once, its 60-minute
      // refreshed one does not. No test waits on the clock.
      setenv("LC_REFRESH_MARGIN", "59m", 1);
      execl(LC_OAUTH_BIN, "oauth", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Start-up: the process logs its port once it serves.
    if (auto port = WaitForFileMatch(log_file, "\"grpc_port\":([0-9]+)", absl::Seconds(20))) {
      port_ = std::stoi(*port);
    }
    if (port_ == 0) throw std::runtime_error("the oauth process did not start; see " + log_file);
    stub_ = v1::OAuthService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                                          grpc::InsecureChannelCredentials()));
  }
  ~OAuthProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  v1::OAuthService::Stub& stub() { return *stub_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<v1::OAuthService::Stub> stub_;
};

std::unique_ptr<grpc::ClientContext> As(const std::string& user, std::vector<std::string> roles) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  absl::Time now = absl::Now();
  ctx->AddMetadata("authorization", "Bearer " + MintHs256(kJwtSecret, Principal{user, roles}, now,
                                                          now + absl::Minutes(5)));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

TEST(ProcessReplicasTest, TwoProcessesOneDatabaseOneRefresh) {
  LC_REQUIRE_POSTGRES();
  FakeProvider fake;
  const std::string db = CreateTestDatabase();
  const std::string dir = ::testing::TempDir();
  OAuthProcess a(db, dir + "/oauth-a.log");
  OAuthProcess b(db, dir + "/oauth-b.log");

  v1::UpdateServiceProviderRequest cfg;
  auto* p = cfg.mutable_provider();
  p->set_name("box");
  p->set_client_id(FakeProvider::kClientId);
  p->set_authorization_url(fake.base_url() + "/authorize");
  p->set_token_url(fake.base_url() + "/token");
  p->set_revoke_url(fake.base_url() + "/oauth2/revoke");
  p->set_api_base_url(fake.base_url());
  p->set_enabled(true);
  cfg.set_client_secret(FakeProvider::kClientSecret);
  for (const char* path : {"client_id", "client_secret", "authorization_url", "token_url",
                           "revoke_url", "api_base_url", "enabled"}) {
    cfg.mutable_update_mask()->add_paths(path);
  }
  v1::ServiceProvider updated;
  ASSERT_TRUE(a.stub().UpdateServiceProvider(As("root", {"admin"}).get(), cfg, &updated).ok());

  // Connect through process a with a 50-minute token.
  fake.expires_in = 3000;
  fake.rotate_refresh = true;
  v1::StartAuthorizationRequest start;
  start.set_provider("box");
  start.set_redirect_uri("https://gw.example.test/oauth2/box/callback");
  v1::StartAuthorizationResponse started;
  ASSERT_TRUE(a.stub().StartAuthorization(As("zoe", {}).get(), start, &started).ok());
  auto q = QueryOf(started.authorization_url());
  v1::CompleteAuthorizationRequest done;
  done.set_provider("box");
  done.set_state(q["state"]);
  done.set_code(fake.ApproveCode(q["redirect_uri"], q["code_challenge"], "zoe@x"));
  v1::CompleteAuthorizationResponse completed;
  grpc::Status s = a.stub().CompleteAuthorization(As("zoe", {}).get(), done, &completed);
  ASSERT_TRUE(s.ok()) << s.error_message();

  fake.expires_in = 3600;
  fake.token_delay_ms = 300;
  fake.ResetCounters();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      v1::GetAccessTokenRequest req;
      req.set_user("zoe");
      req.set_provider("box");
      req.set_account("zoe@x");
      v1::GetAccessTokenResponse resp;
      auto& stub = i % 2 == 0 ? a.stub() : b.stub();
      if (stub.GetAccessToken(As("service:test", {"service"}).get(), req, &resp).ok() &&
          fake.AccessTokenValid(resp.access_token())) {
        ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(fake.refresh_calls(), 1);
  std::cout << "[ measured ] 2 oauth processes x 25 concurrent GetAccessToken -> "
            << fake.refresh_calls() << " token-endpoint refresh call(s)\n";
}

}  // namespace
}  // namespace lc::testing
