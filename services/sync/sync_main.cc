#include "sync/sync_main.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/time/clock.h"
#include "runtime/log.h"
#include "runtime/server.h"
#include "sync/clients.h"
#include "sync/migrations.h"
#include "sync/scheduler.h"
#include "sync/sync_metrics.h"
#include "sync/sync_runner.h"
#include "sync/sync_service.h"

namespace lc::sync {

int RunSyncService(const Settings& settings, const SyncHooks& hooks) {
  ServiceRuntime runtime("sync", settings.runtime);
  auto pool = OpenDatabaseOrExit(settings.database, "sync", Migrations());
  PgSyncStore store(*pool);

  auto token = [&runtime] { return runtime.ServiceToken(); };
  auto channel = [](const std::string& addr) {
    return grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  };
  auto documents =
      NewGrpcDocumentsClient(channel(settings.repository_addr), token, settings.call_timeout);
  auto cloud = NewGrpcCloudClient(channel(settings.providers_addr), token, settings.call_timeout);
  std::unique_ptr<IndexClient> index;
  if (!settings.indexer_addr.empty()) {
    index = NewGrpcIndexClient(channel(settings.indexer_addr), token, settings.call_timeout);
  }

  SyncOptions options = settings.options;
  options.before_cursor_save = hooks.before_cursor_save;
  auto now = [] { return absl::Now(); };
  SyncRunner runner(store, *documents, *cloud, index.get(), now, options);
  runtime.AddCollectable(std::make_shared<SyncMetrics>(runner));
  SyncScheduler scheduler(settings.schedule, now, [&runner] {
    auto r = runner.Run(std::nullopt, "schedule", nullptr);
    if (!r.ok()) LogWarn("scheduled sync failed", {{"error", r.status().ToString()}});
  });
  SyncServiceImpl service(runner, store, scheduler, runtime.edge(), now);
  runtime.AddService(&service);

  LogInfo("sync starting", {{"replica", options.holder}, {"schedule", settings.schedule_text}});
  scheduler.Start();
  const int status = runtime.Run();
  scheduler.Stop();
  return status;
}

}  // namespace lc::sync
