// Fires sync runs on a cron schedule until stopped.
#pragma once

#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sync/cron.h"

namespace lc::syncsvc {

class SyncScheduler {
 public:
  // run is called on the scheduler's thread at each fire time.
  SyncScheduler(CronSchedule schedule, std::function<absl::Time()> now, std::function<void()> run);
  ~SyncScheduler();

  void Start();
  void Stop();
  // The next fire time after now.
  absl::Time NextRun() const;
  const CronSchedule& schedule() const { return schedule_; }

 private:
  void Loop();

  CronSchedule schedule_;
  std::function<absl::Time()> now_;
  std::function<void()> run_;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lc::syncsvc
