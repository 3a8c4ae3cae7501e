// The one interface every cloud adapter implements, and the channel it uses
// to reach its provider.
//
// An adapter knows one provider's API dialect (paths, JSON shapes, errors) and
// nothing else: it gets an ApiSession bound to (user, provider, account) that
// already carries the token, the per-account limiter, retries, the circuit
// breaker and the caller's deadline. Callers test capabilities() instead of
// checking the provider by name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/providers.pb.h"
#include "liveconnect/v1/types.pb.h"
#include "runtime/http_client.h"

namespace lc::providers {

namespace v1 = ::liveconnect::v1;

// How the shared retry code treats a provider response.
enum class ResponseClass {
  kFinal,         // return it to the adapter (success or a definite error)
  kThrottled,     // rate limited: wait for Retry-After (or back off), then retry
  kTransient,     // 5xx and the like: back off with jitter, then retry
  kUnauthorized,  // token rejected: refresh once with force_refresh
};

// The authenticated channel to one (user, provider, account). Implemented once
// (api_session.h); adapters never see tokens.
class ApiSession {
 public:
  virtual ~ApiSession() = default;
  // The provider API base URL oauth returned with the token (no trailing /).
  virtual const std::string& base_url() const = 0;
  // Sends with "Authorization: Bearer", the account limiter, retries and the
  // deadline. Any other HTTP response is a value; transport failures, an open
  // circuit and a throttle outlasting the deadline are errors, and so is a
  // 401 that a forced token refresh did not cure: FAILED_PRECONDITION
  // "<provider> rejected the account's token even after a refresh: reconnect
  // the account". Adapters never handle 401 themselves.
  virtual absl::StatusOr<HttpResponse> Send(HttpRequest request) = 0;
  // Same limits and retries but without the token: for the short-lived URLs a
  // provider redirects downloads to.
  virtual absl::StatusOr<HttpResponse> SendAnonymous(HttpRequest request) = 0;
  virtual absl::Time Now() const = 0;
  // When the caller stops waiting: an adapter that polls (Box
  // representations) gives up before it.
  virtual absl::Time deadline() const { return absl::InfiniteFuture(); }
};

// Receives GetContent's bytes.
class ContentSink {
 public:
  virtual ~ContentSink() = default;
  // Called once before the first Write.
  virtual absl::Status Begin(const std::string& mime_type, std::optional<int64_t> total_size) = 0;
  virtual absl::Status Write(std::string_view data) = 0;
};

struct FolderPage {
  std::vector<v1::CloudFile> items;
  std::string next_page_token;
};

struct ChangePage {
  std::vector<v1::Change> changes;
  std::string next_cursor;
  bool has_more = false;
  // The provider rejected the cursor as expired.
  bool reset = false;
};

// One row of an adapter's capability matrix.
inline v1::CapabilityEntry CapabilityOf(v1::Capability capability, v1::CapabilitySupport support,
                                        std::string note) {
  v1::CapabilityEntry entry;
  entry.set_capability(capability);
  entry.set_support(support);
  entry.set_note(std::move(note));
  return entry;
}

// A provider's published request rate for one account, which the session's
// limiter paces every call to. per_second <= 0: none published (only
// Retry-After paces the account).
struct RateLimit {
  double per_second = 0;
  int burst = 0;
};

class ProviderAdapter {
 public:
  virtual ~ProviderAdapter() = default;

  // Registry name of the provider ("googledrive", ...).
  virtual std::string name() const = 0;
  // What the provider offers natively and what Live Connect adds.
  virtual std::vector<v1::CapabilityEntry> capabilities() const = 0;
  // Which responses are throttling, transient or an auth failure.
  virtual ResponseClass Classify(const HttpResponse& response) const = 0;
  // The published per-account limit (PROVIDERS.md).
  virtual RateLimit rate_limit() const = 0;

  // folder_id empty: the root. page_size 0: the provider's default.
  virtual absl::StatusOr<FolderPage> ListFolder(ApiSession& session, const std::string& folder_id,
                                                const std::string& page_token, int page_size) = 0;
  // ref.revision set: metadata of that revision where the provider has it.
  virtual absl::StatusOr<v1::CloudFile> GetFile(ApiSession& session, const v1::BlobRef& ref) = 0;
  // Never creates a public or anyone-with-the-link share.
  virtual absl::StatusOr<v1::Link> GetLink(ApiSession& session, const v1::BlobRef& ref,
                                           v1::LinkKind kind) = 0;
  // Bytes of the live file or of ref.revision; RESOURCE_EXHAUSTED past
  // max_bytes (nothing beyond it reaches the sink).
  virtual absl::Status GetContent(ApiSession& session, const v1::BlobRef& ref,
                                  v1::ContentFormat format, int64_t max_bytes,
                                  ContentSink& sink) = 0;
  // Oldest first.
  virtual absl::StatusOr<std::vector<v1::Revision>> ListRevisions(ApiSession& session,
                                                                  const v1::BlobRef& ref) = 0;
  // Pins ref.revision (empty: the current one) so the provider keeps it;
  // answers the pinned reference and that revision's metadata.
  virtual absl::StatusOr<v1::PinRevisionResponse> PinRevision(ApiSession& session,
                                                              const v1::BlobRef& ref) = 0;
  virtual absl::StatusOr<std::string> GetStartCursor(ApiSession& session) = 0;
  virtual absl::StatusOr<ChangePage> ListChanges(ApiSession& session,
                                                 const std::string& cursor) = 0;
  // How long the provider keeps the revision a version pins (GetCapabilities).
  virtual v1::PinDurability pin_durability() const = 0;
};

// A pin durability: days for DAYS, max_versions for VERSION_COUNT,
// max_pinned_per_file where pins are counted (0: no limit).
inline v1::PinDurability PinDurabilityOf(v1::PinDurabilityKind kind, int days, int max_versions,
                                         int max_pinned_per_file, std::string note) {
  v1::PinDurability out;
  out.set_kind(kind);
  out.set_days(days);
  out.set_max_versions(max_versions);
  out.set_max_pinned_per_file(max_pinned_per_file);
  out.set_note(std::move(note));
  return out;
}

}  // namespace lc::providers
