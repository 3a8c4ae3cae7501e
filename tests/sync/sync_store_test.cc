// The sync store on PostgreSQL and in memory: leases (one holder at a time,
// expiry and takeover with an injected time, the same replica id taking its
// lease back), cursors saved only under the lease, run records.
#include "sync/sync_store.h"

#include <gtest/gtest.h>

#include "sync/migrations.h"
#include "testing/in_memory_sync_store.h"
#include "testing/pg_fixture.h"

namespace lc::sync {
namespace {

// Every test runs on PostgreSQL (the SQL) and on the in-memory store the
// sync logic's tests use (so that fake keeps the same contract).
class SyncStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      LC_REQUIRE_POSTGRES();
      pool_ = std::make_unique<PgPool>(
          PgOptions{.conninfo = ::lc::testing::CreateTestDatabase(), .schema = "sync"});
      ASSERT_TRUE(ApplyMigrations(*pool_, Migrations()).ok());
      store_ = std::make_unique<PgSyncStore>(*pool_);
    } else {
      store_ = std::make_unique<::lc::testing::InMemorySyncStore>();
    }
    ASSERT_TRUE(store_->UpsertAccounts({{key_, 3}}).ok());
  }
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<SyncStore> store_;
  AccountKey key_{"alice", "googledrive", "alice@example.com"};
  absl::Time t0_ = absl::FromUnixSeconds(1800000000);
  absl::Duration ttl_ = absl::Minutes(2);
};

TEST_P(SyncStoreTest, OneHolderAtATimeUntilTheLeaseExpires) {
  auto a = store_->AcquireLease(key_, "replica-a", t0_, ttl_);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->documents, 3);
  EXPECT_TRUE((*a)->cursor.empty());
  auto b = store_->AcquireLease(key_, "replica-b", t0_ + absl::Minutes(1), ttl_);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->has_value()) << "b must not take a live lease";
  ASSERT_TRUE(store_->SaveCursor(key_, "replica-a", "c1", t0_, false).ok());
  EXPECT_TRUE(absl::IsAborted(store_->SaveCursor(key_, "replica-b", "cx", t0_, false)));
  EXPECT_TRUE(absl::IsAborted(store_->RenewLease(key_, "replica-b", t0_, ttl_)));

  // replica-a crashes; once its lease expired, b takes over and sees c1.
  auto late = store_->AcquireLease(key_, "replica-b", t0_ + ttl_ + absl::Seconds(1), ttl_);
  ASSERT_TRUE(late.ok() && late->has_value());
  EXPECT_EQ((*late)->cursor, "c1");
  // The old holder can no longer move the cursor.
  EXPECT_TRUE(absl::IsAborted(store_->SaveCursor(key_, "replica-a", "c-stale", t0_, false)));
  ASSERT_TRUE(store_->ReleaseLease(key_, "replica-b", t0_ + ttl_ + absl::Seconds(2), "").ok());

  auto leases = store_->ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 2u);
  EXPECT_EQ((*leases)[0].holder, "replica-a");
  EXPECT_TRUE((*leases)[0].released.has_value()) << "a takeover closes the crashed lease";
  EXPECT_EQ((*leases)[1].holder, "replica-b");
  EXPECT_TRUE((*leases)[1].released.has_value());
}

TEST_P(SyncStoreTest, RenewKeepsTheLeaseAndTheSameReplicaTakesItBack) {
  ASSERT_TRUE(store_->AcquireLease(key_, "a", t0_, ttl_)->has_value());
  ASSERT_TRUE(store_->RenewLease(key_, "a", t0_ + absl::Minutes(1), ttl_).ok());
  // Renewed until t0 + 3m: not free at t0 + 2m 30s.
  EXPECT_FALSE(store_->AcquireLease(key_, "b", t0_ + absl::Seconds(150), ttl_)->has_value());
  // A restarted "a" (same replica id) takes it back at once.
  EXPECT_TRUE(store_->AcquireLease(key_, "a", t0_ + absl::Seconds(150), ttl_)->has_value());
}

TEST_P(SyncStoreTest, ReleaseRecordsTheOutcomeAndClearingTheCursor) {
  ASSERT_TRUE(store_->AcquireLease(key_, "a", t0_, ttl_)->has_value());
  ASSERT_TRUE(store_->SaveCursor(key_, "a", "c1", t0_, true).ok());
  ASSERT_TRUE(store_->ReleaseLease(key_, "a", t0_ + absl::Seconds(5), "boom").ok());
  auto rows = store_->ListAccounts("alice");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].last_error, "boom");
  EXPECT_EQ((*rows)[0].last_error_time, t0_ + absl::Seconds(5));
  EXPECT_FALSE((*rows)[0].last_sync_time.has_value());
  EXPECT_EQ((*rows)[0].cursor_time, t0_);
  EXPECT_EQ((*rows)[0].reconciled_time, t0_) << "a cursor that ends a reconciliation";
  EXPECT_TRUE((*rows)[0].lease_holder.empty());

  ASSERT_TRUE(store_->AcquireLease(key_, "a", t0_ + absl::Seconds(6), ttl_)->has_value());
  ASSERT_TRUE(store_->SaveCursor(key_, "a", "", t0_ + absl::Seconds(6), false).ok());
  ASSERT_TRUE(store_->ReleaseLease(key_, "a", t0_ + absl::Seconds(7), "").ok());
  rows = store_->ListAccounts("");
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE((*rows)[0].cursor.empty());
  EXPECT_FALSE((*rows)[0].cursor_time.has_value());
  EXPECT_FALSE((*rows)[0].reconciled_time.has_value()) << "no cursor: reconcile again";
  EXPECT_EQ((*rows)[0].last_sync_time, t0_ + absl::Seconds(7));
  EXPECT_EQ((*rows)[0].last_error, "");
  EXPECT_TRUE(store_->ListAccounts("bob")->empty());
}

TEST_P(SyncStoreTest, RunRecords) {
  EXPECT_FALSE(store_->LastRun()->has_value());
  auto id = store_->StartRun("a", "schedule", t0_);
  ASSERT_TRUE(id.ok());
  RunCounters c;
  c.accounts_total = 2;
  c.accounts_done = 2;
  c.changes_seen = 10;
  c.changes_applied = 4;
  c.documents_updated = 3;
  c.provider_calls = 7;
  c.versions_expired = 2;
  ASSERT_TRUE(store_->FinishRun(*id, c, t0_ + absl::Seconds(3)).ok());
  auto last = store_->LastRun();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->trigger, "schedule");
  EXPECT_EQ((*last)->started, t0_);
  EXPECT_EQ((*last)->finished, t0_ + absl::Seconds(3));
  EXPECT_EQ((*last)->counters.provider_calls, 7);
  EXPECT_EQ((*last)->counters.versions_expired, 2);
  EXPECT_EQ((*last)->counters.documents_updated, 3);
}

INSTANTIATE_TEST_SUITE_P(Stores, SyncStoreTest, ::testing::Values("postgres", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lc::sync
