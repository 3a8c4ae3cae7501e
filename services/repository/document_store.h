// Persistence of documents, versions and history. SQL lives here and nowhere
// else in the repository service.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/types.pb.h"
#include "runtime/pg.h"

namespace lc::repository {

namespace v1 = ::liveconnect::v1;

// What a mutation adds besides the changed document.
struct MutationEffects {
  std::vector<v1::HistoryEvent> events;
  std::optional<v1::Version> new_version;
};

struct DocumentQuery {
  std::string owner;  // empty: every owner (admin)
  v1::DocumentType type = v1::DOCUMENT_TYPE_UNSPECIFIED;
  std::string provider;
  // Keyset position: documents strictly after (created_time, id) in
  // newest-first order.
  std::optional<std::pair<absl::Time, std::string>> after;
  int limit = 50;
};

struct DocumentPage {
  std::vector<v1::Document> documents;
  bool has_more = false;
};

class DocumentStore {
 public:
  virtual ~DocumentStore() = default;

  // Inserts doc with its CREATED event. With a non-empty idempotency key
  // that the owner already used, returns the document created then.
  virtual absl::StatusOr<v1::Document> Create(const v1::Document& doc,
                                              const std::string& idempotency_key,
                                              const v1::HistoryEvent& created) = 0;

  // NOT_FOUND when there is no such document.
  virtual absl::StatusOr<v1::Document> Get(const std::string& id) = 0;

  // Locks the document, lets fn change it, then stores it with a new etag
  // and modified time `now`, the events and the version (if any) in one
  // transaction. Concurrent mutations of one document are serialised, so no
  // write is lost. fn returning an error leaves everything unchanged.
  using Mutation = std::function<absl::Status(v1::Document&, MutationEffects&)>;
  virtual absl::StatusOr<v1::Document> Mutate(const std::string& id, absl::Time now,
                                              const Mutation& fn) = 0;

  // Locks the document, calls check, then deletes it and its versions and
  // appends the DELETED event.
  virtual absl::Status Delete(const std::string& id,
                              const std::function<absl::Status(const v1::Document&)>& check,
                              const v1::HistoryEvent& deleted) = 0;

  virtual absl::StatusOr<DocumentPage> List(const DocumentQuery& query) = 0;

  virtual absl::StatusOr<v1::Version> GetVersion(const std::string& document_id,
                                                 const std::string& version_id) = 0;
  // Versions with number > after_number, oldest first.
  virtual absl::StatusOr<std::vector<v1::Version>> ListVersions(const std::string& document_id,
                                                                int after_number, int limit) = 0;

  // Events with id > after_id, oldest first.
  virtual absl::StatusOr<std::vector<v1::HistoryEvent>> ListHistory(const std::string& document_id,
                                                                    int64_t after_id,
                                                                    int limit) = 0;
  // The owner recorded in a document's history (it outlives the document),
  // NOT_FOUND when there is none.
  virtual absl::StatusOr<std::string> HistoryOwner(const std::string& document_id) = 0;

  // Accounts referenced by documents, ordered by (owner, provider, account),
  // strictly after `after` when given.
  struct AccountKey {
    std::string owner, provider, account;
  };
  struct ReferencedAccount {
    AccountKey key;
    int64_t document_count = 0;
  };
  virtual absl::StatusOr<std::vector<ReferencedAccount>> ListReferencedAccounts(
      const std::optional<AccountKey>& after, int limit) = 0;

  // The owner's documents referencing the account, restricted to file_ids
  // when not empty, ordered by id, after `after_id`.
  virtual absl::StatusOr<std::vector<v1::Document>> FindByFiles(
      const AccountKey& account, const std::vector<std::string>& file_ids,
      const std::string& after_id, int limit) = 0;

  // Locks every document of the owner referencing the file and lets fn
  // change each; a document for which fn reports a change is stored (new
  // etag, modified time `now`) with the events fn added. All or nothing.
  using FileMutation = std::function<absl::StatusOr<bool>(v1::Document&, MutationEffects&)>;
  struct FileMutationResult {
    std::vector<v1::Document> changed;  // as stored, with their new etags
    int unchanged = 0;
  };
  // Sets the full-text state in place (no new etag, no history). NOT_FOUND
  // when the document is gone.
  virtual absl::Status SetFulltextState(const std::string& id, v1::FulltextState state,
                                        const std::string& reason) = 0;

