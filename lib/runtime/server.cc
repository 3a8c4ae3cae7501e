#include "runtime/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "runtime/log.h"
#include "runtime/request_context.h"
#include "runtime/status.h"

namespace lc {
namespace {

bool IsServerError(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kUnimplemented;
}

// Per-RPC Prometheus metrics: calls by method and code, latency by method.
class RpcMetrics {
 public:
  explicit RpcMetrics(prometheus::Registry& registry)
      : calls_(prometheus::BuildCounter()
                   .Name("lc_grpc_server_handled_total")
                   .Help("RPCs completed, by method and gRPC status code.")
                   .Register(registry)),
        latency_(prometheus::BuildHistogram()
                     .Name("lc_grpc_server_handling_seconds")
                     .Help("RPC latency until the status is sent, by method.")
                     .Register(registry)) {}

  void Record(const std::string& method, grpc::StatusCode code, absl::Duration elapsed) {
    calls_.Add({{"method", method}, {"code", CodeName(code)}}).Increment();
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    latency_.Add({{"method", method}}, kBuckets).Observe(absl::ToDoubleSeconds(elapsed));
  }

  static std::string CodeName(grpc::StatusCode code) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  }

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(grpc::experimental::ServerRpcInfo* info, RpcMetrics* metrics)
      : method_(info->method()), metrics_(metrics), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->Record(method_, methods->GetSendStatus().error_code(), absl::Now() - start_);
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  RpcMetrics* metrics_;
  absl::Time start_;
};

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(std::shared_ptr<RpcMetrics> metrics)
      : metrics_(std::move(metrics)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(info, metrics_.get());
  }

 private:
  std::shared_ptr<RpcMetrics> metrics_;
};

std::shared_ptr<RpcMetrics>& SharedMetrics() {
  static auto* metrics = new std::shared_ptr<RpcMetrics>();
  return *metrics;
}

}  // namespace

std::vector<SettingSpec> CommonSettingsWithDatabase(const std::string& default_listen_addr) {
  auto s = CommonSettings(default_listen_addr);
  s.push_back({.name = "db-url",
               .type = SettingType::kString,
               .help = "PostgreSQL connection string (libpq key=value or URL)",
               .required = true,
               .secret = true});
  s.push_back({.name = "db-pool-size",
               .type = SettingType::kInt,
               .default_value = "8",
               .help = "PostgreSQL connections per process",
               .min = 1,
               .max = 200});
  s.push_back({.name = "migrate-only",
               .type = SettingType::kBool,
               .default_value = "false",
               .help = "apply the schema migrations, then exit 0 without serving "
                       "(the Kubernetes migration Job)"});
  return s;
}

DatabaseSettings ReadDatabaseSettings(const Config& config) {
  return DatabaseSettings{.url = config.GetString("db-url"),
                          .pool_size = static_cast<int>(config.GetInt("db-pool-size")),
                          .migrate_only = config.GetBool("migrate-only")};
}

std::unique_ptr<PgPool> OpenDatabaseOrExit(const DatabaseSettings& settings,
                                           const std::string& schema,
                                           const std::vector<Migration>& migrations) {
  auto pool = std::make_unique<PgPool>(
      PgOptions{.conninfo = settings.url, .schema = schema, .pool_size = settings.pool_size});
  if (auto s = ApplyMigrations(*pool, migrations); !s.ok()) {
    LogError("cannot migrate the schema", {{"schema", schema}, {"error", s.ToString()}});
    std::exit(1);
  }
  if (settings.migrate_only) {
    LogInfo("migrations applied; exiting (--migrate-only)", {{"schema", schema}});
    std::exit(0);
  }
  return pool;
}

absl::StatusOr<std::string> BearerToken(std::string_view header) {
  if (header.empty()) {
    return absl::UnauthenticatedError("missing authorization metadata: send 'Bearer <JWT>'");
  }
  constexpr std::string_view kPrefix = "bearer ";
  if (header.size() <= kPrefix.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(header.data(), kPrefix.size()),
                              absl::string_view(kPrefix.data(), kPrefix.size()))) {
    return absl::UnauthenticatedError("authorization metadata must be 'Bearer <JWT>'");
  }
  std::string_view token = header.substr(kPrefix.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) return absl::UnauthenticatedError("empty bearer token");
  return std::string(token);
}

