#include "args.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lc::lcctl {
namespace {

const FlagSpec* FindFlag(const ArgSpec& spec, absl::string_view name) {
  for (const FlagSpec& flag : spec.flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

std::string FlagUsage(const FlagSpec& flag) {
  std::string text = absl::StrCat("--", flag.name);
  if (!flag.value_name.empty()) absl::StrAppend(&text, " ", flag.value_name);
  if (flag.repeated) absl::StrAppend(&text, " ...");
  return flag.required ? text : absl::StrCat("[", text, "]");
}

}  // namespace

bool ParsedArgs::Has(absl::string_view flag) const { return flags_.find(flag) != flags_.end(); }

std::string ParsedArgs::Value(absl::string_view flag, absl::string_view fallback) const {
  auto it = flags_.find(flag);
  if (it == flags_.end() || it->second.empty()) return std::string(fallback);
  return it->second.back();
}

std::vector<std::string> ParsedArgs::Values(absl::string_view flag) const {
  auto it = flags_.find(flag);
  return it == flags_.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<int> ParsedArgs::Choice(
    absl::string_view flag, const std::vector<std::pair<std::string, int>>& choices) const {
  const std::string value = Value(flag);
  std::vector<std::string> names;
  for (const auto& [name, number] : choices) {
    if (name == value) return number;
    names.push_back(name);
  }
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": invalid value \"", value,
                                                 "\" (want ", absl::StrJoin(names, "|"), ")"));
}

absl::StatusOr<int64_t> ParsedArgs::Int(absl::string_view flag, int64_t min, int64_t max) const {
  const std::string value = Value(flag);
  int64_t number = 0;
  if (!absl::SimpleAtoi(value, &number) || number < min || number > max) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": invalid value \"", value,
                                                   "\" (want an integer from ", min, " to ", max,
                                                   ")"));
  }
  return number;
}

absl::StatusOr<std::map<std::string, std::string>> ParsedArgs::KeyValues(
    absl::string_view flag) const {
  std::map<std::string, std::string> entries;
  for (const std::string& entry : Values(flag)) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": invalid value \"", entry, "\" (want key=value)"));
    }
    entries[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return entries;
}

absl::StatusOr<ParsedArgs> ParseArgs(const ArgSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs parsed;
  bool flags_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool is_flag = !flags_ended && arg.size() > 1 && arg[0] == '-';
    if (!is_flag) {
      parsed.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    std::string name;
    std::optional<std::string> inline_value;
    if (arg == "-h" && FindFlag(spec, "help") != nullptr) {
      name = "help";
    } else if (absl::StartsWith(arg, "--")) {
      name = arg.substr(2);
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    }
    const FlagSpec* flag = FindFlag(spec, name);
    if (flag == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    std::string value;
    if (flag->value_name.empty()) {
      if (inline_value) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      }
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " needs a value (", flag->value_name, ")"));
    }
    auto& values = parsed.flags_[name];
    if (!values.empty() && !flag->repeated) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " given more than once"));
    }
    values.push_back(std::move(value));
  }
  // Asking for help is never an error, whatever else is missing.
  if (parsed.Has("help")) return parsed;
  for (const FlagSpec& flag : spec.flags) {
    if (flag.required && !parsed.Has(flag.name)) {
      return absl::InvalidArgumentError(absl::StrCat("missing required flag --", flag.name));
    }
  }
  if (parsed.positionals_.size() < spec.positionals.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing argument ", spec.positionals[parsed.positionals_.size()]));
  }
  const size_t most = spec.positionals.size() + spec.optional_positionals.size();
  if (parsed.positionals_.size() > most) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", parsed.positionals_[most], "\""));
  }
  return parsed;
}

std::string UsageText(absl::string_view command, const ArgSpec& spec, absl::string_view summary) {
  std::string text = absl::StrCat("usage: lcctl ", command);
  for (const std::string& positional : spec.positionals) absl::StrAppend(&text, " ", positional);
  for (const std::string& optional : spec.optional_positionals) {
    absl::StrAppend(&text, " [", optional, "]");
  }
  for (const FlagSpec& flag : spec.flags) {
    if (flag.name != "help") absl::StrAppend(&text, " ", FlagUsage(flag));
  }
  absl::StrAppend(&text, "\n");
  if (!summary.empty()) absl::StrAppend(&text, "\n", summary, "\n");
  size_t width = 0;
  std::vector<std::pair<std::string, std::string>> lines;
  for (const FlagSpec& flag : spec.flags) {
    std::string left = flag.name == "help" ? "-h, --help" : absl::StrCat("--", flag.name);
    if (!flag.value_name.empty()) absl::StrAppend(&left, " ", flag.value_name);
    width = std::max(width, left.size());
    lines.emplace_back(std::move(left), flag.help);
  }
  if (!lines.empty()) absl::StrAppend(&text, "\nflags:\n");
  for (const auto& [left, help] : lines) {
    absl::StrAppend(&text, "  ", left, std::string(width - left.size() + 2, ' '), help, "\n");
  }
  return text;
}

}  // namespace lc::lcctl
