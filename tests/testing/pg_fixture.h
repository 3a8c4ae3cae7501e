// A throwaway database for one test binary on the PostgreSQL server that
// ./scripts/test starts (PGHOST/PGPORT/PGUSER). Tests that need it call
// RequirePostgres() and are skipped with a message when there is none.
#pragma once

#include <string>

namespace lc::testing {

// Conninfo of the server's maintenance database, or "" when PGHOST is unset.
std::string ServerConninfo();

// Creates a fresh, uniquely named database and returns its conninfo. The
// database is dropped at process exit.
std::string CreateTestDatabase();

}  // namespace lc::testing

// Skips the current test when no PostgreSQL is configured.
#define LC_REQUIRE_POSTGRES()                                             \
  do {                                                                    \
    if (::lc::testing::ServerConninfo().empty()) {                        \
      if (std::getenv("CI") != nullptr) FAIL() << "PGHOST not set in CI"; \
      GTEST_SKIP() << "PGHOST not set: run through ./scripts/test";       \
    }                                                                     \
  } while (0)
