// The provider operations behind ProviderService: validates a request, finds
// the adapter, opens an ApiSession for (user, provider, account) — which is
// also the ownership check — and runs the adapter call. No gRPC here.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/providers.pb.h"
#include "providers/adapter_registry.h"
#include "providers/api_session.h"
#include "providers/metadata_cache.h"

namespace lc::providers {

// Who a call acts for.
struct Caller {
  // The user whose connected account is used.
  std::string user;
  // A service calling on the user's behalf (sync, repository): always reads
  // the provider, never the cache.
  bool service = false;
  // The caller's deadline (from gRPC).
  absl::Time deadline = absl::InfiniteFuture();
};

class Providers {
 public:
  struct Options {
    // GetContent: default and largest size cap.
    int64_t max_content_bytes = 100 << 20;
    // GetContent: time for the whole transfer.
    absl::Duration content_timeout = absl::Minutes(2);
    // Any other call when the caller set no deadline.
    absl::Duration default_deadline = absl::Seconds(60);
  };

  Providers(const AdapterRegistry& adapters, TokenSource& tokens, HttpClient& http,
            ReliabilityState& reliability, MetadataCache& cache, Options options);

  absl::StatusOr<v1::GetCapabilitiesResponse> GetCapabilities(const std::string& provider) const;
  absl::StatusOr<v1::ListFolderResponse> ListFolder(const Caller& caller,
                                                    const v1::ListFolderRequest& request);
  absl::StatusOr<v1::CloudFile> GetFile(const Caller& caller, const v1::BlobRef& blob,
                                        bool no_cache);
  absl::StatusOr<v1::Link> GetLink(const Caller& caller, const v1::BlobRef& blob,
                                   v1::LinkKind kind);
  // max_bytes 0: the configured cap; larger than the cap: the cap.
  absl::Status GetContent(const Caller& caller, const v1::BlobRef& blob, v1::ContentFormat format,
                          int64_t max_bytes, ContentSink& sink);
  absl::StatusOr<v1::ListRevisionsResponse> ListRevisions(const Caller& caller,
                                                          const v1::BlobRef& blob);
  absl::StatusOr<v1::PinRevisionResponse> PinRevision(const Caller& caller,
                                                      const v1::BlobRef& blob);
  absl::StatusOr<v1::GetStartCursorResponse> GetStartCursor(const Caller& caller,
                                                            const v1::AccountRef& account);
  absl::StatusOr<v1::ListChangesResponse> ListChanges(const Caller& caller,
                                                      const v1::AccountRef& account,
                                                      const std::string& cursor);

 private:
  struct Bound {
    ProviderAdapter* adapter;
    std::unique_ptr<ApiSession> session;
  };
  absl::StatusOr<ProviderAdapter*> Adapter(const std::string& provider) const;
  absl::StatusOr<Bound> Open(const Caller& caller, const std::string& provider,
                             const std::string& account, absl::Time deadline);
  absl::StatusOr<Bound> OpenBlob(const Caller& caller, const v1::BlobRef& blob,
                                 absl::Time deadline);
  absl::Time Deadline(const Caller& caller) const;

  const AdapterRegistry& adapters_;
  TokenSource& tokens_;
  HttpClient& http_;
  ReliabilityState& reliability_;
  MetadataCache& cache_;
  const Options options_;
};

}  // namespace lc::providers
