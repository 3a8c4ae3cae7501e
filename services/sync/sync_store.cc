#include "sync/sync_store.h"

#include <tuple>

namespace lc::sync {
namespace {

// Times cross the wire as Unix microseconds (PostgreSQL keeps microseconds).
int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

std::optional<absl::Time> OptTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

std::string OptText(const pqxx::field& f) { return f.is_null() ? "" : f.as<std::string>(); }

constexpr char kAccountColumns[] =
    "user_id, provider, account, cursor, "
    "(extract(epoch from cursor_time) * 1000000)::bigint, documents, "
    "(extract(epoch from last_sync_time) * 1000000)::bigint, last_error, "
    "(extract(epoch from last_error_time) * 1000000)::bigint, lease_holder, "
    "(extract(epoch from lease_expires) * 1000000)::bigint, "
    "(extract(epoch from reconciled_time) * 1000000)::bigint, pending_cursor, reconcile_token";

AccountRow ReadAccount(const pqxx::row& r) {
  AccountRow a;
  a.key = {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>()};
  a.cursor = OptText(r[3]);
  a.cursor_time = OptTime(r[4]);
  a.documents = r[5].as<int64_t>();
  a.last_sync_time = OptTime(r[6]);
  a.last_error = OptText(r[7]);
  a.last_error_time = OptTime(r[8]);
  a.lease_holder = OptText(r[9]);
  a.lease_expires = OptTime(r[10]);
  a.reconciled_time = OptTime(r[11]);
  a.pending_cursor = OptText(r[12]);
  a.reconcile_token = OptText(r[13]);
  return a;
}

constexpr char kKey[] = "user_id = $1 AND provider = $2 AND account = $3";

}  // namespace

absl::Status PgSyncStore::UpsertAccounts(
    const std::vector<std::pair<AccountKey, int64_t>>& accounts) {
  if (accounts.empty()) return absl::OkStatus();
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    for (const auto& [key, documents] : accounts) {
      tx.exec_params(
          "INSERT INTO accounts (user_id, provider, account, documents) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (user_id, provider, account) DO UPDATE SET documents = EXCLUDED.documents",
          key.user, key.provider, key.account, documents);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<AccountRow>> PgSyncStore::AcquireLease(const AccountKey& key,
                                                                    const std::string& holder,
                                                                    absl::Time now,
                                                                    absl::Duration ttl) {
  std::optional<AccountRow> out;
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    out.reset();
    pqxx::result r =
        tx.exec_params(std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE " + kKey +
                           " AND (lease_holder IS NULL OR lease_holder = $4 OR "
                           "lease_expires < to_timestamp($5::double precision / 1000000)) "
                           "FOR UPDATE SKIP LOCKED",
                       key.user, key.provider, key.account, holder, Micros(now));
    if (r.empty()) return absl::OkStatus();
    AccountRow row = ReadAccount(r[0]);
    // A lease taken over from a crashed holder closes that holder's record.
    tx.exec_params(
        "UPDATE leases SET released = to_timestamp($4::double precision / 1000000) WHERE " +
            std::string(kKey) + " AND released IS NULL",
        key.user, key.provider, key.account, Micros(now));
    tx.exec_params(
        "UPDATE accounts SET lease_holder = $4, "
        "lease_expires = to_timestamp($5::double precision / 1000000) WHERE " +
            std::string(kKey),
        key.user, key.provider, key.account, holder, Micros(now + ttl));
    tx.exec_params(
        "INSERT INTO leases (user_id, provider, account, holder, acquired) "
        "VALUES ($1, $2, $3, $4, to_timestamp($5::double precision / 1000000))",
        key.user, key.provider, key.account, holder, Micros(now));
    row.lease_holder = holder;
    row.lease_expires = now + ttl;
    out = std::move(row);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status PgSyncStore::RenewLease(const AccountKey& key, const std::string& holder,
                                     absl::Time now, absl::Duration ttl) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "UPDATE accounts SET lease_expires = to_timestamp($5::double precision / 1000000) "
        "WHERE " +
            std::string(kKey) + " AND lease_holder = $4",
        key.user, key.provider, key.account, holder, Micros(now + ttl));
    if (r.affected_rows() == 0) {
      return absl::AbortedError("the account's lease was taken over by another replica");
    }
    return absl::OkStatus();
  });
}

absl::Status PgSyncStore::SaveCursor(const AccountKey& key, const std::string& holder,
                                     const std::string& cursor, absl::Time cursor_time,
                                     bool reconciled) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "UPDATE accounts SET cursor = NULLIF($5, ''), "
        "cursor_time = CASE WHEN $5 = '' THEN NULL "
        "ELSE to_timestamp($6::double precision / 1000000) END, "
        "reconciled_time = CASE WHEN $5 = '' THEN NULL "
        "WHEN $7 THEN to_timestamp($6::double precision / 1000000) ELSE reconciled_time END, "
        "pending_cursor = NULL, reconcile_token = NULL "
        "WHERE " +
            std::string(kKey) + " AND lease_holder = $4",
        key.user, key.provider, key.account, holder, cursor, Micros(cursor_time), reconciled);
    if (r.affected_rows() == 0) {
      return absl::AbortedError("the account's lease was taken over; cursor not saved");
    }
    return absl::OkStatus();
  });
}

