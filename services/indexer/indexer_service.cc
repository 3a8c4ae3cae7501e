#include "indexer/indexer_service.h"

namespace lc::indexer {
namespace {

template <typename T>
absl::Status Answer(absl::StatusOr<T> result, T* resp) {
  if (!result.ok()) return result.status();
  *resp = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

grpc::Status IndexerServiceImpl::EnqueueIndexing(grpc::ServerContext* ctx,
                                                 const v1::EnqueueIndexingRequest* req,
                                                 v1::EnqueueIndexingResponse* resp) {
  return edge_.Serve(ctx, "EnqueueIndexing", Access::kService,
                     [&](const CallContext&) { return Answer(indexer_.Enqueue(*req), resp); });
}

grpc::Status IndexerServiceImpl::RemoveFromIndex(grpc::ServerContext* ctx,
                                                 const v1::RemoveFromIndexRequest* req,
                                                 v1::RemoveFromIndexResponse*) {
  return edge_.Serve(ctx, "RemoveFromIndex", Access::kService,
                     [&](const CallContext&) { return indexer_.Remove(*req); });
}

grpc::Status IndexerServiceImpl::Search(grpc::ServerContext* ctx, const v1::SearchRequest* req,
                                        v1::SearchResponse* resp) {
  return edge_.Serve(ctx, "Search", Access::kUser, [&](const CallContext& c) {
    return Answer(indexer_.Search(c.principal, *req), resp);
  });
}

grpc::Status IndexerServiceImpl::IndexStatus(grpc::ServerContext* ctx,
                                             const v1::IndexStatusRequest* req,
                                             v1::IndexStatusResponse* resp) {
  return edge_.Serve(ctx, "IndexStatus", Access::kUser, [&](const CallContext& c) {
    return Answer(indexer_.Status(c.principal, *req), resp);
  });
}

grpc::Status IndexerServiceImpl::Reindex(grpc::ServerContext* ctx, const v1::ReindexRequest* req,
                                         grpc::ServerWriter<v1::ReindexProgress>* writer) {
  return edge_.Serve(ctx, "Reindex", Access::kAdmin, [&](const CallContext&) {
    return indexer_.Reindex(
        *req, [&](const v1::ReindexProgress& p) { return writer->Write(p); },
        [&] { return ctx->IsCancelled(); });
  });
}

}  // namespace lc::indexer
