// Setting up a gRPC call to another service. Every outgoing call goes
// through PrepareOutgoingCall, so each one has a deadline, the caller's
// identity, and the request id and trace context of the request being
// served (runtime/request_context.h) forwarded to the next hop.
#pragma once

#include <grpcpp/client_context.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace lc {

// Sets the deadline, "authorization: Bearer <token>" (none when `bearer_token`
// is empty: health checks), and, inside a request, "x-request-id",
// "traceparent" (this hop's span as the parent) and "tracestate".
void PrepareOutgoingCall(grpc::ClientContext& context, std::string_view bearer_token,
                         absl::Time deadline);

// Calls made under this service's own identity with a default timeout.
class ServiceCalls {
 public:
  // `service_token` mints the current service token (ServiceRuntime::ServiceToken).
  ServiceCalls(std::function<std::string()> service_token, absl::Duration timeout);

  // Prepares `context` with the deadline now + timeout, or `deadline` when
  // that is earlier.
  void Prepare(grpc::ClientContext& context, absl::Time deadline = absl::InfiniteFuture()) const;
  // A new prepared context, for call sites that keep it beside a stream.
  std::unique_ptr<grpc::ClientContext> NewContext(
      absl::Time deadline = absl::InfiniteFuture()) const;

  absl::Duration timeout() const { return timeout_; }

 private:
  std::function<std::string()> service_token_;
  absl::Duration timeout_;
};

}  // namespace lc
