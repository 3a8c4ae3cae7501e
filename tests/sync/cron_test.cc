// The Quartz-style cron parser and its fire times.
#include "sync/cron.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"

namespace lc::sync {
namespace {

absl::Time At(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

std::string Fmt(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %a", t, absl::UTCTimeZone());
}

CronSchedule Parse(const std::string& text) {
  auto c = CronSchedule::Parse(text);
  EXPECT_TRUE(c.ok()) << text << ": " << c.status();
  return c.ok() ? *c : *CronSchedule::Parse("0 0 0 * * ?");
}

// The first n fire times after `from`.
std::vector<std::string> Fires(const std::string& text, absl::Time from, int n) {
  CronSchedule c = Parse(text);
  std::vector<std::string> out;
  absl::Time t = from;
  for (int i = 0; i < n; ++i) {
    t = c.Next(t);
    out.push_back(t == absl::InfiniteFuture() ? "never" : Fmt(t));
  }
  return out;
}

TEST(CronTest, DefaultEveryFiveMinutes) {
  EXPECT_EQ(Fires("0 0/5 * * * ?", At(2026, 11, 28, 1, 2, 3), 3),
            (std::vector<std::string>{"2026-11-28 01:05:00 Sat", "2026-11-28 01:10:00 Sat",
                                      "2026-11-28 01:15:00 Sat"}));
  // Strictly after: a fire time itself moves to the next one.
  EXPECT_EQ(Fires("0 0/5 * * * ?", At(2026, 11, 28, 1, 5, 0), 1)[0], "2026-11-28 01:10:00 Sat");
  // Across midnight, month and year.
  EXPECT_EQ(Fires("0 0/5 * * * ?", At(2026, 12, 31, 23, 58, 0), 1)[0], "2027-01-01 00:00:00 Fri");
}

TEST(CronTest, SecondsRangesListsAndSteps) {
  EXPECT_EQ(Fires("10-12 0 0 * * ?", At(2026, 1, 1, 0, 0, 0), 4),
            (std::vector<std::string>{"2026-01-01 00:00:10 Thu", "2026-01-01 00:00:11 Thu",
                                      "2026-01-01 00:00:12 Thu", "2026-01-02 00:00:10 Fri"}));
  EXPECT_EQ(Fires("0 5,20,45 9 * * ?", At(2026, 1, 1, 9, 10, 0), 3),
            (std::vector<std::string>{"2026-01-01 09:20:00 Thu", "2026-01-01 09:45:00 Thu",
                                      "2026-01-02 09:05:00 Fri"}));
  // "5/15": from 5 every 15 to the end of the range.
  EXPECT_EQ(Fires("0 5/15 * * * ?", At(2026, 1, 1, 0, 0, 0), 5),
            (std::vector<std::string>{"2026-01-01 00:05:00 Thu", "2026-01-01 00:20:00 Thu",
                                      "2026-01-01 00:35:00 Thu", "2026-01-01 00:50:00 Thu",
                                      "2026-01-01 01:05:00 Thu"}));
  // "*/20" and a stepped range.
  EXPECT_EQ(Fires("*/20 0 10-14/2 * * ?", At(2026, 1, 1, 0, 0, 0), 4),
            (std::vector<std::string>{"2026-01-01 10:00:00 Thu", "2026-01-01 10:00:20 Thu",
                                      "2026-01-01 10:00:40 Thu", "2026-01-01 12:00:00 Thu"}));
}

TEST(CronTest, DayOfWeekNamesAndNumbers) {
  // 2026-11-28 is a Saturday.
  EXPECT_EQ(Fires("0 30 8 ? * MON-FRI", At(2026, 11, 28, 0, 0, 0), 2),
            (std::vector<std::string>{"2026-11-30 08:30:00 Mon", "2026-12-01 08:30:00 Tue"}));
  // 1 = Sunday, 7 = Saturday, as in Quartz; names are case-insensitive.
  EXPECT_EQ(Fires("0 0 12 ? * 1,7", At(2026, 11, 28, 0, 0, 0), 3),
            (std::vector<std::string>{"2026-11-28 12:00:00 Sat", "2026-11-29 12:00:00 Sun",
                                      "2026-12-05 12:00:00 Sat"}));
  EXPECT_EQ(Fires("0 0 12 ? * sun", At(2026, 11, 28, 0, 0, 0), 1)[0], "2026-11-29 12:00:00 Sun");
}

TEST(CronTest, DayOfMonthMonthsAndYears) {
  EXPECT_EQ(Fires("0 0 0 31 * ?", At(2026, 1, 31, 0, 0, 0), 3),
            (std::vector<std::string>{"2026-03-31 00:00:00 Tue", "2026-05-31 00:00:00 Sun",
                                      "2026-07-31 00:00:00 Fri"}));
  EXPECT_EQ(Fires("0 0 0 1 JAN,jul ?", At(2026, 2, 1, 0, 0, 0), 2),
            (std::vector<std::string>{"2026-07-01 00:00:00 Wed", "2027-01-01 00:00:00 Fri"}));
  EXPECT_EQ(Fires("0 0 0 29 2 ? 2027-2030", At(2026, 1, 1, 0, 0, 0), 2),
            (std::vector<std::string>{"2028-02-29 00:00:00 Tue", "never"}));
  EXPECT_EQ(Fires("0 0 0 30 2 ?", At(2026, 1, 1, 0, 0, 0), 1)[0], "never");
}

TEST(CronTest, RejectsBadExpressionsWithTheField) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"0 0/5 * * *", "expected 6 or 7 fields"},
      {"60 * * * * ?", "seconds field"},
      {"0 * 24 * * ?", "hours field"},
      {"0 * * 0 * ?", "day-of-month field"},
      {"0 * * * 13 ?", "month field"},
      {"0 * * ? * 8", "day-of-week field"},
      {"0 * * * * *", "exactly one of day-of-month and day-of-week"},
      {"0 * * ? * ?", "exactly one of day-of-month and day-of-week"},
      {"? * * * * ?", "day fields only"},
      {"0 0/0 * * * ?", "step"},
      {"0 10-5 * * * ?", "range start is after its end"},
      {"0 * * L * ?", "L, W and # are not supported"},
      {"0 * * ? * MON#2", "not supported"},
      {"0 1,,2 * * * ?", "empty list item"},
      {"0 * * * FOO ?", "not a value"},
  };
  for (const auto& c : cases) {
    auto parsed = CronSchedule::Parse(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << c.text << " -> " << parsed.status().message();
  }
}

TEST(CronTest, TimeZones) {
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  CronSchedule c = Parse("0 0 9 * * ?");
  absl::Time t = c.Next(At(2026, 6, 1, 0, 0, 0), paris);
  EXPECT_EQ(Fmt(t), "2026-06-01 07:00:00 Mon");  // 09:00 CEST
}

}  // namespace
}  // namespace lc::sync
