// The gateway: an HTTP server (cpp-httplib) whose areas translate browser
// and REST requests into gRPC calls. It holds no state: users are known by
// the JWT they send, which is forwarded to the services.
#pragma once

#include <grpcpp/channel.h>
#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/api_routes.h"
#include "gateway/browser_links.h"
#include "gateway/link_cache.h"
#include "gateway/oauth_routes.h"
#include "gateway/public_url.h"
#include "gateway/request_auth.h"
#include "gateway/router.h"
#include "liveconnect/v1/oauth.grpc.pb.h"
#include "runtime/jwt.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace lc::gateway {

class Gateway {
 public:
  struct Options {
    std::string listen_host = "0.0.0.0";
    int listen_port = 8080;  // 0 picks a free port
    PublicUrl public_url;
    std::string oauth_addr;  // host:port of OAuthService
    // host:port of the other services; empty: their routes answer 503.
    std::string repository_addr;
    std::string providers_addr;
    std::string indexer_addr;
    std::string sync_addr;
    absl::Duration upstream_timeout = absl::Seconds(10);
    absl::Duration stream_timeout = absl::Minutes(30);  // sync run, reindex
    absl::Duration content_timeout = absl::Minutes(5);  // bytes streamed through
    LinkCache::Options link_cache;
    absl::Duration read_timeout = absl::Seconds(10);
    absl::Duration write_timeout = absl::Seconds(10);
    absl::Duration idle_timeout = absl::Seconds(5);  // keep-alive
    int keepalive_requests = 1000;                   // requests per connection before it is closed
    size_t max_request_bytes = 1 << 20;
    int threads = 16;
  };

  // `registry` receives the HTTP metrics and must outlive the gateway.
  Gateway(Options options, std::shared_ptr<const TokenVerifier> verifier,
          prometheus::Registry& registry);
  ~Gateway();  // stops
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Binds and serves on a background thread. UNAVAILABLE when the address
  // cannot be bound.
  absl::Status Start();
  int port() const { return port_; }

  // /healthz answers 503 from now on, so load balancers stop sending.
  void BeginDrain() { draining_.store(true); }
  // Stops accepting and waits for the requests being served.
  void Stop();

 private:
  void RegisterProbes(Router& router);
  // The upstreams that are configured, by name, for /readyz.
  std::vector<std::pair<std::string, std::shared_ptr<grpc::Channel>>> ConfiguredUpstreams() const;

  Options options_;
  std::shared_ptr<grpc::Channel> oauth_channel_;
  std::unique_ptr<liveconnect::v1::OAuthService::Stub> oauth_;
  RequestAuthenticator auth_;
  httplib::Server server_;
  Router router_;
  OAuthRoutes oauth_routes_;
  Upstreams upstreams_;
  ApiOptions api_options_;
  std::unique_ptr<BrowserLinks> browser_links_;
  std::thread thread_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> loop_exited_{false};
  int port_ = 0;
};

}  // namespace lc::gateway
