// The sync runner with fake repository and providers clients (the store is
// PostgreSQL): accounts advance one page at a time in turn, the call budget
// stops a run and the next continues, and a cursor never moves past a page
// whose changes were not all applied.
#include "sync/sync_runner.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "sync/sync_metrics.h"
#include "testing/pg_fixture.h"

namespace lc::sync {
namespace {

// Each account's feed: `pages` pages of two changes each ("<account>-p<i>-<j>").
class FakeCloud : public CloudClient {
 public:
  explicit FakeCloud(int pages) : pages_(pages) {}
  absl::StatusOr<std::string> GetStartCursor(const AccountKey&) override { return "0"; }
  absl::StatusOr<v1::ListChangesResponse> ListChanges(const AccountKey& key,
                                                      const std::string& cursor) override {
    std::lock_guard<std::mutex> lock(mu_);
    const int page = std::stoi(cursor);
    calls_.push_back(key.account + "@" + cursor);
    v1::ListChangesResponse resp;
    if (page < pages_) {
      for (int j = 0; j < 2; ++j) {
        auto* c = resp.add_changes();
        c->set_file_id(key.account + "-p" + std::to_string(page) + "-" + std::to_string(j));
        c->set_kind(v1::CHANGE_KIND_MODIFIED);
        c->mutable_file()->mutable_metadata()->set_filename("f");
      }
    }
    resp.set_next_cursor(std::to_string(std::min(page + 1, pages_)));
    resp.set_has_more(page + 1 < pages_);
    return resp;
  }
  absl::StatusOr<v1::CloudFile> GetFile(const AccountKey&, const std::string& id) override {
    return absl::NotFoundError(id);
  }
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  int pages_;
  std::mutex mu_;
  std::vector<std::string> calls_;
};

// Every file is referenced by one document; the reconciliation finds none.
class FakeDocuments : public DocumentsClient {
 public:
  explicit FakeDocuments(std::vector<std::string> accounts) : accounts_(std::move(accounts)) {}
  absl::StatusOr<v1::ListReferencedAccountsResponse> ListReferencedAccounts(
      const std::string&) override {
    v1::ListReferencedAccountsResponse resp;
    for (const auto& a : accounts_) {
      auto* r = resp.add_accounts();
      r->set_user("u");
      r->set_provider("googledrive");
      r->set_account(a);
      r->set_document_count(1);
    }
    return resp;
  }
  absl::StatusOr<v1::FindDocumentsByFilesResponse> FindDocumentsByFiles(
      const AccountKey&, const std::vector<std::string>& file_ids, int,
      const std::string&) override {
    v1::FindDocumentsByFilesResponse resp;
    for (const auto& id : file_ids) {
      auto* d = resp.add_documents();
      d->set_id("doc-" + id);
      d->mutable_blob()->set_file_id(id);
    }
    return resp;
  }
  absl::StatusOr<v1::ApplyFileChangeResponse> ApplyFileChange(
      const v1::ApplyFileChangeRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (req.file_id() == fail_) return absl::UnavailableError("repository down");
    applied_.insert(req.file_id());
    v1::ApplyFileChangeResponse resp;
    resp.add_updated_document_ids("doc-" + req.file_id());
    return resp;
  }
  void FailOn(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = id;
  }
  std::set<std::string> applied() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }

 private:
  std::vector<std::string> accounts_;
  std::mutex mu_;
  std::string fail_;
  std::set<std::string> applied_;
};

class SyncRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    pool_ = std::make_unique<PgPool>(
        PgOptions{.conninfo = ::lc::testing::CreateTestDatabase(), .schema = "sync"});
    ASSERT_TRUE(ApplyMigrations(*pool_, Migrations()).ok());
    store_ = std::make_unique<PgSyncStore>(*pool_);
  }
  std::string Cursor(const std::string& account) {
    auto rows = store_->ListAccounts("u");
    for (const auto& r : *rows) {
      if (r.key.account == account) return r.cursor;
    }
    return "<none>";
  }
  SyncOptions Options() {
    SyncOptions o;
    o.holder = "r";
    o.workers = 1;
    o.file_parallelism = 1;
    return o;
  }
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgSyncStore> store_;
};

