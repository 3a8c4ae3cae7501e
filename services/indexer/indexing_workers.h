// Worker threads that lease jobs from the queue and index them. Replicas of
// the service share the queue through the lease, so each job is done once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "indexer/document_indexer.h"
#include "indexer/index_store.h"

namespace lc::indexer {

struct WorkerSettings {
  int workers = 2;
  // How long a leased job is reserved; must exceed fetch + extraction time.
  absl::Duration lease = absl::Minutes(3);
  // Idle workers look for jobs this often (Notify wakes them sooner).
  absl::Duration poll_interval = absl::Seconds(1);
  int max_attempts = 5;
  // Done jobs are kept this long for IndexStatus, then purged.
  absl::Duration keep_done = absl::Hours(24);
  // Prefix of the worker ids ("host:pid").
  std::string name;
  // Told each stored result (the repository keeps the document's full-text
  // state); best effort: a failure is logged, the index stands.
  std::function<absl::Status(const v1::Document&, const IndexedText&)> report;
};

class IndexingWorkers {
 public:
  IndexingWorkers(IndexStore& store, DocumentIndexer& indexer, WorkerSettings settings);
  ~IndexingWorkers();

  void Start();
  // Finishes the jobs in hand, then returns.
  void Stop();
  // A job was queued: wake an idle worker.
  void Notify();

  // Leases and runs one job as `worker`; false when the queue had none.
  // (Exposed so tests drive the queue step by step.)
  absl::StatusOr<bool> RunOne(const std::string& worker);

 private:
  void Loop(int index);

  IndexStore& store_;
  DocumentIndexer& indexer_;
  WorkerSettings settings_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int64_t wakeups_ = 0;
};

}  // namespace lc::indexer
