// The sync schema's migrations, applied at start.
#pragma once

#include <vector>

#include "runtime/pg.h"

namespace lc::sync {

const std::vector<Migration>& Migrations();

}  // namespace lc::sync
