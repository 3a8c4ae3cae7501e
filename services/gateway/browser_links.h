// The browser URLs of a document or version:
//   GET /api/v1/documents/{id}/{download|preview|pdf|thumbnail|edit}
//   GET /api/v1/documents/{id}/versions/{versionId}/{...}
// answer 302 to the provider's URL (from the link cache when fresh). A link
// that needs the account's token (Link.requires_token) is never handed to
// the browser: the gateway streams the bytes through ProviderService.
// GetContent, called with the user's own token.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/http_errors.h"
#include "gateway/link_cache.h"
#include "gateway/public_url.h"
#include "gateway/request_auth.h"
#include "gateway/router.h"
#include "liveconnect/v1/providers.grpc.pb.h"
#include "liveconnect/v1/repository.grpc.pb.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace lc::gateway {

class BrowserLinks {
 public:
  struct Options {
    PublicUrl public_url;
    absl::Duration upstream_timeout = absl::Seconds(10);
    // Streaming a file through the gateway may take longer than one call.
    absl::Duration content_timeout = absl::Minutes(5);
    LinkCache::Options cache;
  };

  // Null stubs: that service is not configured (503). `registry` receives
  // lc_gateway_link_cache_total{result=hit|miss} and must outlive this.
  BrowserLinks(Options options, std::shared_ptr<liveconnect::v1::RepositoryService::Stub> repo,
               std::shared_ptr<liveconnect::v1::ProviderService::Stub> providers,
               const RequestAuthenticator& auth, prometheus::Registry& registry,
               std::function<absl::Time()> clock);

  // The routes, and the router's fast path for these URLs.
  void Register(Router& router);

  // The parts of a browser URL, when `path` is one.
  struct Target {
    std::string document_id;
    std::string version_id;  // "" for the document's current file
    liveconnect::v1::LinkKind kind = liveconnect::v1::LINK_KIND_UNSPECIFIED;
  };
  static std::optional<Target> Parse(const std::string& path);

  const LinkCache& cache() const { return cache_; }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res, const Target& target);
  grpc::Status FetchLink(const AuthenticatedUser& user, const std::string& key,
                         const liveconnect::v1::GetBlobLinkRequest& request,
                         liveconnect::v1::Link* link);
  void StreamContent(const AuthenticatedUser& user, const std::string& document_id,
                     const std::string& version_id, liveconnect::v1::LinkKind kind,
                     ErrorFormat format, httplib::Response& res);

  Options options_;
  std::shared_ptr<liveconnect::v1::RepositoryService::Stub> repo_;
  std::shared_ptr<liveconnect::v1::ProviderService::Stub> providers_;
  const RequestAuthenticator& auth_;
  std::function<absl::Time()> clock_;
  LinkCache cache_;
  struct InflightLink {
    absl::Mutex mu;
    bool done ABSL_GUARDED_BY(mu) = false;
    grpc::Status status ABSL_GUARDED_BY(mu);
    liveconnect::v1::Link link ABSL_GUARDED_BY(mu);
  };
  absl::Mutex inflight_mu_;
  std::unordered_map<std::string, std::shared_ptr<InflightLink>> inflight_
      ABSL_GUARDED_BY(inflight_mu_);
  prometheus::Counter* hits_;
  prometheus::Counter* misses_;
};

}  // namespace lc::gateway
