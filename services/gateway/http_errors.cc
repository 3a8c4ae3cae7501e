#include "gateway/http_errors.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lc::gateway {

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string JsonErrorBody(const absl::Status& status) {
  nlohmann::json body = {{"error",
                          {{"code", absl::StatusCodeToString(status.code())},
                           {"message", std::string(status.message())}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string HtmlPage(std::string_view title, std::string_view message, int refresh_seconds) {
  const std::string t = HtmlEscape(title);
  const std::string refresh =
      refresh_seconds > 0
          ? absl::StrCat("<meta http-equiv=\"refresh\" content=\"", refresh_seconds, "\">")
          : "";
  return absl::StrCat(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">",
      refresh, "<title>", t, "</title></head>\n<body><h1>", t, "</h1>\n<p>", HtmlEscape(message),
      "</p></body></html>\n");
}

ErrorFormat PreferredErrorFormat(const httplib::Request& req) {
  if (req.get_header_value("Sec-Fetch-Mode") == "navigate") return ErrorFormat::kHtml;
  const std::string accept = absl::AsciiStrToLower(req.get_header_value("Accept"));
  if (absl::StrContains(accept, "text/html")) return ErrorFormat::kHtml;
  return ErrorFormat::kJson;
}

void WriteJson(httplib::Response& res, int http_status, const std::string& body) {
  res.status = http_status;
  res.set_content(body, "application/json");
}

void WriteHtmlPage(httplib::Response& res, int http_status, std::string_view title,
                   std::string_view message) {
  res.status = http_status;
  // The page has no script, style or image: nothing may load.
  res.set_header("Content-Security-Policy", "default-src 'none'");
  res.set_content(HtmlPage(title, message), "text/html; charset=utf-8");
}

int RetryAfterSeconds(absl::Duration delay) {
  const int64_t seconds = absl::ToInt64Seconds(absl::Ceil(delay, absl::Seconds(1)));
  return static_cast<int>(std::clamp<int64_t>(seconds, 1, 24 * 3600));
}

void WriteRetryLater(httplib::Response& res, absl::Duration retry_after, ErrorFormat format) {
  const int seconds = RetryAfterSeconds(retry_after);
  const std::string wait = absl::StrCat(seconds, seconds == 1 ? " second" : " seconds");
  res.set_header("Retry-After", std::to_string(seconds));
  if (format == ErrorFormat::kHtml) {
    res.status = 503;
    res.set_header("Content-Security-Policy", "default-src 'none'");
    res.set_content(HtmlPage("Not ready yet",
                             absl::StrCat("The cloud provider cannot serve this file yet: it is "
                                          "still preparing it, or asked us to slow down. This "
                                          "page tries again in ",
                                          wait, "."),
                             seconds),
                    "text/html; charset=utf-8");
    return;
  }
  WriteJson(res, 503,
            JsonErrorBody(absl::UnavailableError(absl::StrCat(
                "the cloud provider is not ready to serve this file yet; retry in ", wait))));
}

void WriteError(httplib::Response& res, const absl::Status& status, ErrorFormat format) {
  const int http_status = HttpStatusFor(status.code());
  if (format == ErrorFormat::kHtml) {
    WriteHtmlPage(res, http_status, "Request failed", std::string(status.message()));
  } else {
    WriteJson(res, http_status, JsonErrorBody(status));
  }
}

}  // namespace lc::gateway
