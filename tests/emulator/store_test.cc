#include "store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace lc::emulator {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  Clock clock_;
  Store store_{IdStyle::kDrive, clock_};
  User alice_ = store_.AddUser("", "alice@example.com", "Alice");
  User bob_ = store_.AddUser("", "bob@example.com", "Bob");
};

TEST_F(StoreTest, AddUserIsIdempotentByEmail) {
  User again = store_.AddUser("", "ALICE@example.com", "");
  EXPECT_EQ(again.id, alice_.id);
  EXPECT_EQ(store_.FindUser("alice@example.com")->id, alice_.id);
  EXPECT_FALSE(store_.FindUser("nobody@example.com").has_value());
}

TEST_F(StoreTest, PutAtPathCreatesFoldersAndRevisions) {
  auto first = store_.PutAtPath(alice_.id, "/a/b/c.txt", "one", "", false);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->mime_type, "text/plain");
  auto second = store_.PutAtPath(alice_.id, "/a/b/C.TXT", "two", "", false);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, first->id) << "names are case-insensitive";
  ASSERT_EQ(second->revisions.size(), 2u);
  EXPECT_EQ(second->head()->content, "two");
  EXPECT_EQ(store_.PathOf(*second), "/a/b/c.txt");
  auto folder = store_.GetByPath(alice_.id, "/a/b");
  ASSERT_TRUE(folder.ok());
  EXPECT_TRUE(folder->folder);
}

TEST_F(StoreTest, ItemsAreInvisibleToOtherUsers) {
  auto item = store_.PutAtPath(alice_.id, "/secret.txt", "x", "", false);
  ASSERT_TRUE(item.ok());
  EXPECT_TRUE(store_.Get(alice_.id, item->id).ok());
  EXPECT_TRUE(absl::IsNotFound(store_.Get(bob_.id, item->id).status()));
  EXPECT_FALSE(store_.UpdateContent(bob_.id, item->id, "y").ok());
  EXPECT_FALSE(store_.Delete(bob_.id, item->id).ok());
}

TEST_F(StoreTest, ListChildrenPagesWithoutGapsOrDuplicates) {
  for (int i = 0; i < 95; ++i) {
    ASSERT_TRUE(store_.PutAtPath(alice_.id, "/dir/f" + std::to_string(i), "x", "", false).ok());
  }
  auto dir = store_.GetByPath(alice_.id, "/dir");
  std::set<std::string> seen;
  std::string after;
  int pages = 0;
  do {
    ItemPage page = store_.ListChildren(alice_.id, dir->id, after, 10);
    ++pages;
    for (const auto& item : page.items) EXPECT_TRUE(seen.insert(item.id).second);
    after = page.next_after;
  } while (!after.empty());
  EXPECT_EQ(seen.size(), 95u);
  EXPECT_EQ(pages, 10);
}

TEST_F(StoreTest, OffsetPagingMatchesCursorPaging) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(store_.PutAtPath(alice_.id, "/o/f" + std::to_string(i), "x", "", false).ok());
  }
  auto dir = store_.GetByPath(alice_.id, "/o");
  EXPECT_EQ(store_.ChildCount(dir->id), 30u);
  ItemPage first = store_.ListChildren(alice_.id, dir->id, "", 10);
  ItemPage second = store_.ListChildren(alice_.id, dir->id, first.next_after, 10);
  ItemPage at = store_.ListChildrenAt(alice_.id, dir->id, 10, 10);
  ASSERT_EQ(at.items.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(at.items[i].id, second.items[i].id);
  EXPECT_TRUE(store_.ListChildrenAt(alice_.id, dir->id, 30, 10).items.empty());
  EXPECT_TRUE(store_.ListChildrenAt(bob_.id, dir->id, 0, 10).items.empty());
}

TEST_F(StoreTest, CopiesShareRevisionBytes) {
  auto item = store_.PutAtPath(alice_.id, "/big", std::string(1 << 20, 'b'), "", false);
  ASSERT_TRUE(item.ok());
  auto again = store_.Get(alice_.id, item->id);
  EXPECT_EQ(&item->head()->content.str(), &again->head()->content.str());
}

TEST_F(StoreTest, ListSubtreeSkipsOtherFolders) {
  ASSERT_TRUE(store_.PutAtPath(alice_.id, "/in/x/1", "x", "", false).ok());
  ASSERT_TRUE(store_.PutAtPath(alice_.id, "/in/2", "x", "", false).ok());
  ASSERT_TRUE(store_.PutAtPath(alice_.id, "/out/3", "x", "", false).ok());
  auto in = store_.GetByPath(alice_.id, "/in");
  ItemPage page = store_.ListSubtree(alice_.id, in->id, "", 100);
  std::set<std::string> names;
  for (const auto& item : page.items) names.insert(item.name);
  EXPECT_EQ(names, (std::set<std::string>{"x", "1", "2"}));
}

