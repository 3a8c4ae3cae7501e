// sync: keeps document references current from the providers' change feeds,
// on a cron schedule and on demand. The wiring is RunSyncService
// (sync_main.h), which the tests' binary shares.
#include "runtime/config.h"
#include "sync/settings.h"
#include "sync/sync_main.h"

int main(int argc, char** argv) {
  const lc::sync::Settings settings =
      lc::LoadSettingsOrDie("sync", lc::sync::SettingSpecs(), lc::sync::ReadSettings, argc, argv);
  return lc::sync::RunSyncService(settings);
}
