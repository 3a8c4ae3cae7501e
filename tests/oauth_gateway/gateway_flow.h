// The gateway in-process in front of the in-process oauth service
// (OAuthHarness), and the hops of the OAuth2 code flow walked with a
// testing::Browser (it does not follow redirects and keeps cookies per
// origin), so a test asserts every 302 itself.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gateway/gateway.h"
#include "harness.h"
#include "runtime/jwt.h"
#include "testing/browser.h"
#include "testing/emulator_process.h"

namespace lc::testing {

// The gateway on http://127.0.0.1:PORT (its public URL too), verifying JWTs
// with the harness's secret and talking to the harness's oauth service.
class GatewayUnderTest {
 public:
  explicit GatewayUnderTest(int oauth_port) {
    absl::Status status;
    for (int attempt = 0; attempt < 5; ++attempt) {  // another process may take the port
      const int port = FreeLoopbackPort();
      origin_ = "http://127.0.0.1:" + std::to_string(port);
      auto url = gateway::PublicUrl::Parse(origin_);
      if (!url.ok()) throw std::runtime_error(url.status().ToString());
      gateway::Gateway::Options options;
      options.listen_host = "127.0.0.1";
      options.listen_port = port;
      options.public_url = *url;
      options.oauth_addr = "127.0.0.1:" + std::to_string(oauth_port);
      options.upstream_timeout = absl::Seconds(10);
      options.threads = 4;
      gateway_ = std::make_unique<gateway::Gateway>(
          options, std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kJwtSecret}),
          registry_);
      status = gateway_->Start();
      if (status.ok()) return;
      gateway_.reset();
    }
    throw std::runtime_error("the gateway did not start: " + status.ToString());
  }
  ~GatewayUnderTest() {
    if (gateway_) gateway_->Stop();
  }

  // "http://127.0.0.1:PORT": the public URL and the browser-visible origin.
  const std::string& origin() const { return origin_; }

 private:
  prometheus::Registry registry_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::string origin_;
};

// A user's session JWT, as the gateway's sign-in would hand it out.
inline std::string SessionJwt(const std::string& user) {
  const absl::Time now = absl::Now();
  return MintHs256(kJwtSecret, Principal{.subject = user}, now, now + absl::Minutes(30));
}

// One walk through the code flow via the gateway, hop by hop.
struct GatewayFlow {
  std::string provider_url;  // where the gateway sent the browser
  std::string callback_url;  // where the provider sent it back
  std::string state, code;
};

// Hop 1: the user's bearer JWT at GET {gateway}/oauth2/{provider}/authorize
// -> 302 to `provider_authorize` (the provider's authorize endpoint), with
// the session cookie set, our callback as redirect_uri, a state and an S256
// PKCE challenge. Use with ASSERT_NO_FATAL_FAILURE.
inline void AuthorizeAtGateway(Browser& browser, const std::string& gateway,
                               const std::string& provider, const std::string& jwt,
                               const std::string& query, const std::string& provider_authorize,
                               const std::string& client_id, GatewayFlow* flow) {
  auto res = browser.Get(gateway + "/oauth2/" + provider + "/authorize?" + query,
                         {{"Authorization", "Bearer " + jwt}});
  ASSERT_TRUE(res.ok()) << "gateway authorize: " << res.status();
  ASSERT_EQ(res->status, 302) << res->body;
  EXPECT_THAT(res->Header("set-cookie"), ::testing::StartsWith("lc_session=" + jwt + ";"));
  EXPECT_EQ(browser.CookieOf(gateway, "lc_session"), jwt);
  flow->provider_url = res->Header("location");
  ASSERT_THAT(flow->provider_url, ::testing::StartsWith(provider_authorize + "?"));
  auto q = QueryOf(flow->provider_url);
  EXPECT_EQ(q["response_type"], "code");
  EXPECT_EQ(q["client_id"], client_id);
  EXPECT_EQ(q["redirect_uri"], gateway + "/oauth2/" + provider + "/callback");
  EXPECT_EQ(q["code_challenge_method"], "S256");
  EXPECT_EQ(q["code_challenge"].size(), 43u);  // base64url(SHA-256), no padding
  EXPECT_EQ(q.count("code_verifier"), 0u);
  flow->state = q["state"];
  ASSERT_FALSE(flow->state.empty());
}

