// Box API 2.0.
#pragma once

#include "providers/provider_adapter.h"
#include "providers/provider_http.h"

namespace lc::providers {

class BoxAdapter : public ProviderAdapter {
 public:
  std::string name() const override { return "box"; }
  std::vector<v1::CapabilityEntry> capabilities() const override;
  ResponseClass Classify(const HttpResponse& response) const override;
  // Box: about 1,000 requests per minute per user.
  RateLimit rate_limit() const override { return {16.0, 16}; }
  v1::PinDurability pin_durability() const override {
    return PinDurabilityOf(v1::PIN_DURABILITY_KIND_PLAN_DEPENDENT, 0, 0, 0,
                           "Box keeps previous versions on paid plans only (Personal Free keeps "
                           "none), up to 10 (Personal Pro), 25 (Starter), 50 (Business) or 100 "
                           "(Enterprise) per file; Box has no pin: a version does not extend it.");
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

namespace box {
// A file or folder object → CloudFile.
v1::CloudFile ParseItem(const json& item);
absl::StatusOr<FolderPage> ParseItems(std::string_view body);
absl::StatusOr<ChangePage> ParseEvents(std::string_view body, int limit);
absl::StatusOr<std::vector<v1::Revision>> ParseVersions(std::string_view body);
}  // namespace box

}  // namespace lc::providers
