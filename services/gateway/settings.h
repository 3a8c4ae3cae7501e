// The gateway's settings (flags or LC_* variables), typed and checked at
// start.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "gateway/gateway.h"
#include "runtime/config.h"
#include "runtime/process.h"

namespace lc::gateway {

struct Settings {
  RuntimeSettings runtime;
  Gateway::Options gateway;
};

// CommonSettings("0.0.0.0:8080") plus public-url, the service addresses,
// the HTTP timeouts and limits.
std::vector<SettingSpec> SettingSpecs();

// INVALID_ARGUMENT naming the flag and its variable when a value is unusable.
absl::StatusOr<Settings> ReadSettings(const Config& config);

}  // namespace lc::gateway