// Hop 2: the browser at the provider's authorize page (which approves at
// once) -> 302 to our callback with a code and the same state.
inline void ApproveAtProvider(Browser& browser, const std::string& gateway,
                              const std::string& provider, GatewayFlow* flow) {
  auto res = browser.Get(flow->provider_url);
  ASSERT_TRUE(res.ok()) << "provider authorize: " << res.status();
  ASSERT_EQ(res->status, 302) << flow->provider_url << ": " << res->body;
  flow->callback_url = res->Header("location");
  ASSERT_THAT(flow->callback_url,
              ::testing::StartsWith(gateway + "/oauth2/" + provider + "/callback?"));
  auto q = QueryOf(flow->callback_url);
  EXPECT_EQ(q["error"], "");
  EXPECT_EQ(q["state"], flow->state);
  flow->code = q["code"];
  ASSERT_FALSE(flow->code.empty());
}

// Hop 3: the callback with the session cookie -> 302 to `return_to`.
inline void CallbackRedirectsTo(Browser& browser, const GatewayFlow& flow,
                                const std::string& return_to) {
  auto res = browser.Get(flow.callback_url);
  ASSERT_TRUE(res.ok()) << "gateway callback: " << res.status();
  ASSERT_EQ(res->status, 302) << res->body;
  EXPECT_EQ(res->Header("location"), return_to);
}

// The user's connected accounts of `provider`, as the oauth service lists
// them to that user.
inline std::vector<v1::Account> AccountsOf(OAuthHarness& harness, const std::string& user,
                                           const std::string& provider) {
  v1::ListAccountsResponse list;
  auto ctx = harness.As(user);
  grpc::Status s = harness.stub().ListAccounts(ctx.get(), {}, &list);
  EXPECT_TRUE(s.ok()) << s.error_message();
  std::vector<v1::Account> out;
  for (const auto& a : list.accounts()) {
    if (a.provider() == provider) out.push_back(a);
  }
  return out;
}

inline grpc::Status ServiceToken(OAuthHarness& harness, const std::string& user,
                                 const std::string& provider, const std::string& account,
                                 bool force_refresh, v1::GetAccessTokenResponse* out) {
  v1::GetAccessTokenRequest req;
  req.set_user(user);
  req.set_provider(provider);
  req.set_account(account);
  req.set_force_refresh(force_refresh);
  auto ctx = harness.AsService();
  return harness.stub().GetAccessToken(ctx.get(), req, out);
}

// Admin: point `provider` at an external server and enable it.
inline void ConfigureProvider(OAuthHarness& harness, const std::string& provider,
                              const std::string& client_id, const std::string& client_secret,
                              const std::string& auth_url, const std::string& token_url,
                              const std::string& revoke_url, const std::string& api_base_url) {
  v1::UpdateServiceProviderRequest req;
  auto* p = req.mutable_provider();
  p->set_name(provider);
  p->set_client_id(client_id);
  p->set_authorization_url(auth_url);
  p->set_token_url(token_url);
  p->set_revoke_url(revoke_url);
  p->set_api_base_url(api_base_url);
  p->set_enabled(true);
  req.set_client_secret(client_secret);
  for (const char* path : {"client_id", "client_secret", "authorization_url", "token_url",
                           "revoke_url", "api_base_url", "enabled"}) {
    req.mutable_update_mask()->add_paths(path);
  }
  v1::ServiceProvider out;
  auto ctx = harness.AsAdmin();
  grpc::Status s = harness.stub().UpdateServiceProvider(ctx.get(), req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(out.enabled());
}

}  // namespace lc::testing
