// Sync against the cloud emulator through the real providers, oauth and
// repository services, for each provider: rename, content-only edit,
// delete, a new revision, lost access, many changes across several feed
// pages, an expired cursor, and 20% of provider calls failing. Documents
// must end exactly as the cloud says, with one history entry per real
// change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "sync/sync_service.h"
#include "sync_stack.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

using json = nlohmann::json;
using sync::AccountKey;
using sync::RunCounters;

class EmulatorSyncTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (ServerConninfo().empty()) return;
    stack_ = new SyncStack;
    for (const char* p : {"googledrive", "dropbox", "box", "onedrive"}) {
      stack_->ConfigureProvider(p);
    }
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    }
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    user_ = "u-" + name;
    email_ = name + "@example.com";
    stack_->Admin(GetParam(), "DELETE", "/_emulator/faults");
    stack_->Connect(user_, GetParam(), email_);
  }

  AccountKey Key() const { return {user_, GetParam(), email_}; }

  std::map<std::string, std::string> Seed(const json& files) {
    return stack_->Seed(GetParam(), email_, files);
  }
  void Outside(json change) { stack_->Outside(GetParam(), change); }

  RunCounters Sync(sync::SyncOptions options = {},
                   absl::Duration clock_offset = absl::ZeroDuration()) {
    if (options.holder.empty()) options.holder = "test-replica";
    auto runner = stack_->NewRunner(options, [clock_offset] { return absl::Now() + clock_offset; });
    auto r = runner->Run(Key(), "test", nullptr);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RunCounters{};
  }

  void ExpectMatchesCloud(const std::vector<v1::Document>& docs) {
    for (const auto& d : docs) {
      EXPECT_EQ(stack_->DiffWithCloud(user_, d.id()), "") << d.blob().file_id();
    }
  }
  int Synced(const v1::Document& d) {
    return stack_->CountHistory(user_, d.id(), v1::HISTORY_EVENT_KIND_SYNCED);
  }
  int Lost(const v1::Document& d) {
    return stack_->CountHistory(user_, d.id(), v1::HISTORY_EVENT_KIND_REFERENCE_LOST);
  }

  static SyncStack* stack_;
  std::string user_, email_;
};

SyncStack* EmulatorSyncTest::stack_ = nullptr;

