#include "sync/cron.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"

namespace lc::sync {
namespace {

constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2100;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] stands for min + i (may be null)
  bool allows_question;
};

const char* const kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

absl::Status FieldError(const FieldSpec& spec, const std::string& text, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("cron ", spec.name, " field \"", text, "\": ", why));
}

absl::StatusOr<int> ParseValue(const FieldSpec& spec, const std::string& whole, std::string token) {
  token = absl::AsciiStrToUpper(token);
  if (spec.names != nullptr) {
    for (int i = 0; i <= spec.max - spec.min; ++i) {
      if (token == spec.names[i]) return spec.min + i;
    }
  }
  int v = 0;
  if (token.empty() || !absl::SimpleAtoi(token, &v)) {
    if (token.find_first_of("LW#") != std::string::npos) {
      return FieldError(spec, whole, "L, W and # are not supported");
    }
    return FieldError(spec, whole, absl::StrCat("\"", token, "\" is not a value"));
  }
  if (v < spec.min || v > spec.max) {
    return FieldError(spec, whole, absl::StrCat(v, " is outside ", spec.min, "-", spec.max));
  }
  return v;
}

// Parses one field into the set of values it allows (bit v - min). Sets
// *question for "?" and *star for a bare "*".
absl::StatusOr<std::vector<bool>> ParseField(const FieldSpec& spec, const std::string& text,
                                             bool* question, bool* star) {
  std::vector<bool> out(spec.max - spec.min + 1, false);
  *question = false;
  *star = false;
  if (text == "?") {
    if (!spec.allows_question) return FieldError(spec, text, "\"?\" is for day fields only");
    *question = true;
    out.assign(out.size(), true);
    return out;
  }
  if (text == "*") *star = true;
  for (const std::string& item : std::vector<std::string>(absl::StrSplit(text, ','))) {
    if (item.empty()) return FieldError(spec, text, "empty list item");
    std::string range = item;
    int step = 1;
    bool stepped = false;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      std::string step_text = item.substr(slash + 1);
      if (!absl::SimpleAtoi(step_text, &step) || step <= 0) {
        return FieldError(spec, text, absl::StrCat("step \"", step_text, "\" is not positive"));
      }
      stepped = true;
    }
    int lo = spec.min, hi = spec.max;
    if (range == "*" || range == "?") {
      if (range == "?") return FieldError(spec, text, "\"?\" must stand alone");
    } else if (size_t dash = range.find('-'); dash != std::string::npos && dash > 0) {
      auto a = ParseValue(spec, text, range.substr(0, dash));
      if (!a.ok()) return a.status();
      auto b = ParseValue(spec, text, range.substr(dash + 1));
      if (!b.ok()) return b.status();
      lo = *a;
      hi = *b;
      if (lo > hi) return FieldError(spec, text, "range start is after its end");
    } else {
      auto a = ParseValue(spec, text, range);
      if (!a.ok()) return a.status();
      lo = *a;
      // Quartz: "5/15" means from 5 to the end every 15.
      hi = stepped ? spec.max : *a;
    }
    for (int v = lo; v <= hi; v += step) out[v - spec.min] = true;
  }
  return out;
}

template <size_t N>
void Fill(std::bitset<N>& bits, const std::vector<bool>& values, int min, int offset = 0) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i]) bits.set(static_cast<size_t>(static_cast<int>(i) + min - offset));
  }
}

int QuartzWeekday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::sunday:
      return 1;
    case absl::Weekday::monday:
      return 2;
    case absl::Weekday::tuesday:
      return 3;
    case absl::Weekday::wednesday:
      return 4;
    case absl::Weekday::thursday:
      return 5;
    case absl::Weekday::friday:
      return 6;
    case absl::Weekday::saturday:
      return 7;
  }
  return 1;
}

}  // namespace

absl::StatusOr<CronSchedule> CronSchedule::Parse(const std::string& expression) {
  std::vector<std::string> fields =
      absl::StrSplit(expression, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.size() != 6 && fields.size() != 7) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron expression \"", expression,
        "\": expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week "
        "[year]), got ",
        fields.size()));
  }
  const FieldSpec specs[] = {
      {"seconds", 0, 59, nullptr, false},
      {"minutes", 0, 59, nullptr, false},
      {"hours", 0, 23, nullptr, false},
      {"day-of-month", 1, 31, nullptr, true},
      {"month", 1, 12, kMonthNames, false},
      {"day-of-week", 1, 7, kDayNames, true},
      {"year", kFirstYear, kLastYear, nullptr, false},
  };
  CronSchedule cron;
  cron.expression_ = expression;
  bool question[7] = {}, star[7] = {};
  std::vector<bool> values[7];
  for (size_t i = 0; i < 7; ++i) {
    const std::string text = i < fields.size() ? fields[i] : "*";
    auto parsed = ParseField(specs[i], text, &question[i], &star[i]);
    if (!parsed.ok()) return parsed.status();
    values[i] = *std::move(parsed);
  }
  if (question[3] == question[5]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron expression \"", expression,
        "\": exactly one of day-of-month and day-of-week must be \"?\" (as in Quartz)"));
  }
  Fill(cron.seconds_, values[0], 0);
  Fill(cron.minutes_, values[1], 0);
  Fill(cron.hours_, values[2], 0);
  Fill(cron.days_of_month_, values[3], 1);
  Fill(cron.months_, values[4], 1);
  Fill(cron.days_of_week_, values[5], 1);
  Fill(cron.years_, values[6], kFirstYear, kFirstYear);
  cron.any_day_of_month_ = question[3] || star[3];
  cron.any_day_of_week_ = question[5] || star[5];
  return cron;
}

absl::Time CronSchedule::Next(absl::Time after, absl::TimeZone zone) const {
  absl::CivilSecond t = absl::ToCivilSecond(after, zone) + 1;
  // Each step moves to the next candidate of the coarsest field that does not
  // match, so the loop runs at most a few thousand times per year scanned.
  for (int guard = 0; guard < 2000000; ++guard) {
    const int year = static_cast<int>(t.year());
    if (year > kLastYear) return absl::InfiniteFuture();
    if (year < kFirstYear || !years_.test(static_cast<size_t>(year - kFirstYear))) {
      t = absl::CivilSecond(absl::CivilYear(t) + 1);
      continue;
    }
    if (!months_.test(static_cast<size_t>(t.month()))) {
      t = absl::CivilSecond(absl::CivilMonth(t) + 1);
      continue;
    }
    const absl::CivilDay day(t);
    const bool dom = days_of_month_.test(static_cast<size_t>(t.day()));
    const bool dow = days_of_week_.test(static_cast<size_t>(QuartzWeekday(day)));
    // One of the two is "?" (or "*"): the other decides.
    const bool day_ok = any_day_of_month_ ? dow : (any_day_of_week_ ? dom : dom && dow);
    if (!day_ok) {
      t = absl::CivilSecond(day + 1);
      continue;
    }
    if (!hours_.test(static_cast<size_t>(t.hour()))) {
      t = absl::CivilSecond(absl::CivilHour(t) + 1);
      continue;
    }
    if (!minutes_.test(static_cast<size_t>(t.minute()))) {
      t = absl::CivilSecond(absl::CivilMinute(t) + 1);
      continue;
    }
    if (!seconds_.test(static_cast<size_t>(t.second()))) {
      t += 1;
      continue;
    }
    absl::Time at = absl::FromCivil(t, zone);
    // A civil time skipped by a DST change maps before `after`: move on.
    if (at <= after) {
      t += 1;
      continue;
    }
    return at;
  }
  return absl::InfiniteFuture();
}

}  // namespace lc::sync
