// The full code flow through the gateway's URLs against the cloud emulator,
// for all five registry entries: a user's browser GETs
// /oauth2/{provider}/authorize on the gateway, is sent to the emulator's
// authorize page (which approves at once), comes back to the gateway's
// callback with the session cookie, and lands on return_to. The connected
// account is then listed for that user, and the token the oauth service
// hands to services is accepted by the emulator's account endpoint. A
// callback finished in another user's session is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "gateway_flow.h"
#include "harness.h"
#include "runtime/encoding.h"
#include "testing/emulator_process.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string ClientIdOf(const std::string& provider) { return "lc-" + provider; }

// Where the oauth service must send the browser: the tenant is filled in
// (onedrive: "common", onedrive-business: "organizations" by default).
std::string AuthorizeUrlOf(const EmulatorProcess& emulator, const std::string& provider) {
  std::string path = EmulatorEndpointsOf(provider).auth;
  const size_t tenant = path.find("{tenant}");
  if (tenant != std::string::npos) {
    path.replace(tenant, 8, provider == "onedrive" ? "common" : "organizations");
  }
  return emulator.Base(provider) + path;
}

class EmulatorGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (ServerConninfo().empty()) return;
    emulator_ = new EmulatorProcess(LC_CLOUD_EMULATOR_BIN);
    harness_ = new OAuthHarness(CreateTestDatabase(), kKeyK1, emulator_->ca_file());
    gateway_ = new GatewayUnderTest(harness_->port());
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete harness_;
    delete emulator_;
    gateway_ = nullptr;
    harness_ = nullptr;
    emulator_ = nullptr;
  }
  void SetUp() override { LC_REQUIRE_POSTGRES(); }

  // Admin: the provider's endpoints on the emulator, and the client
  // registered there with the gateway's callback, as ./scripts/up does.
  void Configure(const std::string& p) {
    const EmulatorEndpoints e = EmulatorEndpointsOf(p);
    const std::string base = emulator_->Base(p);
    emulator_->RegisterClient(p, ClientIdOf(p), "emulator-client-secret-" + p,
                              {gateway_->origin() + "/oauth2/" + p + "/callback"});
    ASSERT_NO_FATAL_FAILURE(
        ConfigureProvider(*harness_, p, ClientIdOf(p), "emulator-client-secret-" + p, base + e.auth,
                          base + e.token, e.revoke.empty() ? "" : base + e.revoke, base));
  }

  // Hops 1 and 2 for `user`: gateway authorize (bearer JWT), emulator
  // authorize page; `flow` then holds the callback URL.
  void StartFlow(Browser& browser, const std::string& p, const std::string& user,
                 GatewayFlow* flow) {
    ASSERT_NO_FATAL_FAILURE(
        AuthorizeAtGateway(browser, gateway_->origin(), p, SessionJwt(user),
                           "return_to=%2Fdone&login_hint=" + PercentEncode(EmulatorAccountOf(p)),
                           AuthorizeUrlOf(*emulator_, p), ClientIdOf(p), flow));
    EXPECT_EQ(QueryOf(flow->provider_url)["login_hint"], EmulatorAccountOf(p));
    ASSERT_NO_FATAL_FAILURE(ApproveAtProvider(browser, gateway_->origin(), p, flow));
  }

  static inline EmulatorProcess* emulator_ = nullptr;
  static inline OAuthHarness* harness_ = nullptr;
  static inline GatewayUnderTest* gateway_ = nullptr;
};

class EmulatorGatewayFlowTest : public EmulatorGatewayTest,
                                public ::testing::WithParamInterface<std::string> {};

