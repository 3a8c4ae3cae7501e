#include "gateway/query.h"

#include <gtest/gtest.h>

namespace lc::gateway {
namespace {

httplib::Request WithTarget(const std::string& target) {
  httplib::Request req;
  req.target = target;
  return req;
}

TEST(QueryParamTest, FormDecoding) {
  auto req = WithTarget("/cb?error_description=The+user%20said+no&code=4%2F0A%2Bb&state=s&flag");
  EXPECT_EQ(QueryParam(req, "error_description"), "The user said no");
  EXPECT_EQ(QueryParam(req, "code"), "4/0A+b");
  EXPECT_EQ(QueryParam(req, "state"), "s");
  EXPECT_EQ(QueryParam(req, "flag"), "");
  EXPECT_EQ(QueryParam(req, "missing"), "");
}

TEST(QueryParamTest, FirstValueWinsAndNoQuery) {
  EXPECT_EQ(QueryParam(WithTarget("/x?a=1&a=2"), "a"), "1");
  EXPECT_EQ(QueryParam(WithTarget("/x"), "a"), "");
  EXPECT_EQ(QueryParam(WithTarget("/x?r%65turn_to=%2Fa"), "return_to"), "/a");
}

}  // namespace
}  // namespace lc::gateway
