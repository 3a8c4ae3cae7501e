// Schema "search": the job queue and the full-text index.
#pragma once

#include <vector>

#include "runtime/pg.h"

namespace lc::indexer {

const std::vector<Migration>& Migrations();

}  // namespace lc::indexer
