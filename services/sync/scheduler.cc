#include "sync/scheduler.h"

#include "runtime/request_context.h"

namespace lc::sync {

SyncScheduler::SyncScheduler(std::optional<CronSchedule> schedule, std::function<absl::Time()> now,
                             std::function<void()> run)
    : schedule_(std::move(schedule)), now_(std::move(now)), run_(std::move(run)) {}

SyncScheduler::~SyncScheduler() { Stop(); }

void SyncScheduler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void SyncScheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Time SyncScheduler::NextRun() const {
  return schedule_ ? schedule_->Next(now_()) : absl::InfiniteFuture();
}

void SyncScheduler::Loop() {
  for (;;) {
    const absl::Time at = schedule_->Next(now_());
    {
      absl::MutexLock lock(&mu_);
      // Wake at the fire time or when stopped.
      auto stopped = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_; };
      const absl::Duration wait =
          at == absl::InfiniteFuture() ? absl::InfiniteDuration() : at - now_();
      mu_.AwaitWithTimeout(absl::Condition(&stopped), std::max(wait, absl::ZeroDuration()));
      if (stop_) return;
    }
    if (now_() < at) continue;  // woke early (clock adjusted): wait again
    // A scheduled run is a request of its own: one id and trace for its calls.
    ScopedRequest request(NewRequest());
    run_();
  }
}

}  // namespace lc::sync
