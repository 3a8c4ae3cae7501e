// The providers service's settings (flags or LC_* variables), typed and
// checked at start.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/api_session.h"
#include "providers/providers.h"
#include "runtime/config.h"
#include "runtime/server.h"

namespace lc::providers {

struct Settings {
  RuntimeSettings runtime;
  std::string oauth_addr;    // host:port of the oauth service
  std::string http_ca_file;  // empty: the system bundle only
  ReliabilityOptions reliability;
  Providers::Options providers;
  absl::Duration cache_ttl;  // metadata cache; 0: off
  size_t cache_entries = 0;
};

// CommonSettings("0.0.0.0:50053") plus oauth-addr, the HTTP, content,
// cache and circuit-breaker settings.
std::vector<SettingSpec> SettingSpecs();

// INVALID_ARGUMENT naming the flag and its variable when a value is unusable.
absl::StatusOr<Settings> ReadSettings(const Config& config);

}  // namespace lc::providers
