// Fires sync runs on a cron schedule until stopped.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sync/cron.h"

namespace lc::sync {

class SyncScheduler {
 public:
  // run is called on the scheduler's thread at each fire time. Without a
  // schedule nothing fires (runs happen only on demand).
  SyncScheduler(std::optional<CronSchedule> schedule, std::function<absl::Time()> now,
                std::function<void()> run);
  ~SyncScheduler();

  void Start();
  void Stop();
  // The next fire time after now (InfiniteFuture when none).
  absl::Time NextRun() const;
  // The cron expression, or "off".
  std::string expression() const { return schedule_ ? schedule_->expression() : "off"; }

 private:
  void Loop();

  std::optional<CronSchedule> schedule_;
  std::function<absl::Time()> now_;
  std::function<void()> run_;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lc::sync
