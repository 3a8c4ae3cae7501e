#include "gateway/gateway.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/http_errors.h"
#include "gateway/upstream.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "runtime/client_call.h"
#include "runtime/log.h"

namespace lc::gateway {
namespace {

std::pair<time_t, time_t> SecondsAndMicros(absl::Duration d) {
  const int64_t micros = absl::ToInt64Microseconds(d);
  return {static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000)};
}

std::shared_ptr<grpc::Channel> ChannelTo(const std::string& addr) {
  if (addr.empty()) return nullptr;
  return grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
}

std::string BindHost(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace

Gateway::Gateway(Options options, std::shared_ptr<const TokenVerifier> verifier,
                 prometheus::Registry& registry)
    : options_(std::move(options)),
      oauth_channel_(grpc::CreateChannel(options_.oauth_addr, grpc::InsecureChannelCredentials())),
      oauth_(liveconnect::v1::OAuthService::NewStub(oauth_channel_)),
      auth_(std::move(verifier), [] { return absl::Now(); }),
      router_(server_, registry),
      oauth_routes_(OAuthRoutes::Options{.public_url = options_.public_url,
                                         .upstream_timeout = options_.upstream_timeout},
                    *oauth_, auth_) {
  const int threads = options_.threads;
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  auto [read_s, read_us] = SecondsAndMicros(options_.read_timeout);
  server_.set_read_timeout(read_s, read_us);
  auto [write_s, write_us] = SecondsAndMicros(options_.write_timeout);
  server_.set_write_timeout(write_s, write_us);
  server_.set_keep_alive_timeout(
      std::max<time_t>(1, static_cast<time_t>(absl::ToInt64Seconds(options_.idle_timeout))));
  server_.set_keep_alive_max_count(static_cast<size_t>(options_.keepalive_requests));
  server_.set_payload_max_length(options_.max_request_bytes);
  // The callback URL carries code and state: no page may leak it through
  // Referer, be framed or be cached.
  server_.set_default_headers({{"Cache-Control", "no-store"},
                               {"Referrer-Policy", "no-referrer"},
                               {"X-Content-Type-Options", "nosniff"},
                               {"X-Frame-Options", "DENY"}});
  upstreams_ = Upstreams{.oauth = oauth_channel_,
                         .repository = ChannelTo(options_.repository_addr),
                         .providers = ChannelTo(options_.providers_addr),
                         .indexer = ChannelTo(options_.indexer_addr),
                         .sync = ChannelTo(options_.sync_addr)};
  api_options_ = ApiOptions{.public_url = options_.public_url,
                            .upstream_timeout = options_.upstream_timeout,
                            .stream_timeout = options_.stream_timeout};
  // The browser URLs, the hot path, are answered by the router's fast path;
  // their regex routes (a fallback) and the others follow.
  browser_links_ = std::make_unique<BrowserLinks>(
      BrowserLinks::Options{.public_url = options_.public_url,
                            .upstream_timeout = options_.upstream_timeout,
                            .content_timeout = options_.content_timeout,
                            .cache = options_.link_cache},
      StubOn<liveconnect::v1::RepositoryService::Stub>(upstreams_.repository),
      StubOn<liveconnect::v1::ProviderService::Stub>(upstreams_.providers), auth_, registry,
      [] { return absl::Now(); });
  browser_links_->Register(router_);
  RegisterApiRoutes(router_, api_options_, upstreams_, auth_);
  RegisterProbes(router_);
  oauth_routes_.Register(router_);
}

std::vector<std::pair<std::string, std::shared_ptr<grpc::Channel>>> Gateway::ConfiguredUpstreams()
    const {
  std::vector<std::pair<std::string, std::shared_ptr<grpc::Channel>>> all = {
      {"oauth", upstreams_.oauth},
      {"repository", upstreams_.repository},
      {"providers", upstreams_.providers},
      {"indexer", upstreams_.indexer},
      {"sync", upstreams_.sync}};
  std::vector<std::pair<std::string, std::shared_ptr<grpc::Channel>>> configured;
  for (auto& entry : all) {
    if (entry.second != nullptr) configured.push_back(std::move(entry));
  }
  return configured;
}

Gateway::~Gateway() { Stop(); }

void Gateway::RegisterProbes(Router& router) {
  // Liveness: the process serves HTTP. Scripts wait on it.
  router.Get("/healthz", "/healthz", [this](const httplib::Request&, httplib::Response& res) {
    if (draining_.load()) {
      WriteJson(res, 503, R"({"status":"draining"})");
    } else {
      WriteJson(res, 200, R"({"status":"ok"})");
    }
  });
  // Readiness: every configured upstream answers its gRPC health check.
  router.Get("/readyz", "/readyz", [this](const httplib::Request&, httplib::Response& res) {
    bool ready = !draining_.load();
    nlohmann::json upstreams = nlohmann::json::object();
    for (const auto& [name, channel] : ConfiguredUpstreams()) {
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
      grpc::ClientContext context;
      PrepareOutgoingCall(context, /*bearer_token=*/"", absl::Now() + absl::Seconds(2));
      grpc::Status status =
          grpc::health::v1::Health::NewStub(channel)->Check(&context, request, &response);
      const bool ok =
          status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
      upstreams[name] = ok ? "SERVING" : "NOT_SERVING";
      ready = ready && ok;
    }
    nlohmann::json body = {{"status", ready ? "ok" : "unavailable"}, {"upstreams", upstreams}};
    WriteJson(res, ready ? 200 : 503, body.dump());
  });
}

absl::Status Gateway::Start() {
  const std::string host = BindHost(options_.listen_host);
  if (options_.listen_port == 0) {
    port_ = server_.bind_to_any_port(host);
    if (port_ <= 0) port_ = 0;
  } else if (server_.bind_to_port(host, options_.listen_port)) {
    port_ = options_.listen_port;
  }
  if (port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen_host, ":", options_.listen_port));
  }
  thread_ = std::thread([this] {
    server_.listen_after_bind();
    loop_exited_.store(true);
  });
  // stop() is a no-op until the accept loop runs; wait for it so Stop()
  // cannot miss it.
  while (!server_.is_running() && !loop_exited_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (loop_exited_.load()) {
    thread_.join();
    return absl::UnavailableError(absl::StrCat("cannot serve on port ", port_));
  }
  LogInfo("serving", {{"http_port", port_},
                      {"public_url", options_.public_url.Resolve("")},
                      {"oauth_addr", options_.oauth_addr}});
  return absl::OkStatus();
}

void Gateway::Stop() {
  if (!thread_.joinable()) return;
  draining_.store(true);
  server_.stop();
  thread_.join();
}

}  // namespace lc::gateway
