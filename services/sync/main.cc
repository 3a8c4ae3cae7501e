// sync: keeps document references current from the providers' change feeds,
// on a cron schedule and on demand.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/log.h"
#include "runtime/pg.h"
#include "runtime/server.h"
#include "sync/clients.h"
#include "sync/cron.h"
#include "sync/scheduler.h"
#include "sync/sync_metrics.h"
#include "sync/sync_runner.h"
#include "sync/sync_service.h"
#include "sync/sync_store.h"

namespace {

int Fail(const std::string& setting, const std::string& why) {
  std::cerr << "sync: --" << setting << " (" << lc::Config::EnvName(setting) << "): " << why
            << "\n";
  return 2;
}

std::string DefaultReplicaId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] ? host : "sync", "-", getpid());
}

}  // namespace

int main(int argc, char** argv) {
  auto specs = lc::CommonSettingsWithDatabase("0.0.0.0:50054");
  specs.push_back({.name = "repository-addr",
                   .type = lc::SettingType::kHostPort,
                   .default_value = "127.0.0.1:50051",
                   .help = "the repository service (referenced accounts, documents, changes)"});
  specs.push_back({.name = "providers-addr",
                   .type = lc::SettingType::kHostPort,
                   .default_value = "127.0.0.1:50053",
                   .help = "the providers service (change feeds, metadata)"});
  specs.push_back({.name = "indexer-addr",
                   .help = "the indexer (host:port); empty: the repository queues re-indexing"});
  specs.push_back({.name = "schedule",
                   .default_value = "0 0/5 * * * ?",
                   .help = "Quartz cron with a seconds field (UTC); \"off\" runs only on RunNow"});
  specs.push_back({.name = "lease-ttl",
                   .type = lc::SettingType::kDuration,
                   .default_value = "2m",
                   .help = "how long an account's lease lasts unless renewed (renewed per page)"});
  specs.push_back({.name = "reconcile-interval",
                   .type = lc::SettingType::kDuration,
                   .default_value = "24h",
                   .help = "a full reconciliation of each account at least this often (0s: only "
                           "on the first run and on an expired cursor)"});
  specs.push_back({.name = "call-budget",
                   .type = lc::SettingType::kInt,
                   .default_value = "20000",
                   .help = "provider calls one run may make (0: unlimited)",
                   .min = 0});
  specs.push_back({.name = "workers",
                   .type = lc::SettingType::kInt,
                   .default_value = "4",
                   .help = "accounts synced at the same time",
                   .min = 1,
                   .max = 64});
  specs.push_back({.name = "file-parallelism",
                   .type = lc::SettingType::kInt,
                   .default_value = "8",
                   .help = "files fetched and applied at the same time within a page",
                   .min = 1,
                   .max = 64});
  specs.push_back({.name = "call-timeout",
                   .type = lc::SettingType::kDuration,
                   .default_value = "60s",
                   .help = "deadline of one call to another service"});
  specs.push_back({.name = "replica-id",
                   .help = "lease holder name of this replica (default host-pid); a replica "
                           "restarted with the same id takes its leases back at once"});
  specs.push_back({.name = "debug-pause-before-cursor-save",
                   .help = "tests only: before saving a cursor that covers applied changes, "
                           "create this file and stop (so a test can kill -9 the process)"});
  lc::Config config = lc::LoadConfigOrDie("sync", specs, argc, argv);

  std::optional<lc::sync::CronSchedule> schedule;
  const std::string schedule_text = config.GetString("schedule");
  if (schedule_text != "off") {
    auto parsed = lc::sync::CronSchedule::Parse(schedule_text);
    if (!parsed.ok()) return Fail("schedule", std::string(parsed.status().message()));
    schedule = *parsed;
  }
  if (config.GetDuration("reconcile-interval") < absl::ZeroDuration()) {
    return Fail("reconcile-interval", "must not be negative");
  }
  for (const char* d : {"lease-ttl", "call-timeout"}) {
    if (config.GetDuration(d) <= absl::ZeroDuration()) return Fail(d, "must be more than 0s");
  }
  const std::string indexer_addr = config.GetString("indexer-addr");
  if (!indexer_addr.empty() && indexer_addr.find(':') == std::string::npos) {
    return Fail("indexer-addr", "must be host:port");
  }

  lc::ServiceRuntime runtime("sync", config);
  lc::PgPool pool(lc::PgOptions{.conninfo = config.GetString("db-url"),
                                .schema = "sync",
                                .pool_size = static_cast<int>(config.GetInt("db-pool-size"))});
  if (auto s = lc::ApplyMigrations(pool, lc::sync::Migrations()); !s.ok()) {
    lc::LogError("cannot migrate the sync schema", {{"error", s.ToString()}});
    return 1;
  }
  if (config.GetBool("migrate-only")) {
    lc::LogInfo("migrations applied; exiting (--migrate-only)");
    return 0;
  }
  lc::sync::PgSyncStore store(pool);
  auto token = [&runtime] { return runtime.ServiceToken(); };
  const absl::Duration timeout = config.GetDuration("call-timeout");
  auto documents = lc::sync::NewGrpcDocumentsClient(
      grpc::CreateChannel(config.GetString("repository-addr"), grpc::InsecureChannelCredentials()),
      token, timeout);
  auto cloud = lc::sync::NewGrpcCloudClient(
      grpc::CreateChannel(config.GetString("providers-addr"), grpc::InsecureChannelCredentials()),
      token, timeout);
  std::unique_ptr<lc::sync::IndexClient> index;
  if (!indexer_addr.empty()) {
    index = lc::sync::NewGrpcIndexClient(
        grpc::CreateChannel(indexer_addr, grpc::InsecureChannelCredentials()), token, timeout);
  }

  lc::sync::SyncOptions options;
  options.holder =
      config.GetString("replica-id").empty() ? DefaultReplicaId() : config.GetString("replica-id");
  options.lease_ttl = config.GetDuration("lease-ttl");
  options.call_budget = config.GetInt("call-budget");
  options.reconcile_interval = config.GetDuration("reconcile-interval");
  options.workers = static_cast<int>(config.GetInt("workers"));
  options.file_parallelism = static_cast<int>(config.GetInt("file-parallelism"));
  if (const std::string pause = config.GetString("debug-pause-before-cursor-save");
      !pause.empty()) {
    options.before_cursor_save = [pause](const lc::sync::AccountKey& key) {
      lc::LogWarn("debug: pausing before a cursor save", {{"account", key.ToString()}});
      std::ofstream(pause) << getpid() << "\n";
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    };
  }
  auto now = [] { return absl::Now(); };
  lc::sync::SyncRunner runner(store, *documents, *cloud, index.get(), now, options);
  runtime.AddCollectable(std::make_shared<lc::sync::SyncMetrics>(runner));

  lc::sync::SyncScheduler scheduler(schedule, now, [&runner] {
    auto r = runner.Run(std::nullopt, "schedule", nullptr);
    if (!r.ok()) lc::LogWarn("scheduled sync failed", {{"error", r.status().ToString()}});
  });
  lc::sync::SyncServiceImpl service(runner, store, scheduler, runtime.edge(), now);
  runtime.AddService(&service);
  if (auto s = runtime.Start(); !s.ok()) {
    lc::LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  lc::LogInfo("sync ready", {{"replica", options.holder}, {"schedule", schedule_text}});
  scheduler.Start();
  runtime.Wait();
  scheduler.Stop();
  return 0;
}
