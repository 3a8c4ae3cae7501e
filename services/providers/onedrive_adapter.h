// OneDrive personal and OneDrive for Business through Microsoft Graph v1.0:
// one adapter, registered under both names (the tenant is oauth's business).
#pragma once

#include "providers/provider_adapter.h"
#include "providers/provider_http.h"

namespace lc::providers {

class OneDriveAdapter : public ProviderAdapter {
 public:
  // registry_name: "onedrive" or "onedrive-business".
  explicit OneDriveAdapter(std::string registry_name) : name_(std::move(registry_name)) {}

  std::string name() const override { return name_; }
  std::vector<v1::CapabilityEntry> capabilities() const override;
  ResponseClass Classify(const HttpResponse& response) const override;
  // Graph: 1,200+ requests per minute per app and tenant.
  RateLimit rate_limit() const override { return {20.0, 20}; }
  v1::PinDurability pin_durability() const override {
    return name_ == "onedrive"
               ? PinDurabilityOf(v1::PIN_DURABILITY_KIND_VERSION_COUNT, 0, 25, 0,
                                 "OneDrive personal keeps the newest 25 versions of a file; Graph "
                                 "has no pin: a version does not extend it.")
               : PinDurabilityOf(v1::PIN_DURABILITY_KIND_VERSION_COUNT, 0, 500, 0,
                                 "A OneDrive for Business or SharePoint library keeps 500 versions "
                                 "by default; admins can set fewer or a time limit. Graph has no "
                                 "pin: a version does not extend it.");
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

 private:
  // Graph's error answers as statuses (Call/CallJson).
  ErrorMapper Errors() const;
  // The driveItem JSON of `file_id`.
  absl::StatusOr<json> GetItem(ApiSession& session, const std::string& file_id);
  // Whether the version `ref.revision()` is still the file's current one.
  // Graph refuses versions/{id}/content for the current version: its bytes
  // are the item's own. NOT_FOUND naming the version when OneDrive no longer
  // keeps it.
  absl::StatusOr<bool> IsCurrentVersion(ApiSession& session, const v1::BlobRef& ref);
  // The short-lived URL of the bytes `ref` names (`item` is its driveItem,
  // read before): the item's own for the live file or its current version,
  // versions/{id}/content for an older version.
  absl::StatusOr<std::string> DownloadUrl(ApiSession& session, const v1::BlobRef& ref,
                                          const json& item);
  // The URL of a PDF of `ref`: a PDF file's own bytes, else Graph's
  // conversion of the current version for the documented source formats;
  // FAILED_PRECONDITION otherwise.
  absl::StatusOr<std::string> PdfUrl(ApiSession& session, const v1::BlobRef& ref, const json& item);
  absl::Status VersionGone(const v1::BlobRef& ref) const;

  std::string name_;
};

namespace graph {
// A driveItem → CloudFile.
v1::CloudFile ParseItem(const json& item);
// A children or delta page: items, @odata.nextLink, @odata.deltaLink.
struct ItemPage {
  std::vector<json> items;
  std::string next_link;
  std::string delta_link;
};
absl::StatusOr<ItemPage> ParsePage(std::string_view body);
absl::StatusOr<std::vector<v1::Revision>> ParseVersions(std::string_view body);
}  // namespace graph

}  // namespace lc::providers
