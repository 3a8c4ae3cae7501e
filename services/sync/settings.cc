#include "sync/settings.h"

namespace lc::sync {

std::vector<SettingSpec> SettingSpecs() {
  std::vector<SettingSpec> s = CommonSettingsWithDatabase("0.0.0.0:50054");
  s.push_back({.name = "repository-addr",
               .type = SettingType::kHostPort,
               .default_value = "127.0.0.1:50051",
               .help = "the repository service (referenced accounts, documents, changes)",
               .required = true});
  s.push_back({.name = "providers-addr",
               .type = SettingType::kHostPort,
               .default_value = "127.0.0.1:50053",
               .help = "the providers service (change feeds, metadata)",
               .required = true});
  s.push_back({.name = "indexer-addr",
               .type = SettingType::kHostPort,
               .help = "the indexer (host:port); empty: the repository queues re-indexing"});
  s.push_back({.name = "schedule",
               .default_value = "0 0/5 * * * ?",
               .help = "Quartz cron with a seconds field (UTC); \"off\" runs only on RunNow",
               .required = true});
  s.push_back({.name = "lease-ttl",
               .type = SettingType::kDuration,
               .default_value = "2m",
               .help = "how long an account's lease lasts unless renewed (renewed per page)",
               .min_duration = absl::Seconds(1),
               .max_duration = absl::Hours(1)});
  s.push_back({.name = "reconcile-interval",
               .type = SettingType::kDuration,
               .default_value = "24h",
               .help = "a full reconciliation of each account at least this often (0s: only "
                       "on the first run and on an expired cursor)"});
  s.push_back({.name = "call-budget",
               .type = SettingType::kInt,
               .default_value = "20000",
               .help = "provider calls one run may make (0: unlimited)",
               .min = 0});
  s.push_back({.name = "workers",
               .type = SettingType::kInt,
               .default_value = "4",
               .help = "accounts synced at the same time",
               .min = 1,
               .max = 64});
  s.push_back({.name = "file-parallelism",
               .type = SettingType::kInt,
               .default_value = "8",
               .help = "files fetched and applied at the same time within a page",
               .min = 1,
               .max = 64});
  s.push_back({.name = "call-timeout",
               .type = SettingType::kDuration,
               .default_value = "60s",
               .help = "deadline of one call to another service",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(1)});
  s.push_back({.name = "replica-id",
               .help = "lease holder name of this replica (default host-pid); a replica "
                       "restarted with the same id takes its leases back at once"});
  return s;
}

absl::StatusOr<Settings> ReadSettings(const Config& config) {
  Settings s;
  s.runtime = ReadRuntimeSettings(config);
  s.database = ReadDatabaseSettings(config);
  s.repository_addr = config.GetString("repository-addr");
  s.providers_addr = config.GetString("providers-addr");
  s.indexer_addr = config.GetString("indexer-addr");
  s.schedule_text = config.GetString("schedule");
  if (s.schedule_text != "off") {
    absl::StatusOr<CronSchedule> schedule = CronSchedule::Parse(s.schedule_text);
    if (!schedule.ok()) return InvalidSetting("schedule", std::string(schedule.status().message()));
    s.schedule = *schedule;
  }
  s.call_timeout = config.GetDuration("call-timeout");
  s.options.holder = config.GetString("replica-id");
  if (s.options.holder.empty()) s.options.holder = InstanceName();
  s.options.lease_ttl = config.GetDuration("lease-ttl");
  s.options.call_budget = config.GetInt("call-budget");
  s.options.reconcile_interval = config.GetDuration("reconcile-interval");
  s.options.workers = static_cast<int>(config.GetInt("workers"));
  s.options.file_parallelism = static_cast<int>(config.GetInt("file-parallelism"));
  return s;
}

}  // namespace lc::sync
