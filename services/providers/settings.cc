#include "providers/settings.h"

namespace lc::providers {

std::vector<SettingSpec> SettingSpecs() {
  std::vector<SettingSpec> s = CommonSettings("0.0.0.0:50053");
  s.push_back({.name = "oauth-addr",
               .type = SettingType::kHostPort,
               .default_value = "127.0.0.1:50052",
               .help = "the oauth service (tokens, account ownership)",
               .required = true});
  s.push_back({.name = "http-timeout",
               .type = SettingType::kDuration,
               .default_value = "30s",
               .help = "time for one HTTP attempt to a provider",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Minutes(10)});
  s.push_back({.name = "http-attempts",
               .type = SettingType::kInt,
               .default_value = "4",
               .help = "attempts per provider call for 5xx, timeouts and throttling",
               .min = 1,
               .max = 10});
  s.push_back({.name = "http-ca-file",
               .type = SettingType::kReadableFile,
               .help = "extra CA bundle for provider endpoints (the emulator's certificate)"});
  s.push_back({.name = "content-max-bytes",
               .type = SettingType::kInt,
               .default_value = "104857600",
               .help = "GetContent size cap (and the default when a request sets none)",
               .min = 1});
  s.push_back({.name = "content-timeout",
               .type = SettingType::kDuration,
               .default_value = "2m",
               .help = "GetContent time cap",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(2)});
  s.push_back({.name = "cache-ttl",
               .type = SettingType::kDuration,
               .default_value = "30s",
               .help = "GetFile metadata cache for user calls (0s disables; never for services)",
               .max_duration = absl::Minutes(10)});
  s.push_back({.name = "cache-entries",
               .type = SettingType::kInt,
               .default_value = "10000",
               .help = "metadata cache size",
               .min = 0});
  s.push_back({.name = "breaker-threshold",
               .type = SettingType::kInt,
               .default_value = "5",
               .help = "consecutive failed calls that open a provider's circuit",
               .min = 1});
  s.push_back({.name = "breaker-open-for",
               .type = SettingType::kDuration,
               .default_value = "30s",
               .help = "how long an open circuit refuses calls",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(1)});
  return s;
}

absl::StatusOr<Settings> ReadSettings(const Config& config) {
  Settings s;
  s.runtime = ReadRuntimeSettings(config);
  s.oauth_addr = config.GetString("oauth-addr");
  s.http_ca_file = config.GetString("http-ca-file");
  s.reliability.max_attempts = static_cast<int>(config.GetInt("http-attempts"));
  s.reliability.http_timeout = config.GetDuration("http-timeout");
  s.reliability.breaker_threshold = static_cast<int>(config.GetInt("breaker-threshold"));
  s.reliability.breaker_open_for = config.GetDuration("breaker-open-for");
  s.providers.max_content_bytes = config.GetInt("content-max-bytes");
  s.providers.content_timeout = config.GetDuration("content-timeout");
  s.cache_ttl = config.GetDuration("cache-ttl");
  s.cache_entries = static_cast<size_t>(config.GetInt("cache-entries"));
  return s;
}

}  // namespace lc::providers
