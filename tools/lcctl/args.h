// Command-line argument parsing for lcctl: flags declared per command, parsed
// without any server so the rules can be unit tested.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lc::lcctl {

struct FlagSpec {
  // Long name without dashes: "file-id" is given as --file-id.
  std::string name;
  // Placeholder in usage text ("T", "k=v"); empty for a boolean flag.
  std::string value_name;
  std::string help;
  bool required = false;
  bool repeated = false;
};

// The flags and positional arguments one command accepts.
struct ArgSpec {
  std::vector<FlagSpec> flags;
  // Names of the positional arguments, all required ("ID", "DOC_ID").
  std::vector<std::string> positionals;
  // Names of positionals that may follow the required ones ("[DOC_ID]").
  std::vector<std::string> optional_positionals;
};

class ParsedArgs {
 public:
  bool Has(absl::string_view flag) const;
  // The flag's value, or fallback when it was not given.
  std::string Value(absl::string_view flag, absl::string_view fallback = "") const;
  // Every value of a repeated flag, in the order given.
  std::vector<std::string> Values(absl::string_view flag) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  // One of the named choices; InvalidArgument naming the flag otherwise.
  // Only valid when Has(flag).
  absl::StatusOr<int> Choice(absl::string_view flag,
                             const std::vector<std::pair<std::string, int>>& choices) const;
  // A decimal integer in [min, max]; InvalidArgument naming the flag otherwise.
  absl::StatusOr<int64_t> Int(absl::string_view flag, int64_t min, int64_t max) const;
  // Repeated key=value flags as a map; InvalidArgument for an entry without '='.
  absl::StatusOr<std::map<std::string, std::string>> KeyValues(absl::string_view flag) const;

 private:
  friend absl::StatusOr<ParsedArgs> ParseArgs(const ArgSpec& spec,
                                              const std::vector<std::string>& args);
  std::map<std::string, std::vector<std::string>, std::less<>> flags_;
  std::vector<std::string> positionals_;
};

// Parses "--flag value", "--flag=value", boolean "--flag", "-h" (as --help
// when the spec has a "help" flag) and positionals; "--" ends the flags.
// Every error is InvalidArgument with a message naming the flag, meant for a
// person: unknown flag, missing value, missing required flag, flag given
// twice, missing or extra positional.
absl::StatusOr<ParsedArgs> ParseArgs(const ArgSpec& spec, const std::vector<std::string>& args);

// "usage: lcctl <command> <positionals> <flags>" plus one line per flag.
std::string UsageText(absl::string_view command, const ArgSpec& spec, absl::string_view summary);

}  // namespace lc::lcctl
