// Quartz-style cron expressions with a seconds field:
//   seconds minutes hours day-of-month month day-of-week [year]
// Each field takes "*", a value, a range "a-b", a step "a/n", "a-b/n" or
// "*/n", and lists of those separated by ","; months take JAN-DEC and days of
// week SUN-SAT (1 = SUN ... 7 = SAT, as in Quartz). One of day-of-month and
// day-of-week must be "?" (no specific value), as Quartz requires. The
// special characters L, W and # are refused with a clear message.
#pragma once

#include <bitset>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lc::sync {

class CronSchedule {
 public:
  // INVALID_ARGUMENT naming the field and the reason on a bad expression.
  static absl::StatusOr<CronSchedule> Parse(const std::string& expression);

  // The first fire time strictly after `after`, evaluated in `zone`;
  // absl::InfiniteFuture() when the expression never fires again (for
  // example 30 February or a past year).
  absl::Time Next(absl::Time after, absl::TimeZone zone = absl::UTCTimeZone()) const;

  const std::string& expression() const { return expression_; }

 private:
  std::string expression_;
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<8> days_of_week_;    // 1..7, 1 = Sunday
  bool any_day_of_month_ = false;  // "?" or "*"
  bool any_day_of_week_ = false;
  std::bitset<131> years_;  // 1970..2100 as 0..130
};

}  // namespace lc::sync
