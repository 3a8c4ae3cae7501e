// ProviderClient without a network: each provider dialect's requests, and
// how token-endpoint answers map to statuses (no server needed).
#include "oauth/provider_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "oauth/provider_dialect.h"
#include "testing/fake_http_client.h"

namespace lc::oauth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using ::lc::testing::FakeHttpClient;

ProviderConfig Config(const std::string& kind) {
  ProviderConfig c;
  c.name = kind == "microsoft" ? "onedrive" : kind;
  c.kind = kind;
  c.client_id = "cid";
  c.client_secret = "client-secret-xyz";
  c.token_url = "https://idp.test/token";
  c.revoke_url = kind == "microsoft" ? "" : "https://idp.test/revoke";
  c.api_base_url = "https://api.test/";
  c.dialect = DialectFor(kind);
  return c;
}

TEST(ProviderClientTest, TokenEndpointOutcomesMapToStatuses) {
  FakeHttpClient http;
  ProviderClient client(http, {});
  const ProviderConfig p = Config("box");

  http.Answer(200,
              R"({"access_token":"AT","refresh_token":"RT2","expires_in":3600,"scope":"a b"})");
  auto ok = client.Refresh(p, "RT1");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->access_token, "AT");
  EXPECT_EQ(ok->refresh_token, "RT2");
  EXPECT_EQ(*ok->expires_in, absl::Hours(1));
  EXPECT_EQ(ok->scopes.size(), 2u);
  EXPECT_EQ(http.requests.back().method, "POST");
  EXPECT_FALSE(http.requests.back().idempotent);  // a refresh is never replayed
  EXPECT_THAT(http.requests.back().body, HasSubstr("grant_type=refresh_token"));
  EXPECT_THAT(http.requests.back().body, HasSubstr("client_secret=client-secret-xyz"));

  http.Answer(400, R"({"error":"invalid_grant","error_description":"Refresh token has expired"})");
  auto grant = client.Refresh(p, "RT1");
  EXPECT_EQ(grant.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(OAuthErrorOf(grant.status()), "invalid_grant");

  http.Answer(401, R"({"error":"invalid_client"})");
  EXPECT_EQ(OAuthErrorOf(client.Refresh(p, "RT1").status()), "invalid_client");
  EXPECT_FALSE(ClientRefused(grant.status()));

  for (int status : {500, 502, 503, 429}) {
    http.Answer(status, "<html>oops</html>");
    auto down = client.Refresh(p, "RT1");
    EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_EQ(OAuthErrorOf(down.status()), "") << status;
  }
  http.answers.push_back(absl::DeadlineExceededError("timeout after 10s"));
  EXPECT_EQ(client.Refresh(p, "RT1").status().code(), absl::StatusCode::kUnavailable);
  http.answers.push_back(absl::UnavailableError("connection refused"));
  EXPECT_EQ(client.Refresh(p, "RT1").status().code(), absl::StatusCode::kUnavailable);

  // A success without a token, or not JSON: an error that never quotes the body.
  http.Answer(200, R"({"refresh_token":"LEAKED-RT"})");
  auto no_token = client.Refresh(p, "RT1");
  EXPECT_FALSE(no_token.ok());
  EXPECT_THAT(std::string(no_token.status().message()), Not(HasSubstr("LEAKED")));
  http.Answer(200, "access_token=LEAKED-AT");
  auto not_json = client.Refresh(p, "RT1");
  EXPECT_FALSE(not_json.ok());
  EXPECT_THAT(std::string(not_json.status().message()), Not(HasSubstr("LEAKED")));
}

// A refused client is a configuration error that names the provider, in
// each dialect's words (Microsoft: unauthorized_client for an unknown app).
TEST(ProviderClientTest, RefusedClientIsAConfigurationError) {
  FakeHttpClient http;
  ProviderClient client(http, {});
  struct Case {
    std::string kind, name;
    int status;
    std::string body;
  } cases[] = {
      {"google", "google", 401,
       R"({"error":"invalid_client","error_description":"The OAuth client was not found."})"},
      {"dropbox", "dropbox", 400,
       R"({"error":"invalid_client","error_description":"Invalid client_id or client_secret"})"},
      {"box", "box", 400,
       R"({"error":"invalid_client","error_description":"The client credentials are invalid"})"},
      {"microsoft", "onedrive", 401,
       R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]})"},
      {"microsoft", "onedrive", 400,
       R"({"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.","error_codes":[700016]})"},
  };
  for (const Case& c : cases) {
    http.Answer(c.status, c.body);
    auto refresh = client.Refresh(Config(c.kind), "RT1");
    EXPECT_EQ(refresh.status().code(), absl::StatusCode::kFailedPrecondition) << c.body;
    EXPECT_TRUE(ClientRefused(refresh.status())) << c.body;
    EXPECT_THAT(std::string(refresh.status().message()),
                HasSubstr("the client id/secret configured for " + c.name + " is refused"));
    EXPECT_THAT(std::string(refresh.status().message()), Not(HasSubstr("client-secret-xyz")));
    http.Answer(c.status, c.body);
    auto exchange = client.ExchangeCode(Config(c.kind), "CODE", "https://gw/cb", "V");
    EXPECT_TRUE(ClientRefused(exchange.status())) << c.body;
  }
  // unauthorized_client is Microsoft's word for an unknown app only.
  http.Answer(400, R"({"error":"unauthorized_client"})");
  EXPECT_FALSE(ClientRefused(client.Refresh(Config("google"), "RT1").status()));
}

