#include "runtime/config.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

extern char** environ;

namespace lc {
namespace {

// A programming error (unknown setting, wrong accessor): fail loudly at once.
[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "config: %s\n", message.c_str());
  std::abort();
}

std::string Label(const std::string& name) {
  return absl::StrCat("--", name, " (", Config::EnvName(name), ")");
}

absl::Status Invalid(const SettingSpec& spec, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(Label(spec.name), ": ", what));
}

// Quotes a bad value for an error message, unless it is a secret.
std::string Shown(const SettingSpec& spec, const std::string& value) {
  return spec.secret ? std::string("(secret value)") : absl::StrCat("\"", value, "\"");
}

bool ParseBool(const std::string& text, bool* out) {
  const std::string v = absl::AsciiStrToLower(text);
  if (v == "true" || v == "1" || v == "yes") {
    *out = true;
    return true;
  }
  if (v == "false" || v == "0" || v == "no") {
    *out = false;
    return true;
  }
  return false;
}

bool ParsePort(absl::string_view text, int64_t* out) {
  int64_t port = 0;
  if (text.empty() || !absl::SimpleAtoi(text, &port) || port < 0 || port > 65535) return false;
  *out = port;
  return true;
}

// An absolute http:// or https:// URL with a host, as libcurl parses it.
bool IsHttpUrl(const std::string& value) {
  CURLU* url = curl_url();
  if (url == nullptr) return false;
  bool ok = curl_url_set(url, CURLUPART_URL, value.c_str(), 0) == CURLUE_OK;
  char* scheme = nullptr;
  char* host = nullptr;
  ok = ok && curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
       curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] != '\0';
  ok = ok && (std::string(scheme) == "http" || std::string(scheme) == "https");
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(url);
  return ok;
}

absl::Status Validate(const SettingSpec& spec, const std::string& value) {
  if (value.empty()) {
    if (spec.required) return Invalid(spec, "is required");
    // An empty optional setting means "not set"; accessors return zero values.
    return absl::OkStatus();
  }
  switch (spec.type) {
    case SettingType::kString:
      if (value.size() < spec.min_length) {
        // Never quoted: the shortest-value rule is for secrets.
        return Invalid(spec, absl::StrCat("must be at least ", spec.min_length, " bytes"));
      }
      return absl::OkStatus();
    case SettingType::kInt: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n)) {
        return Invalid(spec, absl::StrCat("not an integer: ", Shown(spec, value)));
      }
      if (n < spec.min || n > spec.max) {
        return Invalid(
            spec, absl::StrCat(Shown(spec, value), " is outside [", spec.min, ", ", spec.max, "]"));
      }
      return absl::OkStatus();
    }
    case SettingType::kBool: {
      bool b = false;
      if (!ParseBool(value, &b)) {
        return Invalid(spec,
                       absl::StrCat("not a boolean (true/false/1/0/yes/no): ", Shown(spec, value)));
      }
      return absl::OkStatus();
    }
    case SettingType::kDuration: {
      absl::Duration d;
      if (!absl::ParseDuration(value, &d)) {
        return Invalid(spec,
                       absl::StrCat("not a duration (e.g. 500ms, 10s, 5m): ", Shown(spec, value)));
      }
      if (d < absl::ZeroDuration()) {
        return Invalid(spec, absl::StrCat("negative duration: ", Shown(spec, value)));
      }
      if (d < spec.min_duration || d > spec.max_duration) {
        return Invalid(spec, absl::StrCat(Shown(spec, value), " is outside [",
                                          absl::FormatDuration(spec.min_duration), ", ",
                                          absl::FormatDuration(spec.max_duration), "]"));
      }
      return absl::OkStatus();
    }
    case SettingType::kPort: {
      int64_t port = 0;
      if (!ParsePort(value, &port)) {
        return Invalid(spec, absl::StrCat("not a port (0..65535): ", Shown(spec, value)));
      }
      return absl::OkStatus();
    }
    case SettingType::kHostPort: {
      const size_t colon = value.rfind(':');
      int64_t port = 0;
      if (colon == std::string::npos || colon == 0 ||
          value.find_first_of(" /\t") != std::string::npos ||
          !ParsePort(absl::string_view(value).substr(colon + 1), &port)) {
        return Invalid(spec, absl::StrCat("not host:port: ", Shown(spec, value)));
      }
      return absl::OkStatus();
    }
    case SettingType::kUrl:
      if (!IsHttpUrl(value)) {
        return Invalid(spec, absl::StrCat("not an absolute http(s) URL: ", Shown(spec, value)));
      }
      return absl::OkStatus();
    case SettingType::kReadableFile:
      if (FILE* file = std::fopen(value.c_str(), "r")) {
        std::fclose(file);
        return absl::OkStatus();
      }
      return Invalid(spec, absl::StrCat("cannot read the file ", Shown(spec, value)));
    case SettingType::kEnum: {
      for (const std::string& choice : spec.choices) {
        if (value == choice) return absl::OkStatus();
      }
      return Invalid(spec, absl::StrCat(Shown(spec, value),
                                        " is not one of: ", absl::StrJoin(spec.choices, ", ")));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InvalidSetting(const std::string& name, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(Label(name), ": ", what));
}

