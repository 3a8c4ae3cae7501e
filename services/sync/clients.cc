#include "sync/clients.h"

#include <grpcpp/client_context.h>

#include "runtime/client_call.h"
#include "runtime/status.h"

namespace lc::sync {
namespace {

v1::AccountRef Ref(const AccountKey& key) {
  v1::AccountRef ref;
  ref.set_provider(key.provider);
  ref.set_account(key.account);
  return ref;
}

class GrpcDocuments : public DocumentsClient {
 public:
  GrpcDocuments(std::shared_ptr<grpc::Channel> channel, ServiceTokenFn token,
                absl::Duration timeout)
      : stub_(v1::RepositoryService::NewStub(std::move(channel))),
        calls_(std::move(token), timeout) {}

  absl::StatusOr<v1::ListReferencedAccountsResponse> ListReferencedAccounts(
      const std::string& page_token) override {
    v1::ListReferencedAccountsRequest req;
    req.set_page_size(500);
    req.set_page_token(page_token);
    v1::ListReferencedAccountsResponse resp;
    auto ctx = calls_.NewContext();
    if (auto s = FromGrpcStatus(stub_->ListReferencedAccounts(ctx.get(), req, &resp)); !s.ok()) {
      return s;
    }
    return resp;
  }
  absl::StatusOr<v1::FindDocumentsByFilesResponse> FindDocumentsByFiles(
      const AccountKey& key, const std::vector<std::string>& file_ids, int page_size,
      const std::string& page_token) override {
    v1::FindDocumentsByFilesRequest req;
    req.set_user(key.user);
    req.set_provider(key.provider);
    req.set_account(key.account);
    for (const auto& id : file_ids) req.add_file_ids(id);
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    v1::FindDocumentsByFilesResponse resp;
    auto ctx = calls_.NewContext();
    if (auto s = FromGrpcStatus(stub_->FindDocumentsByFiles(ctx.get(), req, &resp)); !s.ok()) {
      return s;
    }
    return resp;
  }
  absl::StatusOr<v1::ApplyFileChangeResponse> ApplyFileChange(
      const v1::ApplyFileChangeRequest& req) override {
    v1::ApplyFileChangeResponse resp;
    auto ctx = calls_.NewContext();
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->ApplyFileChange(ctx.get(), req, &resp)));
    return resp;
  }
  absl::StatusOr<v1::ListPinnedRevisionsResponse> ListPinnedRevisions(
      const AccountKey& key, const std::vector<std::string>& file_ids,
      const std::string& page_token) override {
    v1::ListPinnedRevisionsRequest req;
    req.set_user(key.user);
    req.set_provider(key.provider);
    req.set_account(key.account);
    for (const auto& id : file_ids) req.add_file_ids(id);
    req.set_page_size(500);
    req.set_page_token(page_token);
    v1::ListPinnedRevisionsResponse resp;
    auto ctx = calls_.NewContext();
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->ListPinnedRevisions(ctx.get(), req, &resp)));
    return resp;
  }
  absl::StatusOr<v1::MarkRevisionsExpiredResponse> MarkRevisionsExpired(
      const v1::MarkRevisionsExpiredRequest& req) override {
    v1::MarkRevisionsExpiredResponse resp;
    auto ctx = calls_.NewContext();
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->MarkRevisionsExpired(ctx.get(), req, &resp)));
    return resp;
  }

 private:
  std::unique_ptr<v1::RepositoryService::Stub> stub_;
  ServiceCalls calls_;
};

class GrpcCloud : public CloudClient {
 public:
  GrpcCloud(std::shared_ptr<grpc::Channel> channel, ServiceTokenFn token, absl::Duration timeout)
      : stub_(v1::ProviderService::NewStub(std::move(channel))),
        calls_(std::move(token), timeout) {}

