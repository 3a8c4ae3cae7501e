// The oauth service's settings (flags or LC_* variables), typed and checked
// at start.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oauth/provider_client.h"
#include "oauth/token_broker.h"
#include "oauth/token_cipher.h"
#include "runtime/config.h"
#include "runtime/server.h"

namespace lc::oauth {

struct Settings {
  RuntimeSettings runtime;
  DatabaseSettings database;
  TokenCipher cipher;              // from token-keys
  std::string http_ca_file;        // empty: the system bundle only
  ProviderClient::Options client;  // http-timeout
  TokenBroker::Options broker;     // refresh-margin
};

// CommonSettingsWithDatabase("0.0.0.0:50052") plus token-keys,
// refresh-margin, http-timeout and http-ca-file.
std::vector<SettingSpec> SettingSpecs();

// INVALID_ARGUMENT naming the flag and its variable when a value is unusable.
absl::StatusOr<Settings> ReadSettings(const Config& config);

}  // namespace lc::oauth
