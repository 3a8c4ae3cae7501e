#include "runtime/jwt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>
#include <string>

namespace lc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kSecret[] = "test-secret-0123456789";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Signs arbitrary header and payload, so tests can build tokens MintHs256
// would never produce.
std::string Sign(const json& header, const json& payload, const std::string& secret = kSecret) {
  const std::string signed_part =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac,
       &mac_len);
  return signed_part + "." +
         Base64UrlEncode(std::string(reinterpret_cast<const char*>(mac), mac_len));
}

json Hs256Header() { return {{"alg", "HS256"}, {"typ", "JWT"}}; }

json Claims() {
  return {{"sub", "user-1"},
          {"roles", {"admin", "reader"}},
          {"iat", absl::ToUnixSeconds(kNow)},
          {"exp", absl::ToUnixSeconds(kNow + absl::Hours(1))}};
}

Hs256Verifier Verifier(std::string issuer = "", std::string audience = "") {
  return Hs256Verifier({.secret = kSecret,
                        .issuer = std::move(issuer),
                        .audience = std::move(audience),
                        .leeway = absl::Seconds(30)});
}

void ExpectRejected(const absl::StatusOr<Principal>& result, const std::string& why) {
  ASSERT_FALSE(result.ok()) << "accepted: " << why;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr(why));
}

TEST(JwtTest, MintedTokenVerifiesToPrincipalWithRoles) {
  const std::string token = MintHs256(kSecret, {"user-1", {"admin", "reader"}}, kNow,
                                      kNow + absl::Hours(1), "lc", "lc-api");
  auto principal = Verifier("lc", "lc-api").Verify(token, kNow);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->subject, "user-1");
  EXPECT_THAT(principal->roles, ElementsAre("admin", "reader"));
  EXPECT_TRUE(principal->IsAdmin());
  EXPECT_TRUE(principal->HasRole("reader"));
  EXPECT_FALSE(principal->IsService());
}

TEST(JwtTest, ServiceIdentity) {
  const std::string token =
      MintHs256(kSecret, {"service:sync", {"service"}}, kNow, kNow + absl::Minutes(5));
  auto principal = Verifier().Verify(token, kNow);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_TRUE(principal->IsService());
  EXPECT_FALSE(principal->IsAdmin());
}

TEST(JwtTest, AbsentRolesMeansNoRoles) {
  json claims = Claims();
  claims.erase("roles");
  auto principal = Verifier().Verify(Sign(Hs256Header(), claims), kNow);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_THAT(principal->roles, IsEmpty());
}

TEST(JwtTest, RolesMustBeAnArrayOfStrings) {
  json claims = Claims();
  claims["roles"] = "admin";
  ExpectRejected(Verifier().Verify(Sign(Hs256Header(), claims), kNow), "roles");
  claims["roles"] = {"admin", 7};
  ExpectRejected(Verifier().Verify(Sign(Hs256Header(), claims), kNow), "roles");
}

TEST(JwtTest, ExpiredTokenIsRejectedBeyondLeeway) {
  const std::string token =
      MintHs256(kSecret, {"user-1", {}}, kNow - absl::Hours(2), kNow - absl::Minutes(1));
  ExpectRejected(Verifier().Verify(token, kNow), "expired");
  // Within the 30 s leeway it is still accepted (clock skew).
  const std::string recent =
      MintHs256(kSecret, {"user-1", {}}, kNow - absl::Hours(1), kNow - absl::Seconds(10));
  EXPECT_TRUE(Verifier().Verify(recent, kNow).ok());
}

TEST(JwtTest, NotBeforeInTheFutureIsRejected) {
  json claims = Claims();
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  ExpectRejected(Verifier().Verify(Sign(Hs256Header(), claims), kNow), "not yet valid");
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Seconds(10));
  EXPECT_TRUE(Verifier().Verify(Sign(Hs256Header(), claims), kNow).ok());
}

TEST(JwtTest, ForgedSignatureIsRejected) {
  const std::string token = MintHs256(kSecret, {"user-1", {}}, kNow, kNow + absl::Hours(1));
  // Swap in an admin payload but keep the original signature.
  json claims = Claims();
  const size_t first_dot = token.find('.');
  const size_t last_dot = token.rfind('.');
  const std::string forged =
      token.substr(0, first_dot) + "." + Base64UrlEncode(claims.dump()) + token.substr(last_dot);
  ExpectRejected(Verifier().Verify(forged, kNow), "signature");
  // A flipped signature character.
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Verifier().Verify(flipped, kNow).ok());
}

