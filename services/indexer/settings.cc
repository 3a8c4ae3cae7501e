#include "indexer/settings.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lc::indexer {

std::vector<SettingSpec> SettingSpecs() {
  std::vector<SettingSpec> specs = CommonSettingsWithDatabase("0.0.0.0:50055");
  auto add = [&](SettingSpec s) { specs.push_back(std::move(s)); };
  add({.name = "providers-addr",
       .type = SettingType::kHostPort,
       .default_value = "127.0.0.1:50053",
       .help = "ProviderService address",
       .required = true});
  add({.name = "repository-addr",
       .type = SettingType::kHostPort,
       .help =
           "RepositoryService address, told each document's full-text state (empty: not told)"});
  add({.name = "text-search-configs",
       .default_value = "english,simple",
       .help = "PostgreSQL text-search configurations indexed and queried (comma-separated; "
               "the first also makes the snippets)"});
  add({.name = "text-export-providers",
       .default_value = "box",
       .help = "providers asked for a text export before the bytes (native documents always)"});
  add({.name = "max-fetch-bytes",
       .type = SettingType::kInt,
       .default_value = "33554432",
       .help = "bytes fetched per document",
       .min = 1024,
       .max = int64_t{4} << 30});
  add({.name = "max-chars",
       .type = SettingType::kInt,
       .default_value = "1048576",
       .help = "characters of text kept per document",
       .min = 1024,
       .max = 64 << 20});
  add({.name = "max-unzipped-bytes",
       .type = SettingType::kInt,
       .default_value = "67108864",
       .help = "bytes one Office/OpenDocument part may unzip to",
       .min = 4096,
       .max = int64_t{4} << 30});
  add({.name = "fetch-timeout",
       .type = SettingType::kDuration,
       .default_value = "60s",
       .help = "time to fetch one document's content",
       .min_duration = absl::Milliseconds(1),
       .max_duration = absl::Hours(1)});
  add({.name = "extract-timeout",
       .type = SettingType::kDuration,
       .default_value = "30s",
       .help = "time (wall and CPU) to extract one document's text",
       .min_duration = absl::Milliseconds(1),
       .max_duration = absl::Hours(1)});
  add({.name = "extract-memory-bytes",
       .type = SettingType::kInt,
       .default_value = "1073741824",
       .help = "address-space limit of the extractor process",
       .min = 64 << 20,
       .max = int64_t{64} << 30});
  add({.name = "extractor-path",
       .default_value = "",
       .help = "the indexer-extract binary (default: next to this binary)"});
  add({.name = "workers",
       .type = SettingType::kInt,
       .default_value = "2",
       .help = "indexing worker threads in this process (0: serve search only)",
       .min = 0,
       .max = 64});
  add({.name = "max-attempts",
       .type = SettingType::kInt,
       .default_value = "5",
       .help = "attempts before a job is dead-lettered",
       .min = 1,
       .max = 100});
  add({.name = "retry-backoff",
       .type = SettingType::kDuration,
       .default_value = "10s",
       .help = "wait before the first retry; doubles per attempt up to 30m",
       .max_duration = absl::Minutes(30)});
  return specs;
}

absl::StatusOr<Settings> ReadSettings(const Config& config) {
  Settings s;
  s.runtime = ReadRuntimeSettings(config);
  s.database = ReadDatabaseSettings(config);
  s.providers_addr = config.GetString("providers-addr");
  s.repository_addr = config.GetString("repository-addr");
  for (absl::string_view c :
       absl::StrSplit(config.GetString("text-search-configs"), ',', absl::SkipWhitespace())) {
    s.text_search_configs.emplace_back(absl::StripAsciiWhitespace(c));
  }
  if (s.text_search_configs.empty()) {
    return InvalidSetting("text-search-configs", "give at least one configuration");
  }
  for (absl::string_view p :
       absl::StrSplit(config.GetString("text-export-providers"), ',', absl::SkipWhitespace())) {
    s.text_export_providers.emplace(absl::StripAsciiWhitespace(p));
  }
  s.caps.max_fetch_bytes = config.GetInt("max-fetch-bytes");
  s.caps.max_chars = config.GetInt("max-chars");
  s.caps.fetch_timeout = config.GetDuration("fetch-timeout");
  s.sandbox.extract.max_chars = s.caps.max_chars;
  s.sandbox.extract.max_unzipped_bytes = config.GetInt("max-unzipped-bytes");
  s.sandbox.timeout = config.GetDuration("extract-timeout");
  s.sandbox.max_memory_bytes = config.GetInt("extract-memory-bytes");
  s.extractor_path = config.GetString("extractor-path");
  if (s.extractor_path.empty()) s.extractor_path = DefaultHelperPath();
  if (access(s.extractor_path.c_str(), X_OK) != 0) {
    return InvalidSetting("extractor-path",
                          absl::StrCat("cannot execute \"", s.extractor_path, "\""));
  }
  s.workers.workers = static_cast<int>(config.GetInt("workers"));
  s.workers.max_attempts = static_cast<int>(config.GetInt("max-attempts"));
  s.workers.lease = s.caps.fetch_timeout + s.sandbox.timeout + absl::Seconds(30);
  s.workers.name = InstanceName();
  s.queue.max_attempts = s.workers.max_attempts;
  s.queue.backoff_base = config.GetDuration("retry-backoff");
  return s;
}

}  // namespace lc::indexer
