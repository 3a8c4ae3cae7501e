// Google Drive v3.
#pragma once

#include "providers/provider_adapter.h"
#include "providers/provider_http.h"

namespace lc::providers {

class GoogleDriveAdapter : public ProviderAdapter {
 public:
  std::string name() const override { return "googledrive"; }
  std::vector<v1::CapabilityEntry> capabilities() const override;
  // Drive throttles with 429 and with 403 userRateLimitExceeded/rateLimitExceeded.
  ResponseClass Classify(const HttpResponse& response) const override;
  // Drive: about 12,000 requests per minute per user.
  RateLimit rate_limit() const override { return {200.0, 50}; }
  v1::PinDurability pin_durability() const override {
    return PinDurabilityOf(v1::PIN_DURABILITY_KIND_FOREVER, 0, 0, 200,
                           "A version sets keepForever on its revision: Drive keeps it until the "
                           "file is deleted, at most 200 such revisions per file. Google Docs, "
                           "Sheets and Slides cannot be kept forever; Drive keeps their history "
                           "itself.");
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

// Response parsers, exposed for unit tests and fuzzing.
namespace googledrive {
// revisions resource, keepForever: "can be set on a maximum of 200 revisions
// for a file".
inline constexpr int kMaxKeptRevisions = 200;
// The MIME type to export a native document as for TEXT or PDF, chosen from
// its (or its revision's) exportLinks: text/plain (Docs, Slides), else
// text/csv (Sheets: the first sheet); nothing when the type has no such
// export (Drawings have no text).
std::optional<std::string> ExportMimeType(const json& export_links, v1::ContentFormat format);
// FAILED_PRECONDITION saying which export the type lacks and which it has.
absl::Status NoExport(const std::string& native_mime, const json& export_links,
                      v1::ContentFormat format);
// A files resource → CloudFile.
v1::CloudFile ParseFile(const json& file);
// The error body's message and first reason.
std::pair<std::string, std::string> ParseError(std::string_view body);
// A changes.list page.
absl::StatusOr<ChangePage> ParseChanges(std::string_view body);
absl::StatusOr<FolderPage> ParseFileList(std::string_view body);
absl::StatusOr<std::vector<v1::Revision>> ParseRevisions(std::string_view body,
                                                         std::string* next_page_token);
}  // namespace googledrive

}  // namespace lc::providers