  absl::StatusOr<std::string> GetStartCursor(const AccountKey& key) override {
    v1::GetStartCursorRequest req;
    *req.mutable_account() = Ref(key);
    req.set_on_behalf_of(key.user);
    v1::GetStartCursorResponse resp;
    auto ctx = calls_.NewContext();
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetStartCursor(ctx.get(), req, &resp)));
    return resp.cursor();
  }
  absl::StatusOr<v1::ListChangesResponse> ListChanges(const AccountKey& key,
                                                      const std::string& cursor) override {
    v1::ListChangesRequest req;
    *req.mutable_account() = Ref(key);
    req.set_cursor(cursor);
    req.set_on_behalf_of(key.user);
    v1::ListChangesResponse resp;
    auto ctx = calls_.NewContext();
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->ListChanges(ctx.get(), req, &resp)));
    return resp;
  }
  absl::StatusOr<v1::CloudFile> GetFile(const AccountKey& key,
                                        const std::string& file_id) override {
    v1::GetFileRequest req;
    req.mutable_blob()->set_provider(key.provider);
    req.mutable_blob()->set_account(key.account);
    req.mutable_blob()->set_file_id(file_id);
    req.set_on_behalf_of(key.user);
    req.set_no_cache(true);
    v1::CloudFile resp;
    auto ctx = calls_.NewContext();
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetFile(ctx.get(), req, &resp)));
    return resp;
  }
  absl::StatusOr<std::vector<v1::Revision>> ListRevisions(const AccountKey& key,
                                                          const std::string& file_id) override {
    v1::ListRevisionsRequest req;
    req.mutable_blob()->set_provider(key.provider);
    req.mutable_blob()->set_account(key.account);
    req.mutable_blob()->set_file_id(file_id);
    req.set_on_behalf_of(key.user);
    v1::ListRevisionsResponse resp;
    auto ctx = calls_.NewContext();
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->ListRevisions(ctx.get(), req, &resp)));
    return std::vector<v1::Revision>(resp.revisions().begin(), resp.revisions().end());
  }
  absl::StatusOr<v1::CloudFile> GetRevision(const AccountKey& key, const std::string& file_id,
                                            const std::string& revision) override {
    v1::GetFileRequest req;
    req.mutable_blob()->set_provider(key.provider);
    req.mutable_blob()->set_account(key.account);
    req.mutable_blob()->set_file_id(file_id);
    req.mutable_blob()->set_revision(revision);
    req.set_on_behalf_of(key.user);
    req.set_no_cache(true);
    v1::CloudFile resp;
    auto ctx = calls_.NewContext();
    LC_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetFile(ctx.get(), req, &resp)));
    return resp;
  }

 private:
  std::unique_ptr<v1::ProviderService::Stub> stub_;
  ServiceCalls calls_;
};

class GrpcIndex : public IndexClient {
 public:
  GrpcIndex(std::shared_ptr<grpc::Channel> channel, ServiceTokenFn token, absl::Duration timeout)
      : stub_(v1::IndexerService::NewStub(std::move(channel))), calls_(std::move(token), timeout) {}

  absl::Status Enqueue(const v1::Document& document, const std::string& reason) override {
    v1::EnqueueIndexingRequest req;
    req.set_document_id(document.id());
    req.set_reason(reason);
    *req.mutable_document() = document;
    v1::EnqueueIndexingResponse resp;
    auto ctx = calls_.NewContext();
    return FromGrpcStatus(stub_->EnqueueIndexing(ctx.get(), req, &resp));
  }

 private:
  std::unique_ptr<v1::IndexerService::Stub> stub_;
  ServiceCalls calls_;
};

}  // namespace

std::unique_ptr<DocumentsClient> NewGrpcDocumentsClient(std::shared_ptr<grpc::Channel> channel,
                                                        ServiceTokenFn token,
                                                        absl::Duration timeout) {
  return std::make_unique<GrpcDocuments>(std::move(channel), std::move(token), timeout);
}
std::unique_ptr<CloudClient> NewGrpcCloudClient(std::shared_ptr<grpc::Channel> channel,
                                                ServiceTokenFn token, absl::Duration timeout) {
  return std::make_unique<GrpcCloud>(std::move(channel), std::move(token), timeout);
}
std::unique_ptr<IndexClient> NewGrpcIndexClient(std::shared_ptr<grpc::Channel> channel,
                                                ServiceTokenFn token, absl::Duration timeout) {
  return std::make_unique<GrpcIndex>(std::move(channel), std::move(token), timeout);
}

}  // namespace lc::sync
