#include "lcctl.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "indexer_commands.h"
#include "oauth_commands.h"
#include "providers_commands.h"
#include "repository_commands.h"
#include "sync_commands.h"

namespace lc::lcctl {
namespace {

constexpr int kExitRpcError = 1;
constexpr int kExitUsage = 2;

std::vector<FlagSpec> GlobalFlags() {
  return {
      {"addr", "HOST:PORT",
       "service address (default: $LC_REPOSITORY_ADDR or 127.0.0.1:50051 for docs/versions/"
       "history/link, $LC_OAUTH_ADDR or 127.0.0.1:50052 for accounts/providers, "
       "$LC_INDEXER_ADDR or 127.0.0.1:50055 for search/reindex/index, $LC_PROVIDERS_ADDR or "
       "127.0.0.1:50053 for browse/file/revisions, $LC_SYNC_ADDR or 127.0.0.1:50054 for sync)"},
      {"token", "T", "bearer token sent as authorization metadata (default: $LC_TOKEN)"},
      {"json", "", "print the response as one JSON object"},
      {"timeout", "D", "deadline per call: 10s, 500ms, 2m (default 10s)"},
  };
}

std::string GlobalUsage() {
  std::string text = UsageText("", {GlobalFlags(), {}}, "");
  // Keep the flag lines, drop the synthetic usage line.
  const size_t flags = text.find("flags:\n");
  return absl::StrCat("global flags:\n", text.substr(flags + 7));
}

std::string FirstSentence(const std::string& text) {
  const size_t end = std::min(text.find('\n'), text.find(". "));
  return end == std::string::npos ? text : text.substr(0, end + (text[end] == '.' ? 1 : 0));
}

std::string TopUsage(const std::vector<Command>& commands, absl::string_view group = "") {
  std::string text = absl::StrCat("usage: lcctl [global flags] ",
                                  group.empty() ? "<command>" : group, " ... [flags]\n\n");
  absl::StrAppend(&text, "commands:\n");
  size_t width = 0;
  for (const Command& command : commands) width = std::max(width, command.name.size());
  for (const Command& command : commands) {
    if (!group.empty() && !absl::StartsWith(command.name, absl::StrCat(group, " "))) continue;
    absl::StrAppend(&text, "  ", command.name, std::string(width - command.name.size() + 2, ' '),
                    FirstSentence(command.summary), "\n");
  }
  absl::StrAppend(&text, "\n", GlobalUsage(), "\nRun 'lcctl <command> --help' for its flags.\n");
  return text;
}

std::string CommandUsage(const Command& command) {
  return absl::StrCat(UsageText(command.name, command.args, command.summary), "\n", GlobalUsage());
}

// After a usage error: the usage line and where to read more.
std::string ShortUsage(const Command& command) {
  const std::string usage = UsageText(command.name, command.args, "");
  return absl::StrCat(usage.substr(0, usage.find('\n') + 1), "Run 'lcctl ", command.name,
                      " --help' for details.\n");
}

int UsageError(std::ostream& err, absl::string_view message, absl::string_view usage) {
  err << "error: " << message << "\n\n" << usage;
  return kExitUsage;
}

bool IsGlobalFlagWithValue(absl::string_view arg) {
  for (const FlagSpec& flag : GlobalFlags()) {
    if (!flag.value_name.empty() && arg == absl::StrCat("--", flag.name)) return true;
  }
  return false;
}

// The command whose words start args[first...]; the longest name wins.
const Command* MatchCommand(const std::vector<Command>& commands,
                            const std::vector<std::string>& args, size_t first,
                            size_t* word_count) {
  const Command* best = nullptr;
  for (const Command& command : commands) {
    std::vector<std::string> words = absl::StrSplit(command.name, ' ');
    if (first + words.size() > args.size()) continue;
    if (!std::equal(words.begin(), words.end(), args.begin() + first)) continue;
    if (best == nullptr || words.size() > *word_count) {
      best = &command;
      *word_count = words.size();
    }
  }
  return best;
}

absl::StatusOr<absl::Duration> ParseTimeout(const std::string& text) {
  absl::Duration timeout;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) {
    timeout = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &timeout)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timeout: invalid value \"", text, "\" (want a duration such as 10s)"));
  }
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timeout: invalid value \"", text, "\" (want more than 0)"));
  }
  return timeout;
}

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