TEST_F(StoreTest, ChangesReportEachItemOnceAtItsLatestChange) {
  int64_t cursor = store_.LatestSeq();
  auto a = store_.PutAtPath(alice_.id, "/a.txt", "1", "", false);
  auto b = store_.PutAtPath(alice_.id, "/b.txt", "1", "", false);
  ASSERT_TRUE(store_.PutAtPath(bob_.id, "/bob.txt", "1", "", false).ok());
  ASSERT_TRUE(store_.UpdateContent(alice_.id, a->id, "2").ok());
  ASSERT_TRUE(store_.Move(alice_.id, a->id, std::string("renamed.txt"), std::nullopt).ok());
  auto page = store_.ChangesSince(alice_.id, cursor, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].item.id, b->id);
  EXPECT_EQ(page->entries[1].item.id, a->id);
  EXPECT_EQ(page->entries[1].item.name, "renamed.txt");
  EXPECT_EQ(page->vacated_paths, std::vector<std::string>{"/a.txt"});
  EXPECT_FALSE(page->has_more);
  EXPECT_EQ(page->next_seq, store_.LatestSeq());
}

TEST_F(StoreTest, ChangesPageByLimitAndResumeFromNextSeq) {
  int64_t cursor = store_.LatestSeq();
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(store_.PutAtPath(alice_.id, "/p" + std::to_string(i), "x", "", false).ok());
  }
  std::set<std::string> seen;
  int pages = 0;
  while (true) {
    auto page = store_.ChangesSince(alice_.id, cursor, 3);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const auto& e : page->entries) EXPECT_TRUE(seen.insert(e.item.id).second);
    cursor = page->next_seq;
    if (!page->has_more) break;
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);
  auto empty = store_.ChangesSince(alice_.id, cursor, 3);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->entries.empty());
}

TEST_F(StoreTest, DeletesAreReportedWithTheirLastPath) {
  auto f = store_.PutAtPath(alice_.id, "/d/gone.txt", "x", "", false);
  int64_t cursor = store_.LatestSeq();
  auto dir = store_.GetByPath(alice_.id, "/d");
  ASSERT_TRUE(store_.Delete(alice_.id, dir->id).ok());
  auto page = store_.ChangesSince(alice_.id, cursor, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_TRUE(page->entries[0].item.deleted);
  EXPECT_EQ(page->entries[0].path, "/d/gone.txt") << "children before their folder";
  EXPECT_EQ(page->entries[1].path, "/d");
  EXPECT_TRUE(absl::IsNotFound(store_.Get(alice_.id, f->id).status()));
}

TEST_F(StoreTest, SubtreeChangesIgnoreOtherFolders) {
  auto in = store_.MakeFolders(alice_.id, "/watched");
  int64_t cursor = store_.LatestSeq();
  ASSERT_TRUE(store_.PutAtPath(alice_.id, "/watched/x", "x", "", false).ok());
  ASSERT_TRUE(store_.PutAtPath(alice_.id, "/elsewhere/y", "x", "", false).ok());
  auto page = store_.ChangesSince(alice_.id, cursor, 100, in->id);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].item.name, "x");
}

TEST_F(StoreTest, ExpiredCursorsAreRefused) {
  ASSERT_TRUE(store_.PutAtPath(alice_.id, "/x", "x", "", false).ok());
  int64_t old_cursor = 0;
  store_.ExpireCursors();
  EXPECT_TRUE(absl::IsOutOfRange(store_.ChangesSince(alice_.id, old_cursor, 10).status()));
  EXPECT_TRUE(store_.ChangesSince(alice_.id, store_.LatestSeq(), 10).ok());
  EXPECT_TRUE(
      absl::IsOutOfRange(store_.ChangesSince(alice_.id, store_.LatestSeq() + 5, 10).status()));
}

TEST_F(StoreTest, MoveRefusesCyclesAndClashes) {
  auto a = store_.MakeFolders(alice_.id, "/a");
  auto b = store_.MakeFolders(alice_.id, "/a/b");
  ASSERT_TRUE(store_.PutAtPath(alice_.id, "/a/taken", "x", "", false).ok());
  EXPECT_FALSE(store_.Move(alice_.id, a->id, std::nullopt, b->id).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(
      store_.Move(alice_.id, b->id, std::string("taken"), std::nullopt).status()));
}

TEST_F(StoreTest, WaitForChangeWakesOnTheUsersChangeOnly) {
  int64_t cursor = store_.LatestSeq();
  EXPECT_FALSE(store_.WaitForChange(alice_.id, cursor, 10));
  std::thread writer([&] {
    ASSERT_TRUE(store_.PutAtPath(bob_.id, "/b", "x", "", false).ok());
    ASSERT_TRUE(store_.PutAtPath(alice_.id, "/a", "x", "", false).ok());
  });
  EXPECT_TRUE(store_.WaitForChange(alice_.id, cursor, 5000));
  writer.join();
}

