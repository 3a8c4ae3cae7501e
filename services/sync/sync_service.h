// SyncService: RunNow (admin; streams progress) and GetStatus. Thin: checks
// the request, calls the runner or the store, maps statuses.
#pragma once

#include <functional>

#include "liveconnect/v1/sync.grpc.pb.h"
#include "runtime/server.h"
#include "sync/scheduler.h"
#include "sync/sync_runner.h"
#include "sync/sync_store.h"

namespace lc::sync {

class SyncServiceImpl final : public ::liveconnect::v1::SyncService::Service {
 public:
  SyncServiceImpl(SyncRunner& runner, SyncStore& store, const SyncScheduler& scheduler,
                  const RpcEdge& edge, std::function<absl::Time()> now);

  grpc::Status RunNow(grpc::ServerContext* context, const v1::RunNowRequest* request,
                      grpc::ServerWriter<v1::SyncProgress>* writer) override;
  grpc::Status GetStatus(grpc::ServerContext* context, const v1::GetSyncStatusRequest* request,
                         v1::SyncStatus* response) override;

  // The status a principal may see (admins: every account; users: theirs).
  absl::StatusOr<v1::SyncStatus> Status(const Principal& who);

 private:
  SyncRunner& runner_;
  SyncStore& store_;
  const SyncScheduler& scheduler_;
  const RpcEdge& edge_;
  std::function<absl::Time()> now_;
};

}  // namespace lc::sync
