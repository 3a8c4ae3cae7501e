#include "gateway/http_errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lc::gateway {
namespace {

TEST(HttpErrorsTest, MapsEveryCode) {
  struct Case {
    absl::StatusCode code;
    int http;
  };
  const Case cases[] = {
      {absl::StatusCode::kOk, 200},
      {absl::StatusCode::kInvalidArgument, 400},
      {absl::StatusCode::kOutOfRange, 400},
      {absl::StatusCode::kUnauthenticated, 401},
      {absl::StatusCode::kPermissionDenied, 403},
      {absl::StatusCode::kNotFound, 404},
      {absl::StatusCode::kAlreadyExists, 409},
      {absl::StatusCode::kAborted, 409},
      {absl::StatusCode::kFailedPrecondition, 412},
      {absl::StatusCode::kResourceExhausted, 429},
      {absl::StatusCode::kUnimplemented, 501},
      {absl::StatusCode::kUnavailable, 503},
      {absl::StatusCode::kDeadlineExceeded, 504},
      {absl::StatusCode::kInternal, 500},
      {absl::StatusCode::kUnknown, 500},
      {absl::StatusCode::kDataLoss, 500},
      {absl::StatusCode::kCancelled, 500},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HttpStatusFor(c.code), c.http) << absl::StatusCodeToString(c.code);
  }
}

TEST(HttpErrorsTest, JsonBodyNamesTheCode) {
  auto body = nlohmann::json::parse(JsonErrorBody(absl::NotFoundError("no such \"thing\"")));
  EXPECT_EQ(body["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(body["error"]["message"], "no such \"thing\"");
}

TEST(HttpErrorsTest, HtmlIsEscaped) {
  EXPECT_EQ(HtmlEscape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  const std::string page = HtmlPage("<t>", "<script>alert(1)</script>");
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("<title>&lt;t&gt;</title>"), std::string::npos);
}

TEST(HttpErrorsTest, BrowsersGetHtml) {
  httplib::Request api;
  api.set_header("Accept", "application/json");
  EXPECT_EQ(PreferredErrorFormat(api), ErrorFormat::kJson);
  EXPECT_EQ(PreferredErrorFormat(httplib::Request()), ErrorFormat::kJson);
  httplib::Request browser;
  browser.set_header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
  EXPECT_EQ(PreferredErrorFormat(browser), ErrorFormat::kHtml);
  httplib::Request navigate;
  navigate.set_header("Sec-Fetch-Mode", "navigate");
  EXPECT_EQ(PreferredErrorFormat(navigate), ErrorFormat::kHtml);
}

TEST(HttpErrorsTest, WriteErrorSetsStatusAndType) {
  httplib::Response json;
  WriteError(json, absl::ResourceExhaustedError("slow down"), ErrorFormat::kJson);
  EXPECT_EQ(json.status, 429);
  EXPECT_EQ(json.get_header_value("Content-Type"), "application/json");
  httplib::Response html;
  WriteError(html, absl::PermissionDeniedError("no <b>"), ErrorFormat::kHtml);
  EXPECT_EQ(html.status, 403);
  EXPECT_EQ(html.get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("no &lt;b&gt;"), std::string::npos);
}

TEST(HttpErrorsTest, RetryLaterRoundsUpAndRefreshesTheBrowserPage) {
  EXPECT_EQ(RetryAfterSeconds(absl::Milliseconds(1)), 1);
  EXPECT_EQ(RetryAfterSeconds(absl::ZeroDuration()), 1);
  EXPECT_EQ(RetryAfterSeconds(absl::Milliseconds(2001)), 3);
  EXPECT_EQ(RetryAfterSeconds(absl::Seconds(5)), 5);
  httplib::Response json;
  WriteRetryLater(json, absl::Seconds(1), ErrorFormat::kJson);
  EXPECT_EQ(json.status, 503);
  EXPECT_EQ(json.get_header_value("Retry-After"), "1");
  EXPECT_NE(json.body.find("retry in 1 second\""), std::string::npos) << json.body;
  httplib::Response html;
  WriteRetryLater(html, absl::Seconds(4), ErrorFormat::kHtml);
  EXPECT_EQ(html.status, 503);
  EXPECT_EQ(html.get_header_value("Retry-After"), "4");
  EXPECT_NE(html.body.find("<meta http-equiv=\"refresh\" content=\"4\">"), std::string::npos);
  EXPECT_EQ(HtmlPage("t", "m").find("refresh"), std::string::npos);
}

}  // namespace
}  // namespace lc::gateway
