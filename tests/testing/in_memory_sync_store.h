// SyncStore in memory, for the sync logic's tests (the runner, the
// scheduler) without PostgreSQL. It keeps PgSyncStore's contract: leases
// are taken only when free, expired or already ours; writes under a lost
// lease are ABORTED; a release records the outcome and closes the lease log.
// PgSyncStore's own tests (tests/sync/sync_store_test.cc) check the SQL.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sync/sync_store.h"

namespace lc::testing {

class InMemorySyncStore : public sync::SyncStore {
 public:
  using AccountKey = sync::AccountKey;

  absl::Status UpsertAccounts(
      const std::vector<std::pair<AccountKey, int64_t>>& accounts) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, documents] : accounts) {
      sync::AccountRow& row = accounts_[key];
      row.key = key;
      row.documents = documents;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<sync::AccountRow>> AcquireLease(const AccountKey& key,
                                                               const std::string& holder,
                                                               absl::Time now,
                                                               absl::Duration ttl) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = accounts_.find(key);
    if (it == accounts_.end()) return std::nullopt;
    sync::AccountRow& row = it->second;
    const bool free = row.lease_holder.empty() || row.lease_holder == holder ||
                      (row.lease_expires && *row.lease_expires < now);
    if (!free) return std::nullopt;
    // A lease taken over from a crashed holder closes that holder's record.
    for (auto& lease : leases_) {
      if (lease.key == key && !lease.released) lease.released = now;
    }
    row.lease_holder = holder;
    row.lease_expires = now + ttl;
    leases_.push_back(sync::LeaseRecord{key, holder, now, std::nullopt});
    return row;
  }

  absl::Status RenewLease(const AccountKey& key, const std::string& holder, absl::Time now,
                          absl::Duration ttl) override {
    std::lock_guard<std::mutex> lock(mu_);
    sync::AccountRow* row = Held(key, holder);
    if (row == nullptr) {
      return absl::AbortedError("the account's lease was taken over by another replica");
    }
    row->lease_expires = now + ttl;
    return absl::OkStatus();
  }

  absl::Status SaveCursor(const AccountKey& key, const std::string& holder,
                          const std::string& cursor, absl::Time cursor_time,
                          bool reconciled) override {
    std::lock_guard<std::mutex> lock(mu_);
    sync::AccountRow* row = Held(key, holder);
    if (row == nullptr) {
      return absl::AbortedError("the account's lease was taken over; cursor not saved");
    }
    row->cursor = cursor;
    if (cursor.empty()) {
      row->cursor_time.reset();
      row->reconciled_time.reset();
    } else {
      row->cursor_time = cursor_time;
      if (reconciled) row->reconciled_time = cursor_time;
    }
    row->pending_cursor.clear();
    row->reconcile_token.clear();
    return absl::OkStatus();
  }

  absl::Status SaveReconcileProgress(const AccountKey& key, const std::string& holder,
                                     const std::string& pending_cursor,
                                     const std::string& token) override {
    std::lock_guard<std::mutex> lock(mu_);
    sync::AccountRow* row = Held(key, holder);
    if (row == nullptr) {
      return absl::AbortedError("the account's lease was taken over; progress not saved");
    }
    row->pending_cursor = pending_cursor;
    row->reconcile_token = token;
    return absl::OkStatus();
  }

  absl::Status ReleaseLease(const AccountKey& key, const std::string& holder, absl::Time now,
                            const std::string& error) override {
    std::lock_guard<std::mutex> lock(mu_);
    sync::AccountRow* row = Held(key, holder);
    if (row == nullptr) return absl::OkStatus();  // already taken over
    row->lease_holder.clear();
    row->lease_expires.reset();
    if (error.empty()) {
      row->last_sync_time = now;
    } else {
      row->last_error_time = now;
    }
    row->last_error = error;
    for (auto& lease : leases_) {
      if (lease.key == key && lease.holder == holder && !lease.released) lease.released = now;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> StartRun(const std::string& holder, const std::string& trigger,
                                   absl::Time now) override {
    std::lock_guard<std::mutex> lock(mu_);
    sync::RunRecord run;
    run.id = static_cast<int64_t>(runs_.size()) + 1;
    run.holder = holder;
    run.trigger = trigger;
    run.started = now;
    runs_.push_back(run);
    return run.id;
  }

  absl::Status FinishRun(int64_t id, const sync::RunCounters& counters, absl::Time now) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (id < 1 || id > static_cast<int64_t>(runs_.size())) return absl::OkStatus();
    runs_[id - 1].finished = now;
    runs_[id - 1].counters = counters;
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<sync::RunRecord>> LastRun() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (runs_.empty()) return std::nullopt;
    return runs_.back();
  }

  absl::StatusOr<std::vector<sync::AccountRow>> ListAccounts(const std::string& user) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<sync::AccountRow> out;
    for (const auto& [key, row] : accounts_) {  // ordered by (user, provider, account)
      if (user.empty() || key.user == user) out.push_back(row);
    }
    return out;
  }

  absl::StatusOr<std::vector<sync::LeaseRecord>> ListLeases() override {
    std::lock_guard<std::mutex> lock(mu_);
    return leases_;
  }

 private:
  // The row when `holder` holds its lease.
  sync::AccountRow* Held(const AccountKey& key, const std::string& holder) {
    auto it = accounts_.find(key);
    if (it == accounts_.end() || it->second.lease_holder != holder) return nullptr;
    return &it->second;
  }

  std::mutex mu_;
  std::map<AccountKey, sync::AccountRow> accounts_;
  std::vector<sync::LeaseRecord> leases_;
  std::vector<sync::RunRecord> runs_;
};

}  // namespace lc::testing
