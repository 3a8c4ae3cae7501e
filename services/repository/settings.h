// The repository service's settings (flags or LC_* variables), typed and
// checked at start.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/config.h"
#include "runtime/server.h"

namespace lc::repository {

struct Settings {
  RuntimeSettings runtime;
  DatabaseSettings database;
  // host:port of the providers service; empty: client-given metadata, no
  // links (local development only).
  std::string providers_addr;
  // host:port of the indexer; empty: nothing is queued for indexing.
  std::string indexer_addr;
};

// CommonSettingsWithDatabase("0.0.0.0:50051") plus providers-addr and
// indexer-addr.
std::vector<SettingSpec> SettingSpecs();

// INVALID_ARGUMENT naming the flag and its variable when a value is unusable.
absl::StatusOr<Settings> ReadSettings(const Config& config);

}  // namespace lc::repository
