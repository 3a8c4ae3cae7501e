// Dropbox API v2. Files are addressed by id ("id:..."), revisions by "rev:...",
// never by path.
#pragma once

#include "providers/provider_adapter.h"
#include "providers/provider_http.h"

namespace lc::providers {

class DropboxAdapter : public ProviderAdapter {
 public:
  std::string name() const override { return "dropbox"; }
  std::vector<v1::CapabilityEntry> capabilities() const override;
  ResponseClass Classify(const HttpResponse& response) const override;
  // Dropbox publishes no per-user rate: only Retry-After paces the account.
  RateLimit rate_limit() const override { return {0, 0}; }
  v1::PinDurability pin_durability() const override {
    return PinDurabilityOf(v1::PIN_DURABILITY_KIND_DAYS, 30, 0, 0,
                           "Dropbox keeps a replaced revision 30 days on Basic, Plus and Family "
                           "plans, 180 days on Professional and team plans. Dropbox has no pin: a "
                           "version does not extend it.");
  }

  absl::StatusOr<FolderPage> ListFolder(ApiSession& session, const std::string& folder_id,
                                        const std::string& page_token, int page_size) override;
  absl::StatusOr<v1::CloudFile> GetFile(ApiSession& session, const v1::BlobRef& ref) override;
  absl::StatusOr<v1::Link> GetLink(ApiSession& session, const v1::BlobRef& ref,
                                   v1::LinkKind kind) override;
  absl::Status GetContent(ApiSession& session, const v1::BlobRef& ref, v1::ContentFormat format,
                          int64_t max_bytes, ContentSink& sink) override;
  absl::StatusOr<std::vector<v1::Revision>> ListRevisions(ApiSession& session,
                                                          const v1::BlobRef& ref) override;
  absl::StatusOr<v1::PinRevisionResponse> PinRevision(ApiSession& session,
                                                      const v1::BlobRef& ref) override;
  absl::StatusOr<std::string> GetStartCursor(ApiSession& session) override;
  absl::StatusOr<ChangePage> ListChanges(ApiSession& session, const std::string& cursor) override;
};

namespace dropbox {
// A Metadata union (file, folder or deleted) → CloudFile.
v1::CloudFile ParseMetadata(const json& metadata);
// A list_folder / continue page; deletions carry only their path.
absl::StatusOr<ChangePage> ParseListFolder(std::string_view body);
absl::StatusOr<std::vector<v1::Revision>> ParseRevisions(std::string_view body);
}  // namespace dropbox

}  // namespace lc::providers