TEST(JwtTest, WrongSecretIsRejected) {
  const std::string token =
      MintHs256("another-secret", {"user-1", {"admin"}}, kNow, kNow + absl::Hours(1));
  ExpectRejected(Verifier().Verify(token, kNow), "signature");
}

TEST(JwtTest, AlgNoneIsRejected) {
  const std::string unsigned_token =
      Base64UrlEncode(json{{"alg", "none"}}.dump()) + "." + Base64UrlEncode(Claims().dump()) + ".";
  ExpectRejected(Verifier().Verify(unsigned_token, kNow), "algorithm");
  // Even with a valid HS256 MAC, a header that says "none" is refused.
  ExpectRejected(Verifier().Verify(Sign({{"alg", "none"}}, Claims()), kNow), "algorithm");
}

TEST(JwtTest, OtherAlgorithmsAreRejected) {
  for (const char* alg : {"RS256", "HS512", "hs256", "ES256"}) {
    ExpectRejected(Verifier().Verify(Sign({{"alg", alg}, {"typ", "JWT"}}, Claims()), kNow),
                   "algorithm");
  }
  ExpectRejected(Verifier().Verify(Sign({{"typ", "JWT"}}, Claims()), kNow), "algorithm");
}

TEST(JwtTest, MissingSubOrExpIsRejected) {
  json no_sub = Claims();
  no_sub.erase("sub");
  ExpectRejected(Verifier().Verify(Sign(Hs256Header(), no_sub), kNow), "sub");
  json empty_sub = Claims();
  empty_sub["sub"] = "";
  ExpectRejected(Verifier().Verify(Sign(Hs256Header(), empty_sub), kNow), "sub");
  json no_exp = Claims();
  no_exp.erase("exp");
  ExpectRejected(Verifier().Verify(Sign(Hs256Header(), no_exp), kNow), "exp");
  json text_exp = Claims();
  text_exp["exp"] = "tomorrow";
  ExpectRejected(Verifier().Verify(Sign(Hs256Header(), text_exp), kNow), "exp");
}

TEST(JwtTest, MalformedTokensAreRejectedWithoutEchoingThem) {
  const std::string good = MintHs256(kSecret, {"user-1", {}}, kNow, kNow + absl::Hours(1));
  const std::string bad_b64 = "eyJ!!!." + good.substr(good.find('.') + 1);
  const std::string array_header = Sign(json::array({1, 2}), Claims());
  const std::string array_payload = Sign(Hs256Header(), json::array({"sub"}));
  const std::string not_json = Base64UrlEncode("{\"alg\":\"HS256\"}") + "." +
                               Base64UrlEncode("not json") + "." + Base64UrlEncode("sig");
  for (const std::string& token :
       {std::string(""), std::string("abc"), std::string("a.b"), good + ".extra", bad_b64,
        array_header, array_payload, not_json}) {
    auto result = Verifier().Verify(token, kNow);
    ASSERT_FALSE(result.ok()) << token;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
    if (token.size() > 8) {
      EXPECT_THAT(result.status().message(), Not(HasSubstr(token)));
    }
  }
}

TEST(JwtTest, IssuerAndAudienceAreCheckedWhenConfigured) {
  const std::string token =
      MintHs256(kSecret, {"user-1", {}}, kNow, kNow + absl::Hours(1), "lc", "lc-api");
  ExpectRejected(Verifier("other-issuer").Verify(token, kNow), "issuer");
  ExpectRejected(Verifier("lc", "other-audience").Verify(token, kNow), "audience");
  EXPECT_TRUE(Verifier().Verify(token, kNow).ok());

  const std::string bare = MintHs256(kSecret, {"user-1", {}}, kNow, kNow + absl::Hours(1));
  ExpectRejected(Verifier("lc").Verify(bare, kNow), "issuer");
  ExpectRejected(Verifier("", "lc-api").Verify(bare, kNow), "audience");

  json listed = Claims();
  listed["aud"] = {"x", "lc-api"};
  EXPECT_TRUE(Verifier("", "lc-api").Verify(Sign(Hs256Header(), listed), kNow).ok());
}

TEST(JwtTest, EmptySecretAcceptsNothing) {
  const std::string token = MintHs256("", {"user-1", {}}, kNow, kNow + absl::Hours(1));
  auto result = Hs256Verifier({}).Verify(token, kNow);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace lc
