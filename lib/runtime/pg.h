// PostgreSQL access for services: a bounded connection pool whose
// connections use the service's own schema, transactions that map database
// failures to absl::Status, and versioned migrations.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lc {

// A PostgreSQL array literal of `items` ({"a","b\"c"}): every element quoted,
// '"' and '\\' escaped. Passed as a "$n::text[]" (or "::smallint[]") parameter.
template <class Range>
std::string PgArrayLiteral(const Range& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : std::string_view(item)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

struct PgOptions {
  // libpq connection string ("host=... port=... dbname=... user=...") or URL.
  std::string conninfo;
  // The service's schema; connections set search_path to it.
  std::string schema;
  int pool_size = 8;
  // How long Run waits for a free connection before RESOURCE_EXHAUSTED...
  absl::Duration acquire_timeout = absl::Seconds(5);
  // ...and for a new connection to open before UNAVAILABLE.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Per-statement timeout set on each connection (0: none).
  absl::Duration statement_timeout = absl::Seconds(30);
};

// Thread-safe. Connections are opened lazily, so the pool can be created
// while the database is down; a connection found broken is dropped and a new
// one is opened on the next call, so the service recovers after a database
// restart without restarting itself.
class PgPool {
 public:
  explicit PgPool(PgOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  using TxFn = std::function<absl::Status(pqxx::work&)>;

  // Runs fn inside a transaction and commits when fn returns OK (rolls back
  // otherwise and returns fn's status). Database errors become:
  //   connection lost / cannot connect      -> UNAVAILABLE
  //   serialization failure / deadlock      -> retried up to 3 times, then ABORTED
  //   unique violation                      -> ALREADY_EXISTS
  //   foreign-key / check violation         -> FAILED_PRECONDITION
  //   statement timeout                     -> DEADLINE_EXCEEDED
  //   anything else                         -> INTERNAL (details logged once)
  // A connection lost mid-transaction is never retried silently, because
  // the commit may or may not have happened.
  absl::Status Run(const TxFn& fn);

  // Same, with a read-only transaction.
  absl::Status RunReadOnly(const TxFn& fn);

  // Runs fn on a connection outside any transaction (for advisory locks and
  // LISTEN); same error mapping.
  absl::Status RunOnConnection(const std::function<absl::Status(pqxx::connection&)>& fn);

  const PgOptions& options() const { return options_; }

  // Maps a pqxx/std exception to a status (exposed for tests and stores).
  static absl::Status StatusFromException(const std::exception& e);

 private:
  class Lease;
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  void Release(std::unique_ptr<pqxx::connection> conn, bool healthy);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Open();

  PgOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<pqxx::connection>> idle_;
  int open_count_ = 0;
};

struct Migration {
  int version;       // 1, 2, 3... strictly increasing
  std::string name;  // short description
  std::string sql;   // runs with search_path set to the schema
};

// Creates the schema if needed and applies, in one transaction each, the
// migrations whose version is not yet recorded in <schema>.schema_migrations.
// Holds a PostgreSQL advisory lock keyed on the schema for the whole run, so
// two replicas starting together apply each migration exactly once.
// Idempotent. Fails with FAILED_PRECONDITION if the database records a
// version this binary does not know (a newer binary migrated it).
absl::Status ApplyMigrations(PgPool& pool, const std::vector<Migration>& migrations);

}  // namespace lc
