// The service runtime every binary shares: settings common to all services,
// the gRPC server with health, reflection and per-RPC metrics, the handler
// edge (authentication, request ids, status mapping, logging each failure
// once) and graceful shutdown on SIGTERM/SIGINT.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/config.h"
#include "runtime/jwt.h"

namespace prometheus {
class Collectable;
class Registry;
class Exposer;
}  // namespace prometheus

namespace lc {

// Settings every service has: listen-addr (default given here),
// metrics-port, log-level, jwt-secret, jwt-issuer, jwt-audience,
// shutdown-grace.
std::vector<SettingSpec> CommonSettings(const std::string& default_listen_addr);
// CommonSettings plus db-url and db-pool-size.
std::vector<SettingSpec> CommonSettingsWithDatabase(const std::string& default_listen_addr);

// Who may call an RPC.
enum class Access {
  kUser,     // any valid user or service token
  kAdmin,    // role "admin"
  kService,  // service identity only (internal RPCs)
};

// What a handler knows about the call.
struct CallContext {
  Principal principal;
  std::string request_id;
  grpc::ServerContext* server_context = nullptr;
};

// The handler edge: authenticate, run, map. Shared by every service.
class RpcEdge {
 public:
  explicit RpcEdge(std::shared_ptr<const TokenVerifier> verifier);

  // Authenticates the call for `access`, sets the request id (from the
  // "x-request-id" metadata or a new one, echoed in initial metadata), runs
  // fn and maps its status. A failure is logged once here: client errors at
  // info, server errors at error.
  grpc::Status Serve(grpc::ServerContext* context, const char* method, Access access,
                     const std::function<absl::Status(const CallContext&)>& fn) const;

  // Only the authentication step.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContext& context, Access access) const;

 private:
  std::shared_ptr<const TokenVerifier> verifier_;
};

// Builds and runs one service's gRPC server.
class ServiceRuntime {
 public:
  ServiceRuntime(std::string service_name, const Config& config);
  ~ServiceRuntime();

  const RpcEdge& edge() const { return *edge_; }
  std::shared_ptr<const TokenVerifier> verifier() const { return verifier_; }
  const Config& config() const { return config_; }

  // A service-identity token for calls to other services.
  std::string ServiceToken() const;

  void AddService(grpc::Service* service);

  // Service-specific Prometheus metrics, served beside the RPC metrics on
  // the metrics port. Call before Start.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);

  // Starts the gRPC server (with health and reflection) and the metrics
  // endpoint; marks every registered service SERVING.
  absl::Status Start();
  // Bound ports (valid after Start).
  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }

  // Blocks until SIGTERM/SIGINT (or RequestShutdown), then marks the service
  // NOT_SERVING, stops accepting and drains in-flight calls for at most
  // shutdown-grace before cancelling them.
  void Wait();
  void RequestShutdown();

 private:
  std::string name_;
  const Config& config_;
  std::shared_ptr<const TokenVerifier> verifier_;
  std::unique_ptr<RpcEdge> edge_;
  std::vector<grpc::Service*> services_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int metrics_port_ = 0;
  std::atomic<bool> shutdown_{false};
};

// Reads a "Bearer" token from an "authorization" header value.
absl::StatusOr<std::string> BearerToken(std::string_view header);

}  // namespace lc
