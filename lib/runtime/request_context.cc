#include "runtime/request_context.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace lc {
namespace {

constexpr size_t kTraceparentLength = 55;  // version 00
constexpr size_t kMaxTracestate = 512;     // the spec lets a hop drop longer ones

thread_local RequestContext current_request;

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsAllZero(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

// `bytes` random bytes as lower-case hex, never all zero.
std::string RandomHexId(size_t bytes) {
  thread_local absl::BitGen gen;
  std::string raw(bytes, '\0');
  do {
    for (char& c : raw) c = static_cast<char>(absl::Uniform<uint8_t>(gen));
  } while (IsAllZero(absl::BytesToHexString(raw)));
  return absl::BytesToHexString(raw);
}

// Printable ASCII only, as the tracestate grammar allows; else dropped.
bool IsPlainTracestate(std::string_view text) {
  return text.size() <= kMaxTracestate &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

std::optional<TraceContext> ParseTraceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags; a later version may
  // append fields after another '-', which this reader ignores.
  if (header.size() < kTraceparentLength) return std::nullopt;
  const std::string_view version = header.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && header.size() != kTraceparentLength) return std::nullopt;
  if (header.size() > kTraceparentLength && header[kTraceparentLength] != '-') {
    return std::nullopt;
  }
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  const std::string_view trace_id = header.substr(3, 32);
  const std::string_view parent_id = header.substr(36, 16);
  const std::string_view flags = header.substr(53, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(parent_id) || !IsLowerHex(flags) ||
      IsAllZero(trace_id) || IsAllZero(parent_id)) {
    return std::nullopt;
  }
  TraceContext out;
  out.trace_id = std::string(trace_id);
  out.parent_id = std::string(parent_id);
  std::string flag_byte = absl::HexStringToBytes(absl::string_view(flags.data(), flags.size()));
  out.flags = static_cast<uint8_t>(flag_byte[0]);
  return out;
}

std::string FormatTraceparent(const TraceContext& trace) {
  const char flags = static_cast<char>(trace.flags);
  return absl::StrCat("00-", trace.trace_id, "-", trace.span_id, "-",
                      absl::BytesToHexString(absl::string_view(&flags, 1)));
}

TraceContext ContinueTrace(std::string_view traceparent, std::string_view tracestate) {
  std::optional<TraceContext> parsed = ParseTraceparent(traceparent);
  if (!parsed) return NewTrace();
  parsed->span_id = RandomHexId(8);
  if (IsPlainTracestate(tracestate)) parsed->tracestate = std::string(tracestate);
  return *std::move(parsed);
}

TraceContext NewTrace() {
  TraceContext out;
  out.trace_id = RandomHexId(16);
  out.span_id = RandomHexId(8);
  out.flags = 1;
  return out;
}

const RequestContext& CurrentRequest() { return current_request; }

RequestContext IncomingRequest(std::string_view request_id, std::string_view traceparent,
                               std::string_view tracestate) {
  RequestContext out;
  out.request_id = IsAcceptableRequestId(request_id) ? std::string(request_id) : NewRequestId();
  out.trace = ContinueTrace(traceparent, tracestate);
  return out;
}

RequestContext NewRequest() { return RequestContext{NewRequestId(), NewTrace()}; }

ScopedRequest::ScopedRequest(RequestContext request)
    : previous_(std::exchange(current_request, std::move(request))),
      log_id_(current_request.request_id) {}

ScopedRequest::~ScopedRequest() { current_request = std::move(previous_); }

}  // namespace lc
