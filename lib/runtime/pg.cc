#include "runtime/pg.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "runtime/log.h"

namespace lc {
namespace {

// Attempts of a transaction that fails to serialize or deadlocks: the first
// try plus 3 retries.
constexpr int kMaxTransactionAttempts = 4;

// First half of the two-key advisory lock ("LC"), so migration locks do not
// collide with advisory locks a service takes with one bigint key.
constexpr int kMigrationLockClass = 0x4c43;

// The first line of a libpq message without its "ERROR:  " prefix; the
// DETAIL lines can contain row values, which do not belong in a status.
std::string FirstLine(absl::string_view what) {
  absl::string_view line = what.substr(0, what.find('\n'));
  for (absl::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (absl::StartsWith(line, prefix)) line.remove_prefix(prefix.size());
  }
  return std::string(line);
}

bool IsUrl(const std::string& conninfo) {
  return absl::StartsWith(conninfo, "postgresql://") || absl::StartsWith(conninfo, "postgres://");
}

std::string WithConnectTimeout(const std::string& conninfo, absl::Duration timeout) {
  if (timeout <= absl::ZeroDuration()) return conninfo;
  // libpq takes whole seconds; round up so a short timeout is not "forever".
  int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1))));
  if (IsUrl(conninfo)) {
    return absl::StrCat(conninfo, absl::StrContains(conninfo, '?') ? "&" : "?",
                        "connect_timeout=", seconds);
  }
  return absl::StrCat(conninfo, " connect_timeout=", seconds);
}

// SQLSTATEs that mean the server or the session is going away.
bool IsConnectionSqlState(const std::string& state) {
  return absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" ||
         state == "57P03" || state == "53300";
}

bool IsRetryable(const std::exception& e) {
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr ||
      dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr) {
    return true;
  }
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && (sql->sqlstate() == "40001" || sql->sqlstate() == "40P01");
}

std::string SqlState(const std::exception& e) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql == nullptr ? "" : sql->sqlstate();
}

// Logs the failures whose details the caller's status does not carry.
void LogFailure(const std::exception& e, const absl::Status& status) {
  if (status.code() == absl::StatusCode::kInternal) {
    LogError("postgres: unexpected database error",
             {{"error", e.what()}, {"sqlstate", SqlState(e)}});
  } else if (status.code() == absl::StatusCode::kUnavailable) {
    LogWarn("postgres: connection failed", {{"error", FirstLine(e.what())}});
  }
}

}  // namespace

