#include "runtime/process.h"

#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace lc {
namespace {

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

std::vector<SettingSpec> CommonSettings(const std::string& default_listen_addr) {
  std::vector<SettingSpec> s;
  s.push_back({.name = "listen-addr",
               .type = SettingType::kHostPort,
               .default_value = default_listen_addr,
               .help = "listen address host:port (port 0 picks a free port)",
               .required = true});
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
               .secret = true,
               .min_length = 32});
  s.push_back({.name = "jwt-issuer", .help = "required JWT iss claim (empty: not checked)"});
  s.push_back({.name = "jwt-audience", .help = "required JWT aud claim (empty: not checked)"});
  s.push_back({.name = "shutdown-grace",
               .type = SettingType::kDuration,
               .default_value = "10s",
               .help = "how long SIGTERM waits for in-flight calls before cancelling them",
               .max_duration = absl::Minutes(10)});
  return s;
}

RuntimeSettings ReadRuntimeSettings(const Config& config) {
  RuntimeSettings s;
  s.listen_addr = config.GetString("listen-addr");
  s.metrics_port = static_cast<int>(config.GetInt("metrics-port"));
  ParseLogLevel(config.GetString("log-level"), &s.log_level);
  s.jwt_secret = config.GetString("jwt-secret");
  s.jwt_issuer = config.GetString("jwt-issuer");
  s.jwt_audience = config.GetString("jwt-audience");
  s.shutdown_grace = config.GetDuration("shutdown-grace");
  s.logged = config.Redacted();
  return s;
}

std::string InstanceName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] != '\0' ? host : "lc", "-", getpid());
}

Process::Process(std::string name, RuntimeSettings settings)
    : name_(std::move(name)),
      settings_(std::move(settings)),
      registry_(std::make_shared<prometheus::Registry>()) {
  InitLogging(name_, settings_.log_level);
  LogInfo("configuration", {{"settings", settings_.logged}});
  verifier_ =
      std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = settings_.jwt_secret,
                                                             .issuer = settings_.jwt_issuer,
                                                             .audience = settings_.jwt_audience});
  const sigset_t signals = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

Process::~Process() = default;

std::string Process::ServiceToken() const {
  const absl::Time now = absl::Now();
  return MintHs256(settings_.jwt_secret,
                   Principal{.subject = "service:" + name_, .roles = {"service"}}, now,
                   now + absl::Minutes(10), settings_.jwt_issuer, settings_.jwt_audience);
}

void Process::AddCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(std::move(collectable));
}

absl::Status Process::StartMetrics() {
  if (settings_.metrics_port < 0) return absl::OkStatus();
  const std::string& listen = settings_.listen_addr;
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "[::]") host = "0.0.0.0";
  try {
    exposer_ =
        std::make_unique<prometheus::Exposer>(absl::StrCat(host, ":", settings_.metrics_port));
    exposer_->RegisterCollectable(registry_);
    for (const auto& c : collectables_) exposer_->RegisterCollectable(c);
    const auto ports = exposer_->GetListeningPorts();
    metrics_port_ = ports.empty() ? 0 : ports.front();
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on port ", settings_.metrics_port, ": ", e.what()));
  }
  return absl::OkStatus();
}

void Process::WaitForShutdown() {
  const sigset_t signals = ShutdownSignals();
  // A short tick so RequestShutdown (tests, fatal errors) also ends the wait.
  const timespec tick{0, 200 * 1000 * 1000};
  while (!shutdown_.load()) {
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      LogInfo("shutdown requested", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      return;
    }
  }
}

void Process::StopWithinGraceOrExit(const std::function<void()>& stop) {
  auto stopped = std::make_shared<absl::Notification>();
  std::thread stopper([stop, stopped] {
    stop();
    stopped->Notify();
  });
  if (stopped->WaitForNotificationWithTimeout(settings_.shutdown_grace)) {
    stopper.join();
    return;
  }
  LogWarn("still stopping after shutdown-grace; exiting");
  FlushLogs();
  std::_Exit(0);
}

}  // namespace lc