TEST_F(StoreTest, ConcurrentWritersKeepTheLogConsistent) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  int64_t cursor = store_.LatestSeq();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto item = store_.PutAtPath(alice_.id, "/t" + std::to_string(t) + "/f" + std::to_string(i),
                                     "x", "", false);
        ASSERT_TRUE(item.ok());
        if (i % 5 == 0) {
          ASSERT_TRUE(store_.UpdateContent(alice_.id, item->id, "y").ok());
        }
      }
    });
  }
  std::set<std::string> seen;
  std::thread reader([&] {
    int64_t c = cursor;
    while (seen.size() < static_cast<size_t>(kThreads * (kPerThread + 1))) {
      auto page = store_.ChangesSince(alice_.id, c, 100);
      ASSERT_TRUE(page.ok());
      for (const auto& e : page->entries) seen.insert(e.item.id);
      c = page->next_seq;
      if (!page->has_more) store_.WaitForChange(alice_.id, c, 1000);
    }
  });
  for (auto& t : threads) t.join();
  reader.join();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * (kPerThread + 1)))
      << "every file and folder was reported";
}

TEST(StoreScaleTest, HoldsOneHundredThousandFiles) {
  Clock clock;
  Store store(IdStyle::kBox, clock);
  User u = store.AddUser("", "big@example.com", "");
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(store
                    .PutAtPath(u.id, "/bulk/d" + std::to_string(i % 100) + "/f" + std::to_string(i),
                               "x", "", false)
                    .ok());
  }
  EXPECT_EQ(store.ItemCount(), 100000u + 100u + 1u + 1u);
  auto dir = store.GetByPath(u.id, "/bulk/d7");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(store.ListChildren(u.id, dir->id, "", 5000).items.size(), 1000u);
  auto page = store.ChangesSince(u.id, store.LatestSeq() - 10, 1000);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->entries.size(), 10u);
}

// Retention (issue #13): revisions other than the head expire by age, by
// count, or (Box free accounts) not kept at all; the head and keepForever
// revisions always stay.
std::vector<std::string> LiveIds(const Store& store, const Item& item) {
  std::vector<std::string> ids;
  for (const Revision& r : store.LiveRevisions(item)) ids.push_back(r.id);
  return ids;
}

TEST(RetentionTest, DropboxRevisionsExpireThirtyDaysAfterTheyWereReplaced) {
  Clock clock;
  Store store(IdStyle::kDropbox, clock);
  User u = store.AddUser("", "d@example.com", "");
  EXPECT_EQ(u.retention.history_days, 30);
  auto v1 = store.PutAtPath(u.id, "/r.txt", "one", "", false);
  clock.Advance(10LL * 24 * 3600 * 1000);
  auto v2 = store.PutAtPath(u.id, "/r.txt", "two", "", false);
  ASSERT_TRUE(v2.ok());
  const std::string first = v2->revisions[0].id;
  clock.Advance(29LL * 24 * 3600 * 1000);
  EXPECT_TRUE(store.RevisionLive(*v2, first)) << "replaced 29 days ago";
  clock.Advance(2LL * 24 * 3600 * 1000);
  EXPECT_FALSE(store.RevisionLive(*v2, first)) << "replaced 31 days ago";
  EXPECT_EQ(LiveIds(store, *v2), std::vector<std::string>{v2->revisions[1].id});
  ASSERT_TRUE(store.UpdateUser(u.id, {.account_type = "business"}).ok());
  EXPECT_EQ(store.FindUser(u.id)->retention.history_days, 180) << "team accounts keep 180 days";
  EXPECT_TRUE(store.RevisionLive(*v2, first)) << "a 180-day plan still has it";
}

TEST(RetentionTest, GraphKeepsTheNewestVersionsUpToTheCap) {
  Clock clock;
  Store store(IdStyle::kGraph, clock);
  User personal = store.AddUser("", "p@example.com", "");
  User business = store.AddUser("", "b@example.com", "", {.account_type = "business"});
  EXPECT_EQ(personal.retention.max_versions, 25);
  EXPECT_EQ(business.account_type, "business");
  EXPECT_EQ(business.retention.max_versions, 500);
  ASSERT_TRUE(store.UpdateUser(personal.id, {.max_versions = 3}).ok());
  absl::StatusOr<Item> item;
  for (int i = 0; i < 5; ++i)
    item = store.PutAtPath(personal.id, "/v.docx", std::to_string(i), "", false);
  ASSERT_TRUE(item.ok());
  std::vector<std::string> expected = {item->revisions[2].id, item->revisions[3].id,
                                       item->revisions[4].id};
  EXPECT_EQ(LiveIds(store, *item), expected);
}