RpcEdge::RpcEdge(std::shared_ptr<const TokenVerifier> verifier) : verifier_(std::move(verifier)) {}

absl::StatusOr<Principal> RpcEdge::Authenticate(const grpc::ServerContext& context,
                                                Access access) const {
  const auto& md = context.client_metadata();
  auto it = md.find("authorization");
  std::string_view header;
  if (it != md.end()) header = std::string_view(it->second.data(), it->second.size());
  auto token = BearerToken(header);
  if (!token.ok()) return token.status();
  auto principal = verifier_->Verify(*token, absl::Now());
  if (!principal.ok()) return principal.status();
  switch (access) {
    case Access::kUser:
      break;
    case Access::kAdmin:
      if (!principal->IsAdmin()) {
        return absl::PermissionDeniedError("this call needs the admin role");
      }
      break;
    case Access::kService:
      if (!principal->IsService()) {
        return absl::PermissionDeniedError("this call is internal: it needs a service identity");
      }
      break;
  }
  return principal;
}

grpc::Status RpcEdge::Serve(grpc::ServerContext* context, const char* method, Access access,
                            const std::function<absl::Status(const CallContext&)>& fn) const {
  const auto& md = context->client_metadata();
  auto header = [&md](const char* key) -> std::string_view {
    auto it = md.find(key);
    return it == md.end() ? std::string_view()
                          : std::string_view(it->second.data(), it->second.size());
  };
  // Outgoing calls made while serving this one forward its id and trace.
  ScopedRequest scoped(
      IncomingRequest(header("x-request-id"), header("traceparent"), header("tracestate")));
  const std::string& request_id = CurrentRequest().request_id;
  context->AddInitialMetadata("x-request-id", request_id);

  CallContext call;
  call.request_id = request_id;
  call.server_context = context;
  absl::Status status;
  auto principal = Authenticate(*context, access);
  if (!principal.ok()) {
    status = principal.status();
  } else {
    call.principal = *std::move(principal);
    try {
      status = fn(call);
    } catch (const std::exception& e) {
      LogError("unexpected exception in handler", {{"method", method}, {"what", e.what()}});
      status = absl::InternalError("internal error; see the service log for request " + request_id);
    }
  }
  if (!status.ok()) {
    LogFields fields = {{"method", method},
                        {"code", absl::StatusCodeToString(status.code())},
                        {"error", status.message()},
                        {"user", call.principal.subject}};
    if (IsServerError(status.code())) {
      LogError("rpc failed", fields);
    } else {
      LogInfo("rpc rejected", fields);
    }
  }
  return ToGrpcStatus(status);
}

ServiceRuntime::ServiceRuntime(std::string service_name, const RuntimeSettings& settings)
    : process_(std::move(service_name), settings),
      edge_(std::make_unique<RpcEdge>(process_.verifier())) {}

ServiceRuntime::~ServiceRuntime() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
}

void ServiceRuntime::AddService(grpc::Service* service) { services_.push_back(service); }

void ServiceRuntime::AddCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  process_.AddCollectable(std::move(collectable));
}

absl::Status ServiceRuntime::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  auto metrics = std::make_shared<RpcMetrics>(process_.registry());
  SharedMetrics() = metrics;

  const std::string& listen = process_.settings().listen_addr;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port_);
  for (grpc::Service* s : services_) builder.RegisterService(s);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<MetricsInterceptorFactory>(metrics));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  }
  if (absl::Status s = process_.StartMetrics(); !s.ok()) return s;

  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(process_.name(), true);
  LogInfo("serving", {{"grpc_port", port_}, {"metrics_port", process_.metrics_port()}});
  return absl::OkStatus();
}

void ServiceRuntime::Wait() {
  process_.WaitForShutdown();
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  // Stops accepting at once; in-flight calls get until the deadline, then
  // are cancelled.
  server_->Shutdown(absl::ToChronoTime(absl::Now() + process_.settings().shutdown_grace));
  server_->Wait();
  server_.reset();
  LogInfo("stopped");
}

int ServiceRuntime::Run() {
  if (absl::Status s = Start(); !s.ok()) {
    LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  Wait();
  return 0;
}

}  // namespace lc
