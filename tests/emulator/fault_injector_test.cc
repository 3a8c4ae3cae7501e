#include "fault_injector.h"

#include <gtest/gtest.h>

namespace lc::emulator {
namespace {

Fault MustParse(const nlohmann::json& spec) {
  auto f = FaultInjector::Parse(spec);
  EXPECT_TRUE(f.ok()) << f.status();
  return *f;
}

TEST(FaultInjectorTest, CountedFaultFiresNTimesThenDisappears) {
  FaultInjector faults;
  faults.Add(MustParse({{"path", "^/files"}, {"status", 429}, {"count", 2}}));
  EXPECT_FALSE(faults.Match("GET", "/about").has_value());
  auto first = faults.Match("GET", "/files/1");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 429);
  EXPECT_TRUE(faults.Match("POST", "/files").has_value());
  EXPECT_FALSE(faults.Match("GET", "/files/1").has_value());
  EXPECT_TRUE(faults.ToJson().empty());
}

TEST(FaultInjectorTest, FractionFiresExactlyThatShare) {
  FaultInjector faults;
  faults.Add(MustParse({{"path", "."}, {"kind", "status"}, {"status", 503}, {"fraction", 0.25}}));
  int fired = 0;
  for (int i = 0; i < 400; ++i) fired += faults.Match("GET", "/x").has_value();
  EXPECT_EQ(fired, 100);
}

TEST(FaultInjectorTest, MethodFilterAndKinds) {
  FaultInjector faults;
  faults.Add(MustParse({{"path", "/upload"}, {"method", "POST"}, {"kind", "drop"}}));
  faults.Add(MustParse({{"path", "/slow"}, {"kind", "delay"}, {"delay_ms", 5}}));
  EXPECT_FALSE(faults.Match("GET", "/upload").has_value());
  EXPECT_EQ(faults.Match("POST", "/upload")->kind, FaultKind::kDrop);
  auto slow = faults.Match("GET", "/slow");
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(slow->kind, FaultKind::kDelay);
  EXPECT_EQ(slow->delay_ms, 5);
  faults.Clear();
  EXPECT_FALSE(faults.Match("POST", "/upload").has_value());
}

TEST(FaultInjectorTest, RejectsBadSpecs) {
  EXPECT_FALSE(FaultInjector::Parse({{"path", "("}}).ok());
  EXPECT_FALSE(FaultInjector::Parse({{"kind", "explode"}}).ok());
  EXPECT_FALSE(FaultInjector::Parse({{"status", 200}}).ok());
  EXPECT_FALSE(FaultInjector::Parse({{"fraction", 0}}).ok());
  EXPECT_FALSE(FaultInjector::Parse(nlohmann::json::array()).ok());
}

TEST(RequestLogTest, CountsPerOperationAndResets) {
  RequestLog log(3);
  for (int i = 0; i < 5; ++i) log.Record("GET", "/f", "files.get", 200, i, 1.0, "", "");
  log.Record("POST", "/t", "oauth.token", 400, 9, 1.0, "", "");
  EXPECT_EQ(log.Count("files.get"), 5);
  EXPECT_EQ(log.Counters()["total"], 6);
  auto entries = log.Entries(10);
  ASSERT_EQ(entries.size(), 3u) << "the log keeps the last `capacity` entries";
  EXPECT_EQ(entries.back()["op"], "oauth.token");
  EXPECT_EQ(entries.front()["time_ms"], 3);
  log.Reset();
  EXPECT_EQ(log.Count("files.get"), 0);
  EXPECT_TRUE(log.Entries(10).empty());
}

}  // namespace
}  // namespace lc::emulator
