// The sync service's settings (flags or LC_* variables), typed and checked
// at start.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/config.h"
#include "runtime/server.h"
#include "sync/cron.h"
#include "sync/sync_runner.h"

namespace lc::sync {

struct Settings {
  RuntimeSettings runtime;
  DatabaseSettings database;
  std::string repository_addr;           // host:port
  std::string providers_addr;            // host:port
  std::string indexer_addr;              // host:port; empty: the repository queues re-indexing
  std::optional<CronSchedule> schedule;  // none: only on RunNow
  std::string schedule_text;             // as given, for the log and GetStatus
  absl::Duration call_timeout;           // one call to another service
  // holder (replica-id, else InstanceName()), lease-ttl, call-budget,
  // reconcile-interval, workers, file-parallelism; no test hooks.
  SyncOptions options;
};

// CommonSettingsWithDatabase("0.0.0.0:50054") plus the service addresses,
// the schedule, the lease and the run limits.
std::vector<SettingSpec> SettingSpecs();

// INVALID_ARGUMENT naming the flag and its variable when a value is unusable.
absl::StatusOr<Settings> ReadSettings(const Config& config);

}  // namespace lc::sync
