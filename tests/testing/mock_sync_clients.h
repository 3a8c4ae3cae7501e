// gmock mocks of what sync calls, for tests that assert a call was (or was
// not) made with given arguments; fake_sync_clients.h has the stateful fakes.
#pragma once

#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "sync/clients.h"

namespace lc::testing {

class MockDocumentsClient : public sync::DocumentsClient {
 public:
  MOCK_METHOD(absl::StatusOr<::liveconnect::v1::ListReferencedAccountsResponse>,
              ListReferencedAccounts, (const std::string& page_token), (override));
  MOCK_METHOD(absl::StatusOr<::liveconnect::v1::FindDocumentsByFilesResponse>, FindDocumentsByFiles,
              (const sync::AccountKey& key, const std::vector<std::string>& file_ids, int page_size,
               const std::string& page_token),
              (override));
  MOCK_METHOD(absl::StatusOr<::liveconnect::v1::ApplyFileChangeResponse>, ApplyFileChange,
              (const ::liveconnect::v1::ApplyFileChangeRequest& request), (override));
  MOCK_METHOD(absl::StatusOr<::liveconnect::v1::ListPinnedRevisionsResponse>, ListPinnedRevisions,
              (const sync::AccountKey& key, const std::vector<std::string>& file_ids,
               const std::string& page_token),
              (override));
  MOCK_METHOD(absl::StatusOr<::liveconnect::v1::MarkRevisionsExpiredResponse>, MarkRevisionsExpired,
              (const ::liveconnect::v1::MarkRevisionsExpiredRequest& request), (override));
};

class MockCloudClient : public sync::CloudClient {
 public:
  MOCK_METHOD(absl::StatusOr<std::string>, GetStartCursor, (const sync::AccountKey& key),
              (override));
  MOCK_METHOD(absl::StatusOr<::liveconnect::v1::ListChangesResponse>, ListChanges,
              (const sync::AccountKey& key, const std::string& cursor), (override));
  MOCK_METHOD(absl::StatusOr<::liveconnect::v1::CloudFile>, GetFile,
              (const sync::AccountKey& key, const std::string& file_id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<::liveconnect::v1::Revision>>, ListRevisions,
              (const sync::AccountKey& key, const std::string& file_id), (override));
  MOCK_METHOD(absl::StatusOr<::liveconnect::v1::CloudFile>, GetRevision,
              (const sync::AccountKey& key, const std::string& file_id,
               const std::string& revision),
              (override));
};

class MockIndexClient : public sync::IndexClient {
 public:
  MOCK_METHOD(absl::Status, Enqueue,
              (const ::liveconnect::v1::Document& document, const std::string& reason), (override));
};

}  // namespace lc::testing
