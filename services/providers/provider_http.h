// HTTP and JSON pieces every adapter shares (URL encoding and proto times come
// from runtime/encoding.h and runtime/proto_time.h): JSON parsing that
// turns a provider's garbage into a status, time parsing and the mapping of
// HTTP statuses to absl codes.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "providers/provider_adapter.h"
#include "runtime/encoding.h"
#include "runtime/http_client.h"
#include "runtime/proto_time.h"

namespace lc::providers {

using json = nlohmann::json;

// Parses a provider body that must be a JSON object. A body that is not (a
// truncated or garbled answer) is UNAVAILABLE naming the provider and what was
// being read: the call may be retried, and nothing half-parsed is returned.
absl::StatusOr<json> ParseObject(std::string_view provider, std::string_view what,
                                 std::string_view body);

// Typed reads that tolerate missing or mistyped members (providers omit
// fields freely): the default when absent or of another type.
std::string Str(const json& object, const char* key, std::string fallback = "");
int64_t Int(const json& object, const char* key, int64_t fallback = 0);
// Integers that some providers send as strings (Drive "size": "123").
std::optional<int64_t> IntOrString(const json& object, const char* key);
bool Bool(const json& object, const char* key, bool fallback = false);
const json& Member(const json& object, const char* key);

// RFC 3339 timestamps ("2024-05-01T10:00:00Z", with fraction or offset).
std::optional<absl::Time> ParseRfc3339(std::string_view text);
void SetTimestamp(std::string_view rfc3339, google::protobuf::Timestamp* out);

// The absl code for a final HTTP error status: 400 INVALID_ARGUMENT, 401
// UNAUTHENTICATED, 403 PERMISSION_DENIED, 404/410 NOT_FOUND, 409
// FAILED_PRECONDITION, 429 UNAVAILABLE, 5xx UNAVAILABLE, else UNKNOWN.
absl::StatusCode CodeForHttpStatus(int status);

// "<provider> <what>: HTTP <status> <detail>" with the code above. The detail
// is the provider's own error message, never the request.
absl::Status HttpError(std::string_view provider, std::string_view what, int status,
                       std::string_view detail);

// Retry information attached to UNAVAILABLE statuses (throttling, open
// circuit): the payload key and the delay in milliseconds.
inline constexpr char kRetryAfterPayload[] = "retry-after-ms";
absl::Status WithRetryAfter(absl::Status status, absl::Duration delay);
std::optional<int64_t> RetryAfterMs(const absl::Status& status);

// 401 unauthorized; 429 throttled; 503 throttled when it names a
// Retry-After, else transient; 500, 502, 504 transient; the rest final.
ResponseClass DefaultClassify(const HttpResponse& response);

// True for 2xx.
inline bool Ok(const HttpResponse& response) {
  return response.status >= 200 && response.status < 300;
}

// The adapter's reading of a provider's error answer (its error body, its
// not-found and conflict forms) as a status; `what` names the call.
using ErrorMapper = std::function<absl::Status(const HttpResponse&, std::string_view what)>;

// One provider call, the sequence every adapter repeats: send through the
// session (token, limiter, retries, the 401 contract), and turn a non-2xx
// answer into map_error(response, what). Calls that must see a particular
// non-2xx answer (a redirect, a 202 "not ready") use ApiSession::Send.
absl::StatusOr<HttpResponse> Call(ApiSession& session, HttpRequest request, std::string_view what,
                                  const ErrorMapper& map_error);
// Call, then the body as a JSON object (ParseObject).
absl::StatusOr<json> CallJson(ApiSession& session, HttpRequest request, std::string_view provider,
                              std::string_view what, const ErrorMapper& map_error);

// Hands a downloaded body to the sink in 64 KiB chunks. total_size is the
// body size.
absl::Status StreamBody(const std::string& body, const std::string& mime_type, ContentSink& sink);

// The media type without parameters ("text/plain; charset=utf-8" -> "text/plain").
std::string BareMimeType(std::string_view content_type);

// A media type from the file name, for providers that send none (Dropbox,
// Box); application/octet-stream when unknown.
std::string MimeFromName(std::string_view name);

}  // namespace lc::providers
