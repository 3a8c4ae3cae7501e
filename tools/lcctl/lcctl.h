// lcctl's entry point: global options, subcommand dispatch, error reporting.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "command.h"

namespace lc::lcctl {

// Every subcommand of every service.
std::vector<Command> AllCommands();

// Runs one lcctl invocation (argv[0] is the program name) with the process
// environment. Returns the exit code: 0 success, 1 RPC error, 2 usage error.
int RunLcctl(int argc, char** argv, std::ostream& out, std::ostream& err);

// As above, with the arguments after the program name and an injected
// environment.
int RunLcctl(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
             std::ostream& err);

}  // namespace lc::lcctl
