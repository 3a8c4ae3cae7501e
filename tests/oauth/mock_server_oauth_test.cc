// The code flow with PKCE and a refresh against an OAuth2 server nobody here
// wrote: the npm package oauth2-mock-server (tests/oauth/mock-oauth2; run
// `npm ci` there). It checks the PKCE verifier against the challenge itself.
// The account endpoint stays the in-process fake (the mock server speaks no
// provider API).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "fake_provider.h"
#include "harness.h"
#include "runtime/http_client.h"
#include "runtime/jwt.h"
#include "test_processes.h"
#include "testing/emulator_process.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

constexpr char kDir[] = LC_SOURCE_DIR "/tests/oauth/mock-oauth2";
constexpr char kGateway[] = "https://gw.example.test";

// The "grant" claim server.mjs adds to each token it signs.
std::string GrantOf(const std::string& jwt) { return MockTokenClaims(jwt).value("grant", ""); }

class MockServerOAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    if (!MockServerInstalled(kDir)) {
      if (std::getenv("CI") != nullptr) FAIL() << "oauth2-mock-server missing in CI: " << kDir;
      GTEST_SKIP() << "oauth2-mock-server is not installed: run `npm ci` in " << kDir;
    }
    mock_ = std::make_unique<MockOAuthServer>(kDir);
    fake_ = std::make_unique<FakeProvider>();
    fake_->AcceptAnyBearerAs("dana@mock.example");
    harness_ = std::make_unique<OAuthHarness>(CreateTestDatabase());
    v1::UpdateServiceProviderRequest req;
    auto* p = req.mutable_provider();
    p->set_name("box");  // Box dialect: form revoke with client credentials
    p->set_client_id("lc-test");
    p->set_authorization_url(mock_->url() + "/authorize");
    p->set_token_url(mock_->url() + "/token");
    p->set_revoke_url(mock_->url() + "/revoke");
    p->set_api_base_url(fake_->base_url());
    p->set_enabled(true);
    req.set_client_secret("mock-secret");
    for (const char* path : {"client_id", "client_secret", "authorization_url", "token_url",
                             "revoke_url", "api_base_url", "enabled"}) {
      req.mutable_update_mask()->add_paths(path);
    }
    v1::ServiceProvider out;
    auto ctx = harness_->AsAdmin();
    grpc::Status s = harness_->stub().UpdateServiceProvider(ctx.get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // Start, then let the mock server's authorize endpoint redirect.
  std::map<std::string, std::string> Authorize(std::string* state_out) {
    v1::StartAuthorizationRequest start;
    start.set_provider("box");
    start.set_redirect_uri(std::string(kGateway) + "/oauth2/box/callback");
    v1::StartAuthorizationResponse started;
    auto ctx = harness_->As("dana");
    grpc::Status s = harness_->stub().StartAuthorization(ctx.get(), start, &started);
    EXPECT_TRUE(s.ok()) << s.error_message();
    CurlHttpClient http(CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}});
    HttpRequest get;
    get.url = started.authorization_url();
    auto resp = http.Send(get);
    EXPECT_TRUE(resp.ok() && resp->status == 302);
    auto q = QueryOf(resp.ok() ? resp->Header("location") : "");
    *state_out = q["state"];
    return q;
  }

  grpc::Status Complete(const std::string& code, const std::string& state) {
    v1::CompleteAuthorizationRequest req;
    req.set_provider("box");
    req.set_code(code);
    req.set_state(state);
    v1::CompleteAuthorizationResponse out;
    auto ctx = harness_->As("dana");
    return harness_->stub().CompleteAuthorization(ctx.get(), req, &out);
  }

  grpc::Status Token(v1::GetAccessTokenResponse* out, bool force) {
    v1::GetAccessTokenRequest req;
    req.set_user("dana");
    req.set_provider("box");
    req.set_account("dana@mock.example");
    req.set_force_refresh(force);
    auto ctx = harness_->AsService();
    return harness_->stub().GetAccessToken(ctx.get(), req, out);
  }

  std::unique_ptr<MockOAuthServer> mock_;
  std::unique_ptr<FakeProvider> fake_;
  std::unique_ptr<OAuthHarness> harness_;
};

TEST_F(MockServerOAuthTest, CodeFlowWithPkceAndRefresh) {
  std::string state;
  auto q = Authorize(&state);
  ASSERT_FALSE(q["code"].empty());
  grpc::Status s = Complete(q["code"], state);
  ASSERT_TRUE(s.ok()) << s.error_message();

  v1::GetAccessTokenResponse first, second;
  ASSERT_TRUE(Token(&first, false).ok());
  EXPECT_EQ(first.access_token().rfind("eyJ", 0), 0u);  // the mock server's signed JWT
  s = Token(&second, true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(second.access_token().rfind("eyJ", 0), 0u);
  EXPECT_NE(second.access_token(), first.access_token());
  EXPECT_EQ(GrantOf(first.access_token()), "authorization_code");
  EXPECT_EQ(GrantOf(second.access_token()), "refresh_token");

  v1::DisconnectRequest dr;
  dr.set_provider("box");
  dr.set_account("dana@mock.example");
  v1::DisconnectResponse dresp;
  auto ctx = harness_->As("dana");
  ASSERT_TRUE(harness_->stub().Disconnect(ctx.get(), dr, &dresp).ok());
  EXPECT_TRUE(dresp.revoked_at_provider());
}

TEST_F(MockServerOAuthTest, TheServerRefusesAVerifierThatDoesNotMatch) {
  std::string state_a, state_b;
  auto a = Authorize(&state_a);
  auto b = Authorize(&state_b);
  // Code A with flow B's state: the service sends B's verifier, which does
  // not match A's challenge at the mock server.
  grpc::Status s = Complete(a["code"], state_b);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_TRUE(Complete(b["code"], state_a).error_code() == grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace lc::testing
