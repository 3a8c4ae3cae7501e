// Service configuration from flags and LC_* environment variables.
//
// A setting named "listen-port" is read from the flag --listen-port (also
// "--listen-port value") or from the environment variable LC_LISTEN_PORT; a
// flag wins over the environment, both win over the default. Every value is
// validated at load: a bad one stops the service with a message naming the
// setting, before anything else starts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lc {

enum class SettingType {
  kString,
  kInt,       // decimal integer within [min, max]
  kBool,      // true/false/1/0/yes/no
  kDuration,  // absl duration syntax: "500ms", "10s", "5m"
  kPort,      // 0..65535 (0 picks a free port)
  kHostPort,  // "host:port"
  kEnum,      // one of `choices`
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

// Loads or exits the process with status 2 and the error on stderr.
Config LoadConfigOrDie(const std::string& service, const std::vector<SettingSpec>& specs, int argc,
                       const char* const* argv);

}  // namespace lc