TEST_P(EmulatorSyncTest, RenameContentEditDeleteAndNewRevision) {
  auto ids = Seed({{{"path", "/d/rename.txt"}, {"content", "rename me"}},
                   {{"path", "/d/edit.txt"}, {"content", "aaaa"}},
                   {{"path", "/d/gone.txt"}, {"content", "gone"}},
                   {{"path", "/d/rev.txt"}, {"content", "first"}},
                   {{"path", "/d/keep.txt"}, {"content", "keep"}},
                   {{"path", "/d/other.txt"}, {"content", "not referenced"}}});
  std::map<std::string, v1::Document> docs;
  for (const char* p :
       {"/d/rename.txt", "/d/edit.txt", "/d/gone.txt", "/d/rev.txt", "/d/keep.txt"}) {
    docs[p] = stack_->CreateDocument(user_, GetParam(), email_, ids[p]);
  }
  // First run: a start cursor and one reconciliation pass.
  RunCounters first = Sync();
  EXPECT_EQ(first.accounts_total, 1);
  EXPECT_EQ(first.last_error, "");
  EXPECT_GE(first.provider_calls, 5);  // the cursor and one GetFile per file
  auto rows = stack_->store().ListAccounts(user_);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_FALSE((*rows)[0].cursor.empty());
  std::map<std::string, int> synced_before;
  for (auto& [p, d] : docs) synced_before[p] = Synced(d);
  const std::string keep_etag = stack_->GetDocument(user_, docs["/d/keep.txt"].id()).etag();

  const v1::BlobMetadata edit_before =
      stack_->GetDocument(user_, docs["/d/edit.txt"].id()).blob_metadata();
  Outside({{"id", ids["/d/rename.txt"]}, {"action", "rename"}, {"name", "renamed.txt"}});
  Outside({{"id", ids["/d/edit.txt"]}, {"action", "content"}, {"content", "bbbb"}});
  Outside({{"id", ids["/d/gone.txt"]}, {"action", "delete"}});
  Seed({{{"path", "/d/rev.txt"}, {"content", "second, longer"}}});
  Outside({{"id", ids["/d/other.txt"]}, {"action", "content"}, {"content", "still unreferenced"}});

  RunCounters second = Sync();
  EXPECT_EQ(second.last_error, "");
  EXPECT_GE(second.changes_seen, 4);
  EXPECT_EQ(second.documents_updated, 4);
  std::vector<v1::Document> all;
  for (auto& [p, d] : docs) all.push_back(d);
  ExpectMatchesCloud(all);

  v1::Document renamed = stack_->GetDocument(user_, docs["/d/rename.txt"].id());
  EXPECT_EQ(renamed.title(), "renamed.txt");
  v1::Document edited = stack_->GetDocument(user_, docs["/d/edit.txt"].id());
  EXPECT_EQ(edited.blob_metadata().filename(), "edit.txt");
  EXPECT_EQ(edited.blob_metadata().size(), 4);
  EXPECT_TRUE(edited.blob_metadata().digest() != edit_before.digest() ||
              edited.blob_metadata().revision() != edit_before.revision())
      << "a content-only edit must be seen";
  EXPECT_EQ(stack_->GetDocument(user_, docs["/d/gone.txt"].id()).reference_state(),
            v1::REFERENCE_STATE_FILE_DELETED);
  EXPECT_EQ(stack_->GetDocument(user_, docs["/d/rev.txt"].id()).blob_metadata().size(), 14);
  EXPECT_EQ(stack_->GetDocument(user_, docs["/d/keep.txt"].id()).etag(), keep_etag)
      << "an unchanged file leaves its document untouched";

  EXPECT_EQ(Synced(docs["/d/rename.txt"]), synced_before["/d/rename.txt"] + 1);
  EXPECT_EQ(Synced(docs["/d/edit.txt"]), synced_before["/d/edit.txt"] + 1);
  EXPECT_EQ(Synced(docs["/d/rev.txt"]), synced_before["/d/rev.txt"] + 1);
  EXPECT_EQ(Synced(docs["/d/keep.txt"]), synced_before["/d/keep.txt"]);
  EXPECT_EQ(Lost(docs["/d/gone.txt"]), 1);

  // Nothing new: no update, no history.
  RunCounters third = Sync();
  EXPECT_EQ(third.documents_updated, 0);
  EXPECT_EQ(Synced(docs["/d/rename.txt"]), synced_before["/d/rename.txt"] + 1);
}

TEST_P(EmulatorSyncTest, AccessLostMarksDocumentsAndReconnectRestoresThem) {
  auto ids = Seed(
      {{{"path", "/a/one.txt"}, {"content", "1"}}, {{"path", "/a/two.txt"}, {"content", "2"}}});
  std::vector<v1::Document> docs = {
      stack_->CreateDocument(user_, GetParam(), email_, ids["/a/one.txt"]),
      stack_->CreateDocument(user_, GetParam(), email_, ids["/a/two.txt"])};
  Sync();
  stack_->Admin(GetParam(), "POST", "/_emulator/users/" + email_ + "/revoke");
  RunCounters lost = Sync();
  EXPECT_NE(lost.last_error, "");
  for (const auto& d : docs) {
    v1::Document now = stack_->GetDocument(user_, d.id());
    EXPECT_EQ(now.reference_state(), v1::REFERENCE_STATE_ACCESS_LOST);
    EXPECT_NE(now.reference_reason(), "");
    EXPECT_EQ(Lost(d), 1);
  }
  auto rows = stack_->store().ListAccounts(user_);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_NE((*rows)[0].last_error, "");
  EXPECT_TRUE((*rows)[0].cursor.empty());
  // Once more while still revoked: no second entry.
  Sync();
  for (const auto& d : docs) EXPECT_EQ(Lost(d), 1);

  stack_->Connect(user_, GetParam(), email_);
  Outside({{"id", ids["/a/one.txt"]}, {"action", "rename"}, {"name", "uno.txt"}});
  RunCounters back = Sync();
  EXPECT_EQ(back.last_error, "");
  ExpectMatchesCloud(docs);
  EXPECT_EQ(stack_->GetDocument(user_, docs[0].id()).title(), "uno.txt");
}

