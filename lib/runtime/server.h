// The gRPC service runtime, built on the process runtime (process.h): the
// gRPC server with health, reflection and per-RPC metrics, the handler edge
// (authentication, request ids, status mapping, logging each failure once),
// the service database with its migrations, and graceful shutdown.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/config.h"
#include "runtime/jwt.h"
#include "runtime/pg.h"
#include "runtime/process.h"

namespace lc {

// CommonSettings plus db-url, db-pool-size and migrate-only.
std::vector<SettingSpec> CommonSettingsWithDatabase(const std::string& default_listen_addr);

struct DatabaseSettings {
  std::string url;  // libpq key=value or URL; secret
  int pool_size = 8;
  bool migrate_only = false;  // apply the migrations, then exit 0
};
DatabaseSettings ReadDatabaseSettings(const Config& config);

// Opens the pool of the service's schema and applies its migrations. Exits
// with status 1 when they fail, and with 0 once applied under migrate-only
// (the Kubernetes migration Job).
std::unique_ptr<PgPool> OpenDatabaseOrExit(const DatabaseSettings& settings,
                                           const std::string& schema,
                                           const std::vector<Migration>& migrations);

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
  ServiceRuntime(std::string service_name, const RuntimeSettings& settings);
  ~ServiceRuntime();

  const RpcEdge& edge() const { return *edge_; }
  std::shared_ptr<const TokenVerifier> verifier() const { return process_.verifier(); }

  // A service-identity token for calls to other services.
  std::string ServiceToken() const { return process_.ServiceToken(); }

  void AddService(grpc::Service* service);

  // Service-specific Prometheus metrics, served beside the RPC metrics on
  // the metrics port. Call before Start.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);

  // Starts the gRPC server (with health and reflection) and the metrics
  // endpoint; marks every registered service SERVING.
  absl::Status Start();
  // Bound ports (valid after Start).
  int port() const { return port_; }
  int metrics_port() const { return process_.metrics_port(); }

  // Blocks until SIGTERM/SIGINT (or RequestShutdown), then marks the service
  // NOT_SERVING, stops accepting and drains in-flight calls for at most
  // shutdown-grace before cancelling them.
  void Wait();
  void RequestShutdown() { process_.RequestShutdown(); }

  // Start, then Wait: the exit status of main (1 when it cannot start).
  int Run();

 private:
  Process process_;
  std::unique_ptr<RpcEdge> edge_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Reads a "Bearer" token from an "authorization" header value.
absl::StatusOr<std::string> BearerToken(std::string_view header);

}  // namespace lc