absl::Status PgSyncStore::SaveReconcileProgress(const AccountKey& key, const std::string& holder,
                                                const std::string& pending_cursor,
                                                const std::string& token) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "UPDATE accounts SET pending_cursor = NULLIF($5, ''), reconcile_token = NULLIF($6, '') "
        "WHERE " +
            std::string(kKey) + " AND lease_holder = $4",
        key.user, key.provider, key.account, holder, pending_cursor, token);
    if (r.affected_rows() == 0) {
      return absl::AbortedError("the account's lease was taken over; progress not saved");
    }
    return absl::OkStatus();
  });
}

absl::Status PgSyncStore::ReleaseLease(const AccountKey& key, const std::string& holder,
                                       absl::Time now, const std::string& error) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "UPDATE accounts SET lease_holder = NULL, lease_expires = NULL, "
        "last_sync_time = CASE WHEN $5 = '' THEN to_timestamp($6::double precision / 1000000) "
        "ELSE last_sync_time END, "
        "last_error = $5, "
        "last_error_time = CASE WHEN $5 = '' THEN last_error_time "
        "ELSE to_timestamp($6::double precision / 1000000) END "
        "WHERE " +
            std::string(kKey) + " AND lease_holder = $4",
        key.user, key.provider, key.account, holder, error, Micros(now));
    if (r.affected_rows() == 0) return absl::OkStatus();  // already taken over
    tx.exec_params(
        "UPDATE leases SET released = to_timestamp($5::double precision / 1000000) WHERE " +
            std::string(kKey) + " AND holder = $4 AND released IS NULL",
        key.user, key.provider, key.account, holder, Micros(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> PgSyncStore::StartRun(const std::string& holder, const std::string& trigger,
                                              absl::Time now) {
  int64_t id = 0;
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    id = tx.exec_params1(
               "INSERT INTO runs (holder, trigger, started) "
               "VALUES ($1, $2, to_timestamp($3::double precision / 1000000)) RETURNING id",
               holder, trigger, Micros(now))[0]
             .as<int64_t>();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return id;
}

absl::Status PgSyncStore::FinishRun(int64_t id, const RunCounters& c, absl::Time now) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(
        "UPDATE runs SET finished = to_timestamp($2::double precision / 1000000), "
        "accounts_total = $3, accounts_done = $4, changes_seen = $5, changes_applied = $6, "
        "documents_updated = $7, provider_calls = $8, last_error = $9, versions_expired = $10 "
        "WHERE id = $1",
        id, Micros(now), c.accounts_total, c.accounts_done, c.changes_seen, c.changes_applied,
        c.documents_updated, c.provider_calls, c.last_error, c.versions_expired);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<RunRecord>> PgSyncStore::LastRun() {
  std::optional<RunRecord> out;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec(
        "SELECT id, holder, trigger, (extract(epoch from started) * 1000000)::bigint, "
        "(extract(epoch from finished) * 1000000)::bigint, accounts_total, accounts_done, "
        "changes_seen, changes_applied, documents_updated, provider_calls, last_error, "
        "versions_expired FROM runs ORDER BY id DESC LIMIT 1");
    if (r.empty()) return absl::OkStatus();
    const auto& row = r[0];
    RunRecord rec;
    rec.id = row[0].as<int64_t>();
    rec.holder = row[1].as<std::string>();
    rec.trigger = row[2].as<std::string>();
    rec.started = absl::FromUnixMicros(row[3].as<int64_t>());
    rec.finished = OptTime(row[4]);
    rec.counters.accounts_total = row[5].as<int32_t>();
    rec.counters.accounts_done = row[6].as<int32_t>();
    rec.counters.changes_seen = row[7].as<int64_t>();
    rec.counters.changes_applied = row[8].as<int64_t>();
    rec.counters.documents_updated = row[9].as<int64_t>();
    rec.counters.provider_calls = row[10].as<int64_t>();
    rec.counters.last_error = row[11].as<std::string>();
    rec.counters.versions_expired = row[12].as<int64_t>();
    out = rec;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<AccountRow>> PgSyncStore::ListAccounts(const std::string& user) {
  std::vector<AccountRow> out;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    pqxx::result r = tx.exec_params(std::string("SELECT ") + kAccountColumns +
                                        " FROM accounts WHERE $1 = '' OR user_id = $1 "
                                        "ORDER BY user_id, provider, account",
                                    user);
    for (const auto& row : r) out.push_back(ReadAccount(row));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<LeaseRecord>> PgSyncStore::ListLeases() {
  std::vector<LeaseRecord> out;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    pqxx::result r = tx.exec(
        "SELECT user_id, provider, account, holder, "
        "(extract(epoch from acquired) * 1000000)::bigint, "
        "(extract(epoch from released) * 1000000)::bigint FROM leases ORDER BY id");
    for (const auto& row : r) {
      out.push_back(LeaseRecord{
          {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()},
          row[3].as<std::string>(),
          absl::FromUnixMicros(row[4].as<int64_t>()),
          OptTime(row[5])});
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace lc::sync