TEST_P(EmulatorGatewayFlowTest, CodeFlowThroughTheGatewayUrls) {
  const std::string& p = GetParam();
  const std::string user = "gw-user-" + p;
  ASSERT_NO_FATAL_FAILURE(Configure(p));
  ASSERT_THAT(AccountsOf(*harness_, user, p), IsEmpty());

  Browser browser(emulator_->ca_file());
  GatewayFlow flow;
  ASSERT_NO_FATAL_FAILURE(StartFlow(browser, p, user, &flow));
  // Hop 3: only the session cookie identifies the user at the callback.
  ASSERT_NO_FATAL_FAILURE(CallbackRedirectsTo(browser, flow, "/done"));

  auto accounts = AccountsOf(*harness_, user, p);
  ASSERT_THAT(accounts, SizeIs(1));
  EXPECT_EQ(accounts[0].account(), EmulatorAccountOf(p));
  EXPECT_EQ(accounts[0].status(), v1::ACCOUNT_STATUS_OK) << accounts[0].status_reason();

  // The token a service gets is live at the provider.
  v1::GetAccessTokenResponse token;
  grpc::Status s =
      ServiceToken(*harness_, user, p, EmulatorAccountOf(p), /*force_refresh=*/false, &token);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(token.access_token().empty());
  EXPECT_EQ(emulator_->AccountStatus(p, token.access_token()), 200);
  EXPECT_EQ(emulator_->AccountStatus(p, token.access_token() + "x"), 401);

  // The state was single-use: replaying the callback connects nothing new.
  auto replay = browser.Get(flow.callback_url);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_NE(replay->status, 302) << replay->Header("location");
  EXPECT_THAT(AccountsOf(*harness_, user, p), SizeIs(1));
}

INSTANTIATE_TEST_SUITE_P(AllProviders, EmulatorGatewayFlowTest,
                         ::testing::Values("googledrive", "dropbox", "box", "onedrive",
                                           "onedrive-business"),
                         ProviderParamName());

// The victim starts connecting; the provider's redirect is then opened in
// another user's session (say, a link an attacker got the victim to
// produce). The gateway answers 403 and connects nothing for anyone; the
// refused attempt does not burn the victim's state.
TEST_F(EmulatorGatewayTest, CallbackInAnotherUsersSessionIsRefused) {
  const std::string p = "dropbox";
  ASSERT_NO_FATAL_FAILURE(Configure(p));
  const std::string victim = "gw-victim";
  const std::string other = "gw-other";

  Browser victim_browser(emulator_->ca_file());
  GatewayFlow flow;
  ASSERT_NO_FATAL_FAILURE(StartFlow(victim_browser, p, victim, &flow));

  Browser other_browser(emulator_->ca_file());
  other_browser.SetCookie(gateway_->origin(), "lc_session", SessionJwt(other));
  auto refused = other_browser.Get(flow.callback_url);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 403) << refused->body;
  EXPECT_THAT(refused->Header("content-type"), HasSubstr("text/html"));
  EXPECT_THAT(refused->body, HasSubstr("another user"));
  EXPECT_EQ(refused->Header("location"), "");
  EXPECT_THAT(AccountsOf(*harness_, other, p), IsEmpty());
  EXPECT_THAT(AccountsOf(*harness_, victim, p), IsEmpty());

  // Without any session the callback is refused too.
  Browser anonymous(emulator_->ca_file());
  auto unauthenticated = anonymous.Get(flow.callback_url);
  ASSERT_TRUE(unauthenticated.ok()) << unauthenticated.status();
  EXPECT_EQ(unauthenticated->status, 401) << unauthenticated->body;
  EXPECT_THAT(AccountsOf(*harness_, victim, p), IsEmpty());

  // The victim's own session still completes it.
  ASSERT_NO_FATAL_FAILURE(CallbackRedirectsTo(victim_browser, flow, "/done"));
  auto accounts = AccountsOf(*harness_, victim, p);
  ASSERT_THAT(accounts, SizeIs(1));
  EXPECT_EQ(accounts[0].status(), v1::ACCOUNT_STATUS_OK);
  EXPECT_THAT(AccountsOf(*harness_, other, p), IsEmpty());
}

}  // namespace
}  // namespace lc::testing