TEST_P(EmulatorSyncTest, ManyChangesAcrossSeveralPages) {
  json files = json::array();
  std::vector<std::string> names;
  for (int i = 0; i < 2100; ++i) {
    names.push_back("file-" + std::to_string(i) + ".txt");
    files.push_back({{"path", "/many/" + names.back()}, {"content", "xxxx"}});
  }
  auto ids = Seed(files);
  std::vector<std::string> file_ids;
  for (const auto& n : names) file_ids.push_back(ids["/many/" + n]);
  ASSERT_EQ(ids.size(), 2100u);
  std::vector<v1::Document> docs;
  for (size_t i = 0; i < file_ids.size(); i += 21) {
    docs.push_back(stack_->CreateDocument(user_, GetParam(), email_, file_ids[i]));
  }
  Sync();
  std::vector<int> synced_before;
  for (const auto& d : docs) synced_before.push_back(Synced(d));
  // Every file changes (same size, new content); a tenth are also renamed.
  for (size_t i = 0; i < file_ids.size(); ++i) {
    Outside({{"id", file_ids[i]}, {"action", "content"}, {"content", "zzzz"}});
    if (i % 10 == 0) {
      Outside({{"id", file_ids[i]}, {"action", "rename"}, {"name", "r-" + names[i]}});
    }
  }
  RunCounters run = Sync();
  EXPECT_EQ(run.last_error, "");
  EXPECT_GE(run.changes_seen, 2100);
  EXPECT_GE(run.provider_calls, 2) << "2100 changes fit no provider's single page";
  EXPECT_LT(run.provider_calls, 100) << "the feed costs pages, not files";
  EXPECT_EQ(run.documents_updated, static_cast<int64_t>(docs.size()));
  ExpectMatchesCloud(docs);
  for (size_t i = 0; i < docs.size(); ++i) {
    EXPECT_EQ(Synced(docs[i]), synced_before[i] + 1) << docs[i].id();
  }
}

TEST_P(EmulatorSyncTest, ExpiredCursorReconcilesAndTakesANewOne) {
  auto ids = Seed({{{"path", "/x/a.txt"}, {"content", "a"}}});
  std::vector<v1::Document> docs = {
      stack_->CreateDocument(user_, GetParam(), email_, ids["/x/a.txt"])};
  Sync();
  const int synced_before = Synced(docs[0]);
  auto before = stack_->store().ListAccounts(user_);
  ASSERT_TRUE(before.ok());
  Outside({{"id", ids["/x/a.txt"]}, {"action", "content"}, {"content", "b"}});
  stack_->Admin(GetParam(), "POST", "/_emulator/cursors/expire");
  RunCounters run = Sync();
  EXPECT_EQ(run.last_error, "");
  auto after = stack_->store().ListAccounts(user_);
  ASSERT_TRUE(after.ok());
  EXPECT_NE((*after)[0].cursor, (*before)[0].cursor);
  if (GetParam() == "box") {
    // Box says nothing when it clamps an expired stream position: the
    // change made before the expiry is not in the feed. The periodic
    // reconciliation (24 h by default) catches it.
    Sync({}, absl::Hours(25));
  }
  ExpectMatchesCloud(docs);
  EXPECT_EQ(Synced(docs[0]), synced_before + 1);
  // A reconciliation is recorded; the next one is not due yet.
  auto reconciled = stack_->store().ListAccounts(user_);
  ASSERT_TRUE(reconciled.ok());
  ASSERT_TRUE((*reconciled)[0].reconciled_time.has_value());
  RunCounters quiet = Sync();
  EXPECT_EQ(quiet.provider_calls, 1) << "one feed page, no reconciliation";
}

