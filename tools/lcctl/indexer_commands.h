// lcctl subcommands of the IndexerService: search, reindex (admin, with a
// progress bar) and index status.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "command.h"
#include "liveconnect/v1/indexer.pb.h"

namespace lc::lcctl {

std::vector<Command> IndexerCommands();

// Request builders and the progress bar, exposed so tests check them
// without a server.
absl::StatusOr<liveconnect::v1::SearchRequest> BuildSearchRequest(const ParsedArgs& args);
absl::StatusOr<liveconnect::v1::ReindexRequest> BuildReindexRequest(const ParsedArgs& args);
// "[#########-----------]  45/100 done, 1 failed" in `width` bar cells.
std::string ProgressBar(const liveconnect::v1::ReindexProgress& progress, int width);

}  // namespace lc::lcctl
