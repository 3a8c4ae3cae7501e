#include "runtime/proto_time.h"

#include <gtest/gtest.h>

namespace lc {
namespace {

google::protobuf::Timestamp Ts(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

google::protobuf::Duration Dur(int64_t seconds, int32_t nanos) {
  google::protobuf::Duration d;
  d.set_seconds(seconds);
  d.set_nanos(nanos);
  return d;
}

TEST(ProtoTimestampTest, RoundTripsWithNanosecondPrecision) {
  const absl::Time t = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789);
  const auto ts = ToProtoTimestamp(t);
  EXPECT_EQ(ts.seconds(), 1700000000);
  EXPECT_EQ(ts.nanos(), 123456789);
  EXPECT_EQ(FromProtoTimestamp(ts), t);
  EXPECT_EQ(FromProtoTimestamp(google::protobuf::Timestamp()), absl::UnixEpoch());
}

TEST(ProtoTimestampTest, BeforeTheEpochKeepsNanosPositive) {
  // 1969-12-31T23:59:59.750Z is -1 s + 750 ms, not 0 s - 250 ms.
  const absl::Time t = absl::UnixEpoch() - absl::Milliseconds(250);
  const auto ts = ToProtoTimestamp(t);
  EXPECT_EQ(ts.seconds(), -1);
  EXPECT_EQ(ts.nanos(), 750000000);
  EXPECT_EQ(FromProtoTimestamp(ts), t);
  EXPECT_TRUE(ValidateTimestamp(ts, "t").ok());
}

TEST(ProtoTimestampTest, OutOfRangeTimesAreClampedToValidMessages) {
  const auto past = ToProtoTimestamp(absl::InfinitePast());
  EXPECT_EQ(past.seconds(), -62135596800);  // 0001-01-01
  EXPECT_EQ(past.nanos(), 0);
  const auto future = ToProtoTimestamp(absl::InfiniteFuture());
  EXPECT_EQ(future.seconds(), 253402300799);  // 9999-12-31T23:59:59
  EXPECT_EQ(future.nanos(), 999999999);
  EXPECT_TRUE(ValidateTimestamp(past, "t").ok());
  EXPECT_TRUE(ValidateTimestamp(future, "t").ok());
  const auto year_20000 = ToProtoTimestamp(absl::FromUnixSeconds(568971820800));
  EXPECT_EQ(year_20000.seconds(), 253402300799);
}

TEST(ProtoTimestampTest, InvalidMessagesAreClampedAndReported) {
  EXPECT_EQ(FromProtoTimestamp(Ts(INT64_MAX, 0)), absl::FromUnixSeconds(253402300799));
  EXPECT_EQ(FromProtoTimestamp(Ts(INT64_MIN, -5)), absl::FromUnixSeconds(-62135596800));
  EXPECT_EQ(FromProtoTimestamp(Ts(10, 2000000000)),
            absl::FromUnixSeconds(10) + absl::Nanoseconds(999999999));
  const absl::Status s = ValidateTimestamp(Ts(10, -1), "filter.modified_after");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("filter.modified_after"), absl::string_view::npos);
  EXPECT_FALSE(ValidateTimestamp(Ts(253402300800, 0), "t").ok());
  EXPECT_FALSE(ValidateTimestamp(Ts(-62135596801, 0), "t").ok());
}

TEST(ProtoDurationTest, RoundTripsBothSignsWithNanosTowardZero) {
  const auto d = ToProtoDuration(absl::Milliseconds(-1500));
  EXPECT_EQ(d.seconds(), -1);
  EXPECT_EQ(d.nanos(), -500000000);
  EXPECT_EQ(FromProtoDuration(d), absl::Milliseconds(-1500));
  const auto p = ToProtoDuration(absl::Seconds(90) + absl::Nanoseconds(1));
  EXPECT_EQ(p.seconds(), 90);
  EXPECT_EQ(p.nanos(), 1);
  EXPECT_EQ(FromProtoDuration(p), absl::Seconds(90) + absl::Nanoseconds(1));
  EXPECT_EQ(FromProtoDuration(google::protobuf::Duration()), absl::ZeroDuration());
}

TEST(ProtoDurationTest, InfiniteAndInvalidValuesAreClamped) {
  EXPECT_EQ(ToProtoDuration(absl::InfiniteDuration()).seconds(), 315576000000);
  EXPECT_EQ(ToProtoDuration(-absl::InfiniteDuration()).seconds(), -315576000000);
  EXPECT_EQ(FromProtoDuration(Dur(INT64_MAX, 0)), absl::Seconds(315576000000));
  EXPECT_EQ(FromProtoDuration(Dur(5, -3)), absl::Seconds(5));  // mixed signs
}

}  // namespace
}  // namespace lc
