// The oauth service against the cloud emulator (tools/cloud-emulator), for
// all five registry entries: the code flow (the emulator's authorize page
// redirects with a code), refresh before expiry, force_refresh, Box's
// rotating refresh tokens, invalid_grant after the emulator revokes the
// user, concurrency counted in the emulator's request log, and disconnect.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"
#include "runtime/http_client.h"
#include "testing/emulator_process.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

class EmulatorOAuthTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (ServerConninfo().empty()) return;
    emulator_ = new EmulatorProcess(LC_CLOUD_EMULATOR_BIN);
    conninfo_ = new std::string(CreateTestDatabase());
    harness_ = new OAuthHarness(*conninfo_, kKeyK1, emulator_->ca_file());
  }
  static void TearDownTestSuite() {
    delete harness_;
    delete emulator_;
    harness_ = nullptr;
    emulator_ = nullptr;
  }
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    const std::string& p = GetParam();
    grpc::Status s = ConfigureEmulatorProvider(*harness_, *emulator_, p);
    ASSERT_TRUE(s.ok()) << s.error_message();
    emulator_->Send("DELETE", emulator_->Base(p) + "/_emulator/faults").IgnoreError();
  }

  // Start, follow the emulator's authorize page (it consents for its user
  // and redirects to the callback with code and state), complete.
  grpc::Status Connect(const std::string& user, v1::CompleteAuthorizationResponse* out) {
    const std::string& p = GetParam();
    v1::StartAuthorizationRequest start;
    start.set_provider(p);
    start.set_redirect_uri(EmulatorRedirectUri(p));
    start.set_return_to("/accounts");
    start.set_login_hint(Account());
    v1::StartAuthorizationResponse started;
    auto c1 = harness_->As(user);
    grpc::Status s = harness_->stub().StartAuthorization(c1.get(), start, &started);
    if (!s.ok()) return s;
    auto page = emulator_->Send("GET", started.authorization_url());
    if (!page.ok() || page->status != 302) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "authorize page did not redirect");
    }
    const std::string location = page->Header("location");
    EXPECT_EQ(location.rfind(start.redirect_uri() + "?", 0), 0u) << location;
    auto q = QueryOf(location);
    v1::CompleteAuthorizationRequest done;
    done.set_provider(p);
    done.set_code(q["code"]);
    done.set_state(q["state"]);
    done.set_error(q["error"]);
    auto c2 = harness_->As(user);
    return harness_->stub().CompleteAuthorization(c2.get(), done, out);
  }

  grpc::Status Token(const std::string& user, v1::GetAccessTokenResponse* out, bool force = false) {
    v1::GetAccessTokenRequest req;
    req.set_user(user);
    req.set_provider(GetParam());
    req.set_account(Account());
    req.set_force_refresh(force);
    auto ctx = harness_->AsService();
    return harness_->stub().GetAccessToken(ctx.get(), req, out);
  }

  // The emulator account connected (EmulatorAccountOf).
  std::string Account() const { return EmulatorAccountOf(GetParam()); }

  // Calls the provider's account endpoint with the token (is it live?).
  int ApiStatus(const std::string& token) { return emulator_->AccountStatus(GetParam(), token); }

  static inline EmulatorProcess* emulator_ = nullptr;
  static inline OAuthHarness* harness_ = nullptr;
  static inline std::string* conninfo_ = nullptr;
};

