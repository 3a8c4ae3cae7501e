#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pg/pg_test_util.h"
#include "runtime/pg.h"
#include "testing/pg_fixture.h"
#include "testing/wait.h"

namespace lc {
namespace {

using ::lc::testing::Exec;
using ::lc::testing::QueryLong;
using ::lc::testing::WaitFor;

constexpr char kSchema[] = "app";

PgOptions Options(const std::string& conninfo) {
  PgOptions o;
  o.conninfo = conninfo;
  o.schema = kSchema;
  o.pool_size = 2;
  o.acquire_timeout = absl::Seconds(5);
  o.connect_timeout = absl::Seconds(5);
  return o;
}

// A port on 127.0.0.1 with nothing listening (bound, then released).
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class PgPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    conninfo_ = ::lc::testing::CreateTestDatabase();
    Exec(conninfo_,
         "CREATE SCHEMA app;"
         "CREATE TABLE app.parents (id int PRIMARY KEY);"
         "CREATE TABLE app.items (id int PRIMARY KEY, qty int NOT NULL CHECK (qty >= 0),"
         " parent int REFERENCES app.parents (id))");
  }

  long ItemCount() { return QueryLong(conninfo_, "SELECT count(*) FROM app.items"); }

  std::string conninfo_;
};

absl::Status InsertItem(pqxx::work& tx, int id, int qty) {
  tx.exec_params0("INSERT INTO items (id, qty) VALUES ($1, $2)", id, qty);
  return absl::OkStatus();
}

TEST_F(PgPoolTest, RunCommitsWhenFnReturnsOk) {
  PgPool pool(Options(conninfo_));
  EXPECT_TRUE(pool.Run([](pqxx::work& tx) { return InsertItem(tx, 1, 5); }).ok());
  EXPECT_EQ(ItemCount(), 1);
}

TEST_F(PgPoolTest, RunRollsBackAndReturnsFnStatusOnError) {
  PgPool pool(Options(conninfo_));
  absl::Status status = pool.Run([](pqxx::work& tx) {
    InsertItem(tx, 1, 5).IgnoreError();
    return absl::InvalidArgumentError("changed my mind");
  });
  EXPECT_EQ(status, absl::InvalidArgumentError("changed my mind"));
  EXPECT_EQ(ItemCount(), 0);
}

