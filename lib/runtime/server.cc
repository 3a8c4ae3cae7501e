#include "runtime/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <signal.h>

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

std::vector<SettingSpec> CommonSettings(const std::string& default_listen_addr) {
  std::vector<SettingSpec> s;
  s.push_back({.name = "listen-addr",
               .type = SettingType::kHostPort,
               .default_value = default_listen_addr,
               .help = "gRPC listen address host:port (port 0 picks a free port)"});
  s.push_back({.name = "metrics-port",
               .type = SettingType::kInt,
               .default_value = "0",
               .help = "Prometheus /metrics port on the listen host (0: free port, -1: off)",
               .min = -1,
               .max = 65535});
  s.push_back({.name = "log-level",
               .type = SettingType::kEnum,
               .default_value = "info",
               .help = "minimum log level",
               .choices = {"debug", "info", "warn", "error"}});
  s.push_back({.name = "jwt-secret",
               .type = SettingType::kString,
               .help = "HS256 secret that signs user and service tokens (at least 32 bytes)",
               .required = true,
               .secret = true});
  s.push_back({.name = "jwt-issuer", .help = "required JWT iss claim (empty: not checked)"});
  s.push_back({.name = "jwt-audience", .help = "required JWT aud claim (empty: not checked)"});
  s.push_back({.name = "shutdown-grace",
               .type = SettingType::kDuration,
               .default_value = "10s",
               .help = "how long SIGTERM waits for in-flight calls before cancelling them"});
  return s;
}

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

ServiceRuntime::ServiceRuntime(std::string service_name, const Config& config)
    : name_(std::move(service_name)), config_(config) {
  if (config.GetString("jwt-secret").size() < 32) {
    std::fprintf(stderr,
                 "%s: invalid setting --jwt-secret (LC_JWT_SECRET): must be at least 32 bytes\n",
                 name_.c_str());
    std::exit(2);
  }
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(config.GetString("log-level"), &level);
  InitLogging(name_, level);
  verifier_ = std::make_shared<Hs256Verifier>(
      Hs256Verifier::Options{.secret = config.GetString("jwt-secret"),
                             .issuer = config.GetString("jwt-issuer"),
                             .audience = config.GetString("jwt-audience")});
  edge_ = std::make_unique<RpcEdge>(verifier_);
  // Signals are taken synchronously by Wait(); block them before any thread
  // starts so no other thread receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ServiceRuntime::~ServiceRuntime() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
}

std::string ServiceRuntime::ServiceToken() const {
  absl::Time now = absl::Now();
  return MintHs256(config_.GetString("jwt-secret"),
                   Principal{.subject = "service:" + name_, .roles = {"service"}}, now,
                   now + absl::Minutes(10), config_.GetString("jwt-issuer"),
                   config_.GetString("jwt-audience"));
}

void ServiceRuntime::AddService(grpc::Service* service) { services_.push_back(service); }

void ServiceRuntime::AddCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(std::move(collectable));
}

absl::Status ServiceRuntime::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  registry_ = std::make_shared<prometheus::Registry>();
  auto metrics = std::make_shared<RpcMetrics>(*registry_);
  SharedMetrics() = metrics;

  const std::string& listen = config_.GetString("listen-addr");
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

  int64_t metrics_port = config_.GetInt("metrics-port");
  if (metrics_port >= 0) {
    std::string host = listen.substr(0, listen.rfind(':'));
    if (host.empty() || host == "[::]") host = "0.0.0.0";
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(absl::StrCat(host, ":", metrics_port));
      exposer_->RegisterCollectable(registry_);
      for (const auto& c : collectables_) exposer_->RegisterCollectable(c);
      auto ports = exposer_->GetListeningPorts();
      metrics_port_ = ports.empty() ? 0 : ports.front();
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on port ", metrics_port, ": ", e.what()));
    }
  }

  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(name_, true);
  LogInfo("serving", {{"grpc_port", port_}, {"metrics_port", metrics_port_}});
  return absl::OkStatus();
}

void ServiceRuntime::RequestShutdown() { shutdown_.store(true); }

void ServiceRuntime::Wait() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  // Poll so RequestShutdown (tests, fatal errors) also ends the wait.
  timespec tick{0, 200 * 1000 * 1000};
  while (!shutdown_.load()) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      LogInfo("shutdown requested", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      break;
    }
  }
  if (!server_) return;
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(false);
  absl::Duration grace = config_.GetDuration("shutdown-grace");
  // Stops accepting at once; in-flight calls get until the deadline, then
  // are cancelled.
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  server_.reset();
  LogInfo("stopped");
}

}  // namespace lc
