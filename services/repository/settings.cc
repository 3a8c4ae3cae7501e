#include "repository/settings.h"

namespace lc::repository {

std::vector<SettingSpec> SettingSpecs() {
  std::vector<SettingSpec> s = CommonSettingsWithDatabase("0.0.0.0:50051");
  s.push_back({.name = "providers-addr",
               .type = SettingType::kHostPort,
               .help = "host:port of the providers service (empty: client-given metadata, "
                       "no links; local development only)"});
  s.push_back({.name = "indexer-addr",
               .type = SettingType::kHostPort,
               .help = "host:port of the indexer (empty: nothing is queued for indexing)"});
  return s;
}

absl::StatusOr<Settings> ReadSettings(const Config& config) {
  Settings s;
  s.runtime = ReadRuntimeSettings(config);
  s.database = ReadDatabaseSettings(config);
  s.providers_addr = config.GetString("providers-addr");
  s.indexer_addr = config.GetString("indexer-addr");
  return s;
}

}  // namespace lc::repository
