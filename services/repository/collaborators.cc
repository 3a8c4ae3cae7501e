#include "repository/collaborators.h"

#include <grpcpp/grpcpp.h>

#include "runtime/client_call.h"
#include "runtime/status.h"

namespace lc::repository {
namespace {

constexpr absl::Duration kCallTimeout = absl::Seconds(30);

class GrpcCloudFiles : public CloudFiles {
 public:
  GrpcCloudFiles(std::shared_ptr<grpc::Channel> channel, ServiceTokenFn token)
      : stub_(v1::ProviderService::NewStub(std::move(channel))),
        calls_(std::move(token), kCallTimeout) {}

  absl::StatusOr<v1::CloudFile> GetFile(const std::string& user, const v1::BlobRef& blob) override {
    v1::GetFileRequest req;
    *req.mutable_blob() = blob;
    req.set_on_behalf_of(user);
    v1::CloudFile resp;
    grpc::ClientContext ctx;
    calls_.Prepare(ctx);
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetFile(&ctx, req, &resp)));
    return resp;
  }

  absl::StatusOr<v1::Link> GetLink(const std::string& user, const v1::BlobRef& blob,
                                   v1::LinkKind kind) override {
    v1::GetLinkRequest req;
    *req.mutable_blob() = blob;
    req.set_kind(kind);
    req.set_on_behalf_of(user);
    v1::Link resp;
    grpc::ClientContext ctx;
    calls_.Prepare(ctx);
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetLink(&ctx, req, &resp)));
    return resp;
  }

  absl::StatusOr<v1::PinRevisionResponse> Pin(const std::string& user,
                                              const v1::BlobRef& blob) override {
    v1::PinRevisionRequest req;
    *req.mutable_blob() = blob;
    req.set_on_behalf_of(user);
    v1::PinRevisionResponse resp;
    grpc::ClientContext ctx;
    calls_.Prepare(ctx);
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->PinRevision(&ctx, req, &resp)));
    return resp;
  }

 private:
  std::unique_ptr<v1::ProviderService::Stub> stub_;
  ServiceCalls calls_;
};

class GrpcIndexQueue : public IndexQueue {
 public:
  GrpcIndexQueue(std::shared_ptr<grpc::Channel> channel, ServiceTokenFn token)
      : stub_(v1::IndexerService::NewStub(std::move(channel))),
        calls_(std::move(token), kCallTimeout) {}

  absl::Status Enqueue(const v1::Document& doc, const std::string& reason) override {
    v1::EnqueueIndexingRequest req;
    req.set_document_id(doc.id());
    req.set_reason(reason);
    *req.mutable_document() = doc;
    v1::EnqueueIndexingResponse resp;
    grpc::ClientContext ctx;
    calls_.Prepare(ctx);
    return FromGrpcStatus(stub_->EnqueueIndexing(&ctx, req, &resp));
  }

  absl::Status Remove(const std::string& document_id) override {
    v1::RemoveFromIndexRequest req;
    req.set_document_id(document_id);
    v1::RemoveFromIndexResponse resp;
    grpc::ClientContext ctx;
    calls_.Prepare(ctx);
    return FromGrpcStatus(stub_->RemoveFromIndex(&ctx, req, &resp));
  }

 private:
  std::unique_ptr<v1::IndexerService::Stub> stub_;
  ServiceCalls calls_;
};

}  // namespace

std::unique_ptr<CloudFiles> NewGrpcCloudFiles(std::shared_ptr<grpc::Channel> channel,
                                              ServiceTokenFn token) {
  return std::make_unique<GrpcCloudFiles>(std::move(channel), std::move(token));
}

std::unique_ptr<IndexQueue> NewGrpcIndexQueue(std::shared_ptr<grpc::Channel> channel,
                                              ServiceTokenFn token) {
  return std::make_unique<GrpcIndexQueue>(std::move(channel), std::move(token));
}

}  // namespace lc::repository