  virtual absl::StatusOr<FileMutationResult> MutateByFile(const AccountKey& account,
                                                          const std::string& file_id,
                                                          absl::Time now,
                                                          const FileMutation& fn) = 0;

  // One version's pinned revision.
  struct VersionPin {
    std::string document_id, version_id, file_id, revision;
  };
  // The versions not marked REVISION_EXPIRED of the owner's documents
  // referencing any of file_ids, ordered by version id, after
  // after_version_id.
  virtual absl::StatusOr<std::vector<VersionPin>> ListPins(const AccountKey& account,
                                                           const std::vector<std::string>& file_ids,
                                                           const std::string& after_version_id,
                                                           int limit) = 0;

  // Marks REVISION_EXPIRED (at `when`, with `reason`) every version not yet
  // marked of the owner's documents referencing file_id whose pin is one of
  // `revisions`, appending event(version) for each, in one transaction.
  // Returns the versions newly marked, with their new state; a version
  // already marked is left alone, so a replay writes nothing.
  using ExpiryEvent = std::function<v1::HistoryEvent(const v1::Version&)>;
  virtual absl::StatusOr<std::vector<v1::Version>> MarkRevisionsExpired(
      const AccountKey& account, const std::string& file_id,
      const std::vector<std::string>& revisions, absl::Time when, const std::string& reason,
      const ExpiryEvent& event) = 0;
};

class PgDocumentStore : public DocumentStore {
 public:
  explicit PgDocumentStore(PgPool& pool) : pool_(pool) {}

  absl::StatusOr<v1::Document> Create(const v1::Document& doc, const std::string& idempotency_key,
                                      const v1::HistoryEvent& created) override;
  absl::StatusOr<v1::Document> Get(const std::string& id) override;
  absl::StatusOr<v1::Document> Mutate(const std::string& id, absl::Time now,
                                      const Mutation& fn) override;
  absl::Status Delete(const std::string& id,
                      const std::function<absl::Status(const v1::Document&)>& check,
                      const v1::HistoryEvent& deleted) override;
  absl::StatusOr<DocumentPage> List(const DocumentQuery& query) override;
  absl::StatusOr<v1::Version> GetVersion(const std::string& document_id,
                                         const std::string& version_id) override;
  absl::StatusOr<std::vector<v1::Version>> ListVersions(const std::string& document_id,
                                                        int after_number, int limit) override;
  absl::StatusOr<std::vector<v1::HistoryEvent>> ListHistory(const std::string& document_id,
                                                            int64_t after_id, int limit) override;
  absl::StatusOr<std::string> HistoryOwner(const std::string& document_id) override;
  absl::StatusOr<std::vector<ReferencedAccount>> ListReferencedAccounts(
      const std::optional<AccountKey>& after, int limit) override;
  absl::StatusOr<std::vector<v1::Document>> FindByFiles(const AccountKey& account,
                                                        const std::vector<std::string>& file_ids,
                                                        const std::string& after_id,
                                                        int limit) override;
  absl::Status SetFulltextState(const std::string& id, v1::FulltextState state,
                                const std::string& reason) override;
  absl::StatusOr<FileMutationResult> MutateByFile(const AccountKey& account,
                                                  const std::string& file_id, absl::Time now,
                                                  const FileMutation& fn) override;
  absl::StatusOr<std::vector<VersionPin>> ListPins(const AccountKey& account,
                                                   const std::vector<std::string>& file_ids,
                                                   const std::string& after_version_id,
                                                   int limit) override;
  absl::StatusOr<std::vector<v1::Version>> MarkRevisionsExpired(
      const AccountKey& account, const std::string& file_id,
      const std::vector<std::string>& revisions, absl::Time when, const std::string& reason,
      const ExpiryEvent& event) override;

 private:
  PgPool& pool_;
};

}  // namespace lc::repository
