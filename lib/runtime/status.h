// absl::Status <-> grpc::Status at the handler edge. The codes are the same
// numbers, so the mapping is 1:1 and keeps the message.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace lc {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace lc
