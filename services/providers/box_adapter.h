// Box API 2.0.
#pragma once

#include "providers/api_session.h"
#include "providers/provider_adapter.h"
#include "providers/provider_http.h"

namespace lc::providers {

class BoxAdapter : public ProviderAdapter {
 public:
  // Box generates representations (PDF, extracted text) asynchronously: a
  // call polls info.url with exponential backoff and jitter while one is
  // pending, for at most max_wait and never past the call's deadline; then
  // it answers UNAVAILABLE with a retry-after.
  struct RepresentationPolling {
    absl::Duration first_interval = absl::Milliseconds(500);
    absl::Duration max_interval = absl::Seconds(4);
    absl::Duration max_wait = absl::Seconds(10);
  };

  BoxAdapter() : BoxAdapter(Clock{}, RepresentationPolling{}) {}
  // `clock` sleeps between polls (tests pass a fake one).
  BoxAdapter(Clock clock, RepresentationPolling polling)
      : clock_(std::move(clock)), polling_(polling) {}

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

 private:
  // The content URL of representation `rep` of file `id`'s current version
  // once Box has made it.
  absl::StatusOr<std::string> AwaitRepresentation(ApiSession& session, const std::string& id,
                                                  const std::string& rep) const;
  absl::Duration Jittered(absl::Duration interval) const;

  Clock clock_;
  RepresentationPolling polling_;
};

namespace box {
// A file or folder object → CloudFile.
v1::CloudFile ParseItem(const json& item);
absl::StatusOr<FolderPage> ParseItems(std::string_view body);
absl::StatusOr<ChangePage> ParseEvents(std::string_view body, int limit);
absl::StatusOr<std::vector<v1::Revision>> ParseVersions(std::string_view body);
}  // namespace box

}  // namespace lc::providers
