// lcctl subcommands of the RepositoryService: docs, versions, history, link.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "command.h"
#include "liveconnect/v1/repository.pb.h"

namespace lc::lcctl {

std::vector<Command> RepositoryCommands();

// Request builders, exposed so tests check them without a server. Each takes
// the arguments parsed with its command's ArgSpec.
absl::StatusOr<liveconnect::v1::CreateDocumentRequest> BuildCreateDocumentRequest(
    const ParsedArgs& args);
// The update mask names exactly the fields whose flags were given.
absl::StatusOr<liveconnect::v1::UpdateDocumentRequest> BuildUpdateDocumentRequest(
    const ParsedArgs& args);
absl::StatusOr<liveconnect::v1::ListDocumentsRequest> BuildListDocumentsRequest(
    const ParsedArgs& args);
absl::StatusOr<liveconnect::v1::GetBlobLinkRequest> BuildGetBlobLinkRequest(const ParsedArgs& args);

}  // namespace lc::lcctl
