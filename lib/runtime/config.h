// Service configuration from flags and LC_* environment variables.
//
// A setting named "listen-port" is read from the flag --listen-port (also
// "--listen-port value") or from the environment variable LC_LISTEN_PORT; a
// flag wins over the environment, both win over the default. Every value is
// validated at load: a bad one stops the service with a message naming the
// setting, before anything else starts. Each service turns its Config into
// a typed Settings struct in its settings.{h,cc}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lc {

enum class SettingType {
  kString,
  kInt,           // decimal integer within [min, max]
  kBool,          // true/false/1/0/yes/no
  kDuration,      // absl duration syntax: "500ms", "10s", "5m"
  kPort,          // 0..65535 (0 picks a free port)
  kHostPort,      // "host:port"; empty when not required means "not set"
  kEnum,          // one of `choices`
  kUrl,           // absolute http:// or https:// URL with a host
  kReadableFile,  // a path this process can open for reading
};

struct SettingSpec {
  std::string name;  // lower-case words separated by '-'
  SettingType type = SettingType::kString;
  std::string default_value;
  std::string help;
  bool required = false;  // an empty value is an error
  bool secret = false;    // never printed, never logged
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
  std::vector<std::string> choices;
  // kDuration: the accepted range (a negative duration is always refused).
  absl::Duration min_duration = absl::ZeroDuration();
  absl::Duration max_duration = absl::InfiniteDuration();
  // kString: the shortest accepted value (a signing secret).
  size_t min_length = 0;
};

class Config {
 public:
  // Parses argv[1..] and the environment against the specs. Unknown flags,
  // missing required settings and invalid values are INVALID_ARGUMENT errors
  // whose message names the flag and the variable ("--listen-port
  // (LC_LISTEN_PORT): ...").
  static absl::StatusOr<Config> Load(const std::vector<SettingSpec>& specs, int argc,
                                     const char* const* argv,
                                     const std::map<std::string, std::string>& env);

  // The process environment as a map.
  static std::map<std::string, std::string> ProcessEnv();

  // The environment variable name of a setting ("listen-port" -> LC_LISTEN_PORT).
  static std::string EnvName(const std::string& setting);

  // Accessors; the name must be one of the specs (else the process aborts:
  // that is a programming error, not bad input).
  const std::string& GetString(const std::string& name) const;
  int64_t GetInt(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  absl::Duration GetDuration(const std::string& name) const;

  // "name=value" pairs for a start-up log line, secrets shown as "***".
  std::map<std::string, std::string> Redacted() const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, SettingSpec> specs_;
};

// INVALID_ARGUMENT "--name (LC_NAME): what", the shape of every settings
// error, for the checks a SettingSpec cannot declare (a key list, a cron).
absl::Status InvalidSetting(const std::string& name, const std::string& what);

// Loads or exits the process with status 2 and the error on stderr.
Config LoadConfigOrDie(const std::string& service, const std::vector<SettingSpec>& specs, int argc,
                       const char* const* argv);

// Prints "<service>: invalid configuration: <message>" and exits with status 2.
[[noreturn]] void ExitOnInvalidConfig(const std::string& service, const absl::Status& status);

// A service's typed settings: every settings.h offers `SettingSpecs()` and
// `ReadSettings(const Config&)`; these two join them.
template <typename Settings>
absl::StatusOr<Settings> LoadSettings(const std::vector<SettingSpec>& specs,
                                      absl::StatusOr<Settings> (*read)(const Config&), int argc,
                                      const char* const* argv,
                                      const std::map<std::string, std::string>& env) {
  absl::StatusOr<Config> config = Config::Load(specs, argc, argv, env);
  if (!config.ok()) return config.status();
  return read(*config);
}

template <typename Settings>
Settings LoadSettingsOrDie(const std::string& service, const std::vector<SettingSpec>& specs,
                           absl::StatusOr<Settings> (*read)(const Config&), int argc,
                           const char* const* argv) {
  absl::StatusOr<Settings> settings = read(LoadConfigOrDie(service, specs, argc, argv));
  if (!settings.ok()) ExitOnInvalidConfig(service, settings.status());
  return *std::move(settings);
}

}  // namespace lc
