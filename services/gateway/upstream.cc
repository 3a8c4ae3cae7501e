#include "gateway/upstream.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/client_call.h"
#include "runtime/log.h"
#include "runtime/status.h"

namespace lc::gateway {

void PrepareUpstreamCall(grpc::ClientContext& context, const AuthenticatedUser& user,
                         absl::Duration timeout) {
  PrepareOutgoingCall(context, user.token, absl::Now() + timeout);
}

absl::Status UpstreamError(const grpc::Status& status, std::string_view service) {
  absl::Status s = FromGrpcStatus(status);
  const std::string name(service);
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
      LogWarn("upstream unavailable", {{"upstream", name}, {"error", status.error_message()}});
      return absl::UnavailableError(
          absl::StrCat("the ", name, " service is unavailable; try again shortly"));
    case absl::StatusCode::kDeadlineExceeded:
      LogWarn("upstream timed out", {{"upstream", name}, {"error", status.error_message()}});
      return absl::DeadlineExceededError(
          absl::StrCat("the ", name, " service did not answer in time; try again"));
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kCancelled:
      LogError("upstream failed", {{"upstream", name},
                                   {"code", absl::StatusCodeToString(s.code())},
                                   {"error", status.error_message()}});
      return absl::Status(s.code(),
                          absl::StrCat("internal error in the ", name,
                                       " service; see its log for request ", CurrentRequestId()));
    default:
      return s;
  }
}

}  // namespace lc::gateway
