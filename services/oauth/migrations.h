// Schema "oauth": the provider registry, pending authorization states and
// the credential store.
#pragma once

#include <vector>

#include "runtime/pg.h"

namespace lc::oauth {

const std::vector<Migration>& Migrations();

}  // namespace lc::oauth
