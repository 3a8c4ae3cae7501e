// The indexer's request logic, apart from gRPC: validates requests, applies
// access checks, encodes page tokens, and drives reindex progress.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "indexer/index_store.h"
#include "liveconnect/v1/indexer.pb.h"
#include "runtime/jwt.h"

namespace lc::indexer {

class Indexer {
 public:
  // notify: called after a job is queued (wakes the local workers).
  Indexer(IndexStore& store, std::function<void()> notify,
          absl::Duration progress_interval = absl::Milliseconds(500));

  absl::StatusOr<v1::EnqueueIndexingResponse> Enqueue(const v1::EnqueueIndexingRequest& req);
  absl::Status Remove(const v1::RemoveFromIndexRequest& req);
  absl::StatusOr<v1::SearchResponse> Search(const Principal& who, const v1::SearchRequest& req);
  absl::StatusOr<v1::IndexStatusResponse> Status(const Principal& who,
                                                 const v1::IndexStatusRequest& req);
  // Queues the documents, then reports progress through `write` until every
  // queued job is done or dead, or `cancelled` says so.
  absl::Status Reindex(const v1::ReindexRequest& req,
                       const std::function<bool(const v1::ReindexProgress&)>& write,
                       const std::function<bool()>& cancelled);

 private:
  IndexStore& store_;
  std::function<void()> notify_;
  absl::Duration progress_interval_;
};

}  // namespace lc::indexer
