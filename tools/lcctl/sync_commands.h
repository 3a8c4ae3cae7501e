// lcctl subcommands of the SyncService: sync now (admin; all accounts or
// one, with progress) and sync status.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "command.h"
#include "liveconnect/v1/sync.pb.h"

namespace lc::lcctl {

std::vector<Command> SyncCommands();

// Request builder and progress line, exposed for tests without a server:
// --provider, --account and --user name one account together or not at all.
absl::StatusOr<liveconnect::v1::RunNowRequest> BuildRunNowRequest(const ParsedArgs& args);
std::string SyncProgressLine(const liveconnect::v1::SyncProgress& progress);

}  // namespace lc::lcctl
