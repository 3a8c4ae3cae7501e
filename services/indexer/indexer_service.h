// gRPC handler of IndexerService: authenticate, call Indexer, map.
#pragma once

#include "indexer/indexer.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "runtime/server.h"

namespace lc::indexer {

class IndexerServiceImpl final : public v1::IndexerService::Service {
 public:
  IndexerServiceImpl(Indexer& indexer, const RpcEdge& edge) : indexer_(indexer), edge_(edge) {}

  grpc::Status EnqueueIndexing(grpc::ServerContext* ctx, const v1::EnqueueIndexingRequest* req,
                               v1::EnqueueIndexingResponse* resp) override;
  grpc::Status RemoveFromIndex(grpc::ServerContext* ctx, const v1::RemoveFromIndexRequest* req,
                               v1::RemoveFromIndexResponse* resp) override;
  grpc::Status Search(grpc::ServerContext* ctx, const v1::SearchRequest* req,
                      v1::SearchResponse* resp) override;
  grpc::Status IndexStatus(grpc::ServerContext* ctx, const v1::IndexStatusRequest* req,
                           v1::IndexStatusResponse* resp) override;
  grpc::Status Reindex(grpc::ServerContext* ctx, const v1::ReindexRequest* req,
                       grpc::ServerWriter<v1::ReindexProgress>* writer) override;

 private:
  Indexer& indexer_;
  const RpcEdge& edge_;
};

}  // namespace lc::indexer
