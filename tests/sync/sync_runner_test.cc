// The sync runner with fake repository and providers clients and the
// in-memory store (no PostgreSQL): accounts advance one page at a time in
// turn, the call budget stops a run and the next continues, and a cursor
// never moves past a page whose changes were not all applied.
#include "sync/sync_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "sync/sync_metrics.h"
#include "testing/fake_sync_clients.h"
#include "testing/in_memory_sync_store.h"
#include "testing/mock_sync_clients.h"

namespace lc::sync {
namespace {

using ::lc::testing::FakeCloudClient;
using ::lc::testing::FakeDocumentsClient;

// Each account's feed: `pages` pages of two changes each ("<account>-p<i>-<j>").
void SetFeeds(FakeCloudClient& cloud, int pages) {
  cloud.SetDefaultFeed([pages](const AccountKey& key) {
    std::vector<FakeCloudClient::Page> feed(pages);
    for (int page = 0; page < pages; ++page) {
      for (int j = 0; j < 2; ++j) {
        v1::Change c;
        c.set_file_id(key.account + "-p" + std::to_string(page) + "-" + std::to_string(j));
        c.set_kind(v1::CHANGE_KIND_MODIFIED);
        c.mutable_file()->mutable_metadata()->set_filename("f");
        feed[page].push_back(c);
      }
    }
    return feed;
  });
}

// Every file of the feeds is referenced by one document; the reconciliation
// finds none.
void Reference(FakeDocumentsClient& docs, const std::vector<std::string>& accounts) {
  for (const auto& a : accounts) docs.AddAccount(AccountKey{"u", "googledrive", a}, 1);
  docs.ReferenceEveryFile();
}

class SyncRunnerTest : public ::testing::Test {
 protected:
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
  std::unique_ptr<::lc::testing::InMemorySyncStore> store_ =
      std::make_unique<::lc::testing::InMemorySyncStore>();
};

TEST_F(SyncRunnerTest, AccountsTakeTurnsPageByPage) {
  FakeCloudClient cloud;
  SetFeeds(cloud, 3);
  FakeDocumentsClient docs;
  Reference(docs, {"a", "b", "c"});
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
  FakeCloudClient cloud;
  SetFeeds(cloud, 3);
  FakeDocumentsClient docs;
  Reference(docs, {"a", "b"});
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
  FakeCloudClient cloud;
  SetFeeds(cloud, 2);
  FakeDocumentsClient docs;
  Reference(docs, {"a"});
  docs.FailApply("a-p1-1", absl::UnavailableError("repository down"));
  SyncRunner runner(
      *store_, docs, cloud, nullptr, [] { return absl::Now(); }, Options());
  auto r = runner.Run(std::nullopt, "test", nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->last_error.find("repository down"), std::string::npos) << r->last_error;
  EXPECT_EQ(Cursor("a"), "1") << "page 1 was not fully applied: its cursor is not saved";
  auto rows = store_->ListAccounts("u");
  EXPECT_NE((*rows)[0].last_error, "");
  docs.FailApply("", absl::OkStatus());
  ASSERT_TRUE(runner.Run(std::nullopt, "test", nullptr).ok());
  EXPECT_EQ(Cursor("a"), "2");
  EXPECT_TRUE(docs.applied().count("a-p1-1"));
}

TEST_F(SyncRunnerTest, DocumentsLeftPendingByTheChangesAreQueuedForIndexing) {
  FakeCloudClient cloud;
  SetFeeds(cloud, 1);
  FakeDocumentsClient docs;
  Reference(docs, {"a"});
  ::testing::StrictMock<::lc::testing::MockIndexClient> index;
  EXPECT_CALL(index, Enqueue(::testing::Property(&v1::Document::id, "doc-a-p0-0"), "synced"));
  EXPECT_CALL(index, Enqueue(::testing::Property(&v1::Document::id, "doc-a-p0-1"), "synced"));
  SyncRunner runner(
      *store_, docs, cloud, &index, [] { return absl::Now(); }, Options());
  auto r = runner.Run(std::nullopt, "test", nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->documents_updated, 2);
}

// A live file whose current revision is `revision`.
v1::CloudFile LiveFile(const std::string& id, const std::string& revision) {
  v1::CloudFile f;
  f.set_id(id);
  f.set_kind(v1::CLOUD_ITEM_KIND_FILE);
  f.mutable_metadata()->set_filename(id + ".txt");
  f.mutable_metadata()->set_revision(revision);
  return f;
}

TEST_F(SyncRunnerTest, ReconciliationMarksVersionsWhoseRevisionIsGoneOnceWithOneListPerFile) {
  FakeCloudClient cloud;
  FakeDocumentsClient docs;
  const AccountKey key{"u", "dropbox", "a"};
  docs.AddAccount(key, 3);
  for (const char* f : {"f1", "f2", "f3"}) {
    docs.Reference(key, f);
    cloud.PutFile("a", LiveFile(f, "head"));
  }
  docs.AddPin("f1", "r1", "v1");
  docs.AddPin("f1", "r2", "v2");
  docs.AddPin("f1", "head", "v3");
  docs.AddPin("f2", "s1", "w1");
  cloud.SetRevisions("a", "f1", {"r2", "head"});    // r1 is gone
  cloud.SetRevisions("a", "f2", {"head"}, {"s1"});  // a capped list: s1 is still there
  SyncRunner runner(
      *store_, docs, cloud, nullptr, [] { return absl::Now(); }, Options());
  auto r = runner.Run(std::nullopt, "test", nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->last_error, "");
  EXPECT_EQ(r->versions_expired, 1);
  EXPECT_EQ(docs.expired(), std::set<std::string>{"v1"});
  // One list per file with versions (f3 has none); a pin missing from the
  // list is asked for by id before it is called gone.
  EXPECT_EQ(cloud.revision_calls(),
            (std::vector<std::string>{"list:f1", "get:f1@r1", "list:f2", "get:f2@s1"}));
  // Start cursor, 3 files, 2 lists, 2 single revisions, one feed page.
  EXPECT_EQ(r->provider_calls, 9);
  ASSERT_EQ(docs.mark_requests().size(), 1u);
  const v1::MarkRevisionsExpiredRequest mark = docs.mark_requests()[0];
  EXPECT_EQ(mark.file_id(), "f1");
  EXPECT_EQ(std::vector<std::string>(mark.revisions().begin(), mark.revisions().end()),
            std::vector<std::string>{"r1"});
  EXPECT_EQ(mark.user(), "u");
  EXPECT_NE(mark.reason().find("dropbox no longer has the revision"), std::string::npos)
      << mark.reason();
  EXPECT_TRUE(mark.has_observed_time());

  // Reconciled again: the marked version is neither asked about nor marked
  // (nor logged) again.
  auto again = runner.Run(std::nullopt, "test", nullptr, /*reconcile=*/true);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->versions_expired, 0);
  EXPECT_EQ(docs.mark_requests().size(), 1u);
  const auto calls = cloud.revision_calls();
  EXPECT_EQ(std::vector<std::string>(calls.begin() + 4, calls.end()),
            (std::vector<std::string>{"list:f1", "list:f2", "get:f2@s1"}));
  EXPECT_EQ(runner.totals().versions_expired, 1);
}

TEST_F(SyncRunnerTest, ANewRevisionInTheFeedChecksThePinsOfThatFileOnly) {
  FakeCloudClient cloud;
  FakeDocumentsClient docs;
  const AccountKey key{"u", "box", "a"};
  docs.AddAccount(key, 2);
  cloud.PutFile("a", LiveFile("f1", "r1"));
  cloud.PutFile("a", LiveFile("f2", "s1"));
  for (const auto& [file, rev, version] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"f1", "r1", "v1"},
                                                                      {"f2", "s1", "w1"}}) {
    docs.Reference(key, file);
    docs.AddPin(file, rev, version);
    docs.SetStoredRevision(file, rev);
  }
  cloud.SetFeed("a", {{}});
  SyncRunner runner(
      *store_, docs, cloud, nullptr, [] { return absl::Now(); }, Options());
  ASSERT_TRUE(runner.Run(std::nullopt, "test", nullptr).ok());  // reconciles: all kept
  EXPECT_TRUE(docs.expired().empty());
  const size_t before = cloud.revision_calls().size();

  // f1 gets a new revision and the account keeps the head only (Box free
  // plan); f2 is only renamed.
  cloud.SetRevisions("a", "f1", {"r2"});
  v1::Change edit;
  edit.set_file_id("f1");
  edit.set_kind(v1::CHANGE_KIND_MODIFIED);
  *edit.mutable_file() = LiveFile("f1", "r2");
  v1::Change rename;
  rename.set_file_id("f2");
  rename.set_kind(v1::CHANGE_KIND_RENAMED);
  *rename.mutable_file() = LiveFile("f2", "s1");
  rename.mutable_file()->mutable_metadata()->set_filename("renamed.txt");
  cloud.SetFeed("a", {{}, {edit, rename}});
  auto r = runner.Run(std::nullopt, "test", nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->versions_expired, 1);
  EXPECT_EQ(docs.expired(), std::set<std::string>{"v1"});
  const auto calls = cloud.revision_calls();
  EXPECT_EQ(
      std::vector<std::string>(calls.begin() + static_cast<std::ptrdiff_t>(before), calls.end()),
      (std::vector<std::string>{"list:f1", "get:f1@r1"}));
  EXPECT_EQ(Cursor("a"), "2");
}

