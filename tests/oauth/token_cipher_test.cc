// TokenCipher: AES-256-GCM sealing, key rotation and refusal of tampering.
#include "oauth/token_cipher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "harness.h"

namespace lc::oauth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TokenCipherTest, SealsAndOpensWithTheRowKey) {
  auto old_ring = TokenCipher::FromKeyList(lc::testing::kKeyK1);
  ASSERT_TRUE(old_ring.ok());
  Sealed sealed = old_ring->Seal("ya29.secret-token", "ctx");
  EXPECT_EQ(sealed.key_id, "k1");
  EXPECT_THAT(sealed.data, Not(HasSubstr("secret")));
  // After rotation k2 is active, and k1 rows still open.
  auto ring =
      TokenCipher::FromKeyList(std::string(lc::testing::kKeyK2) + "," + lc::testing::kKeyK1);
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ(ring->active_key_id(), "k2");
  auto opened = ring->Open("k1", sealed.data, "ctx");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "ya29.secret-token");
  EXPECT_EQ(ring->Seal("x", "ctx").key_id, "k2");
}

TEST(TokenCipherTest, NoncesDiffer) {
  auto ring = TokenCipher::FromKeyList(lc::testing::kKeyK1);
  EXPECT_NE(ring->Seal("same", "c").data, ring->Seal("same", "c").data);
}

TEST(TokenCipherTest, RefusesTamperingWrongContextAndUnknownKey) {
  auto ring = TokenCipher::FromKeyList(lc::testing::kKeyK1);
  Sealed sealed = ring->Seal("token", "row-a");
  EXPECT_EQ(ring->Open("k1", sealed.data, "row-b").status().code(), absl::StatusCode::kDataLoss);
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(sealed.data, &raw));
  raw[13] ^= 1;
  EXPECT_EQ(ring->Open("k1", absl::Base64Escape(raw), "row-a").status().code(),
            absl::StatusCode::kDataLoss);
  auto unknown = ring->Open("k9", sealed.data, "row-a");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("k9"));
}

TEST(TokenCipherTest, RejectsBadKeyLists) {
  for (const char* bad :
       {"", "k1", "k1:short", "k1:MDEy", ":MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,k1:"
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}) {
    auto ring = TokenCipher::FromKeyList(bad);
    EXPECT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    // The message never echoes key material.
    EXPECT_THAT(std::string(ring.status().message()), Not(HasSubstr("MDEy"))) << bad;
  }
}

}  // namespace
}  // namespace lc::oauth
