#include "runtime/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace lc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { InitLogging("test-svc", LogLevel::kDebug, &sink_); }
  void TearDown() override { InitLogging("", LogLevel::kInfo, nullptr); }

  // Every line written so far, each parsed as JSON (a parse failure fails).
  std::vector<json> Lines() {
    std::vector<json> lines;
    std::istringstream in(sink_.str());
    for (std::string line; std::getline(in, line);) {
      json parsed = json::parse(line, nullptr, false);
      EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
      lines.push_back(parsed);
    }
    return lines;
  }

  std::ostringstream sink_;
};

TEST_F(LogTest, WritesOneJsonObjectPerLineWithEnvelopeAndFields) {
  LogInfo("user signed in", {{"user", "u-1"}, {"attempts", 3}, {"ok", true}});
  LogError("store failed");
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  const json& line = lines[0];
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["service"], "test-svc");
  EXPECT_EQ(line["msg"], "user signed in");
  EXPECT_EQ(line["user"], "u-1");
  EXPECT_EQ(line["attempts"], 3);
  EXPECT_EQ(line["ok"], true);
  ASSERT_TRUE(line["time"].is_string());
  EXPECT_THAT(line["time"].get<std::string>(),
              testing::MatchesRegex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z)"));
  EXPECT_FALSE(line.contains("request_id"));
  EXPECT_EQ(lines[1]["level"], "error");
}

TEST_F(LogTest, RequestIdComesFromTheScopeAndIsRestored) {
  {
    ScopedRequestId outer("req-outer");
    EXPECT_EQ(CurrentRequestId(), "req-outer");
    {
      ScopedRequestId inner("req-inner");
      LogInfo("inner");
    }
    LogInfo("outer");
  }
  LogInfo("none");
  EXPECT_EQ(CurrentRequestId(), "");
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["request_id"], "req-inner");
  EXPECT_EQ(lines[1]["request_id"], "req-outer");
  EXPECT_FALSE(lines[2].contains("request_id"));
}

TEST_F(LogTest, RequestIdIsPerThread) {
  ScopedRequestId id("main-thread");
  std::string seen = "unset";
  std::thread([&] { seen = CurrentRequestId(); }).join();
  EXPECT_EQ(seen, "");
}

TEST_F(LogTest, SecretLookingKeysAreRedactedAtAnyDepth) {
  LogWarn("call", {{"access_token", "tok-123"},
                   {"Authorization", "Bearer abc"},
                   {"client_secret", "shh"},
                   {"password", "pw"},
                   {"api_key", "k"},
                   {"code_verifier", "cv"},
                   {"Set-Cookie", "c=1"},
                   {"headers", {{"authorization", "Bearer nested"}, {"accept", "json"}}},
                   {"user", "u-1"}});
  const std::string raw = sink_.str();
  for (const char* secret : {"tok-123", "Bearer", "shh", "\"pw\"", "\"k\"", "\"cv\"", "c=1"}) {
    EXPECT_THAT(raw, Not(HasSubstr(secret)));
  }
  const json line = Lines().at(0);
  EXPECT_EQ(line["access_token"], "[redacted]");
  EXPECT_EQ(line["Authorization"], "[redacted]");
  EXPECT_EQ(line["headers"]["authorization"], "[redacted]");
  EXPECT_EQ(line["headers"]["accept"], "json");
  EXPECT_EQ(line["user"], "u-1");
}

TEST(IsSecretKeyTest, Classifies) {
  EXPECT_TRUE(IsSecretKey("refresh_token"));
  EXPECT_TRUE(IsSecretKey("AUTHORIZATION"));
  EXPECT_TRUE(IsSecretKey("x-api-key"));
  EXPECT_FALSE(IsSecretKey("user"));
  EXPECT_FALSE(IsSecretKey("status"));
}

TEST_F(LogTest, LinesBelowTheMinimumLevelAreDropped) {
  InitLogging("test-svc", LogLevel::kWarn, &sink_);
  LogDebug("d");
  LogInfo("i");
  LogWarn("w");
  LogError("e");
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["msg"], "w");
  EXPECT_EQ(lines[1]["msg"], "e");
}

TEST_F(LogTest, FieldsCannotOverwriteTheEnvelope) {
  LogInfo("real", {{"msg", "fake"}, {"level", "error"}});
  const json line = Lines().at(0);
  EXPECT_EQ(line["msg"], "real");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["field_msg"], "fake");
}

TEST_F(LogTest, InvalidUtf8DoesNotThrowOrBreakTheLine) {
  EXPECT_NO_THROW(LogInfo("bad \xff bytes", {{"value", "\xfe"}}));
  EXPECT_EQ(Lines().size(), 1u);
}

TEST_F(LogTest, ConcurrentWritersProduceWholeLines) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 100; ++i) LogInfo("line", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(Lines().size(), 400u);
}

TEST(ParseLogLevelTest, ParsesKnownNames) {
  LogLevel level = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
  EXPECT_TRUE(ParseLogLevel("error", &level));
  EXPECT_EQ(level, LogLevel::kError);
  EXPECT_TRUE(ParseLogLevel("info", &level));
  EXPECT_EQ(level, LogLevel::kInfo);
  EXPECT_FALSE(ParseLogLevel("verbose", &level));
}

TEST_F(LogTest, PreformattedLinesAreValidJsonAndKeepTheirOrder) {
  std::string fields = "\"path\":";
  AppendJsonString(fields, "/a \"quoted\" \\ path\n\x01\xff");
  fields += ",\"status\":302";
  {
    ScopedRequestId id("req-9");
    LogPreformatted(LogLevel::kInfo, "http request", fields);
  }
  LogInfo("after");  // written after the queued line, never before it
  LogPreformatted(LogLevel::kDebug, "second", "\"n\":2");
  FlushLogs();
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 3u) << sink_.str();
  EXPECT_EQ(lines[0]["msg"], "http request");
  EXPECT_EQ(lines[0]["request_id"], "req-9");
  EXPECT_EQ(lines[0]["service"], "test-svc");
  EXPECT_EQ(lines[0]["status"], 302);
  EXPECT_EQ(lines[0]["path"], "/a \"quoted\" \\ path\n\x01\xEF\xBF\xBD");  // invalid byte replaced
  EXPECT_THAT(
      lines[0]["time"].get<std::string>(),
      testing::MatchesRegex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z)"));
  EXPECT_EQ(lines[1]["msg"], "after");
  EXPECT_EQ(lines[2]["n"], 2);
  InitLogging("test-svc", LogLevel::kWarn, &sink_);
  LogPreformatted(LogLevel::kInfo, "below the level", "");
  FlushLogs();
  EXPECT_EQ(Lines().size(), 3u);
}

}  // namespace
}  // namespace lc
