#include "runtime/request_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace lc {
namespace {

using ::testing::MatchesRegex;

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesTheW3cExample) {
  auto trace = ParseTraceparent(kValid);
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(trace->flags, 1);
  EXPECT_EQ(trace->span_id, "");
}

TEST(TraceparentTest, FormatsThisSpanAsTheParent) {
  TraceContext trace;
  trace.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  trace.span_id = "b7ad6b7169203331";
  trace.parent_id = "00f067aa0ba902b7";
  trace.flags = 0;
  EXPECT_EQ(FormatTraceparent(trace), "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-00");
}

TEST(TraceparentTest, RefusesInvalidValues) {
  for (const char* bad : {
           "", "garbage",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // v00 is exact
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // zero trace
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // zero parent
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // forbidden version
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // future: '-' must follow
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
  // A future version may append fields.
  EXPECT_TRUE(
      ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever"));
}

TEST(ContinueTraceTest, KeepsTheTraceWithANewSpanUnderTheCaller) {
  const TraceContext trace = ContinueTrace(kValid, "vendor=abc");
  EXPECT_EQ(trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace.parent_id, "00f067aa0ba902b7");
  EXPECT_THAT(trace.span_id, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_NE(trace.span_id, trace.parent_id);
  EXPECT_EQ(trace.flags, 1);
  EXPECT_EQ(trace.tracestate, "vendor=abc");
}

TEST(ContinueTraceTest, ReplacesAnInvalidOrMissingHeaderWithANewTrace) {
  for (const char* bad : {"", "00-zz", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}) {
    const TraceContext trace = ContinueTrace(bad, "vendor=abc");
    EXPECT_THAT(trace.trace_id, MatchesRegex("[0-9a-f]{32}")) << bad;
    EXPECT_THAT(trace.span_id, MatchesRegex("[0-9a-f]{16}"));
    EXPECT_NE(trace.trace_id, std::string(32, '0'));
    EXPECT_EQ(trace.parent_id, "");
    // tracestate belongs to the caller's trace: dropped with it.
    EXPECT_EQ(trace.tracestate, "");
    EXPECT_TRUE(ParseTraceparent(FormatTraceparent(trace)).has_value());
  }
  EXPECT_NE(NewTrace().trace_id, NewTrace().trace_id);
}

TEST(ContinueTraceTest, DropsATracestateWithControlCharacters) {
  EXPECT_EQ(ContinueTrace(kValid, "a=b\r\nx-evil: 1").tracestate, "");
  EXPECT_EQ(ContinueTrace(kValid, std::string(600, 'a')).tracestate, "");
}

TEST(IncomingRequestTest, KeepsAnAcceptableIdAndReplacesOthers) {
  EXPECT_EQ(IncomingRequest("req-1", "", "").request_id, "req-1");
  EXPECT_THAT(IncomingRequest("bad id\n", "", "").request_id, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_THAT(IncomingRequest("", "", "").request_id, MatchesRegex("[0-9a-f]{16}"));
}

TEST(ScopedRequestTest, InstallsRestoresAndSetsTheLogId) {
  EXPECT_EQ(CurrentRequest().request_id, "");
  {
    ScopedRequest outer(IncomingRequest("outer", kValid, ""));
    EXPECT_EQ(CurrentRequest().request_id, "outer");
    EXPECT_EQ(CurrentRequestId(), "outer");
    {
      ScopedRequest inner(NewRequest());
      EXPECT_NE(CurrentRequest().request_id, "outer");
      EXPECT_NE(CurrentRequest().trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    }
    EXPECT_EQ(CurrentRequest().request_id, "outer");
    EXPECT_EQ(CurrentRequest().trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  }
  EXPECT_EQ(CurrentRequest().request_id, "");
  EXPECT_FALSE(CurrentRequest().trace.valid());
  EXPECT_EQ(CurrentRequestId(), "");
}

TEST(ScopedRequestTest, IsPerThreadAndCarriedExplicitly) {
  ScopedRequest scope(IncomingRequest("main", kValid, ""));
  const RequestContext captured = CurrentRequest();
  std::string without, with;
  std::thread([&] {
    without = CurrentRequest().request_id;
    ScopedRequest carried(captured);
    with = CurrentRequest().request_id + "/" + CurrentRequest().trace.span_id;
  }).join();
  EXPECT_EQ(without, "");
  EXPECT_EQ(with, "main/" + captured.trace.span_id);
}

}  // namespace
}  // namespace lc
