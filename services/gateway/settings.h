// The gateway's settings (flags or LC_* variables) and their translation
// into Gateway::Options, checked at start.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "gateway/gateway.h"
#include "runtime/config.h"

namespace lc::gateway {

// CommonSettings("0.0.0.0:8080") plus public-url, oauth-addr, the HTTP
// timeouts and limits.
std::vector<SettingSpec> GatewaySettings();

// INVALID_ARGUMENT naming the flag when a value is unusable.
absl::StatusOr<Gateway::Options> GatewayOptionsFromConfig(const Config& config);

}  // namespace lc::gateway
