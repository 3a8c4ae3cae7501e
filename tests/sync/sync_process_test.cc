// The sync binary as real processes against the services of this test
// (repository, providers, oauth in-process) and the emulator: kill -9 in
// the middle of a run (changes applied, cursor not saved; the test binary
// sync_with_test_hooks stops there) and a restart; two production
// binaries at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "absl/time/clock.h"
#include "liveconnect/v1/sync.grpc.pb.h"
#include "runtime/jwt.h"
#include "sync_stack.h"
#include "testing/pg_fixture.h"
#include "testing/wait.h"

namespace lc::testing {
namespace {

using json = nlohmann::json;

// One sync process; SIGKILLed (or SIGTERMed) when destroyed.
class SyncProcess {
 public:
  SyncProcess(SyncStack& stack, const std::string& replica, std::vector<std::string> extra = {},
              const char* binary = LC_SYNC_BIN) {
    port_ = FreeLoopbackPort();
    std::vector<std::string> args = {
        "sync",
        "--listen-addr=127.0.0.1:" + std::to_string(port_),
        "--metrics-port=-1",
        "--log-level=warn",
        "--jwt-secret=" + std::string(kJwtSecret),
        "--db-url=" + stack.conninfo(),
        "--repository-addr=127.0.0.1:" + std::to_string(stack.repository_port()),
        "--providers-addr=127.0.0.1:" + std::to_string(stack.providers_port()),
        "--schedule=off",
        "--replica-id=" + replica,
        "--workers=2",
        "--file-parallelism=4"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary, argv.data());
      _exit(127);
    }
    stub_ = v1::SyncService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                                         grpc::InsecureChannelCredentials()));
    // Start-up, not a test condition: wait for the port (at most 20 s).
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                       grpc::InsecureChannelCredentials());
    for (int i = 0; i < 200; ++i) {
      if (channel->WaitForConnected(std::chrono::system_clock::now() +
                                    std::chrono::milliseconds(100))) {
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("the sync process exited at start");
      }
    }
    throw std::runtime_error("the sync process did not start");
  }
  ~SyncProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void Kill9() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // RunNow for every account; the last progress message.
  grpc::Status RunNow(v1::SyncProgress* last) {
    grpc::ClientContext ctx;
    absl::Time now = absl::Now();
    ctx.AddMetadata("authorization", "Bearer " + MintHs256(kJwtSecret, Principal{"root", {"admin"}},
                                                           now, now + absl::Minutes(5)));
    ctx.set_deadline(absl::ToChronoTime(now + absl::Seconds(120)));
    v1::RunNowRequest req;
    auto reader = stub_->RunNow(&ctx, req);
    v1::SyncProgress p;
    while (reader->Read(&p)) *last = p;
    return reader->Finish();
  }
  grpc::Status Status(v1::SyncStatus* out) {
    grpc::ClientContext ctx;
    absl::Time now = absl::Now();
    ctx.AddMetadata("authorization", "Bearer " + MintHs256(kJwtSecret, Principal{"root", {"admin"}},
                                                           now, now + absl::Minutes(5)));
    return stub_->GetStatus(&ctx, v1::GetSyncStatusRequest(), out);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<v1::SyncService::Stub> stub_;
};

class SyncProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (ServerConninfo().empty()) return;
    stack_ = new SyncStack;
    stack_->ConfigureProvider("googledrive");
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override { LC_REQUIRE_POSTGRES(); }

  struct Account {
    std::string user, email;
    std::map<std::string, std::string> ids;  // path -> file id
    std::vector<v1::Document> docs;
  };
  Account NewAccount(const std::string& name, int files) {
    Account a{"u-" + name, name + "@example.com", {}, {}};
    stack_->Connect(a.user, "googledrive", a.email);
    json list = json::array();
    for (int i = 0; i < files; ++i) {
      list.push_back({{"path", "/p/f" + std::to_string(i) + ".txt"}, {"content", "v1"}});
    }
    a.ids = stack_->Seed("googledrive", a.email, list);
    for (const auto& [path, id] : a.ids) {
      if (path.find(".txt") != std::string::npos) {
        a.docs.push_back(stack_->CreateDocument(a.user, "googledrive", a.email, id));
      }
    }
    return a;
  }
  void ChangeAll(const Account& a, const std::string& content) {
    for (const auto& [path, id] : a.ids) {
      if (path.find(".txt") == std::string::npos) continue;
      stack_->Outside("googledrive", {{"id", id}, {"action", "content"}, {"content", content}});
    }
  }
  std::vector<int> SyncedCounts(const Account& a) {
    std::vector<int> out;
    for (const auto& d : a.docs) {
      out.push_back(stack_->CountHistory(a.user, d.id(), v1::HISTORY_EVENT_KIND_SYNCED));
    }
    return out;
  }

  static SyncStack* stack_;
};