TEST(RetentionTest, BoxFreeAccountsKeepOnlyTheCurrentVersion) {
  Clock clock;
  Store store(IdStyle::kBox, clock);
  User u = store.AddUser("", "x@example.com", "");
  EXPECT_TRUE(u.retention.paid);
  auto item = store.PutAtPath(u.id, "/a.txt", "one", "", false);
  item = store.PutAtPath(u.id, "/a.txt", "two", "", false);
  EXPECT_EQ(LiveIds(store, *item).size(), 2u);
  ASSERT_TRUE(store.UpdateUser("x@example.com", {.paid = false}).ok());
  EXPECT_EQ(LiveIds(store, *item), std::vector<std::string>{item->head()->id});
}

TEST(RetentionTest, DriveKeepForeverRevisionsAndNativeDocumentsStay) {
  Clock clock;
  Store store(IdStyle::kDrive, clock);
  User u = store.AddUser("", "g@example.com", "");
  auto item = store.PutAtPath(u.id, "/b.bin", "one", "", false);
  ASSERT_TRUE(store.SetKeepForever(u.id, item->id, item->revisions[0].id, true).ok());
  item = store.PutAtPath(u.id, "/b.bin", "two", "", false);
  item = store.PutAtPath(u.id, "/b.bin", "three", "", false);
  auto doc = store.PutAtPath(u.id, "/Doc", "old words", "", true);
  doc = store.PutAtPath(u.id, "/Doc", "new words", "", true);
  clock.Advance(31LL * 24 * 3600 * 1000);
  EXPECT_EQ(LiveIds(store, *item),
            (std::vector<std::string>{item->revisions[0].id, item->revisions[2].id}))
      << "the pinned first revision stays, the unpinned second is purged";
  EXPECT_EQ(LiveIds(store, *doc).size(), 2u);
}

TEST(RetentionTest, DriveCapCountsOnlyRevisionsNotKeptForever) {
  Clock clock;
  Store store(IdStyle::kDrive, clock);
  User u = store.AddUser("", "g@example.com", "");
  ASSERT_TRUE(store.UpdateUser(u.id, {.history_days = 0, .max_versions = 2}).ok());
  auto item = store.PutAtPath(u.id, "/c.bin", "1", "", false);
  ASSERT_TRUE(store.SetKeepForever(u.id, item->id, item->revisions[0].id, true).ok());
  item = store.PutAtPath(u.id, "/c.bin", "2", "", false);
  item = store.PutAtPath(u.id, "/c.bin", "3", "", false);
  // Unpinned: 2 and 3, within the cap of 2; the pinned 1 does not count.
  EXPECT_EQ(LiveIds(store, *item).size(), 3u);
  item = store.PutAtPath(u.id, "/c.bin", "4", "", false);
  EXPECT_EQ(LiveIds(store, *item),
            (std::vector<std::string>{item->revisions[0].id, item->revisions[2].id,
                                      item->revisions[3].id}));
}

TEST(RetentionTest, KeepForeverLimitIsCheckedAndSetAtomically) {
  Clock clock;
  Store store(IdStyle::kDrive, clock);
  User u = store.AddUser("", "g@example.com", "");
  absl::StatusOr<Item> item;
  for (int i = 0; i < 12; ++i) item = store.PutAtPath(u.id, "/p.bin", std::to_string(i), "", false);
  std::vector<std::thread> threads;
  std::atomic<int> pinned{0}, refused{0};
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      auto r = store.SetKeepForever(u.id, item->id, item->revisions[i].id, true, 5);
      if (r.ok()) ++pinned;
      if (absl::IsResourceExhausted(r.status())) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(pinned.load(), 5);
  EXPECT_EQ(refused.load(), 7);
  // At the limit, pinning a revision already kept is not a new pin.
  auto now = store.Get(u.id, item->id);
  ASSERT_TRUE(now.ok());
  for (const Revision& r : now->revisions) {
    auto again = store.SetKeepForever(u.id, item->id, r.id, true, 5);
    EXPECT_EQ(again.ok(), r.keep_forever) << r.id;
  }
}

TEST(RetentionTest, UpdateUserRefusesBadValuesAndUnknownUsers) {
  Clock clock;
  Store store(IdStyle::kGraph, clock);
  User u = store.AddUser("", "p@example.com", "");
  EXPECT_EQ(store.UpdateUser(u.id, {.account_type = "enterprise"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.UpdateUser(u.id, {.max_versions = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.UpdateUser("nobody", {.paid = false}).status().code(),
            absl::StatusCode::kNotFound);
  auto business = store.UpdateUser(u.id, {.account_type = "business"});
  ASSERT_TRUE(business.ok());
  EXPECT_EQ(business->retention.max_versions, 500) << "the new account type's default";
}

}  // namespace
}  // namespace lc::emulator
