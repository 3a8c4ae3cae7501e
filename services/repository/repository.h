// The repository's rules: validation, ownership, versions and history. Knows
// nothing of gRPC; the handler in repository_service.cc calls it.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/repository.pb.h"
#include "repository/collaborators.h"
#include "repository/document_store.h"
#include "runtime/jwt.h"

namespace lc::repository {

// Limits on user input, documented in docs/repository.md.
struct Limits {
  static constexpr int kTitleMax = 512;
  static constexpr int kDescriptionMax = 8192;
  static constexpr int kPropertiesMax = 64;
  static constexpr int kPropertyKeyMax = 128;
  static constexpr int kPropertyValueMax = 4096;
  static constexpr int kLabelMax = 128;
  static constexpr int kCommentMax = 2048;
  static constexpr int kRequestIdMax = 128;
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 500;
};

class Repository {
 public:
  // cloud and index may be null: without the providers service the
  // repository stores the metadata a client gives (local development) and
  // links are unavailable; without the indexer nothing is queued.
  Repository(DocumentStore& store, std::function<absl::Time()> now, CloudFiles* cloud = nullptr,
             IndexQueue* index = nullptr);

  absl::StatusOr<v1::Document> Create(const Principal& who, const v1::CreateDocumentRequest& req);
  absl::StatusOr<v1::Document> Get(const Principal& who, const v1::GetDocumentRequest& req);
  absl::StatusOr<v1::Document> Update(const Principal& who, const v1::UpdateDocumentRequest& req);
  absl::Status Delete(const Principal& who, const v1::DeleteDocumentRequest& req);
  absl::StatusOr<v1::ListDocumentsResponse> List(const Principal& who,
                                                 const v1::ListDocumentsRequest& req);
  absl::StatusOr<v1::Version> CreateVersion(const Principal& who,
                                            const v1::CreateVersionRequest& req);
  absl::StatusOr<v1::ListVersionsResponse> ListVersions(const Principal& who,
                                                        const v1::ListVersionsRequest& req);
  absl::StatusOr<v1::Version> GetVersion(const Principal& who, const v1::GetVersionRequest& req);
  absl::StatusOr<v1::GetHistoryResponse> History(const Principal& who,
                                                 const v1::GetHistoryRequest& req);
  absl::StatusOr<v1::Link> BlobLink(const Principal& who, const v1::GetBlobLinkRequest& req);

  // Internal (service identity; the edge checks it).
  absl::StatusOr<v1::ListReferencedAccountsResponse> ReferencedAccounts(
      const v1::ListReferencedAccountsRequest& req);
  absl::StatusOr<v1::FindDocumentsByFilesResponse> FindByFiles(
      const v1::FindDocumentsByFilesRequest& req);
  absl::Status RecordFulltextState(const v1::RecordFulltextStateRequest& req);
  absl::StatusOr<v1::ApplyFileChangeResponse> ApplyFileChange(
      const Principal& who, const v1::ApplyFileChangeRequest& req);
  absl::StatusOr<v1::ListPinnedRevisionsResponse> PinnedRevisions(
      const v1::ListPinnedRevisionsRequest& req);
  absl::StatusOr<v1::MarkRevisionsExpiredResponse> MarkRevisionsExpired(
      const Principal& who, const v1::MarkRevisionsExpiredRequest& req);

 private:
  // The document if the caller may see it; NOT_FOUND otherwise, so another
  // user's document is indistinguishable from a missing one.
  absl::StatusOr<v1::Document> Visible(const Principal& who, const std::string& id,
                                       const char* field);
  absl::Time Now() const;
  // Best effort: a failure is logged and the document stays PENDING, which
  // a reindex picks up; the write itself stands.
  void QueueIndexing(const v1::Document& doc, const char* reason);
  // Marks the versions pinned to `revisions` of the file REVISION_EXPIRED,
  // with one history entry each by `actor`.
  absl::StatusOr<std::vector<v1::Version>> MarkExpired(const DocumentStore::AccountKey& account,
                                                       const std::string& file_id,
                                                       const std::vector<std::string>& revisions,
                                                       absl::Time found, const std::string& reason,
                                                       const std::string& actor);
  // A version link's provider answer NOT_FOUND: when the live file is still
  // there, it was the pinned revision that is gone, and the version is
  // marked. Returns the error to answer.
  absl::Status VersionLinkNotFound(const v1::Document& doc, const v1::Version& version,
                                   const absl::Status& not_found);

  DocumentStore& store_;
  std::function<absl::Time()> now_;
  CloudFiles* cloud_;
  IndexQueue* index_;
};

// Input checks, exposed for unit tests. Each returns INVALID_ARGUMENT naming
// the field.
absl::Status ValidateUuid(const std::string& value, const char* field);
absl::Status ValidateTitle(const std::string& title, const char* field);
// Applies a cloud-side change to one stored document. Returns whether
// anything differed from what is stored, and fills the changed field names.
bool ApplyChangeToDocument(const v1::ApplyFileChangeRequest& change, v1::Document& doc,
                           std::vector<std::string>* changed_fields);

absl::Status ValidateProperties(const google::protobuf::Map<std::string, std::string>& props,
                                const char* field);

// FAILED_PRECONDITION for a link of a REVISION_EXPIRED version: which
// version, since when and why.
absl::Status RevisionExpiredError(const v1::Version& version);

}  // namespace lc::repository
