// gateway: the only HTTP edge (OAuth pages, the REST mirror, browser URLs).
#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "gateway/settings.h"
#include "runtime/config.h"
#include "runtime/jwt.h"
#include "runtime/log.h"

int main(int argc, char** argv) {
  lc::Config config = lc::LoadConfigOrDie("gateway", lc::gateway::GatewaySettings(), argc, argv);
  if (config.GetString("jwt-secret").size() < 32) {
    std::fprintf(stderr,
                 "gateway: invalid setting --jwt-secret (LC_JWT_SECRET): must be at least 32 "
                 "bytes\n");
    return 2;
  }
  auto options = lc::gateway::GatewayOptionsFromConfig(config);
  if (!options.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  lc::LogLevel level = lc::LogLevel::kInfo;
  lc::ParseLogLevel(config.GetString("log-level"), &level);
  lc::InitLogging("gateway", level);
  lc::LogInfo("configuration", {{"settings", config.Redacted()}});

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto verifier = std::make_shared<lc::Hs256Verifier>(
      lc::Hs256Verifier::Options{.secret = config.GetString("jwt-secret"),
                                 .issuer = config.GetString("jwt-issuer"),
                                 .audience = config.GetString("jwt-audience")});
  auto registry = std::make_shared<prometheus::Registry>();
  lc::gateway::Gateway gateway(*std::move(options), verifier, *registry);
  if (auto s = gateway.Start(); !s.ok()) {
    lc::LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }

  std::unique_ptr<prometheus::Exposer> exposer;
  const int64_t metrics_port = config.GetInt("metrics-port");
  if (metrics_port >= 0) {
    const std::string& listen = config.GetString("listen-addr");
    std::string host = listen.substr(0, listen.rfind(':'));
    if (host.empty() || host == "[::]") host = "0.0.0.0";
    try {
      exposer = std::make_unique<prometheus::Exposer>(absl::StrCat(host, ":", metrics_port));
      exposer->RegisterCollectable(registry);
      auto ports = exposer->GetListeningPorts();
      lc::LogInfo("metrics", {{"metrics_port", ports.empty() ? 0 : ports.front()}});
    } catch (const std::exception& e) {
      lc::LogError("cannot serve metrics", {{"port", metrics_port}, {"error", e.what()}});
      return 1;
    }
  }

  int sig = 0;
  sigwait(&signals, &sig);
  lc::LogInfo("shutdown requested", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  gateway.BeginDrain();
  // Stop() waits for the requests being served; each is bounded by the
  // upstream and write timeouts, and shutdown-grace bounds them all.
  auto stopped = std::async(std::launch::async, [&gateway] { gateway.Stop(); });
  if (stopped.wait_for(absl::ToChronoSeconds(config.GetDuration("shutdown-grace"))) !=
      std::future_status::ready) {
    lc::LogWarn("requests still in flight after shutdown-grace; exiting");
    lc::FlushLogs();
    std::_Exit(0);
  }
  lc::LogInfo("stopped");
  return 0;
}