TEST_F(PgPoolTest, UniqueViolationIsAlreadyExists) {
  PgPool pool(Options(conninfo_));
  ASSERT_TRUE(pool.Run([](pqxx::work& tx) { return InsertItem(tx, 1, 5); }).ok());
  absl::Status status = pool.Run([](pqxx::work& tx) { return InsertItem(tx, 1, 6); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(ItemCount(), 1);
}

TEST_F(PgPoolTest, CheckAndForeignKeyViolationsAreFailedPrecondition) {
  PgPool pool(Options(conninfo_));
  absl::Status check = pool.Run([](pqxx::work& tx) { return InsertItem(tx, 1, -1); });
  EXPECT_EQ(check.code(), absl::StatusCode::kFailedPrecondition) << check;
  absl::Status fk = pool.Run([](pqxx::work& tx) {
    tx.exec0("INSERT INTO items (id, qty, parent) VALUES (2, 1, 42)");
    return absl::OkStatus();
  });
  EXPECT_EQ(fk.code(), absl::StatusCode::kFailedPrecondition) << fk;
  EXPECT_EQ(ItemCount(), 0);
}

TEST_F(PgPoolTest, SyntaxErrorIsInternal) {
  PgPool pool(Options(conninfo_));
  absl::Status status = pool.Run([](pqxx::work& tx) {
    tx.exec("SELEC 1");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
}

TEST_F(PgPoolTest, StatementTimeoutIsDeadlineExceededAndConnectionStaysUsable) {
  PgOptions options = Options(conninfo_);
  options.statement_timeout = absl::Milliseconds(50);
  options.pool_size = 1;
  PgPool pool(options);
  absl::Status status = pool.Run([](pqxx::work& tx) {
    tx.exec("SELECT pg_sleep(5)");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_TRUE(pool.Run([](pqxx::work& tx) { return InsertItem(tx, 1, 1); }).ok());
}

TEST_F(PgPoolTest, SerializationFailureIsRetried) {
  PgPool pool(Options(conninfo_));
  int calls = 0;
  absl::Status status = pool.Run([&](pqxx::work& tx) {
    ++calls;
    InsertItem(tx, 1, calls).IgnoreError();
    if (calls < 3) throw pqxx::serialization_failure("could not serialize access");
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(calls, 3);
  // Only the successful attempt committed.
  EXPECT_EQ(QueryLong(conninfo_, "SELECT qty FROM app.items WHERE id = 1"), 3);
}

TEST_F(PgPoolTest, PersistentSerializationFailureIsAbortedAfterThreeRetries) {
  PgPool pool(Options(conninfo_));
  int calls = 0;
  absl::Status status = pool.Run([&](pqxx::work&) -> absl::Status {
    ++calls;
    throw pqxx::deadlock_detected("deadlock detected");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_EQ(calls, 4);
}

TEST_F(PgPoolTest, FnReturningAbortedIsNotRetried) {
  PgPool pool(Options(conninfo_));
  int calls = 0;
  absl::Status status = pool.Run([&](pqxx::work&) {
    ++calls;
    return absl::AbortedError("mine");
  });
  EXPECT_EQ(status, absl::AbortedError("mine"));
  EXPECT_EQ(calls, 1);
}

// Two SERIALIZABLE transactions each read the table and then insert (write
// skew): PostgreSQL aborts one, and Run retries it.
TEST_F(PgPoolTest, RealSerializationConflictIsRetried) {
  PgPool pool(Options(conninfo_));
  std::mutex mu;
  std::condition_variable cv;
  int have_read = 0;
  std::atomic<int> attempts{0};
  auto body = [&](int id) {
    bool first = true;
    return pool.Run([&, id](pqxx::work& tx) {
      ++attempts;
      tx.exec0("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      long n = tx.exec1("SELECT count(*) FROM items")[0].as<long>();
      if (first) {
        first = false;
        std::unique_lock<std::mutex> lock(mu);
        ++have_read;
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(10), [&] { return have_read == 2; });
      }
      return InsertItem(tx, id, static_cast<int>(n));
    });
  };
  absl::Status a, b;
  std::thread ta([&] { a = body(1); });
  std::thread tb([&] { b = body(2); });
  ta.join();
  tb.join();
  EXPECT_TRUE(a.ok()) << a;
  EXPECT_TRUE(b.ok()) << b;
  EXPECT_EQ(attempts.load(), 3);
  EXPECT_EQ(ItemCount(), 2);
}

TEST_F(PgPoolTest, RunReadOnlyReadsButRejectsWrites) {
  PgPool pool(Options(conninfo_));
  ASSERT_TRUE(pool.Run([](pqxx::work& tx) { return InsertItem(tx, 1, 5); }).ok());
  long qty = 0;
  EXPECT_TRUE(pool.RunReadOnly([&](pqxx::work& tx) {
                    qty = tx.exec1("SELECT qty FROM items WHERE id = 1")[0].as<long>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(qty, 5);
  absl::Status write = pool.RunReadOnly([](pqxx::work& tx) { return InsertItem(tx, 2, 5); });
  EXPECT_FALSE(write.ok());
  EXPECT_EQ(ItemCount(), 1);
}

TEST_F(PgPoolTest, PoolIsBounded) {
  PgOptions options = Options(conninfo_);
  options.pool_size = 2;
  options.acquire_timeout = absl::Milliseconds(200);
  PgPool pool(options);

  std::mutex mu;
  std::condition_variable cv;
  int holding = 0;
  bool release = false;
  auto hold = [&](pqxx::work&) {
    std::unique_lock<std::mutex> lock(mu);
    ++holding;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return absl::OkStatus();
  };
  absl::Status s1, s2;
  std::thread t1([&] { s1 = pool.Run(hold); });
  std::thread t2([&] { s2 = pool.Run(hold); });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return holding == 2; }));
  }

  auto start = std::chrono::steady_clock::now();
  bool third_ran = false;
  absl::Status third = pool.Run([&](pqxx::work&) {
    third_ran = true;
    return absl::OkStatus();
  });
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted) << third;
  EXPECT_FALSE(third_ran);
  EXPECT_GE(waited, std::chrono::milliseconds(190));
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_LE(QueryLong(conninfo_,
                      "SELECT count(*) FROM pg_stat_activity"
                      " WHERE datname = current_database() AND pid <> pg_backend_pid()"),
            2);

  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  t1.join();
  t2.join();
  EXPECT_TRUE(s1.ok()) << s1;
  EXPECT_TRUE(s2.ok()) << s2;
  EXPECT_TRUE(pool.Run([](pqxx::work&) { return absl::OkStatus(); }).ok());
}

TEST_F(PgPoolTest, WaiterGetsConnectionReleasedWithinAcquireTimeout) {
  PgOptions options = Options(conninfo_);
  options.pool_size = 1;
  PgPool pool(options);
  std::atomic<bool> inside{false};
  std::thread holder([&] {
    pool.Run([&](pqxx::work&) {
          inside = true;
          // Holding the connection a while is the behaviour under test: the
          // waiter gets it when it is released, within its acquire timeout.
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          return absl::OkStatus();
        })
        .IgnoreError();
  });
  while (!inside) std::this_thread::yield();
  EXPECT_TRUE(pool.Run([](pqxx::work& tx) { return InsertItem(tx, 1, 1); }).ok());
  holder.join();
}

TEST_F(PgPoolTest, UnreachableDatabaseIsUnavailableQuickly) {
  PgOptions options = Options("host=127.0.0.1 port=" + std::to_string(UnusedPort()) +
                              " dbname=nothing user=postgres");
  options.pool_size = 1;
  PgPool pool(options);
  auto start = std::chrono::steady_clock::now();
  // Twice, so a failed connect is seen to free its slot.
  for (int i = 0; i < 2; ++i) {
    absl::Status status = pool.Run([](pqxx::work&) { return absl::OkStatus(); });
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  }
  absl::Status on_conn = pool.RunOnConnection([](pqxx::connection&) { return absl::OkStatus(); });
  EXPECT_EQ(on_conn.code(), absl::StatusCode::kUnavailable) << on_conn;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(PgPoolTest, UrlConninfoGetsConnectTimeoutAndWorks) {
  std::string dbname = conninfo_.substr(conninfo_.rfind("dbname=") + 7);
  const char* host = std::getenv("PGHOST");
  const char* port = std::getenv("PGPORT");
  const char* user = std::getenv("PGUSER");
  std::string url = std::string("postgresql://") + (user ? user : "postgres") + "@" + host + ":" +
                    (port ? port : "5432") + "/" + dbname + "?application_name=pgtest";
  PgPool pool(Options(url));
  std::string app;
  EXPECT_TRUE(pool.Run([&](pqxx::work& tx) {
                    app = tx.exec1("SHOW application_name")[0].as<std::string>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(app, "pgtest");
}

TEST_F(PgPoolTest, UnqualifiedNamesUseTheSchema) {
  PgPool pool(Options(conninfo_));
  ASSERT_TRUE(pool.Run([](pqxx::work& tx) {
                    tx.exec0("CREATE TABLE notes (id int)");
                    tx.exec0("INSERT INTO notes VALUES (7)");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(QueryLong(conninfo_, "SELECT id FROM app.notes"), 7);
  EXPECT_EQ(QueryLong(conninfo_,
                      "SELECT count(*) FROM information_schema.tables"
                      " WHERE table_name = 'notes' AND table_schema = 'public'"),
            0);
}

TEST_F(PgPoolTest, RunOnConnectionRunsOutsideTransaction) {
  PgPool pool(Options(conninfo_));
  std::string schema;
  absl::Status status = pool.RunOnConnection([&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    schema = tx.exec1("SELECT current_schema()")[0].as<std::string>();
    tx.exec("INSERT INTO items (id, qty) VALUES (1, 1)");
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(schema, kSchema);
  EXPECT_EQ(ItemCount(), 1);
  absl::Status dup = pool.RunOnConnection([](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec("INSERT INTO items (id, qty) VALUES (1, 1)");
    return absl::OkStatus();
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
}

TEST_F(PgPoolTest, RecoversAfterBackendsAreTerminated) {
  PgOptions options = Options(conninfo_);
  options.pool_size = 1;
  PgPool pool(options);
  ASSERT_TRUE(pool.Run([](pqxx::work& tx) { return InsertItem(tx, 1, 1); }).ok());

  pqxx::connection admin(conninfo_);
  {
    pqxx::nontransaction tx(admin);
    tx.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }
  // Termination is asynchronous; wait until the pool's backend is gone.
  ASSERT_TRUE(WaitFor(
      [&] {
        pqxx::nontransaction tx(admin);
        return tx.exec1(
                     "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                     " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")[0]
                   .as<long>() == 0;
      },
      absl::Seconds(5)));

  std::vector<absl::Status> statuses;
  for (int i = 0; i < 2; ++i) {
    absl::Status status = pool.Run([i](pqxx::work& tx) { return InsertItem(tx, 10 + i, 1); });
    statuses.push_back(status);
    if (status.ok()) break;
  }
  for (const absl::Status& s : statuses) {
    EXPECT_TRUE(s.ok() || s.code() == absl::StatusCode::kUnavailable) << s;
  }
  EXPECT_TRUE(statuses.back().ok()) << statuses.back();
  // The new connection has the schema settings too.
  EXPECT_TRUE(pool.Run([](pqxx::work& tx) {
                    tx.exec0("CREATE TABLE after_restart (id int)");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(QueryLong(conninfo_,
                      "SELECT count(*) FROM information_schema.tables"
                      " WHERE table_name = 'after_restart' AND table_schema = 'app'"),
            1);
}

TEST(StatusFromExceptionTest, MapsExceptionsToCodes) {
  EXPECT_EQ(PgPool::StatusFromException(pqxx::sql_error("dup", "", "23505")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::sql_error("fk", "", "23503")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::sql_error("check", "", "23514")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::sql_error("timeout", "", "57014")).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::sql_error("serial", "", "40001")).code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::sql_error("shutdown", "", "57P01")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::sql_error("syntax", "", "42601")).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::broken_connection("gone")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::in_doubt_error("maybe")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(PgPool::StatusFromException(pqxx::serialization_failure("x")).code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(PgPool::StatusFromException(std::runtime_error("x")).code(),
            absl::StatusCode::kInternal);
}

TEST(StatusFromExceptionTest, KeepsRowValuesOutOfTheMessage) {
  absl::Status status = PgPool::StatusFromException(
      pqxx::sql_error("ERROR:  duplicate key value violates unique constraint \"items_pkey\"\n"
                      "DETAIL:  Key (id)=(secret) already exists.\n",
                      "", "23505"));
  EXPECT_EQ(status.message(), "duplicate key value violates unique constraint \"items_pkey\"");
}

}  // namespace
}  // namespace lc
