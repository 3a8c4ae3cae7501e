#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/pg.h"

namespace lc {
namespace {

TEST(PgArrayLiteralTest, QuotesEveryElementAndEscapesQuotesAndBackslashes) {
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{}), "{}");
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{"a", ""}), "{\"a\",\"\"}");
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{"x\"y", "b\\s", "{,}", "NULL"}),
            "{\"x\\\"y\",\"b\\\\s\",\"{,}\",\"NULL\"}");
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{"h\xc3\xa9"}), "{\"h\xc3\xa9\"}");
}

}  // namespace
}  // namespace lc
