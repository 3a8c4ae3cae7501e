#include "download_link.h"

#include <gtest/gtest.h>

#include <cctype>

namespace lc::emulator {
namespace {

TEST(DownloadLinkTest, RoundTripsItsClaims) {
  std::string token = SignDownloadLink({"u1", "item-9", "rev-3", true, 12345});
  for (char c : token) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')
        << token;
  }
  auto link = VerifyDownloadLink(token);
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->user_id, "u1");
  EXPECT_EQ(link->item_id, "item-9");
  EXPECT_EQ(link->revision_id, "rev-3");
  EXPECT_TRUE(link->pdf);
  EXPECT_EQ(link->expires_ms, 12345);
}

TEST(DownloadLinkTest, RejectsTamperedTokens) {
  std::string token = SignDownloadLink({"u1", "item-9", "rev-3", false, 12345});
  std::string other = SignDownloadLink({"u2", "item-9", "rev-3", false, 12345});
  // Another link's claims under this link's signature.
  std::string swapped = other.substr(0, other.find('.')) + token.substr(token.find('.'));
  EXPECT_FALSE(VerifyDownloadLink(swapped).has_value());
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyDownloadLink(flipped).has_value());
  EXPECT_FALSE(VerifyDownloadLink("").has_value());
  EXPECT_FALSE(VerifyDownloadLink("no-dot").has_value());
}

}  // namespace
}  // namespace lc::emulator
