#include "indexer/indexing_workers.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/log.h"
#include "runtime/request_context.h"

namespace lc::indexer {

IndexingWorkers::IndexingWorkers(IndexStore& store, DocumentIndexer& indexer,
                                 WorkerSettings settings)
    : store_(store), indexer_(indexer), settings_(std::move(settings)) {}

IndexingWorkers::~IndexingWorkers() { Stop(); }

void IndexingWorkers::Start() {
  for (int i = 0; i < settings_.workers; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

void IndexingWorkers::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void IndexingWorkers::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakeups_;
  }
  cv_.notify_one();
}

absl::StatusOr<bool> IndexingWorkers::RunOne(const std::string& worker) {
  auto leased = store_.Lease(worker, settings_.lease);
  if (!leased.ok()) return leased.status();
  if (!leased->has_value()) return false;
  const Job& job = **leased;
  // Each job is a request of its own: its log lines and its calls to the
  // providers and repository services share one id and trace.
  ScopedRequest request(NewRequest());
  if (job.attempts > settings_.max_attempts) {
    // Leased again after its workers vanished this many times: a poison file.
    auto s = store_.Fail(job, worker,
                         absl::StrCat("the worker stopped ", job.attempts - 1,
                                      " times while indexing this document"));
    if (!s.ok()) return s;
    return true;
  }
  absl::StatusOr<IndexedText> result = indexer_.Index(job.document);
  if (!result.ok()) {
    LogWarn("indexing failed, will retry", {{"document_id", job.document.id()},
                                            {"attempt", std::to_string(job.attempts)},
                                            {"error", result.status().ToString()}});
    auto s = store_.Fail(job, worker, std::string(result.status().message()));
    if (!s.ok()) return s;
    return true;
  }
  auto done = store_.Complete(job, worker, *result);
  if (!done.ok()) return done.status();
  if (!*done) {
    LogWarn("lease lost before the job finished; result dropped",
            {{"document_id", job.document.id()}, {"job_id", std::to_string(job.id)}});
  } else if (settings_.report) {
    if (auto s = settings_.report(job.document, *result); !s.ok()) {
      LogWarn("could not report the full-text state to the repository",
              {{"document_id", job.document.id()}, {"error", s.ToString()}});
    }
  }
  return true;
}

void IndexingWorkers::Loop(int index) {
  const std::string worker = absl::StrCat(settings_.name, ":", index);
  absl::Time next_purge = absl::Now() + absl::Minutes(1);
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    absl::StatusOr<bool> ran = RunOne(worker);
    if (!ran.ok()) {
      LogWarn("indexing worker cannot use the queue", {{"error", ran.status().ToString()}});
    }
    if (index == 0 && absl::Now() > next_purge) {
      next_purge = absl::Now() + absl::Minutes(10);
      (void)store_.PurgeFinished(settings_.keep_done);
    }
    if (ran.ok() && *ran) continue;
    std::unique_lock<std::mutex> lock(mu_);
    const int64_t seen = wakeups_;
    cv_.wait_for(lock, absl::ToChronoMilliseconds(settings_.poll_interval),
                 [&] { return stopping_ || wakeups_ != seen; });
    if (stopping_) return;
  }
}

}  // namespace lc::indexer