// A connection taken from the pool; goes back on destruction unless marked
// broken, in which case it is closed and its slot freed.
class PgPool::Lease {
 public:
  Lease(PgPool& pool, std::unique_ptr<pqxx::connection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  ~Lease() { pool_.Release(std::move(conn_), healthy_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  pqxx::connection& conn() { return *conn_; }

  // Marks the connection broken when the failure says so or libpq saw it
  // close, so it is never handed out again.
  void NoteFailure(const absl::Status& status) {
    if (status.code() == absl::StatusCode::kUnavailable || !conn_->is_open()) healthy_ = false;
  }

  static absl::Status RunTransaction(PgPool& pool, const TxFn& fn, bool read_only) {
    absl::Status status;
    bool stale_retried = false;
    for (int attempt = 1; attempt <= kMaxTransactionAttempts; ++attempt) {
      absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = pool.Acquire();
      if (!conn.ok()) return conn.status();
      Lease lease(pool, *std::move(conn));
      std::unique_ptr<pqxx::work> tx;
      try {
        tx = std::make_unique<pqxx::work>(lease.conn());
      } catch (const std::exception& e) {
        status = StatusFromException(e);
        lease.NoteFailure(status);
        // BEGIN failed on a pooled connection the server dropped (a restart):
        // nothing ran, so one retry on a fresh connection is safe.
        if (status.code() == absl::StatusCode::kUnavailable && !stale_retried) {
          stale_retried = true;
          --attempt;
          continue;
        }
        LogFailure(e, status);
        return status;
      }
      try {
        // TxFn takes pqxx::work, so read-only is set on the transaction
        // rather than by using pqxx::read_transaction.
        if (read_only) tx->exec0("SET TRANSACTION READ ONLY");
        status = fn(*tx);
        if (status.ok()) {
          tx->commit();
        } else {
          tx->abort();
        }
        return status;
      } catch (const std::exception& e) {
        status = StatusFromException(e);
        lease.NoteFailure(status);
        // Only failures the server rolled back are safe to repeat; a lost
        // connection may have committed.
        if (IsRetryable(e) && attempt < kMaxTransactionAttempts) continue;
        LogFailure(e, status);
        return status;
      }
    }
    return status;
  }

 private:
  PgPool& pool_;
  std::unique_ptr<pqxx::connection> conn_;
  bool healthy_ = true;
};

PgPool::PgPool(PgOptions options) : options_(std::move(options)) {
  if (options_.pool_size < 1) options_.pool_size = 1;
}

PgPool::~PgPool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

absl::Status PgPool::Run(const TxFn& fn) { return Lease::RunTransaction(*this, fn, false); }

absl::Status PgPool::RunReadOnly(const TxFn& fn) { return Lease::RunTransaction(*this, fn, true); }

absl::Status PgPool::RunOnConnection(const std::function<absl::Status(pqxx::connection&)>& fn) {
  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(*this, *std::move(conn));
  try {
    return fn(lease.conn());
  } catch (const std::exception& e) {
    absl::Status status = StatusFromException(e);
    lease.NoteFailure(status);
    LogFailure(e, status);
    return status;
  }
}

absl::Status PgPool::StatusFromException(const std::exception& e) {
  const std::string message = FirstLine(e.what());
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr ||
      dynamic_cast<const pqxx::statement_completion_unknown*>(&e) != nullptr) {
    return absl::UnavailableError(
        absl::StrCat("connection lost while committing; outcome unknown: ", message));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(absl::StrCat("database unavailable: ", message));
  }
  if (IsRetryable(e)) return absl::AbortedError(message);
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    if (state == "23505") return absl::AlreadyExistsError(message);
    if (state == "23503" || state == "23514") return absl::FailedPreconditionError(message);
    if (state == "57014") return absl::DeadlineExceededError(message);
    if (IsConnectionSqlState(state)) {
      return absl::UnavailableError(absl::StrCat("database unavailable: ", message));
    }
    return absl::InternalError(absl::StrCat("database error (sqlstate ", state, ")"));
  }
  return absl::InternalError("database error");
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> PgPool::Acquire() {
  const auto deadline =
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(options_.acquire_timeout);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    while (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->is_open()) return conn;
      --open_count_;
    }
    if (open_count_ < options_.pool_size) {
      // Reserve the slot, then connect without holding the lock.
      ++open_count_;
      lock.unlock();
      absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = Open();
      if (!conn.ok()) {
        lock.lock();
        --open_count_;
        cv_.notify_one();
      }
      return conn;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_count_ >= options_.pool_size) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "no free database connection within ", absl::FormatDuration(options_.acquire_timeout),
          " (pool size ", options_.pool_size, ")"));
    }
  }
}

void PgPool::Release(std::unique_ptr<pqxx::connection> conn, bool healthy) {
  const bool keep = conn != nullptr && healthy && conn->is_open();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      --open_count_;
      if (conn != nullptr && !healthy) {
        // The idle connections share the broken one's server; after a
        // restart they are all dead, so drop them instead of failing on each.
        open_count_ -= static_cast<int>(idle_.size());
        idle_.clear();
      }
    }
  }
  cv_.notify_one();
  // A dropped connection closes here, outside the lock.
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> PgPool::Open() {
  try {
    auto conn = std::make_unique<pqxx::connection>(
        WithConnectTimeout(options_.conninfo, options_.connect_timeout));
    // set_variable (not a plain SET) so libpqxx restores the settings if it
    // ever reconnects this connection object by itself.
    if (!options_.schema.empty()) {
      conn->set_variable("search_path", conn->quote_name(options_.schema) + ", public");
    }
    conn->set_variable("statement_timeout",
                       std::to_string(absl::ToInt64Milliseconds(options_.statement_timeout)));
    return conn;
  } catch (const std::exception& e) {
    absl::Status status = StatusFromException(e);
    LogFailure(e, status);
    return status;
  }
}

