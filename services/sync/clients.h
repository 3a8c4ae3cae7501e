// What sync asks of other services, as small interfaces so the sync logic is
// tested with fakes: the repository (referenced accounts, documents by file,
// applying a change), the providers service (change feeds and metadata, on
// behalf of the account's owner) and, optionally, the indexer. The gRPC
// implementations call with sync's service identity.
#pragma once

#include <grpcpp/channel.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "liveconnect/v1/providers.grpc.pb.h"
#include "liveconnect/v1/repository.grpc.pb.h"
#include "sync/sync_store.h"

namespace lc::sync {

namespace v1 = ::liveconnect::v1;

class DocumentsClient {
 public:
  virtual ~DocumentsClient() = default;
  virtual absl::StatusOr<v1::ListReferencedAccountsResponse> ListReferencedAccounts(
      const std::string& page_token) = 0;
  // file_ids empty: every referenced file of the account, paged.
  virtual absl::StatusOr<v1::FindDocumentsByFilesResponse> FindDocumentsByFiles(
      const AccountKey& key, const std::vector<std::string>& file_ids, int page_size,
      const std::string& page_token) = 0;
  virtual absl::StatusOr<v1::ApplyFileChangeResponse> ApplyFileChange(
      const v1::ApplyFileChangeRequest& request) = 0;
  // The pins of versions not yet REVISION_EXPIRED of the documents
  // referencing file_ids (1 to 1000), paged.
  virtual absl::StatusOr<v1::ListPinnedRevisionsResponse> ListPinnedRevisions(
      const AccountKey& key, const std::vector<std::string>& file_ids,
      const std::string& page_token) = 0;
  virtual absl::StatusOr<v1::MarkRevisionsExpiredResponse> MarkRevisionsExpired(
      const v1::MarkRevisionsExpiredRequest& request) = 0;
};

class CloudClient {
 public:
  virtual ~CloudClient() = default;
  virtual absl::StatusOr<std::string> GetStartCursor(const AccountKey& key) = 0;
  virtual absl::StatusOr<v1::ListChangesResponse> ListChanges(const AccountKey& key,
                                                              const std::string& cursor) = 0;
  virtual absl::StatusOr<v1::CloudFile> GetFile(const AccountKey& key,
                                                const std::string& file_id) = 0;
  // The revisions the provider still has of the file.
  virtual absl::StatusOr<std::vector<v1::Revision>> ListRevisions(const AccountKey& key,
                                                                  const std::string& file_id) = 0;
  // One revision's metadata; NOT_FOUND when the provider no longer has it.
  virtual absl::StatusOr<v1::CloudFile> GetRevision(const AccountKey& key,
                                                    const std::string& file_id,
                                                    const std::string& revision) = 0;
};

class IndexClient {
 public:
  virtual ~IndexClient() = default;
  virtual absl::Status Enqueue(const v1::Document& document, const std::string& reason) = 0;
};

using ServiceTokenFn = std::function<std::string()>;

std::unique_ptr<DocumentsClient> NewGrpcDocumentsClient(std::shared_ptr<grpc::Channel> channel,
                                                        ServiceTokenFn token,
                                                        absl::Duration timeout);
std::unique_ptr<CloudClient> NewGrpcCloudClient(std::shared_ptr<grpc::Channel> channel,
                                                ServiceTokenFn token, absl::Duration timeout);
std::unique_ptr<IndexClient> NewGrpcIndexClient(std::shared_ptr<grpc::Channel> channel,
                                                ServiceTokenFn token, absl::Duration timeout);

}  // namespace lc::sync