SyncStack* SyncProcessTest::stack_ = nullptr;

TEST_F(SyncProcessTest, Kill9AfterApplyingBeforeTheCursorSaveReplaysWithoutLossOrDuplicates) {
  Account a = NewAccount("crash", 30);
  {
    SyncProcess first(*stack_, "replica-1");
    v1::SyncProgress p;
    ASSERT_TRUE(first.RunNow(&p).ok());
    EXPECT_TRUE(p.finished());
  }
  auto rows = stack_->store().ListAccounts(a.user);
  ASSERT_TRUE(rows.ok() && rows->size() == 1);
  const std::string saved_cursor = (*rows)[0].cursor;
  ASSERT_FALSE(saved_cursor.empty());
  const std::vector<int> before = SyncedCounts(a);
  ChangeAll(a, "v2");

  char dir_template[] = "/tmp/lc-sync-crash-XXXXXX";
  const std::string pause_file = std::string(mkdtemp(dir_template)) + "/paused";
  {
    SyncProcess doomed(*stack_, "replica-1", {"--pause-before-cursor-save=" + pause_file},
                       LC_SYNC_TEST_BIN);
    grpc::Status run_status;
    std::thread run([&] {
      v1::SyncProgress p;
      run_status = doomed.RunNow(&p);
    });
    // The hook creates the file at the pause point.
    ASSERT_TRUE(WaitFor([&] { return access(pause_file.c_str(), F_OK) == 0; }, absl::Seconds(30),
                        absl::Milliseconds(20)))
        << "the sync process never reached the cursor save";
    // Changes are applied, the cursor is not saved: crash now.
    std::vector<int> applied = SyncedCounts(a);
    int updated = 0;
    for (size_t i = 0; i < applied.size(); ++i) updated += applied[i] > before[i] ? 1 : 0;
    EXPECT_GT(updated, 0) << "the crash must come after some changes were applied";
    doomed.Kill9();
    run.join();
    EXPECT_FALSE(run_status.ok());
  }
  rows = stack_->store().ListAccounts(a.user);
  ASSERT_TRUE(rows.ok() && rows->size() == 1);
  EXPECT_EQ((*rows)[0].cursor, saved_cursor) << "the crashed run must not move the cursor";
  EXPECT_EQ((*rows)[0].lease_holder, "replica-1") << "the crashed lease is still recorded";

  // Restart (same replica id: it takes its lease back at once).
  SyncProcess restarted(*stack_, "replica-1");
  v1::SyncProgress p;
  ASSERT_TRUE(restarted.RunNow(&p).ok());
  EXPECT_TRUE(p.finished());
  EXPECT_EQ(p.last_error(), "");
  EXPECT_GE(p.changes_seen(), 30) << "the replay reads the same changes again";
  for (const auto& d : a.docs) EXPECT_EQ(stack_->DiffWithCloud(a.user, d.id()), "");
  const std::vector<int> after = SyncedCounts(a);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i], before[i] + 1) << "document " << a.docs[i].id() << ": exactly one entry";
  }
  rows = stack_->store().ListAccounts(a.user);
  ASSERT_TRUE(rows.ok() && rows->size() == 1);
  EXPECT_NE((*rows)[0].cursor, saved_cursor);
  EXPECT_TRUE((*rows)[0].lease_holder.empty());

  v1::SyncStatus status;
  ASSERT_TRUE(restarted.Status(&status).ok());
  EXPECT_EQ(status.schedule(), "off");
  EXPECT_GE(status.totals().runs(), 1);
  bool found = false;
  for (const auto& acc : status.accounts()) {
    if (acc.user() != a.user) continue;
    found = true;
    EXPECT_TRUE(acc.has_cursor());
    EXPECT_EQ(acc.documents(), 30);
    EXPECT_TRUE(acc.has_last_sync_time());
  }
  EXPECT_TRUE(found);
}

