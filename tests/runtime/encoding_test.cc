#include "runtime/encoding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace lc {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(Base64Test, StandardRoundTripsEveryLengthWithPadding) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    const std::string encoded = Base64Encode(data);
    EXPECT_EQ(encoded.size() % 4, 0u) << encoded;
    std::string decoded;
    ASSERT_TRUE(Base64Decode(encoded, &decoded)) << encoded;
    EXPECT_EQ(decoded, data);
    data.push_back(static_cast<char>(i * 37 + 200));
  }
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64Encode(""), "");
}

TEST(Base64Test, StandardDecoderRefusesNonCanonicalInput) {
  std::string out = "untouched";
  EXPECT_FALSE(Base64Decode("QQ", &out));        // padding missing
  EXPECT_FALSE(Base64Decode("QR==", &out));      // non-zero unused bits
  EXPECT_FALSE(Base64Decode("-_8=", &out));      // url alphabet
  EXPECT_FALSE(Base64Decode("QQ==QQ==", &out));  // padding inside
  EXPECT_FALSE(Base64Decode("Q Q==", &out));
  EXPECT_FALSE(Base64Decode("\xc3\xa9QQ=", &out));  // UTF-8 is not base64
  EXPECT_EQ(out, "untouched");
  EXPECT_TRUE(Base64Decode("", &out));
  EXPECT_EQ(out, "");
  EXPECT_TRUE(Base64Decode("QQ==", &out));
  EXPECT_EQ(out, "A");
}

TEST(Base64UrlTest, RoundTripsAllLengthsWithoutPadding) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    const std::string encoded = Base64UrlEncode(data);
    EXPECT_EQ(encoded.find_first_of("=+/"), std::string::npos) << encoded;
    std::string decoded;
    ASSERT_TRUE(Base64UrlDecode(encoded, &decoded)) << encoded;
    EXPECT_EQ(decoded, data);
    data.push_back(static_cast<char>(i * 37 + 200));
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, RejectsBadInput) {
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("ab+c", &out));
  EXPECT_FALSE(Base64UrlDecode("abc=", &out));  // padded
  EXPECT_FALSE(Base64UrlDecode("a", &out));
  EXPECT_FALSE(Base64UrlDecode("QR", &out));  // non-zero unused bits
  EXPECT_FALSE(Base64UrlDecode("QQ\n", &out));
  EXPECT_TRUE(Base64UrlDecode("QQ", &out));
  EXPECT_EQ(out, "A");
}

TEST(PercentEncodeTest, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode(":/?#[]@!$&'()*+,;="),
            "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D");
  EXPECT_EQ(PercentEncode("a b%c"), "a%20b%25c");
  EXPECT_EQ(PercentEncode("h\xc3\xa9llo \xe2\x9c\x93"), "h%C3%A9llo%20%E2%9C%93");
  EXPECT_EQ(PercentEncode(std::string("\0\x7f\xff", 3)), "%00%7F%FF");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsMalformedOnesAsText) {
  EXPECT_EQ(PercentDecode("h%C3%A9llo%20%e2%9c%93"), "h\xc3\xa9llo \xe2\x9c\x93");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%00x"), std::string("\0x", 2));
  EXPECT_EQ(PercentDecode(""), "");
}

TEST(FormTest, EncodesPairsInOrder) {
  EXPECT_EQ(FormEncode({{"grant_type", "refresh_token"}, {"scope", "a b"}, {"x", ""}}),
            "grant_type=refresh_token&scope=a%20b&x=");
  EXPECT_EQ(FormEncode(FormFields{{"k&=", "v&=\xc3\xa9"}}), "k%26%3D=v%26%3D%C3%A9");
  EXPECT_EQ(FormEncode(FormFields{}), "");
}

TEST(FormTest, DecodesPlusAsSpaceAndToleratesOddPairs) {
  EXPECT_THAT(FormDecode("a=1&b=x+y%2Bz&&flag&c=&=v&d=%zz"),
              ElementsAre(Pair("a", "1"), Pair("b", "x y+z"), Pair("flag", ""), Pair("c", ""),
                          Pair("", "v"), Pair("d", "%zz")));
  EXPECT_THAT(FormDecode(""), ElementsAre());
}

TEST(FormTest, DecodeInvertsEncode) {
  const FormFields fields = {{"redirect_uri", "https://h/cb?x=1&y=2"},
                             {"state", "a+b c"},
                             {"name", "r\xc3\xa9sum\xc3\xa9.pdf"}};
  EXPECT_EQ(FormDecode(FormEncode(fields)), fields);
}

TEST(AppendQueryTest, AddsToAnExistingQueryAndKeepsTheFragment) {
  EXPECT_EQ(*AppendQuery("https://auth.example/authorize", {{"a", "1 2"}}),
            "https://auth.example/authorize?a=1%202");
  EXPECT_EQ(*AppendQuery("https://auth.example/authorize?tenant=x", {{"b", "&"}}),
            "https://auth.example/authorize?tenant=x&b=%26");
  EXPECT_EQ(*AppendQuery("http://127.0.0.1:8080/p#frag", {{"c", "3"}}),
            "http://127.0.0.1:8080/p?c=3#frag");
  EXPECT_EQ(*AppendQuery("https://h.example/p?q=1", {}), "https://h.example/p?q=1");
}

TEST(AppendQueryTest, RefusesWhatIsNotAnAbsoluteUrl) {
  EXPECT_EQ(AppendQuery("/relative/path", {{"a", "1"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AppendQuery("", {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AppendQuery("https://exa mple/", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HtmlEscapeTest, MarkupAndQuotesBecomeEntitiesTextStays) {
  EXPECT_EQ(HtmlEscape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("a \"b\" & c"), "a &quot;b&quot; &amp; c");
  EXPECT_EQ(HtmlEscape("Café – 100%"), "Café – 100%");
  EXPECT_EQ(HtmlEscape(""), "");
}

}  // namespace
}  // namespace lc