TEST(ProviderClientTest, CodeExchangeSendsTheVerifierAndRedirectUri) {
  FakeHttpClient http;
  ProviderClient client(http, {});
  http.Answer(200, R"({"access_token":"AT","refresh_token":"RT","expires_in":"3599"})");
  auto t = client.ExchangeCode(Config("google"), "the code", "https://gw/cb", "verifier-1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t->expires_in, absl::Seconds(3599));
  const std::string& body = http.requests.back().body;
  EXPECT_THAT(body, HasSubstr("grant_type=authorization_code"));
  EXPECT_THAT(body, HasSubstr("code=the%20code"));
  EXPECT_THAT(body, HasSubstr("redirect_uri=https%3A%2F%2Fgw%2Fcb"));
  EXPECT_THAT(body, HasSubstr("code_verifier=verifier-1"));
}

TEST(ProviderClientTest, AccountEndpointPerDialect) {
  struct Case {
    std::string kind, method, url, body, account, name;
  };
  const std::vector<Case> cases = {
      {"google", "GET", "https://api.test/drive/v3/about?fields=user",
       R"({"user":{"emailAddress":"a@g.com","displayName":"A G"}})", "a@g.com", "A G"},
      {"dropbox", "POST", "https://api.test/2/users/get_current_account",
       R"({"account_id":"dbid:1","email":"a@d.com","name":{"display_name":"A D"}})", "a@d.com",
       "A D"},
      {"box", "GET", "https://api.test/2.0/users/me?fields=login,name",
       R"({"login":"a@b.com","name":"A B"})", "a@b.com", "A B"},
      {"microsoft", "GET", "https://api.test/v1.0/me",
       R"({"userPrincipalName":"a@m.com","mail":null,"displayName":"A M"})", "a@m.com", "A M"},
      {"microsoft", "GET", "https://api.test/v1.0/me", R"({"mail":"m@m.com"})", "m@m.com",
       "m@m.com"},
      {"dropbox", "POST", "https://api.test/2/users/get_current_account",
       R"({"account_id":"dbid:2"})", "dbid:2", "dbid:2"},
  };
  for (const auto& c : cases) {
    FakeHttpClient http;
    ProviderClient client(http, {});
    http.Answer(200, c.body);
    auto id = client.FetchAccount(Config(c.kind), "AT");
    ASSERT_TRUE(id.ok()) << c.kind << ": " << id.status();
    EXPECT_EQ(id->account, c.account);
    EXPECT_EQ(id->display_name, c.name);
    EXPECT_EQ(http.requests.back().method, c.method);
    EXPECT_EQ(http.requests.back().url, c.url);
    if (c.kind == "dropbox") {
      // An RPC route: a JSON body typed as JSON, never libcurl's default
      // form type for an empty POST (Dropbox answers that with a 400).
      EXPECT_EQ(http.requests.back().body, "null");
      EXPECT_THAT(http.requests.back().headers,
                  ::testing::Contains(std::make_pair(std::string("Content-Type"),
                                                     std::string("application/json"))));
    }
  }
  FakeHttpClient http;
  ProviderClient client(http, {});
  http.Answer(200, R"({"user":{}})");
  EXPECT_EQ(client.FetchAccount(Config("google"), "AT").status().code(),
            absl::StatusCode::kFailedPrecondition);
  http.Answer(503, "");
  EXPECT_EQ(client.FetchAccount(Config("google"), "AT").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(ProviderClientTest, RevokePerDialect) {
  FakeHttpClient http;
  ProviderClient client(http, {});
  http.Answer(200, "{}");
  EXPECT_TRUE(client.Revoke(Config("google"), "AT", "RT/1"));
  EXPECT_EQ(http.requests.back().url, "https://idp.test/revoke?token=RT%2F1");
  http.Answer(200, "null");
  EXPECT_TRUE(client.Revoke(Config("dropbox"), "AT", "RT"));
  EXPECT_THAT(
      http.requests.back().headers,
      ::testing::Contains(std::make_pair(std::string("Authorization"), std::string("Bearer AT"))));
  EXPECT_THAT(http.requests.back().headers,
              ::testing::Contains(
                  std::make_pair(std::string("Content-Type"), std::string("application/json"))));
  EXPECT_EQ(http.requests.back().body, "null");
  http.Answer(200, "");
  EXPECT_TRUE(client.Revoke(Config("box"), "AT", "RT"));
  EXPECT_THAT(http.requests.back().body, HasSubstr("client_secret=client-secret-xyz"));
  EXPECT_THAT(http.requests.back().body, HasSubstr("token=RT"));
  const size_t sent = http.requests.size();
  EXPECT_FALSE(client.Revoke(Config("microsoft"), "AT", "RT"));  // Graph has none
  EXPECT_EQ(http.requests.size(), sent);
  http.Answer(400, R"({"error":"invalid_token"})");
  EXPECT_FALSE(client.Revoke(Config("box"), "AT", "RT"));
}

}  // namespace
}  // namespace lc::oauth
