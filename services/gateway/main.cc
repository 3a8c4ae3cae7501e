// gateway: the only HTTP edge (OAuth pages, the REST mirror, browser URLs).
#include "gateway/gateway.h"
#include "gateway/settings.h"
#include "runtime/log.h"
#include "runtime/process.h"

int main(int argc, char** argv) {
  const lc::gateway::Settings settings = lc::LoadSettingsOrDie(
      "gateway", lc::gateway::SettingSpecs(), lc::gateway::ReadSettings, argc, argv);
  lc::Process process("gateway", settings.runtime);
  lc::gateway::Gateway gateway(settings.gateway, process.verifier(), process.registry());
  absl::Status started = gateway.Start();
  if (started.ok()) started = process.StartMetrics();
  if (!started.ok()) {
    lc::LogError("cannot start", {{"error", started.ToString()}});
    return 1;
  }
  lc::LogInfo("metrics", {{"metrics_port", process.metrics_port()}});
  process.WaitForShutdown();
  // /healthz answers 503 from now on; Stop() waits for the requests being
  // served, each bounded by the upstream and write timeouts.
  gateway.BeginDrain();
  process.StopWithinGraceOrExit([&gateway] { gateway.Stop(); });
  lc::LogInfo("stopped");
  return 0;
}
