// google.protobuf.Timestamp / Duration <-> absl::Time / absl::Duration.
// Conversions to proto clamp to the range the proto types allow (years 1 to
// 9999; +-10000 years), so a far or infinite absl value still makes a valid
// message; conversions from proto clamp an invalid message the same way
// instead of trusting it. ValidateTimestamp tells a caller that wants to
// refuse such input.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace lc {

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time);
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp);

google::protobuf::Duration ToProtoDuration(absl::Duration duration);
absl::Duration FromProtoDuration(const google::protobuf::Duration& duration);

// OK when `timestamp` is within 0001-01-01..9999-12-31 with nanos in
// [0, 1e9); else INVALID_ARGUMENT naming `field`.
absl::Status ValidateTimestamp(const google::protobuf::Timestamp& timestamp,
                               std::string_view field);

}  // namespace lc
