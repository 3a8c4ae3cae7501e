#include "oauth.h"

#include <gtest/gtest.h>

namespace lc::emulator {
namespace {

class OAuthTest : public ::testing::Test {
 protected:
  OAuthServer Make(bool rotate) {
    OAuthServer::Options o;
    o.access_prefix = "at.";
    o.refresh_prefix = "rt.";
    o.rotate_refresh_tokens = rotate;
    return OAuthServer(o, clock_, 3600);
  }
  Clock clock_;
};

TEST_F(OAuthTest, PkceS256MatchesRfc7636Example) {
  EXPECT_EQ(PkceS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_F(OAuthTest, CodeExchangeChecksVerifierAndIsSingleUse) {
  OAuthServer server = Make(false);
  std::string verifier = "a-long-enough-verifier-0123456789-abcdefghijklmnop";
  std::string code =
      server.IssueCode("u1", "client", "http://cb", "scope", PkceS256(verifier), "S256", true, "");
  TokenGrant grant;
  OAuthError error;
  EXPECT_FALSE(server.ExchangeCode(code, "client", "http://cb", "wrong", &grant, &error));
  EXPECT_EQ(error.error, "invalid_grant");
  code =
      server.IssueCode("u1", "client", "http://cb", "scope", PkceS256(verifier), "S256", true, "");
  ASSERT_TRUE(server.ExchangeCode(code, "client", "http://cb", verifier, &grant, &error));
  EXPECT_EQ(grant.user_id, "u1");
  EXPECT_FALSE(grant.refresh_token.empty());
  EXPECT_FALSE(server.ExchangeCode(code, "client", "http://cb", verifier, &grant, &error));
}

TEST_F(OAuthTest, AccessTokensExpireWithTheClockAndTtl) {
  OAuthServer server = Make(false);
  server.set_ttl_seconds(60);
  TokenGrant grant = server.IssueTokens("u1", "c", "");
  std::string user;
  EXPECT_EQ(server.Authenticate("Bearer " + grant.access_token, &user), AuthResult::kOk);
  EXPECT_EQ(user, "u1");
  clock_.Advance(61 * 1000);
  EXPECT_EQ(server.Authenticate("Bearer " + grant.access_token, &user), AuthResult::kExpired);
  EXPECT_EQ(server.Authenticate("", &user), AuthResult::kMissing);
  EXPECT_EQ(server.Authenticate("Bearer nope", &user), AuthResult::kInvalid);
}

TEST_F(OAuthTest, RotatingRefreshTokensAreSingleUse) {
  OAuthServer server = Make(true);
  TokenGrant first = server.IssueTokens("u1", "c", "");
  TokenGrant second;
  OAuthError error;
  ASSERT_TRUE(server.Refresh(first.refresh_token, "c", &second, &error));
  EXPECT_NE(second.refresh_token, first.refresh_token);
  TokenGrant third;
  EXPECT_FALSE(server.Refresh(first.refresh_token, "c", &third, &error));
  EXPECT_EQ(error.error, "invalid_grant");
  EXPECT_TRUE(server.Refresh(second.refresh_token, "c", &third, &error));
}

TEST_F(OAuthTest, RevokingAUserInvalidatesAllTokens) {
  OAuthServer server = Make(false);
  TokenGrant grant = server.IssueTokens("u1", "c", "");
  TokenGrant other = server.IssueTokens("u2", "c", "");
  server.RevokeUser("u1");
  std::string user;
  EXPECT_EQ(server.Authenticate("Bearer " + grant.access_token, &user), AuthResult::kInvalid);
  TokenGrant refreshed;
  OAuthError error;
  EXPECT_FALSE(server.Refresh(grant.refresh_token, "c", &refreshed, &error));
  EXPECT_EQ(error.error, "invalid_grant");
  EXPECT_EQ(server.Authenticate("Bearer " + other.access_token, &user), AuthResult::kOk);
}

TEST_F(OAuthTest, ExpireAccessTokensKeepsRefreshWorking) {
  OAuthServer server = Make(false);
  TokenGrant grant = server.IssueTokens("u1", "c", "");
  EXPECT_EQ(server.ExpireAccessTokens("u1"), 1);
  std::string user;
  EXPECT_EQ(server.Authenticate("Bearer " + grant.access_token, &user), AuthResult::kExpired);
  TokenGrant refreshed;
  OAuthError error;
  ASSERT_TRUE(server.Refresh(grant.refresh_token, "c", &refreshed, &error));
  EXPECT_EQ(server.Authenticate("Bearer " + refreshed.access_token, &user), AuthResult::kOk);
}

}  // namespace
}  // namespace lc::emulator