namespace {

absl::Status ValidateMigrations(const std::vector<Migration>& migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration versions must be positive and strictly increasing: ", m.version,
                       " (", m.name, ") follows ", previous));
    }
    previous = m.version;
  }
  return absl::OkStatus();
}

// Runs with the advisory lock held. Throws pqxx errors; returns the status of
// checks that are not database errors.
absl::Status ApplyLocked(pqxx::connection& conn, const std::string& schema,
                         const std::vector<Migration>& migrations) {
  const std::string table = conn.quote_name(schema) + ".schema_migrations";
  {
    pqxx::work tx(conn);
    tx.exec0("CREATE SCHEMA IF NOT EXISTS " + tx.quote_name(schema));
    tx.exec0("CREATE TABLE IF NOT EXISTS " + table +
             " (version int PRIMARY KEY, name text NOT NULL,"
             " applied_at timestamptz NOT NULL DEFAULT now())");
    tx.commit();
  }
  std::set<int> applied;
  {
    pqxx::work tx(conn);
    for (const auto& row : tx.exec("SELECT version FROM " + table)) {
      applied.insert(row[0].as<int>());
    }
    tx.commit();
  }
  std::set<int> known;
  for (const Migration& m : migrations) known.insert(m.version);
  std::vector<int> unknown;
  for (int v : applied) {
    if (known.count(v) == 0) unknown.push_back(v);
  }
  if (!unknown.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("schema ", schema, " has migration versions this binary does not know (",
                     absl::StrJoin(unknown, ", "), "): it was migrated by a newer release"));
  }
  for (const Migration& m : migrations) {
    if (applied.count(m.version) != 0) continue;
    try {
      pqxx::work tx(conn);
      // A migration may legitimately run longer than a request; LOCAL ends
      // with the transaction.
      tx.exec0("SET LOCAL statement_timeout = 0");
      tx.exec(m.sql);
      tx.exec_params0("INSERT INTO " + table + " (version, name) VALUES ($1, $2)", m.version,
                      m.name);
      tx.commit();
    } catch (const std::exception& e) {
      absl::Status status = PgPool::StatusFromException(e);
      LogError("postgres: migration failed",
               {{"schema", schema}, {"version", m.version}, {"name", m.name}, {"error", e.what()}});
      return absl::Status(status.code(), absl::StrCat("migration ", m.version, " (", m.name,
                                                      ") failed: ", FirstLine(e.what())));
    }
    LogInfo("postgres: applied migration",
            {{"schema", schema}, {"version", m.version}, {"name", m.name}});
  }
  return absl::OkStatus();
}

void ReleaseMigrationLock(pqxx::connection& conn, const std::string& schema) {
  try {
    pqxx::nontransaction tx(conn);
    tx.exec_params("SELECT pg_advisory_unlock($1, hashtext($2))", kMigrationLockClass, schema);
  } catch (const std::exception& e) {
    // A lock we could not release must not go back to the pool with its
    // connection; closing the session releases it.
    LogWarn("postgres: releasing the migration lock failed", {{"error", FirstLine(e.what())}});
    conn.disconnect();
  }
}

}  // namespace

absl::Status ApplyMigrations(PgPool& pool, const std::vector<Migration>& migrations) {
  if (absl::Status s = ValidateMigrations(migrations); !s.ok()) return s;
  const std::string& schema = pool.options().schema;
  if (schema.empty()) return absl::InvalidArgumentError("PgOptions.schema is empty");
  return pool.RunOnConnection([&](pqxx::connection& conn) -> absl::Status {
    {
      pqxx::work tx(conn);
      // Waiting for another replica's migrations must not hit the statement
      // timeout; the session-level lock outlives this transaction.
      tx.exec0("SET LOCAL statement_timeout = 0");
      tx.exec_params("SELECT pg_advisory_lock($1, hashtext($2))", kMigrationLockClass, schema);
      tx.commit();
    }
    absl::Status status;
    try {
      status = ApplyLocked(conn, schema, migrations);
    } catch (...) {
      ReleaseMigrationLock(conn, schema);
      throw;
    }
    ReleaseMigrationLock(conn, schema);
    return status;
  });
}

}  // namespace lc
