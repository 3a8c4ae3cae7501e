// lcctl subcommands of the ProviderService: browse a connected account
// (browse), one cloud file's metadata and links (file get, file link), its
// revisions (revisions list) and a provider's capabilities (capabilities).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "command.h"
#include "liveconnect/v1/providers.pb.h"

namespace lc::lcctl {

std::vector<Command> ProvidersCommands();

// Request builders, exposed so tests check them without a server.
absl::StatusOr<liveconnect::v1::ListFolderRequest> BuildBrowseRequest(const ParsedArgs& args);
absl::StatusOr<liveconnect::v1::GetLinkRequest> BuildFileLinkRequest(const ParsedArgs& args);
// "kept at least 30 days after a newer revision. <note>"
std::string PinDurabilityLine(const liveconnect::v1::PinDurability& durability);

}  // namespace lc::lcctl
