// Calling the gRPC services behind the gateway on behalf of a user.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/request_auth.h"

namespace lc::gateway {

// Sets the deadline, forwards the user's own token as
// "authorization: Bearer <JWT>" and the request id as "x-request-id".
void PrepareUpstreamCall(grpc::ClientContext& context, const AuthenticatedUser& user,
                         absl::Duration timeout);

// The status to show a client for a failed upstream call. Messages of
// client errors pass through (the services write them for people);
// transport failures and server errors are replaced by a generic message,
// and the original is logged.
absl::Status UpstreamError(const grpc::Status& status, std::string_view service);

}  // namespace lc::gateway
