// The repository schema's migrations, applied at start.
#pragma once

#include <vector>

#include "runtime/pg.h"

namespace lc::repository {

const std::vector<Migration>& Migrations();

}  // namespace lc::repository
