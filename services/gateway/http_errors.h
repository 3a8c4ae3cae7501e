// How failures look over HTTP. The status -> HTTP mapping lives here and
// nowhere else: the OAuth pages and the REST mirror (issue #8) share it.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "runtime/encoding.h"

namespace lc::gateway {

// The HTTP status for a gRPC/absl status code: INVALID_ARGUMENT 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
// ALREADY_EXISTS/ABORTED 409, FAILED_PRECONDITION 412, RESOURCE_EXHAUSTED
// 429, UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, else 500.
int HttpStatusFor(absl::StatusCode code);

// {"error":{"code":"NOT_FOUND","message":"..."}}
std::string JsonErrorBody(const absl::Status& status);

// A short self-contained HTML page; title and message are escaped here.
// refresh_seconds > 0: the browser reloads the page after that many seconds
// (a meta refresh, so the page still runs no script).
std::string HtmlPage(std::string_view title, std::string_view message, int refresh_seconds = 0);

enum class ErrorFormat { kJson, kHtml };

// HTML for browser navigations (Sec-Fetch-Mode: navigate, or an Accept
// header that asks for text/html), JSON for everything else.
ErrorFormat PreferredErrorFormat(const httplib::Request& req);

// Writes `status` (not OK) with its mapped HTTP status.
void WriteError(httplib::Response& res, const absl::Status& status, ErrorFormat format);
void WriteJson(httplib::Response& res, int http_status, const std::string& body);
void WriteHtmlPage(httplib::Response& res, int http_status, std::string_view title,
                   std::string_view message);

// Whole seconds for a Retry-After header: rounded up, at least 1.
int RetryAfterSeconds(absl::Duration delay);

// 503 Service Unavailable with Retry-After for what is not ready yet (a
// rendition the provider is still making, a throttled account): the JSON
// error for API clients; for a browser, a page saying so that reloads
// itself after the delay.
void WriteRetryLater(httplib::Response& res, absl::Duration retry_after, ErrorFormat format);

}  // namespace lc::gateway