std::string Config::EnvName(const std::string& setting) {
  return absl::StrCat("LC_", absl::AsciiStrToUpper(absl::StrReplaceAll(setting, {{"-", "_"}})));
}

std::map<std::string, std::string> Config::ProcessEnv() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string item(*entry);
    const size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    env.emplace(item.substr(0, eq), item.substr(eq + 1));
  }
  return env;
}

absl::StatusOr<Config> Config::Load(const std::vector<SettingSpec>& specs, int argc,
                                    const char* const* argv,
                                    const std::map<std::string, std::string>& env) {
  Config config;
  for (const SettingSpec& spec : specs) {
    if (spec.name.empty() || !config.specs_.emplace(spec.name, spec).second) {
      Die(absl::StrCat("empty or duplicate setting name \"", spec.name, "\""));
    }
  }

  std::map<std::string, std::string> from_flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i] == nullptr ? "" : argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const auto spec = config.specs_.find(name);
    if (spec == config.specs_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!value.has_value()) {
      const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
      bool unused = false;
      if (spec->second.type == SettingType::kBool) {
        // A bare boolean flag means true; "--flag false" is also accepted.
        if (next != nullptr && ParseBool(next, &unused)) {
          value = next;
          ++i;
        } else {
          value = "true";
        }
      } else if (next != nullptr) {
        value = next;
        ++i;
      } else {
        return Invalid(spec->second, "missing value");
      }
    }
    from_flags[name] = *value;
  }

  for (const SettingSpec& spec : specs) {
    std::string value = spec.default_value;
    if (auto flag = from_flags.find(spec.name); flag != from_flags.end()) {
      value = flag->second;
    } else if (auto var = env.find(EnvName(spec.name)); var != env.end()) {
      value = var->second;
    }
    if (absl::Status status = Validate(spec, value); !status.ok()) return status;
    config.values_[spec.name] = std::move(value);
  }
  return config;
}

const std::string& Config::GetString(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) Die(absl::StrCat("no setting named \"", name, "\""));
  return it->second;
}

int64_t Config::GetInt(const std::string& name) const {
  const std::string& value = GetString(name);
  const SettingType type = specs_.at(name).type;
  if (type != SettingType::kInt && type != SettingType::kPort) {
    Die(absl::StrCat("setting \"", name, "\" is not an integer"));
  }
  int64_t n = 0;
  if (!value.empty() && !absl::SimpleAtoi(value, &n)) Die("unvalidated integer " + name);
  return n;
}

bool Config::GetBool(const std::string& name) const {
  const std::string& value = GetString(name);
  if (specs_.at(name).type != SettingType::kBool) {
    Die(absl::StrCat("setting \"", name, "\" is not a boolean"));
  }
  bool b = false;
  if (!value.empty() && !ParseBool(value, &b)) Die("unvalidated boolean " + name);
  return b;
}

absl::Duration Config::GetDuration(const std::string& name) const {
  const std::string& value = GetString(name);
  if (specs_.at(name).type != SettingType::kDuration) {
    Die(absl::StrCat("setting \"", name, "\" is not a duration"));
  }
  absl::Duration d = absl::ZeroDuration();
  if (!value.empty() && !absl::ParseDuration(value, &d)) Die("unvalidated duration " + name);
  return d;
}

std::map<std::string, std::string> Config::Redacted() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : values_) {
    out[name] = specs_.at(name).secret ? "***" : value;
  }
  return out;
}

Config LoadConfigOrDie(const std::string& service, const std::vector<SettingSpec>& specs, int argc,
                       const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] != nullptr && (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h")) {
      std::cout << "Usage: " << service << " [--setting=value ...]\n";
      for (const SettingSpec& spec : specs) {
        std::cout << "  --" << spec.name << " (" << Config::EnvName(spec.name) << ")";
        if (!spec.secret && !spec.default_value.empty()) {
          std::cout << " default \"" << spec.default_value << "\"";
        }
        if (spec.required) std::cout << " required";
        std::cout << "\n      " << spec.help << "\n";
      }
      std::exit(0);
    }
  }
  absl::StatusOr<Config> config = Config::Load(specs, argc, argv, Config::ProcessEnv());
  if (!config.ok()) ExitOnInvalidConfig(service, config.status());
  return *std::move(config);
}

void ExitOnInvalidConfig(const std::string& service, const absl::Status& status) {
  std::cerr << service << ": invalid configuration: " << status.message() << "\n";
  std::exit(2);
}

}  // namespace lc
