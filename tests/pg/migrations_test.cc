#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pg/pg_test_util.h"
#include "runtime/pg.h"
#include "testing/pg_fixture.h"

namespace lc {
namespace {

using ::lc::testing::Exec;
using ::lc::testing::QueryLong;

PgOptions Options(const std::string& conninfo) {
  PgOptions o;
  o.conninfo = conninfo;
  o.schema = "svc";
  o.pool_size = 2;
  return o;
}

std::vector<Migration> Base() {
  return {
      {1, "widgets", "CREATE TABLE widgets (id int PRIMARY KEY, name text)"},
      {2, "seed", "INSERT INTO widgets VALUES (1, 'first')"},
      {3, "color", "ALTER TABLE widgets ADD COLUMN color text"},
  };
}

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    conninfo_ = ::lc::testing::CreateTestDatabase();
  }

  long Count(const std::string& sql) { return QueryLong(conninfo_, sql); }
  long AppliedCount() { return Count("SELECT count(*) FROM svc.schema_migrations"); }
  long AdvisoryLocks() {
    // Only this test's database: other test binaries run migrations on the
    // same server at the same time.
    return Count(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())");
  }

  std::string conninfo_;
};

TEST_F(MigrationsTest, AppliesEachMigrationOnceAndIsIdempotent) {
  PgPool pool(Options(conninfo_));
  ASSERT_TRUE(ApplyMigrations(pool, Base()).ok());
  absl::Status again = ApplyMigrations(pool, Base());
  EXPECT_TRUE(again.ok()) << again;
  PgPool other(Options(conninfo_));
  EXPECT_TRUE(ApplyMigrations(other, Base()).ok());

  EXPECT_EQ(AppliedCount(), 3);
  EXPECT_EQ(Count("SELECT sum(version) FROM svc.schema_migrations"), 6);
  EXPECT_EQ(Count("SELECT count(*) FROM svc.schema_migrations WHERE version = 2 AND name = 'seed'"
                  " AND applied_at <= now()"),
            1);
  // Unqualified names in migrations land in the service's schema.
  EXPECT_EQ(Count("SELECT count(*) FROM svc.widgets"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM information_schema.columns"
                  " WHERE table_schema = 'svc' AND table_name = 'widgets' AND column_name = "
                  "'color'"),
            1);
  EXPECT_EQ(AdvisoryLocks(), 0);
}

TEST_F(MigrationsTest, AppliesOnlyNewMigrationsOfALaterRelease) {
  PgPool pool(Options(conninfo_));
  std::vector<Migration> first = Base();
  first.pop_back();
  ASSERT_TRUE(ApplyMigrations(pool, first).ok());
  EXPECT_EQ(AppliedCount(), 2);
  ASSERT_TRUE(ApplyMigrations(pool, Base()).ok());
  EXPECT_EQ(AppliedCount(), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM svc.widgets"), 1);
}

TEST_F(MigrationsTest, ConcurrentRunsApplyEachMigrationExactlyOnce) {
  const std::vector<Migration> migrations = {
      {1, "counter", "CREATE TABLE counter (n int)"},
      {2, "one row", "INSERT INTO counter VALUES (1)"},
  };
  constexpr int kRunners = 8;
  std::vector<absl::Status> results(kRunners);
  std::mutex mu;
  std::condition_variable cv;
  int ready = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kRunners; ++i) {
    threads.emplace_back([&, i] {
      PgPool pool(Options(conninfo_));
      // Open the connection first so the runs start as close together as
      // possible.
      results[i] = pool.RunOnConnection([](pqxx::connection&) { return absl::OkStatus(); });
      if (!results[i].ok()) return;
      {
        std::unique_lock<std::mutex> lock(mu);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&] { return ready == kRunners; });
      }
      results[i] = ApplyMigrations(pool, migrations);
    });
  }
  for (auto& t : threads) t.join();
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Count("SELECT count(*) FROM svc.counter"), 1);
  EXPECT_EQ(AppliedCount(), 2);
  EXPECT_EQ(AdvisoryLocks(), 0);
}

TEST_F(MigrationsTest, UnknownDatabaseVersionIsFailedPrecondition) {
  PgPool pool(Options(conninfo_));
  ASSERT_TRUE(ApplyMigrations(pool, Base()).ok());
  std::vector<Migration> older = Base();
  older.pop_back();
  absl::Status status = ApplyMigrations(pool, older);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(AppliedCount(), 3);
  EXPECT_EQ(AdvisoryLocks(), 0);
}

TEST_F(MigrationsTest, VersionsMustStrictlyIncrease) {
  PgPool pool(Options(conninfo_));
  std::vector<Migration> reversed = {{2, "b", "SELECT 1"}, {1, "a", "SELECT 1"}};
  std::vector<Migration> repeated = {{1, "a", "SELECT 1"}, {1, "b", "SELECT 1"}};
  std::vector<Migration> zero = {{0, "a", "SELECT 1"}};
  EXPECT_EQ(ApplyMigrations(pool, reversed).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyMigrations(pool, repeated).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyMigrations(pool, zero).code(), absl::StatusCode::kInvalidArgument);
  // Rejected before touching the database.
  EXPECT_EQ(Count("SELECT count(*) FROM pg_namespace WHERE nspname = 'svc'"), 0);
}

TEST_F(MigrationsTest, FailingMigrationKeepsEarlierOnesAndIsNotRecorded) {
  std::vector<Migration> migrations = Base();
  migrations.push_back({4, "broken", "CREATE TABLE partial (id int); SELEC 1"});
  {
    PgPool pool(Options(conninfo_));
    absl::Status status = ApplyMigrations(pool, migrations);
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.message().find("migration 4"), absl::string_view::npos) << status;
  }
  EXPECT_EQ(AppliedCount(), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM svc.schema_migrations WHERE version = 4"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM information_schema.tables WHERE table_name = 'partial'"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM information_schema.tables"
                  " WHERE table_schema = 'svc' AND table_name = 'widgets'"),
            1);
  EXPECT_EQ(AdvisoryLocks(), 0);

  // The lock was released, so a fixed release can migrate.
  migrations.back().sql = "CREATE TABLE partial (id int)";
  PgPool fixed(Options(conninfo_));
  absl::Status status = ApplyMigrations(fixed, migrations);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(AppliedCount(), 4);
}

TEST_F(MigrationsTest, FailureWithLockHeldOnPooledConnectionReleasesLock) {
  PgOptions options = Options(conninfo_);
  options.pool_size = 1;
  PgPool pool(options);
  ASSERT_FALSE(ApplyMigrations(pool, {{1, "bad", "SELEC 1"}}).ok());
  // The pooled connection is reused; it must not still hold the lock.
  EXPECT_TRUE(pool.Run([](pqxx::work&) { return absl::OkStatus(); }).ok());
  EXPECT_EQ(AdvisoryLocks(), 0);
}

TEST_F(MigrationsTest, EmptySchemaIsRejected) {
  PgOptions options = Options(conninfo_);
  options.schema = "";
  PgPool pool(options);
  EXPECT_EQ(ApplyMigrations(pool, Base()).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lc