std::vector<Command> AllCommands() {
  // Each service appends its own file's commands here.
  std::vector<Command> commands = RepositoryCommands();
  for (Command& command : OAuthCommands()) commands.push_back(std::move(command));
  for (Command& command : IndexerCommands()) commands.push_back(std::move(command));
  for (Command& command : ProvidersCommands()) commands.push_back(std::move(command));
  for (Command& command : SyncCommands()) commands.push_back(std::move(command));
  return commands;
}

int RunLcctl(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return RunLcctl(args, &ProcessEnv, out, err);
}

int RunLcctl(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
             std::ostream& err) {
  const std::vector<Command> commands = AllCommands();

  // Global flags may come before the command words as well as after them.
  std::vector<std::string> leading;
  size_t first = 0;
  while (first < args.size() && absl::StartsWith(args[first], "-")) {
    if (args[first] == "-h" || args[first] == "--help") {
      out << TopUsage(commands);
      return 0;
    }
    leading.push_back(args[first]);
    if (IsGlobalFlagWithValue(args[first]) && first + 1 < args.size()) {
      leading.push_back(args[++first]);
    }
    ++first;
  }
  if (first == args.size()) return UsageError(err, "missing command", TopUsage(commands));
  if (args[first] == "help") {
    out << TopUsage(commands);
    return 0;
  }

  size_t word_count = 0;
  const Command* command = MatchCommand(commands, args, first, &word_count);
  if (command == nullptr) {
    // A group word alone ("lcctl docs") lists the group's commands.
    const std::string group = args[first];
    const bool is_group = std::any_of(
        commands.begin(), commands.end(),
        [&](const Command& candidate) { return absl::StartsWith(candidate.name, group + " "); });
    if (!is_group) {
      return UsageError(err, absl::StrCat("unknown command \"", group, "\""), TopUsage(commands));
    }
    const bool wants_help = std::any_of(args.begin() + first, args.end(), [](const auto& arg) {
      return arg == "-h" || arg == "--help";
    });
    if (wants_help) {
      out << TopUsage(commands, group);
      return 0;
    }
    const std::string message =
        first + 1 < args.size()
            ? absl::StrCat("unknown command \"", group, " ", args[first + 1], "\"")
            : absl::StrCat("missing subcommand of \"", group, "\"");
    return UsageError(err, message, TopUsage(commands, group));
  }

  ArgSpec spec = command->args;
  const std::vector<FlagSpec> global_flags = GlobalFlags();
  spec.flags.insert(spec.flags.end(), global_flags.begin(), global_flags.end());
  std::vector<std::string> rest = leading;
  rest.insert(rest.end(), args.begin() + first + word_count, args.end());
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(spec, rest);
  if (!parsed.ok()) return UsageError(err, parsed.status().message(), ShortUsage(*command));
  if (parsed->Has("help")) {
    out << CommandUsage(*command);
    return 0;
  }

  absl::StatusOr<absl::Duration> timeout = ParseTimeout(parsed->Value("timeout", "10s"));
  if (!timeout.ok()) return UsageError(err, timeout.status().message(), ShortUsage(*command));
  std::string token = parsed->Value("token", env("LC_TOKEN").value_or(""));
  if (token.empty()) {
    return UsageError(err, "no token: pass --token or set LC_TOKEN", ShortUsage(*command));
  }
  absl::StatusOr<Action> action = command->prepare(*parsed);
  if (!action.ok()) return UsageError(err, action.status().message(), ShortUsage(*command));

  const std::string addr = parsed->Value("addr", DefaultAddress(command->service, env));
  RpcSession session(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()),
                     std::move(token), *timeout, parsed->Has("json"), out);
  const absl::Status status = (*action)(session);
  if (!status.ok()) {
    err << "error: " << absl::StatusCodeToString(status.code()) << ": " << status.message() << "\n";
    return kExitRpcError;
  }
  return 0;
}

}  // namespace lc::lcctl
