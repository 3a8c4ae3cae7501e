// The sync binary's wiring, shared by services/sync/main.cc and the test
// binary of tests/sync, which alone injects hooks (from C++, never from a
// flag or the environment).
#pragma once

#include <functional>

#include "sync/settings.h"
#include "sync/sync_store.h"

namespace lc::sync {

struct SyncHooks {
  // Runs after a page's changes are applied, just before its cursor is
  // saved: a test stops the process here to crash it.
  std::function<void(const AccountKey&)> before_cursor_save;
};

// Stores, clients, runner, scheduler and the gRPC server; returns the exit
// status once SIGTERM/SIGINT has stopped the service.
int RunSyncService(const Settings& settings, const SyncHooks& hooks = {});

}  // namespace lc::sync