TEST_F(SyncRunnerTest, ARevisionListThatFailsDoesNotHoldTheAccountBack) {
  FakeCloudClient cloud;
  FakeDocumentsClient docs;
  const AccountKey key{"u", "onedrive", "a"};
  docs.AddAccount(key, 1);
  docs.Reference(key, "f1");
  docs.AddPin("f1", "1.0", "v1");
  cloud.PutFile("a", LiveFile("f1", "2.0"));
  cloud.SetRevisions("a", "f1", {"2.0"});
  cloud.FailRevisions("a", absl::UnavailableError("graph is down"));
  SyncRunner runner(
      *store_, docs, cloud, nullptr, [] { return absl::Now(); }, Options());
  auto r = runner.Run(std::nullopt, "test", nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->last_error, "");
  EXPECT_NE(Cursor("a"), "") << "the reconciliation finished and its cursor is saved";
  EXPECT_TRUE(docs.expired().empty());

  cloud.FailRevisions("a", absl::OkStatus());
  auto healed = runner.Run(std::nullopt, "test", nullptr, /*reconcile=*/true);
  ASSERT_TRUE(healed.ok()) << healed.status();
  EXPECT_EQ(docs.expired(), std::set<std::string>{"v1"});
}

}  // namespace
}  // namespace lc::sync
