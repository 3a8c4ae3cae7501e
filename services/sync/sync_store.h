// The sync schema: one row per referenced account (its change-feed cursor,
// its lease, its last result), a log of leases (who held which account when)
// and run records. SQL lives here and nowhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/pg.h"

namespace lc::sync {

struct AccountKey {
  std::string user;
  std::string provider;
  std::string account;
  bool operator==(const AccountKey& o) const {
    return user == o.user && provider == o.provider && account == o.account;
  }
  bool operator<(const AccountKey& o) const {
    return std::tie(user, provider, account) < std::tie(o.user, o.provider, o.account);
  }
  std::string ToString() const { return user + "/" + provider + "/" + account; }
};

struct AccountRow {
  AccountKey key;
  // Empty when no cursor is saved (first run, or after access was lost).
  std::string cursor;
  std::optional<absl::Time> cursor_time;
  // When the last full reconciliation of the referenced files finished.
  std::optional<absl::Time> reconciled_time;
  // A reconciliation in progress (stopped by the call budget): its start
  // cursor and the next batch of documents.
  std::string pending_cursor;
  std::string reconcile_token;
  int64_t documents = 0;
  std::optional<absl::Time> last_sync_time;
  std::string last_error;
  std::optional<absl::Time> last_error_time;
  std::string lease_holder;
  std::optional<absl::Time> lease_expires;
};

struct RunCounters {
  int32_t accounts_total = 0;
  int32_t accounts_done = 0;
  int64_t changes_seen = 0;
  int64_t changes_applied = 0;
  int64_t documents_updated = 0;
  int64_t provider_calls = 0;
  // Versions newly found REVISION_EXPIRED.
  int64_t versions_expired = 0;
  std::string last_error;
};

struct RunRecord {
  int64_t id = 0;
  std::string holder;
  std::string trigger;
  absl::Time started;
  std::optional<absl::Time> finished;
  RunCounters counters;
};

struct LeaseRecord {
  AccountKey key;
  std::string holder;
  absl::Time acquired;
  std::optional<absl::Time> released;
};

class SyncStore {
 public:
  virtual ~SyncStore() = default;

  // Records the accounts documents reference (inserting new ones, updating
  // document counts).
  virtual absl::Status UpsertAccounts(
      const std::vector<std::pair<AccountKey, int64_t>>& accounts) = 0;
  // Claims the account's lease for `holder` until now + ttl when it is free,
  // expired or already held by `holder` (a restarted replica with the same
  // id). nullopt when another holder has it or another transaction is
  // claiming it right now (FOR UPDATE SKIP LOCKED).
  virtual absl::StatusOr<std::optional<AccountRow>> AcquireLease(const AccountKey& key,
                                                                 const std::string& holder,
                                                                 absl::Time now,
                                                                 absl::Duration ttl) = 0;
  // Extends a held lease; ABORTED when `holder` no longer holds it.
  virtual absl::Status RenewLease(const AccountKey& key, const std::string& holder, absl::Time now,
                                  absl::Duration ttl) = 0;
  // Saves the cursor (empty clears it) while holding the lease; ABORTED
  // when the lease was lost, so a replica that lost it never moves the
  // cursor. reconciled: the cursor ends a full reconciliation.
  virtual absl::Status SaveCursor(const AccountKey& key, const std::string& holder,
                                  const std::string& cursor, absl::Time cursor_time,
                                  bool reconciled) = 0;
  // Records how far a reconciliation got, so the next run resumes it.
  virtual absl::Status SaveReconcileProgress(const AccountKey& key, const std::string& holder,
                                             const std::string& pending_cursor,
                                             const std::string& token) = 0;
  // Releases the lease and records the outcome (error empty: success).
  virtual absl::Status ReleaseLease(const AccountKey& key, const std::string& holder,
                                    absl::Time now, const std::string& error) = 0;

  virtual absl::StatusOr<int64_t> StartRun(const std::string& holder, const std::string& trigger,
                                           absl::Time now) = 0;
  virtual absl::Status FinishRun(int64_t id, const RunCounters& counters, absl::Time now) = 0;
  virtual absl::StatusOr<std::optional<RunRecord>> LastRun() = 0;

  // Every account row (user empty), or one user's.
  virtual absl::StatusOr<std::vector<AccountRow>> ListAccounts(const std::string& user) = 0;
  virtual absl::StatusOr<std::vector<LeaseRecord>> ListLeases() = 0;
};

class PgSyncStore : public SyncStore {
 public:
  explicit PgSyncStore(PgPool& pool) : pool_(pool) {}

  absl::Status UpsertAccounts(const std::vector<std::pair<AccountKey, int64_t>>& accounts) override;
  absl::StatusOr<std::optional<AccountRow>> AcquireLease(const AccountKey& key,
                                                         const std::string& holder, absl::Time now,
                                                         absl::Duration ttl) override;
  absl::Status RenewLease(const AccountKey& key, const std::string& holder, absl::Time now,
                          absl::Duration ttl) override;
  absl::Status SaveCursor(const AccountKey& key, const std::string& holder,
                          const std::string& cursor, absl::Time cursor_time,
                          bool reconciled) override;
  absl::Status SaveReconcileProgress(const AccountKey& key, const std::string& holder,
                                     const std::string& pending_cursor,
                                     const std::string& token) override;
  absl::Status ReleaseLease(const AccountKey& key, const std::string& holder, absl::Time now,
                            const std::string& error) override;
  absl::StatusOr<int64_t> StartRun(const std::string& holder, const std::string& trigger,
                                   absl::Time now) override;
  absl::Status FinishRun(int64_t id, const RunCounters& counters, absl::Time now) override;
  absl::StatusOr<std::optional<RunRecord>> LastRun() override;
  absl::StatusOr<std::vector<AccountRow>> ListAccounts(const std::string& user) override;
  absl::StatusOr<std::vector<LeaseRecord>> ListLeases() override;

 private:
  PgPool& pool_;
};

}  // namespace lc::sync
