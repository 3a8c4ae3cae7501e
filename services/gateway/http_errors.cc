#include "gateway/http_errors.h"

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

std::string HtmlPage(std::string_view title, std::string_view message) {
  const std::string t = HtmlEscape(title);
  return absl::StrCat(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<title>",
      t, "</title></head>\n<body><h1>", t, "</h1>\n<p>", HtmlEscape(message),
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

void WriteError(httplib::Response& res, const absl::Status& status, ErrorFormat format) {
  const int http_status = HttpStatusFor(status.code());
  if (format == ErrorFormat::kHtml) {
    WriteHtmlPage(res, http_status, "Request failed", std::string(status.message()));
  } else {
    WriteJson(res, http_status, JsonErrorBody(status));
  }
}

}  // namespace lc::gateway
