#include "runtime/status.h"

#include <gtest/gtest.h>

namespace lc {
namespace {

TEST(StatusTest, OkMapsToOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

// Every non-OK code keeps its number and message in both directions.
TEST(StatusTest, EveryCodeRoundTripsWithItsMessage) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status original(static_cast<absl::StatusCode>(code),
                                "message " + std::to_string(code));
    const grpc::Status grpc_status = ToGrpcStatus(original);
    EXPECT_EQ(static_cast<int>(grpc_status.error_code()), code);
    EXPECT_EQ(grpc_status.error_message(), "message " + std::to_string(code));
    EXPECT_EQ(FromGrpcStatus(grpc_status), original);
  }
}

TEST(StatusTest, NamedCodesMatch) {
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::UnauthenticatedError("x")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no")),
            absl::PermissionDeniedError("no"));
}

TEST(StatusTest, OutOfRangeCodeBecomesUnknown) {
  const grpc::Status odd(static_cast<grpc::StatusCode>(42), "odd");
  EXPECT_EQ(FromGrpcStatus(odd), absl::UnknownError("odd"));
}

// Helpers for the macro tests: each records how far it got.
absl::Status Step(absl::Status result, int* steps) {
  ++*steps;
  return result;
}

absl::StatusOr<std::string> Value(absl::StatusOr<std::string> result, int* steps) {
  ++*steps;
  return result;
}

absl::Status TwoSteps(absl::Status first, absl::Status second, int* steps) {
  LC_RETURN_IF_ERROR(Step(first, steps));
  LC_RETURN_IF_ERROR(Step(second, steps));
  return absl::OkStatus();
}

absl::StatusOr<std::string> Joined(absl::StatusOr<std::string> a, absl::StatusOr<std::string> b,
                                   int* steps) {
  LC_ASSIGN_OR_RETURN(std::string first, Value(std::move(a), steps));
  LC_ASSIGN_OR_RETURN(auto second, Value(std::move(b), steps));
  std::string both;
  LC_ASSIGN_OR_RETURN(both, absl::StatusOr<std::string>(first + second));
  LC_RETURN_IF_ERROR(absl::StatusOr<int>(1));  // a StatusOr works too
  return both;
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstFailure) {
  int steps = 0;
  EXPECT_TRUE(TwoSteps(absl::OkStatus(), absl::OkStatus(), &steps).ok());
  EXPECT_EQ(steps, 2);
  steps = 0;
  EXPECT_EQ(TwoSteps(absl::NotFoundError("gone"), absl::OkStatus(), &steps),
            absl::NotFoundError("gone"));
  EXPECT_EQ(steps, 1);
  steps = 0;
  EXPECT_EQ(TwoSteps(absl::OkStatus(), absl::AbortedError("late"), &steps),
            absl::AbortedError("late"));
  EXPECT_EQ(steps, 2);
}

TEST(StatusMacrosTest, AssignOrReturnMovesTheValueOrReturnsTheStatus) {
  int steps = 0;
  EXPECT_EQ(*Joined(std::string("a"), std::string("b"), &steps), "ab");
  EXPECT_EQ(steps, 2);
  steps = 0;
  EXPECT_EQ(Joined(absl::InvalidArgumentError("bad a"), std::string("b"), &steps).status(),
            absl::InvalidArgumentError("bad a"));
  EXPECT_EQ(steps, 1);
  steps = 0;
  EXPECT_EQ(Joined(std::string("a"), absl::UnavailableError("b down"), &steps).status(),
            absl::UnavailableError("b down"));
  EXPECT_EQ(steps, 2);
}

}  // namespace
}  // namespace lc