TEST_P(EmulatorSyncTest, TwentyPercentOfProviderCallsFailingConverges) {
  auto ids = Seed({{{"path", "/f/a.txt"}, {"content", "a1"}},
                   {{"path", "/f/b.txt"}, {"content", "b1"}},
                   {{"path", "/f/c.txt"}, {"content", "c1"}},
                   {{"path", "/f/d.txt"}, {"content", "d1"}}});
  std::vector<v1::Document> docs;
  for (const auto& [p, id] : ids) {
    if (p.find(".txt") != std::string::npos) {
      docs.push_back(stack_->CreateDocument(user_, GetParam(), email_, id));
    }
  }
  ASSERT_EQ(docs.size(), 4u);
  // Every fifth provider request fails: alternately 429 and 503.
  stack_->Admin(
      GetParam(), "POST", "/_emulator/faults",
      json::array({{{"kind", "status"}, {"status", 429}, {"retry_after", 0}, {"fraction", 0.1}},
                   {{"kind", "status"}, {"status", 503}, {"retry_after", 0}, {"fraction", 0.1}}}));
  Sync();
  Outside({{"id", ids["/f/a.txt"]}, {"action", "rename"}, {"name", "a2.txt"}});
  Outside({{"id", ids["/f/b.txt"]}, {"action", "content"}, {"content", "b2"}});
  Outside({{"id", ids["/f/c.txt"]}, {"action", "delete"}});
  Seed({{{"path", "/f/d.txt"}, {"content", "d2 longer"}}});
  for (int i = 0; i < 5; ++i) Sync();
  json counters = stack_->Admin(GetParam(), "GET", "/_emulator/counters");
  stack_->Admin(GetParam(), "DELETE", "/_emulator/faults");
  Sync();
  ExpectMatchesCloud(docs);
  for (const auto& d : docs) {
    const std::string name = d.blob_metadata().filename();
    if (name == "c.txt") {
      EXPECT_EQ(Lost(d), 1);
    } else {
      EXPECT_LE(Synced(d), 2) << name << ": at most the reconcile and the change";
    }
  }
  int failed = 0;
  for (const auto& [code, n] : counters["statuses"].items()) {
    if (code == "429" || code == "503") failed += n.get<int>();
  }
  EXPECT_GT(failed, 0) << counters.dump();
}

TEST_P(EmulatorSyncTest, CallBudgetStopsARunAndTheNextRunsContinue) {
  json files = json::array();
  for (int i = 0; i < 12; ++i) {
    files.push_back({{"path", "/b/f" + std::to_string(i) + ".txt"}, {"content", "x"}});
  }
  auto ids = Seed(files);
  std::vector<v1::Document> docs;
  for (const auto& [path, id] : ids) {
    if (path.find(".txt") != std::string::npos) {
      docs.push_back(stack_->CreateDocument(user_, GetParam(), email_, id));
    }
  }
  ASSERT_EQ(docs.size(), 12u);
  sync::SyncOptions small;
  small.call_budget = 5;
  small.reconcile_page_size = 4;
  small.file_parallelism = 1;
  // The start cursor and one batch of 4 fit; the reconciliation stops and
  // is resumed by the next runs, never restarted.
  RunCounters first = Sync(small);
  EXPECT_EQ(first.provider_calls, 5);
  auto rows = stack_->store().ListAccounts(user_);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE((*rows)[0].cursor.empty());
  EXPECT_FALSE((*rows)[0].pending_cursor.empty());
  EXPECT_FALSE((*rows)[0].reconcile_token.empty());
  RunCounters second = Sync(small);
  EXPECT_EQ(second.provider_calls, 8) << "two batches of 4, no new start cursor";
  rows = stack_->store().ListAccounts(user_);
  ASSERT_TRUE(rows.ok());
  EXPECT_FALSE((*rows)[0].cursor.empty()) << "the reconciliation finished";
  EXPECT_TRUE((*rows)[0].pending_cursor.empty());
  Outside({{"id", docs[0].blob().file_id()}, {"action", "rename"}, {"name", "budget.txt"}});
  Sync(small);
  ExpectMatchesCloud(docs);
}

TEST_P(EmulatorSyncTest, StatusShowsAUserTheirAccountsAndAnAdminAll) {
  auto ids = Seed({{{"path", "/s/a.txt"}, {"content", "a"}}});
  stack_->CreateDocument(user_, GetParam(), email_, ids["/s/a.txt"]);
  sync::SyncOptions options;
  options.holder = "status-replica";
  auto runner = stack_->NewRunner(options);
  ASSERT_TRUE(runner->Run(Key(), "test", nullptr).ok());
  auto schedule = sync::CronSchedule::Parse("0 0/5 * * * ?");
  ASSERT_TRUE(schedule.ok());
  sync::SyncScheduler scheduler(
      *schedule, [] { return absl::Now(); }, [] {});
  RpcEdge edge(std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kJwtSecret}));
  sync::SyncServiceImpl service(*runner, stack_->store(), scheduler, edge,
                                [] { return absl::Now(); });

  auto mine = service.Status(Principal{user_, {}});
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->schedule(), "0 0/5 * * * ?");
  ASSERT_TRUE(mine->has_next_run());
  EXPECT_EQ(mine->next_run().seconds() % 300, 0);
  ASSERT_EQ(mine->accounts_size(), 1);
  EXPECT_EQ(mine->accounts(0).user(), user_);
  EXPECT_EQ(mine->accounts(0).documents(), 1);
  EXPECT_TRUE(mine->accounts(0).has_cursor());
  EXPECT_TRUE(mine->accounts(0).has_last_sync_time());
  EXPECT_EQ(mine->accounts(0).lease_holder(), "") << "released after the run";
  EXPECT_EQ(mine->totals().runs(), 1);
  EXPECT_GE(mine->totals().provider_calls(), 2);
  EXPECT_TRUE(mine->has_last_run_start());

  auto stranger = service.Status(Principal{"someone-else", {}});
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(stranger->accounts_size(), 0);
  auto admin = service.Status(Principal{"root", {"admin"}});
  ASSERT_TRUE(admin.ok());
  auto all = stack_->store().ListAccounts("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(static_cast<size_t>(admin->accounts_size()), all->size()) << "every account";
}