TEST_P(EmulatorOAuthTest, CodeFlowRefreshRotationReconnectDisconnect) {
  const std::string& p = GetParam();
  const std::string user = "emu-" + p;
  v1::CompleteAuthorizationResponse done;
  grpc::Status s = Connect(user, &done);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(done.account().account(), Account());
  EXPECT_EQ(done.return_to(), "/accounts");

  v1::GetAccessTokenResponse t1, t2, t3, t4;
  ASSERT_TRUE(Token(user, &t1).ok());
  EXPECT_EQ(ApiStatus(t1.access_token()), 200);
  const int64_t calls = emulator_->TokenCalls(p);

  // Refresh before expiry: 56 minutes later the token has 4 minutes left.
  harness_->Advance(absl::Minutes(56));
  s = Token(user, &t2);
  harness_->Advance(-absl::Minutes(56));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(t2.access_token(), t1.access_token());
  EXPECT_EQ(ApiStatus(t2.access_token()), 200);
  EXPECT_EQ(emulator_->TokenCalls(p), calls + 1);

  // force_refresh, twice: with Box's single-use refresh tokens the second
  // works only if the first saved the rotated one.
  ASSERT_TRUE(Token(user, &t3, /*force=*/true).ok());
  s = Token(user, &t4, /*force=*/true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(t4.access_token(), t3.access_token());
  EXPECT_EQ(ApiStatus(t4.access_token()), 200);
  EXPECT_EQ(emulator_->TokenCalls(p), calls + 3);

  // Concurrency: 50 callers on an expired credential, one token call.
  auto delay =
      emulator_->Send("POST", emulator_->Base(p) + "/_emulator/faults",
                      json{{"kind", "delay"}, {"path", "token$"}, {"delay_ms", 300}}.dump());
  ASSERT_TRUE(delay.ok() && delay->status == 200) << (delay.ok() ? delay->body : "");
  harness_->Advance(absl::Hours(2));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      v1::GetAccessTokenResponse t;
      if (Token(user, &t).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  harness_->Advance(-absl::Hours(2));
  emulator_->Send("DELETE", emulator_->Base(p) + "/_emulator/faults").IgnoreError();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(emulator_->TokenCalls(p), calls + 4);
  std::cout << "[ measured ] " << p << ": 50 concurrent GetAccessToken -> "
            << emulator_->TokenCalls(p) - calls - 3 << " token call(s) in the emulator log\n";

  // The emulator revokes the user's grants: invalid_grant -> needs_reconnect.
  auto revoked =
      emulator_->Send("POST", emulator_->Base(p) + "/_emulator/users/" + Account() + "/revoke");
  ASSERT_TRUE(revoked.ok() && revoked->status == 200);
  s = Token(user, &t1, /*force=*/true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("reconnect"));
  v1::ListAccountsResponse list;
  auto lc = harness_->As(user);
  ASSERT_TRUE(harness_->stub().ListAccounts(lc.get(), {}, &list).ok());
  ASSERT_EQ(list.accounts_size(), 1);
  EXPECT_EQ(list.accounts(0).status(), v1::ACCOUNT_STATUS_NEEDS_RECONNECT);

  // Reconnecting heals it; disconnect revokes where the provider can.
  ASSERT_TRUE(Connect(user, &done).ok());
  ASSERT_TRUE(Token(user, &t1).ok());
  v1::DisconnectRequest dr;
  dr.set_provider(p);
  dr.set_account(Account());
  v1::DisconnectResponse dresp;
  auto dc = harness_->As(user);
  ASSERT_TRUE(harness_->stub().Disconnect(dc.get(), dr, &dresp).ok());
  const bool has_revoke = !EmulatorEndpointsOf(p).revoke.empty();
  EXPECT_EQ(dresp.revoked_at_provider(), has_revoke);
  if (has_revoke) {
    EXPECT_EQ(ApiStatus(t1.access_token()), 401);
  }
  EXPECT_EQ(Token(user, &t1).error_code(), grpc::StatusCode::NOT_FOUND);
}

// The administrator pastes a secret the provider refuses: every provider's
// refusal (Google 401 invalid_client, Dropbox and Box 400 invalid_client,
// Microsoft 401 invalid_client AADSTS7000215) is the same configuration
// error naming the provider, and the user's account is left as it was.
TEST_P(EmulatorOAuthTest, ARefusedClientSecretIsAConfigurationError) {
  const std::string& p = GetParam();
  const std::string user = "emu-secret-" + p;
  v1::CompleteAuthorizationResponse done;
  ASSERT_TRUE(Connect(user, &done).ok());
  ASSERT_TRUE(SetClientSecret(*harness_, p, "not-the-secret").ok());
  const std::string refused = "the client id/secret configured for " + p + " is refused";

  v1::GetAccessTokenResponse t;
  grpc::Status s = Token(user, &t, /*force=*/true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr(refused));
  v1::ListAccountsResponse list;
  auto lc = harness_->As(user);
  ASSERT_TRUE(harness_->stub().ListAccounts(lc.get(), {}, &list).ok());
  ASSERT_EQ(list.accounts_size(), 1);
  EXPECT_EQ(list.accounts(0).status(), v1::ACCOUNT_STATUS_OK) << list.accounts(0).status_reason();

  // The code exchange is refused the same way.
  s = Connect(user, &done);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr(refused));

  // Fixed by the administrator, the same credential works again.
  ASSERT_TRUE(ConfigureEmulatorProvider(*harness_, *emulator_, p).ok());
  s = Token(user, &t, /*force=*/true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ApiStatus(t.access_token()), 200);
}

// A client id the provider does not know never gets a code: its authorize
// page refuses and sends the browser nowhere.
TEST_P(EmulatorOAuthTest, AnUnknownClientIdIsRefusedAtTheAuthorizePage) {
  const std::string& p = GetParam();
  v1::UpdateServiceProviderRequest req;
  req.mutable_provider()->set_name(p);
  req.mutable_provider()->set_client_id("lc-unknown-" + p);
  req.mutable_update_mask()->add_paths("client_id");
  v1::ServiceProvider out;
  auto admin = harness_->AsAdmin();
  ASSERT_TRUE(harness_->stub().UpdateServiceProvider(admin.get(), req, &out).ok());
  v1::StartAuthorizationRequest start;
  start.set_provider(p);
  start.set_redirect_uri(EmulatorRedirectUri(p));
  v1::StartAuthorizationResponse started;
  auto c1 = harness_->As("emu-unknown-" + p);
  ASSERT_TRUE(harness_->stub().StartAuthorization(c1.get(), start, &started).ok());
  auto page = emulator_->Send("GET", started.authorization_url());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->status == 400 || page->status == 401) << page->status << " " << page->body;
  EXPECT_EQ(page->Header("location"), "");
  EXPECT_THAT(page->body, HasSubstr("lc-unknown-" + p));
}

INSTANTIATE_TEST_SUITE_P(AllProviders, EmulatorOAuthTest,
                         ::testing::Values("googledrive", "dropbox", "box", "onedrive",
                                           "onedrive-business"),
                         ProviderParamName());

}  // namespace
}  // namespace lc::testing
