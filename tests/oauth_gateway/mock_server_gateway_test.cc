// The authorization-code flow with PKCE and a refresh through the gateway's
// URLs against an OAuth2 server nobody here wrote: oauth2-mock-server (npm;
// `npm ci` in tests/oauth/mock-oauth2, which ./scripts/test does). The mock
// server issues the code, checks the PKCE verifier against the challenge
// and signs the tokens; the account endpoint is the in-process fake (the
// mock server speaks no provider API).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fake_provider.h"
#include "gateway_flow.h"
#include "harness.h"
#include "runtime/jwt.h"
#include "test_processes.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kDir[] = LC_SOURCE_DIR "/tests/oauth/mock-oauth2";
constexpr char kProvider[] = "box";  // Box dialect: form revoke with client credentials
constexpr char kClientId[] = "lc-mock-client";
constexpr char kAccount[] = "dana@mock.example";

class MockServerGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    if (!MockServerInstalled(kDir)) {
      if (std::getenv("CI") != nullptr) FAIL() << "oauth2-mock-server missing in CI: " << kDir;
      GTEST_SKIP() << "oauth2-mock-server is not installed: run `npm ci` in " << kDir;
    }
    mock_ = std::make_unique<MockOAuthServer>(kDir);
    fake_ = std::make_unique<FakeProvider>();
    fake_->AcceptAnyBearerAs(kAccount);
    harness_ = std::make_unique<OAuthHarness>(CreateTestDatabase());
    gateway_ = std::make_unique<GatewayUnderTest>(harness_->port());
    ASSERT_NO_FATAL_FAILURE(ConfigureProvider(*harness_, kProvider, kClientId, "mock-secret",
                                              mock_->url() + "/authorize", mock_->url() + "/token",
                                              mock_->url() + "/revoke", fake_->base_url()));
  }
  void TearDown() override {
    gateway_.reset();
    harness_.reset();
    fake_.reset();
    mock_.reset();
  }

  // Hops 1 and 2: gateway authorize with the user's bearer JWT, then the
  // mock server's authorize endpoint, which redirects with a code.
  void StartFlow(Browser& browser, const std::string& user, GatewayFlow* flow) {
    ASSERT_NO_FATAL_FAILURE(AuthorizeAtGateway(browser, gateway_->origin(), kProvider,
                                               SessionJwt(user), "return_to=%2Fdone",
                                               mock_->url() + "/authorize", kClientId, flow));
    ASSERT_NO_FATAL_FAILURE(ApproveAtProvider(browser, gateway_->origin(), kProvider, flow));
  }

  std::unique_ptr<MockOAuthServer> mock_;
  std::unique_ptr<FakeProvider> fake_;
  std::unique_ptr<OAuthHarness> harness_;
  std::unique_ptr<GatewayUnderTest> gateway_;
};

TEST_F(MockServerGatewayTest, CodeFlowWithPkceAndRefreshThroughTheGatewayUrls) {
  const std::string user = "dana";
  Browser browser;
  GatewayFlow flow;
  ASSERT_NO_FATAL_FAILURE(StartFlow(browser, user, &flow));
  ASSERT_NO_FATAL_FAILURE(CallbackRedirectsTo(browser, flow, "/done"));

  auto accounts = AccountsOf(*harness_, user, kProvider);
  ASSERT_THAT(accounts, SizeIs(1));
  EXPECT_EQ(accounts[0].account(), kAccount);
  EXPECT_EQ(accounts[0].status(), v1::ACCOUNT_STATUS_OK) << accounts[0].status_reason();

  // The token from the code exchange: signed by the mock server, issued for
  // an authorization_code grant that carried the PKCE verifier (which the
  // mock server checks against the challenge whenever one is sent).
  v1::GetAccessTokenResponse first, second;
  grpc::Status s = ServiceToken(*harness_, user, kProvider, kAccount, false, &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.access_token().rfind("eyJ", 0), 0u) << first.access_token();
  const nlohmann::json first_claims = MockTokenClaims(first.access_token());
  EXPECT_EQ(first_claims.value("grant", ""), "authorization_code") << first_claims.dump();
  EXPECT_EQ(first_claims.value("pkce", false), true) << first_claims.dump();

  // force_refresh: the mock server sees a refresh_token grant.
  s = ServiceToken(*harness_, user, kProvider, kAccount, true, &second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(second.access_token(), first.access_token());
  EXPECT_EQ(MockTokenClaims(second.access_token()).value("grant", ""), "refresh_token");
  EXPECT_THAT(AccountsOf(*harness_, user, kProvider), SizeIs(1));
  EXPECT_EQ(AccountsOf(*harness_, user, kProvider).at(0).status(), v1::ACCOUNT_STATUS_OK);
}

// PKCE is checked by the mock server: a code paired with another flow's
// state makes the oauth service send that flow's verifier, which does not
// match the code's challenge. oauth2-mock-server accepts any code otherwise,
// so the refusal is the PKCE check; the callback fails and connects
// nothing, while an untampered flow right after succeeds.
TEST_F(MockServerGatewayTest, MismatchedVerifierIsRefusedAtTheCallback) {
  const std::string user = "erin";
  Browser browser;
  GatewayFlow a, b;
  ASSERT_NO_FATAL_FAILURE(StartFlow(browser, user, &a));
  ASSERT_NO_FATAL_FAILURE(StartFlow(browser, user, &b));
  ASSERT_NE(a.state, b.state);
  ASSERT_NE(a.code, b.code);
  const std::string crossed =
      gateway_->origin() + "/oauth2/" + kProvider + "/callback?" +
      httplib::detail::params_to_query_str({{"code", a.code}, {"state", b.state}});
  auto res = browser.Get(crossed);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 412) << res->body;  // FAILED_PRECONDITION
  EXPECT_EQ(res->Header("location"), "");
  EXPECT_THAT(res->body, HasSubstr("refused the authorization code"));
  EXPECT_THAT(AccountsOf(*harness_, user, kProvider), IsEmpty());

  GatewayFlow c;
  ASSERT_NO_FATAL_FAILURE(StartFlow(browser, user, &c));
  ASSERT_NO_FATAL_FAILURE(CallbackRedirectsTo(browser, c, "/done"));
  EXPECT_THAT(AccountsOf(*harness_, user, kProvider), SizeIs(1));
}

// The callback completed in another user's session is refused (403) and
// connects the account for nobody.
TEST_F(MockServerGatewayTest, CallbackInAnotherUsersSessionIsRefused) {
  Browser victim;
  GatewayFlow flow;
  ASSERT_NO_FATAL_FAILURE(StartFlow(victim, "frank", &flow));
  Browser other;
  other.SetCookie(gateway_->origin(), "lc_session", SessionJwt("grace"));
  auto res = other.Get(flow.callback_url);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_THAT(res->Header("content-type"), HasSubstr("text/html"));
  EXPECT_THAT(AccountsOf(*harness_, "grace", kProvider), IsEmpty());
  EXPECT_THAT(AccountsOf(*harness_, "frank", kProvider), IsEmpty());
}

}  // namespace
}  // namespace lc::testing
