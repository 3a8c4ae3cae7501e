#include "gateway/public_url.h"

#include <gtest/gtest.h>

namespace lc::gateway {
namespace {

PublicUrl Must(const char* url) {
  auto parsed = PublicUrl::Parse(url);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : PublicUrl();
}

TEST(PublicUrlTest, ParsesOriginAndDefaults) {
  PublicUrl url = Must("HTTP://127.0.0.1:8080/");
  EXPECT_EQ(url.scheme(), "http");
  EXPECT_EQ(url.host(), "127.0.0.1");
  EXPECT_EQ(url.port(), 8080);
  EXPECT_FALSE(url.secure());
  EXPECT_EQ(url.Resolve("/oauth2/box/callback"), "http://127.0.0.1:8080/oauth2/box/callback");

  PublicUrl https = Must("https://LC.example.com");
  EXPECT_EQ(https.port(), 443);
  EXPECT_TRUE(https.secure());
  EXPECT_EQ(https.Resolve("/x"), "https://lc.example.com/x");
}

TEST(PublicUrlTest, KeepsAPathPrefix) {
  PublicUrl url = Must("https://example.com/lc/");
  EXPECT_EQ(url.Resolve("/oauth2/box/callback"), "https://example.com/lc/oauth2/box/callback");
}

TEST(PublicUrlTest, RejectsUnusableUrls) {
  for (const char* bad :
       {"", "127.0.0.1:8080", "ftp://example.com", "http://", "http://:80",
        "http://user@example.com", "http://example.com:99999", "http://example.com/?q=1",
        "http://example.com/#f", "http://exa mple.com"}) {
    EXPECT_FALSE(PublicUrl::Parse(bad).ok()) << bad;
  }
}

TEST(PublicUrlTest, AcceptsOwnOriginTargets) {
  PublicUrl url = Must("http://127.0.0.1:8080");
  for (const char* good : {"/", "/done", "/app/page?x=1#frag", "/%2F%2Fevil.example",
                           "http://127.0.0.1:8080", "http://127.0.0.1:8080/app",
                           "HTTP://127.0.0.1:8080/app?x=//evil", "http://127.0.0.1:8080?x=1"}) {
    EXPECT_TRUE(url.IsOwnOrigin(good)) << good;
  }
  PublicUrl https = Must("https://lc.example.com");
  EXPECT_TRUE(https.IsOwnOrigin("https://lc.example.com:443/x"));
  EXPECT_TRUE(https.IsOwnOrigin("https://LC.EXAMPLE.COM/x"));
}

TEST(PublicUrlTest, RefusesOtherOrigins) {
  PublicUrl url = Must("http://127.0.0.1:8080");
  for (const char* bad : {"https://evil.example/",
                          "//evil.example",
                          "/\\evil.example",
                          "\\\\evil.example",
                          "/\t/evil.example",
                          "/ /evil.example",
                          "javascript:alert(1)",
                          "JavaScript://127.0.0.1:8080/%0aalert(1)",
                          "data:text/html,hi",
                          "https://127.0.0.1:8080/",
                          "http://127.0.0.1:8081/",
                          "http://127.0.0.1/",
                          "http://127.0.0.1:8080@evil.example/",
                          "http://evil.example#@127.0.0.1:8080",
                          "http://127.0.0.1.evil.example:8080/",
                          "done",
                          "?x=1",
                          "http://127.0.0.1:8080/\r\nSet-Cookie: x=1",
                          "http:/127.0.0.1:8080/x",
                          "http:127.0.0.1:8080"}) {
    EXPECT_FALSE(url.IsOwnOrigin(bad)) << bad;
  }
  EXPECT_FALSE(url.IsOwnOrigin(""));
  EXPECT_FALSE(url.IsOwnOrigin("/" + std::string(5000, 'a')));
}

}  // namespace
}  // namespace lc::gateway
