// The indexer's settings (flags or LC_* variables), typed and checked at
// start.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "indexer/document_indexer.h"
#include "indexer/index_store.h"
#include "indexer/indexing_workers.h"
#include "indexer/sandboxed_extractor.h"
#include "runtime/config.h"
#include "runtime/server.h"

namespace lc::indexer {

struct Settings {
  RuntimeSettings runtime;
  DatabaseSettings database;
  std::string providers_addr;   // host:port
  std::string repository_addr;  // host:port; empty: not told the full-text states
  std::vector<std::string> text_search_configs;
  std::set<std::string> text_export_providers;
  IndexCaps caps;
  SandboxLimits sandbox;
  std::string extractor_path;
  WorkerSettings workers;
  QueueSettings queue;
};

// CommonSettingsWithDatabase("0.0.0.0:50055") plus the service addresses,
// the text-search configurations, the extraction limits and the workers.
std::vector<SettingSpec> SettingSpecs();

// INVALID_ARGUMENT naming the flag and its variable when a value is
// unusable (also a text-search configuration or extractor it cannot use).
absl::StatusOr<Settings> ReadSettings(const Config& config);

}  // namespace lc::indexer
