#include "providers/provider_http.h"

#include <cstdio>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lc::providers {

absl::StatusOr<json> ParseObject(std::string_view provider, std::string_view what,
                                 std::string_view body) {
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::UnavailableError(absl::StrCat(std::string(provider), " ", std::string(what),
                                               ": the provider answered malformed JSON (",
                                               body.size(), " bytes); try again"));
  }
  return parsed;
}

absl::StatusOr<HttpResponse> Call(ApiSession& session, HttpRequest request, std::string_view what,
                                  const ErrorMapper& map_error) {
  absl::StatusOr<HttpResponse> response = session.Send(std::move(request));
  if (!response.ok()) return response.status();
  if (!Ok(*response)) return map_error(*response, what);
  return response;
}

absl::StatusOr<json> CallJson(ApiSession& session, HttpRequest request, std::string_view provider,
                              std::string_view what, const ErrorMapper& map_error) {
  absl::StatusOr<HttpResponse> response = Call(session, std::move(request), what, map_error);
  if (!response.ok()) return response.status();
  return ParseObject(provider, what, response->body);
}

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Str(const json& object, const char* key, std::string fallback) {
  const json& v = Member(object, key);
  return v.is_string() ? v.get<std::string>() : fallback;
}

int64_t Int(const json& object, const char* key, int64_t fallback) {
  const json& v = Member(object, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(INT64_MAX) ? fallback : static_cast<int64_t>(u);
  }
  return fallback;
}

std::optional<int64_t> IntOrString(const json& object, const char* key) {
  const json& v = Member(object, key);
  if (v.is_number_integer() || v.is_number_unsigned()) return Int(object, key);
  int64_t out = 0;
  if (v.is_string() && absl::SimpleAtoi(v.get<std::string>(), &out)) return out;
  return std::nullopt;
}

bool Bool(const json& object, const char* key, bool fallback) {
  const json& v = Member(object, key);
  return v.is_boolean() ? v.get<bool>() : fallback;
}

std::optional<absl::Time> ParseRfc3339(std::string_view text) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) return t;
  return std::nullopt;
}

void SetTimestamp(std::string_view rfc3339, google::protobuf::Timestamp* out) {
  if (auto t = ParseRfc3339(rfc3339)) *out = ToProtoTimestamp(*t);
}

absl::StatusCode CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
    case 410:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kFailedPrecondition;
    case 413:
      return absl::StatusCode::kResourceExhausted;
    case 429:
      return absl::StatusCode::kUnavailable;
    default:
      return status >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kUnknown;
  }
}

absl::Status HttpError(std::string_view provider, std::string_view what, int status,
                       std::string_view detail) {
  std::string message =
      absl::StrCat(std::string(provider), " ", std::string(what), ": HTTP ", status);
  if (!detail.empty()) absl::StrAppend(&message, " ", std::string(detail.substr(0, 300)));
  return absl::Status(CodeForHttpStatus(status), message);
}

absl::Status WithRetryAfter(absl::Status status, absl::Duration delay) {
  status.SetPayload(kRetryAfterPayload,
                    absl::Cord(std::to_string(absl::ToInt64Milliseconds(delay))));
  return status;
}

std::optional<int64_t> RetryAfterMs(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterPayload);
  int64_t ms = 0;
  if (payload && absl::SimpleAtoi(std::string(*payload), &ms)) return ms;
  return std::nullopt;
}

ResponseClass DefaultClassify(const HttpResponse& response) {
  switch (response.status) {
    case 401:
      return ResponseClass::kUnauthorized;
    case 429:
      return ResponseClass::kThrottled;
    case 503:
      return response.Header("retry-after").empty() ? ResponseClass::kTransient
                                                    : ResponseClass::kThrottled;
    case 500:
    case 502:
    case 504:
      return ResponseClass::kTransient;
    default:
      return ResponseClass::kFinal;
  }
}

absl::Status StreamBody(const std::string& body, const std::string& mime_type, ContentSink& sink) {
  constexpr size_t kChunk = 64 << 10;
  if (absl::Status s = sink.Begin(mime_type, static_cast<int64_t>(body.size())); !s.ok()) return s;
  for (size_t at = 0; at < body.size(); at += kChunk) {
    if (absl::Status s = sink.Write(std::string_view(body).substr(at, kChunk)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string BareMimeType(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return std::string(t);
}

std::string MimeFromName(std::string_view name) {
  static const std::map<std::string, std::string> kTypes = {
      {"txt", "text/plain"},
      {"md", "text/markdown"},
      {"csv", "text/csv"},
      {"html", "text/html"},
      {"htm", "text/html"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"pdf", "application/pdf"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"png", "image/png"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"mp4", "video/mp4"},
      {"mov", "video/quicktime"},
      {"mp3", "audio/mpeg"},
      {"wav", "audio/wav"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xls", "application/vnd.ms-excel"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"ppt", "application/vnd.ms-powerpoint"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"zip", "application/zip"},
  };
  size_t dot = name.rfind('.');
  std::string ext =
      dot == std::string_view::npos ? "" : absl::AsciiStrToLower(std::string(name.substr(dot + 1)));
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace lc::providers
