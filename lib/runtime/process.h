// The process runtime every binary shares, gRPC service or HTTP gateway:
// the common settings, logging and the start-up configuration line, the
// process identity (token verifier, service token), the Prometheus endpoint,
// SIGTERM/SIGINT and a shutdown bounded by shutdown-grace. ServiceRuntime
// (server.h) builds the gRPC server on it.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "runtime/config.h"
#include "runtime/jwt.h"
#include "runtime/log.h"

namespace prometheus {
class Collectable;
class Registry;
class Exposer;
}  // namespace prometheus

namespace lc {

// Settings every process has: listen-addr (default given here),
// metrics-port, log-level, jwt-secret, jwt-issuer, jwt-audience,
// shutdown-grace.
std::vector<SettingSpec> CommonSettings(const std::string& default_listen_addr);

// The common settings, typed.
struct RuntimeSettings {
  std::string listen_addr;  // host:port; port 0 picks a free port
  int metrics_port = -1;    // on the listen host; 0: a free port, -1: off
  LogLevel log_level = LogLevel::kInfo;
  std::string jwt_secret;
  std::string jwt_issuer;    // empty: not checked
  std::string jwt_audience;  // empty: not checked
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Every setting of the process, secrets masked, for the start-up log line.
  std::map<std::string, std::string> logged;
};
RuntimeSettings ReadRuntimeSettings(const Config& config);

// "<hostname>-<pid>": this process among its replicas (lease holders,
// queue workers) when no name is configured.
std::string InstanceName();

class Process {
 public:
  // Starts logging, logs the configuration, and blocks SIGTERM/SIGINT so
  // that only WaitForShutdown takes them: construct it before any thread.
  Process(std::string name, RuntimeSettings settings);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  const std::string& name() const { return name_; }
  const RuntimeSettings& settings() const { return settings_; }
  std::shared_ptr<const TokenVerifier> verifier() const { return verifier_; }
  // A service-identity token for calls to other services.
  std::string ServiceToken() const;

  // Served on the metrics port; register the process's metrics here.
  prometheus::Registry& registry() { return *registry_; }
  // More metrics served beside the registry. Call before StartMetrics.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  // Serves /metrics on metrics-port of the listen host (nothing when -1).
  absl::Status StartMetrics();
  int metrics_port() const { return metrics_port_; }

  // Blocks until SIGTERM/SIGINT or RequestShutdown.
  void WaitForShutdown();
  void RequestShutdown() { shutdown_.store(true); }

  // Runs `stop` for at most shutdown-grace; past it the process exits at
  // once with status 0, as an orchestrator would kill it anyway.
  void StopWithinGraceOrExit(const std::function<void()>& stop);

 private:
  std::string name_;
  RuntimeSettings settings_;
  std::shared_ptr<const TokenVerifier> verifier_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int metrics_port_ = 0;
  std::atomic<bool> shutdown_{false};
};

}  // namespace lc
