#include "oauth/settings.h"

namespace lc::oauth {

std::vector<SettingSpec> SettingSpecs() {
  std::vector<SettingSpec> s = CommonSettingsWithDatabase("0.0.0.0:50052");
  s.push_back({.name = "token-keys",
               .help = "keys sealing tokens at rest: \"kid:base64-32-bytes[,kid2:...]\"; the "
                       "first seals new values, all open old ones",
               .required = true,
               .secret = true});
  s.push_back({.name = "refresh-margin",
               .type = SettingType::kDuration,
               .default_value = "5m",
               .help = "refresh an access token that expires within this margin",
               .max_duration = absl::Hours(1)});
  s.push_back({.name = "http-timeout",
               .type = SettingType::kDuration,
               .default_value = "10s",
               .help = "time for one call to a provider's token, account or revoke endpoint",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Minutes(10)});
  s.push_back({.name = "http-ca-file",
               .type = SettingType::kReadableFile,
               .help = "extra CA bundle for provider endpoints (the emulator's certificate)"});
  return s;
}

absl::StatusOr<Settings> ReadSettings(const Config& config) {
  Settings s;
  s.runtime = ReadRuntimeSettings(config);
  s.database = ReadDatabaseSettings(config);
  absl::StatusOr<TokenCipher> cipher = TokenCipher::FromKeyList(config.GetString("token-keys"));
  if (!cipher.ok()) return InvalidSetting("token-keys", std::string(cipher.status().message()));
  s.cipher = *std::move(cipher);
  s.http_ca_file = config.GetString("http-ca-file");
  s.client.timeout = config.GetDuration("http-timeout");
  s.broker.refresh_margin = config.GetDuration("refresh-margin");
  return s;
}

}  // namespace lc::oauth
