#include "runtime/client_call.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/request_context.h"

namespace lc {

void PrepareOutgoingCall(grpc::ClientContext& context, std::string_view bearer_token,
                         absl::Time deadline) {
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
  if (!bearer_token.empty()) {
    context.AddMetadata("authorization", "Bearer " + std::string(bearer_token));
  }
  const RequestContext& request = CurrentRequest();
  if (!request.request_id.empty()) context.AddMetadata("x-request-id", request.request_id);
  if (request.trace.valid()) {
    context.AddMetadata("traceparent", FormatTraceparent(request.trace));
    if (!request.trace.tracestate.empty()) {
      context.AddMetadata("tracestate", request.trace.tracestate);
    }
  }
}

ServiceCalls::ServiceCalls(std::function<std::string()> service_token, absl::Duration timeout)
    : service_token_(std::move(service_token)), timeout_(timeout) {}

void ServiceCalls::Prepare(grpc::ClientContext& context, absl::Time deadline) const {
  PrepareOutgoingCall(context, service_token_(), std::min(deadline, absl::Now() + timeout_));
}

std::unique_ptr<grpc::ClientContext> ServiceCalls::NewContext(absl::Time deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  Prepare(*context, deadline);
  return context;
}

}  // namespace lc