TEST_F(SyncRunnerTest, AccountsTakeTurnsPageByPage) {
  FakeCloud cloud(3);
  FakeDocuments docs({"a", "b", "c"});
  SyncRunner runner(
      *store_, docs, cloud, nullptr, [] { return absl::Now(); }, Options());
  std::vector<RunCounters> progress;
  auto r = runner.Run(std::nullopt, "test", [&](const RunCounters& c) { progress.push_back(c); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accounts_total, 3);
  EXPECT_EQ(r->accounts_done, 3);
  EXPECT_EQ(r->changes_seen, 18);
  EXPECT_EQ(r->documents_updated, 18);
  // Round robin: no account reads its second page before every account read
  // its first.
  EXPECT_EQ(cloud.calls(), (std::vector<std::string>{"a@0", "b@0", "c@0", "a@1", "b@1", "c@1",
                                                     "a@2", "b@2", "c@2"}));
  for (const char* a : {"a", "b", "c"}) EXPECT_EQ(Cursor(a), "3");
  EXPECT_GT(progress.size(), 9u) << "progress after every page";

  // The same totals reach Prometheus at each scrape.
  std::map<std::string, double> metrics;
  for (const auto& family : SyncMetrics(runner).Collect()) {
    metrics[family.name] = family.metric.at(0).counter.value;
  }
  EXPECT_EQ(metrics["lc_sync_runs_total"], 1);
  EXPECT_EQ(metrics["lc_sync_changes_seen_total"], 18);
  EXPECT_EQ(metrics["lc_sync_documents_updated_total"], 18);
  EXPECT_EQ(metrics["lc_sync_provider_calls_total"], static_cast<double>(r->provider_calls));
  EXPECT_EQ(metrics["lc_sync_account_failures_total"], 0);
}

TEST_F(SyncRunnerTest, CallBudgetStopsTheRunAndTheNextContinuesFromTheCursors) {
  FakeCloud cloud(3);
  FakeDocuments docs({"a", "b"});
  SyncOptions o = Options();
  o.call_budget = 5;  // two start cursors, then three feed pages
  SyncRunner runner(
      *store_, docs, cloud, nullptr, [] { return absl::Now(); }, o);
  auto first = runner.Run(std::nullopt, "test", nullptr);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->provider_calls, 5);
  EXPECT_EQ(Cursor("a"), "2");
  EXPECT_EQ(Cursor("b"), "1");
  o.call_budget = 0;
  SyncRunner next(
      *store_, docs, cloud, nullptr, [] { return absl::Now(); }, o);
  ASSERT_TRUE(next.Run(std::nullopt, "test", nullptr).ok());
  EXPECT_EQ(Cursor("a"), "3");
  EXPECT_EQ(Cursor("b"), "3");
  EXPECT_EQ(docs.applied().size(), 12u) << "every change applied, none skipped";
}

TEST_F(SyncRunnerTest, AFailedApplyLeavesTheCursorBeforeThePage) {
  FakeCloud cloud(2);
  FakeDocuments docs({"a"});
  docs.FailOn("a-p1-1");
  SyncRunner runner(
      *store_, docs, cloud, nullptr, [] { return absl::Now(); }, Options());
  auto r = runner.Run(std::nullopt, "test", nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->last_error.find("repository down"), std::string::npos) << r->last_error;
  EXPECT_EQ(Cursor("a"), "1") << "page 1 was not fully applied: its cursor is not saved";
  auto rows = store_->ListAccounts("u");
  EXPECT_NE((*rows)[0].last_error, "");
  docs.FailOn("");
  ASSERT_TRUE(runner.Run(std::nullopt, "test", nullptr).ok());
  EXPECT_EQ(Cursor("a"), "2");
  EXPECT_TRUE(docs.applied().count("a-p1-1"));
}

}  // namespace
}  // namespace lc::sync
