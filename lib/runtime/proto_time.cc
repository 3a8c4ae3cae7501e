#include "runtime/proto_time.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace lc {
namespace {

// The range google/protobuf/timestamp.proto and duration.proto define.
constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDurationSeconds = 315576000000;
constexpr int32_t kMaxNanos = 999999999;

// Splits t into whole seconds since the epoch (floor) and nanos in [0, 1e9).
std::pair<int64_t, int32_t> SecondsAndNanos(absl::Time t) {
  const absl::Time epoch = absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(absl::Floor(t - epoch, absl::Seconds(1)));
  const absl::Duration rest = t - absl::FromUnixSeconds(seconds);
  return {seconds, static_cast<int32_t>(absl::ToInt64Nanoseconds(rest))};
}

}  // namespace

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  google::protobuf::Timestamp out;
  if (time <= absl::FromUnixSeconds(kMinSeconds)) {
    out.set_seconds(kMinSeconds);
    return out;
  }
  if (time >= absl::FromUnixSeconds(kMaxSeconds + 1)) {
    out.set_seconds(kMaxSeconds);
    out.set_nanos(kMaxNanos);
    return out;
  }
  auto [seconds, nanos] = SecondsAndNanos(time);
  out.set_seconds(seconds);
  out.set_nanos(nanos);
  return out;
}

absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp) {
  const int64_t seconds = std::clamp<int64_t>(timestamp.seconds(), kMinSeconds, kMaxSeconds);
  const int32_t nanos = std::clamp<int32_t>(timestamp.nanos(), 0, kMaxNanos);
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

google::protobuf::Duration ToProtoDuration(absl::Duration duration) {
  google::protobuf::Duration out;
  const absl::Duration max = absl::Seconds(kMaxDurationSeconds) + absl::Nanoseconds(kMaxNanos);
  duration = std::clamp(duration, -max, max);
  // Seconds and nanos carry the same sign, nanos toward zero.
  const absl::Duration whole = absl::Trunc(duration, absl::Seconds(1));
  out.set_seconds(absl::ToInt64Seconds(whole));
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(duration - whole)));
  return out;
}

absl::Duration FromProtoDuration(const google::protobuf::Duration& duration) {
  const int64_t seconds =
      std::clamp<int64_t>(duration.seconds(), -kMaxDurationSeconds, kMaxDurationSeconds);
  int32_t nanos = std::clamp<int32_t>(duration.nanos(), -kMaxNanos, kMaxNanos);
  // Mixed signs are invalid; the seconds decide.
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) nanos = 0;
  return absl::Seconds(seconds) + absl::Nanoseconds(nanos);
}

absl::Status ValidateTimestamp(const google::protobuf::Timestamp& timestamp,
                               std::string_view field) {
  if (timestamp.seconds() < kMinSeconds || timestamp.seconds() > kMaxSeconds ||
      timestamp.nanos() < 0 || timestamp.nanos() > kMaxNanos) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(field), " is not a valid timestamp (years 1 to 9999, nanos 0 to 999999999)"));
  }
  return absl::OkStatus();
}

}  // namespace lc