// The crash point is the test binary's alone: production refuses the flag.
TEST(SyncBinaryTest, ProductionBinaryHasNoTestHookFlag) {
  const std::string cmd = std::string(LC_SYNC_BIN) + " --jwt-secret=" + kJwtSecret +
                          " --db-url=x --pause-before-cursor-save=/tmp/x 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  const int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << output;
  EXPECT_THAT(output, ::testing::HasSubstr("unknown flag --pause-before-cursor-save"));
}

TEST_F(SyncProcessTest, TwoReplicasSyncEveryAccountButNeverOneTogether) {
  std::vector<Account> accounts;
  for (int i = 0; i < 6; ++i) accounts.push_back(NewAccount("replicas" + std::to_string(i), 8));
  // Slow feeds make the two runs overlap in time.
  stack_->Admin("googledrive", "POST", "/_emulator/faults",
                {{"kind", "delay"}, {"delay_ms", 150}, {"path", "changes"}});
  SyncProcess a(*stack_, "replica-a");
  SyncProcess b(*stack_, "replica-b");
  auto run_both = [&] {
    grpc::Status sa, sb;
    v1::SyncProgress pa, pb;
    std::thread ta([&] { sa = a.RunNow(&pa); });
    std::thread tb([&] { sb = b.RunNow(&pb); });
    ta.join();
    tb.join();
    EXPECT_TRUE(sa.ok()) << sa.error_message();
    EXPECT_TRUE(sb.ok()) << sb.error_message();
  };
  run_both();  // first runs: cursors and reconciliation
  std::vector<std::vector<int>> before;
  for (const auto& acc : accounts) {
    before.push_back(SyncedCounts(acc));
    ChangeAll(acc, "second");
  }
  run_both();
  stack_->Admin("googledrive", "DELETE", "/_emulator/faults");
  // A replica may have left an account to the other; one more pass by
  // either finds nothing missing.
  for (size_t i = 0; i < accounts.size(); ++i) {
    for (const auto& d : accounts[i].docs) {
      EXPECT_EQ(stack_->DiffWithCloud(accounts[i].user, d.id()), "");
    }
    auto after = SyncedCounts(accounts[i]);
    for (size_t j = 0; j < after.size(); ++j) EXPECT_EQ(after[j], before[i][j] + 1);
  }
  // Never two holders of one account at the same time.
  auto leases = stack_->store().ListLeases();
  ASSERT_TRUE(leases.ok());
  std::map<std::string, std::vector<sync::LeaseRecord>> by_account;
  std::set<std::string> holders;
  for (const auto& l : *leases) {
    if (l.key.user.rfind("u-replicas", 0) != 0) continue;
    by_account[l.key.ToString()].push_back(l);
    holders.insert(l.holder);
  }
  EXPECT_EQ(by_account.size(), accounts.size()) << "every account synced";
  for (const auto& [key, list] : by_account) {
    for (size_t i = 0; i < list.size(); ++i) {
      ASSERT_TRUE(list[i].released.has_value()) << key;
      for (size_t j = i + 1; j < list.size(); ++j) {
        const bool disjoint =
            *list[i].released <= list[j].acquired || *list[j].released <= list[i].acquired;
        EXPECT_TRUE(disjoint) << key << ": " << list[i].holder << " and " << list[j].holder
                              << " held it together";
      }
    }
  }
  std::cout << "lease holders seen: " << holders.size() << "\n";
}

}  // namespace
}  // namespace lc::testing
