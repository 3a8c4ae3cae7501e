// The indexer's settings beyond the common ones, read and checked at start.
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

namespace lc::indexer {

std::vector<SettingSpec> IndexerSettingSpecs();

struct IndexerSettings {
  std::string providers_addr;
  std::string repository_addr;
  std::vector<std::string> text_search_configs;
  std::set<std::string> text_export_providers;
  IndexCaps caps;
  SandboxLimits sandbox;
  std::string extractor_path;
  WorkerSettings workers;
  QueueSettings queue;
};

// INVALID_ARGUMENT naming the setting when a value does not fit.
absl::StatusOr<IndexerSettings> ReadIndexerSettings(const Config& config);

}  // namespace lc::indexer
