// The sync binary of the process tests: the production wiring
// (RunSyncService) with the one hook production does not have. Its own flag
// --pause-before-cursor-save=FILE, taken off before the service's settings
// are read, makes it create FILE and stop for good just before a cursor
// save that covers applied changes, so a test can kill -9 it there.
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "sync/settings.h"
#include "sync/sync_main.h"

int main(int argc, char** argv) {
  constexpr char kPauseFlag[] = "--pause-before-cursor-save=";
  std::string pause_file;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (absl::StartsWith(argv[i], kPauseFlag)) {
      pause_file = argv[i] + sizeof(kPauseFlag) - 1;
    } else {
      args.push_back(argv[i]);
    }
  }
  const lc::sync::Settings settings =
      lc::LoadSettingsOrDie("sync", lc::sync::SettingSpecs(), lc::sync::ReadSettings,
                            static_cast<int>(args.size()), args.data());
  lc::sync::SyncHooks hooks;
  if (!pause_file.empty()) {
    hooks.before_cursor_save = [pause_file](const lc::sync::AccountKey& key) {
      lc::LogWarn("test hook: stopping before a cursor save", {{"account", key.ToString()}});
      std::ofstream(pause_file) << getpid() << "\n";
      for (;;) pause();  // until the test's SIGKILL
    };
  }
  return lc::sync::RunSyncService(settings, hooks);
}
