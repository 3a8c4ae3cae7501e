// What travels with a request across every hop: its request id and its W3C
// trace context (https://www.w3.org/TR/trace-context/). The edge that takes a
// call (RpcEdge::Serve, the gateway's router) installs a ScopedRequest; the
// outgoing-call setup (runtime/client_call.h) reads CurrentRequest() and
// forwards it. Work handed to another thread carries a copy:
//
//   RequestContext request = CurrentRequest();
//   pool.Run([request] { ScopedRequest scope(request); ... });
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/log.h"

namespace lc {

struct TraceContext {
  std::string trace_id;    // 32 lower-case hex digits, not all zero
  std::string span_id;     // 16 lower-case hex digits, not all zero: this hop's span
  std::string parent_id;   // the caller's span ("" when this hop started the trace)
  uint8_t flags = 0;       // trace-flags; bit 0 is "sampled"
  std::string tracestate;  // vendor data, passed on unchanged

  bool valid() const { return !trace_id.empty() && !span_id.empty(); }
};

// Reads a "traceparent" header. The result has trace_id, flags, and the
// caller's span as parent_id (span_id empty); nullopt when the value is not
// a valid traceparent (wrong length or version, upper-case or non-hex
// digits, an all-zero id), which callers replace instead of trusting.
std::optional<TraceContext> ParseTraceparent(std::string_view header);

// "00-<trace_id>-<span_id>-<flags>", the header a call made from this span sends.
std::string FormatTraceparent(const TraceContext& trace);

// The trace of a hop that received `traceparent` (and `tracestate`, kept
// only with a valid traceparent): the same trace with a new span whose
// parent is the caller's, or a new trace when the header is missing or
// invalid.
TraceContext ContinueTrace(std::string_view traceparent, std::string_view tracestate);
// A new trace (new trace id, new span, sampled).
TraceContext NewTrace();

struct RequestContext {
  std::string request_id;
  TraceContext trace;
};

// The request this thread is serving; empty (request_id "") outside one.
const RequestContext& CurrentRequest();

// The context for a hop that received these header values: the request id
// kept when acceptable (IsAcceptableRequestId) or a new one, and the trace
// continued as ContinueTrace does.
RequestContext IncomingRequest(std::string_view request_id, std::string_view traceparent,
                               std::string_view tracestate);
// A new request for work no caller asked for (a scheduled sync run, a job
// taken from a queue): new id, new trace.
RequestContext NewRequest();

// Makes `request` this thread's current request (and its id the log lines'
// request id) while in scope; restores the previous one after.
class ScopedRequest {
 public:
  explicit ScopedRequest(RequestContext request);
  ~ScopedRequest();
  ScopedRequest(const ScopedRequest&) = delete;
  ScopedRequest& operator=(const ScopedRequest&) = delete;

 private:
  RequestContext previous_;
  ScopedRequestId log_id_;
};

}  // namespace lc
