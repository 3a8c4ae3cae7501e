#include "runtime/status.h"

#include <string>

namespace lc {
namespace {

// gRPC and Abseil share the codes 0..16; anything else is UNKNOWN.
constexpr int kMaxCode = 16;

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  return grpc::Status(code > 0 && code <= kMaxCode ? static_cast<grpc::StatusCode>(code)
                                                   : grpc::StatusCode::UNKNOWN,
                      std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const int code = static_cast<int>(status.error_code());
  return absl::Status(code > 0 && code <= kMaxCode ? static_cast<absl::StatusCode>(code)
                                                   : absl::StatusCode::kUnknown,
                      status.error_message());
}

}  // namespace lc
