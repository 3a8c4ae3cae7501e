// absl::Status <-> grpc::Status at the handler edge, and the early-return
// macros for absl::Status / absl::StatusOr. The codes are the same numbers,
// so the mapping is 1:1 and keeps the message.
#pragma once

#include <grpcpp/support/status.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lc {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

namespace status_internal {
inline absl::Status AsStatus(absl::Status s) { return s; }
template <class T>
absl::Status AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
}  // namespace status_internal

}  // namespace lc

#define LC_STATUS_CONCAT_INNER(a, b) a##b
#define LC_STATUS_CONCAT(a, b) LC_STATUS_CONCAT_INNER(a, b)

// Returns the status of `expr` (an absl::Status or absl::StatusOr) from the
// enclosing function when it is not OK.
#define LC_RETURN_IF_ERROR(expr)                                                                 \
  do {                                                                                           \
    if (::absl::Status lc_status_ = ::lc::status_internal::AsStatus((expr)); !lc_status_.ok()) { \
      return lc_status_;                                                                         \
    }                                                                                            \
  } while (false)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status when not OK,
// else moves the value into `lhs` ("auto x", "std::string x" or an existing
// variable). Uses one statement's worth of names: not inside a bare if/else.
#define LC_ASSIGN_OR_RETURN(lhs, expr) \
  LC_ASSIGN_OR_RETURN_IMPL(LC_STATUS_CONCAT(lc_statusor_, __LINE__), lhs, expr)

#define LC_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                             \
  if (!statusor.ok()) return statusor.status();       \
  lhs = std::move(statusor).value()