// Issue #13: the account's revision retention (as the provider's plan sets
// it) drops a version's pinned revision when the file changes; sync marks the
// version REVISION_EXPIRED once, through the real adapters. Drive's pin
// (keepForever) outlives its retention.
TEST_P(EmulatorSyncTest, AVersionWhoseRevisionTheRetentionDroppedIsMarkedOnce) {
  const std::string& p = GetParam();
  auto ids = Seed({{{"path", "/v/pinned.txt"}, {"content", "first draft"}}});
  const v1::Document doc = stack_->CreateDocument(user_, p, email_, ids["/v/pinned.txt"]);
  const v1::Version version = stack_->CreateVersion(user_, doc.id());
  ASSERT_FALSE(version.blob().revision().empty());
  RunCounters first = Sync();  // start cursor and reconciliation: the pin is there
  EXPECT_EQ(first.last_error, "");
  EXPECT_EQ(first.versions_expired, 0);

  // The plan's retention, in each provider's terms.
  json retention = {{"email", email_}};
  bool expires = true;
  if (p == "googledrive") {
    retention.update({{"max_versions", 1}, {"version_history_days", 1}});
    expires = false;  // a version sets keepForever
  } else if (p == "dropbox") {
    retention["version_history_days"] = 1;  // replaced revisions live a day
  } else if (p == "box") {
    retention["paid"] = false;  // a free account keeps no previous version
  } else {
    retention["max_versions"] = 1;  // Graph keeps a number of versions
  }
  stack_->Admin(p, "POST", "/_emulator/users", retention);
  Outside({{"id", ids["/v/pinned.txt"]}, {"action", "content"}, {"content", "second draft"}});
  if (p == "dropbox") {
    stack_->Admin(p, "POST", "/_emulator/clock", {{"advance_seconds", 2 * 24 * 3600}});
  }

  // The feed brings the new revision; its file's pins are checked.
  RunCounters second = Sync();
  EXPECT_EQ(second.last_error, "");
  EXPECT_EQ(second.versions_expired, expires ? 1 : 0);
  const v1::Version after = stack_->GetVersion(user_, doc.id(), version.id());
  const int logged = stack_->CountHistory(user_, doc.id(), v1::HISTORY_EVENT_KIND_REVISION_EXPIRED);
  v1::Link link;
  grpc::Status linked = stack_->VersionLink(user_, version, &link);
  if (expires) {
    EXPECT_EQ(after.state(), v1::VERSION_STATE_REVISION_EXPIRED);
    EXPECT_TRUE(after.has_state_time());
    EXPECT_THAT(after.state_reason(), ::testing::HasSubstr(p + " no longer has the revision"));
    EXPECT_EQ(logged, 1);
    EXPECT_EQ(linked.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << linked.error_message();
    EXPECT_THAT(linked.error_message(), ::testing::HasSubstr("is no longer available"));
  } else {
    EXPECT_EQ(after.state(), v1::VERSION_STATE_AVAILABLE);
    EXPECT_EQ(logged, 0);
    EXPECT_TRUE(linked.ok()) << linked.error_message();
  }

  // A reconciliation later marks and logs nothing more.
  auto runner = stack_->NewRunner({.holder = "test-replica"});
  auto third = runner->Run(Key(), "test", nullptr, /*reconcile=*/true);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->last_error, "");
  EXPECT_EQ(third->versions_expired, 0);
  EXPECT_EQ(stack_->CountHistory(user_, doc.id(), v1::HISTORY_EVENT_KIND_REVISION_EXPIRED), logged);
}

INSTANTIATE_TEST_SUITE_P(Providers, EmulatorSyncTest,
                         ::testing::Values("googledrive", "dropbox", "box", "onedrive"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lc::testing
