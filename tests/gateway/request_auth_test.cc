#include "gateway/request_auth.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"

namespace lc::gateway {
namespace {

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

class RequestAuthTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  RequestAuthenticator auth_{
      std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kSecret}),
      [this] { return now_; }};

  std::string Token(std::string_view secret = kSecret, absl::Duration ttl = absl::Hours(1)) {
    return MintHs256(secret, Principal{.subject = "alice"}, now_ - absl::Minutes(1), now_ + ttl);
  }
};

TEST_F(RequestAuthTest, BearerHeader) {
  httplib::Request req;
  req.set_header("Authorization", "Bearer " + Token());
  auto user = auth_.Authenticate(req);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->principal.subject, "alice");
  EXPECT_EQ(user->source, TokenSource::kBearerHeader);
  EXPECT_EQ(user->token, Token());
}

TEST_F(RequestAuthTest, SessionCookie) {
  httplib::Request req;
  req.set_header("Cookie", "theme=dark; lc_session=" + Token() + "; other=1");
  auto user = auth_.Authenticate(req);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->source, TokenSource::kSessionCookie);
}

TEST_F(RequestAuthTest, RefusesMissingExpiredForgedAndBadHeader) {
  httplib::Request none;
  EXPECT_EQ(auth_.Authenticate(none).status().code(), absl::StatusCode::kUnauthenticated);

  httplib::Request expired;
  expired.set_header("Authorization", "Bearer " + Token(kSecret, -absl::Minutes(10)));
  EXPECT_EQ(auth_.Authenticate(expired).status().code(), absl::StatusCode::kUnauthenticated);

  httplib::Request forged;
  forged.set_header("Cookie", "lc_session=" + Token("another-secret-another-secret-xx"));
  EXPECT_EQ(auth_.Authenticate(forged).status().code(), absl::StatusCode::kUnauthenticated);

  // A bad header is not rescued by a good cookie.
  httplib::Request basic;
  basic.set_header("Authorization", "Basic YWxpY2U6cHc=");
  basic.set_header("Cookie", "lc_session=" + Token());
  EXPECT_EQ(auth_.Authenticate(basic).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(CookieTest, FindsByExactName) {
  EXPECT_EQ(FindCookie("a=1; lc_session=tok; b=2", "lc_session"), "tok");
  EXPECT_EQ(FindCookie("xlc_session=no;lc_session=\"q\"", "lc_session"), "q");
  EXPECT_EQ(FindCookie("a=1; b", "lc_session"), std::nullopt);
}

TEST(CookieTest, SessionCookieAttributes) {
  EXPECT_EQ(SessionCookie("t", false), "lc_session=t; Path=/; HttpOnly; SameSite=Lax");
  EXPECT_EQ(SessionCookie("t", true), "lc_session=t; Path=/; HttpOnly; SameSite=Lax; Secure");
}

}  // namespace
}  // namespace lc::gateway
