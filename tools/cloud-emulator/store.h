// The emulator's in-memory state for one provider: users, files and folders
// with revisions, and the change log behind every change feed. Providers
// translate their own ids, paths and JSON shapes on top of it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lc::emulator {

// Wall clock plus an offset the admin API (and tests) can move forward.
class Clock {
 public:
  int64_t NowMs() const;
  void Advance(int64_t ms) { offset_ms_ += ms; }

 private:
  std::atomic<int64_t> offset_ms_{0};
};

enum class IdStyle { kDrive, kDropbox, kBox, kGraph };

// How long a provider keeps revisions other than the head (issue #13): Dropbox
// 30 days (Basic) or 180, Box only on paid plans, Graph a number of versions,
// Drive 30 days or 100 revisions unless pinned with keepForever.
struct RetentionPolicy {
  // 0: forever. A revision other than the head is gone once this many days
  // have passed since a newer revision replaced it.
  int64_t history_days = 0;
  // 0: no cap. Only the newest N revisions (the head included) stay.
  int max_versions = 0;
  // false (Box free accounts): no version history, the head only.
  bool paid = true;

  static RetentionPolicy DefaultFor(IdStyle style, const std::string& account_type);
};

struct User {
  std::string id;
  std::string email;
  std::string name;
  std::string root_id;
  // "personal" or "business" (work or school: OneDrive for Business).
  std::string account_type = "personal";
  RetentionPolicy retention;
};

// What the admin API may set on a user; unset fields keep their value (or
// the provider's default for a new user).
struct UserOptions {
  std::optional<std::string> account_type;
  std::optional<int64_t> history_days;
  std::optional<int> max_versions;
  std::optional<bool> paid;
};

// Immutable file bytes shared by every copy of a revision, so listings and
// change pages copy items cheaply whatever their size.
class Bytes {
 public:
  Bytes() : data_(Empty()) {}
  Bytes(std::string s)  // NOLINT(google-explicit-constructor)
      : data_(std::make_shared<const std::string>(std::move(s))) {}
  operator const std::string&() const { return *data_; }  // NOLINT
  const std::string& str() const { return *data_; }
  size_t size() const { return data_->size(); }
  bool empty() const { return data_->empty(); }
  bool operator==(const std::string& other) const { return *data_ == other; }

 private:
  static const std::shared_ptr<const std::string>& Empty() {
    static const auto* empty =
        new std::shared_ptr<const std::string>(std::make_shared<const std::string>());
    return *empty;
  }
  std::shared_ptr<const std::string> data_;
};

struct Revision {
  std::string id;
  int number = 0;  // 1-based
  Bytes content;
  std::string mime_type;
  int64_t modified_ms = 0;
  bool keep_forever = false;
  std::string md5;
  std::string sha1;
  std::string sha256;
};

struct Item {
  std::string id;
  std::string user_id;
  std::string parent_id;  // empty for a user's root
  std::string name;
  bool folder = false;
  // A Google-native document: no downloadable bytes, export only. Its
  // revisions hold the document's text.
  bool native = false;
  std::string mime_type;
  std::vector<Revision> revisions;  // the last one is the head
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  bool trashed = false;
  bool deleted = false;
  int64_t seq = 0;      // sequence number of the item's latest change
  int64_t version = 1;  // bumps on every change (etag, Drive version)
  std::string shared_link;

  const Revision* head() const { return revisions.empty() ? nullptr : &revisions.back(); }
  int64_t size() const { return head() ? head()->content.size() : 0; }
};

enum class ChangeKind { kCreated, kContent, kMoved, kTrashed, kRestored, kDeleted, kMetadata };

struct Change {
  int64_t seq = 0;
  std::string item_id;
  std::string user_id;
  ChangeKind kind = ChangeKind::kCreated;
  int64_t time_ms = 0;
  std::string old_path;  // for kMoved and kDeleted: the path before
};

struct ChangeEntry {
  Change change;
  Item item;         // current state (item.deleted for removals)
  std::string path;  // current path, or last path for removals
};

struct ChangePage {
  std::vector<ChangeEntry> entries;
  // Paths that no longer hold the items they held (renames, moves).
  std::vector<std::string> vacated_paths;
  int64_t next_seq = 0;  // resume after this sequence number
  bool has_more = false;
};

struct ItemPage {
  std::vector<Item> items;
  std::string next_after;  // empty when this is the last page
};

class Store {
 public:
  Store(IdStyle style, Clock& clock);

  IdStyle style() const { return style_; }
  Clock& clock() { return clock_; }

  // Users. AddUser is idempotent by id and by email; an empty id gets one
  // in the provider's style.
  User AddUser(const std::string& id, const std::string& email, const std::string& name,
               const UserOptions& options = {});
  // Changes an existing user's account type or retention.
  absl::StatusOr<User> UpdateUser(const std::string& id_or_email, const UserOptions& options);
  std::optional<User> FindUser(const std::string& id_or_email) const;
  // The owner of an item, for the admin API's outside changes.
  std::optional<std::string> OwnerOf(const std::string& id) const;
  std::vector<User> Users() const;

  // Items. Every accessor checks that `user_id` owns the item.
  absl::StatusOr<Item> Create(const std::string& user_id, const std::string& parent_id,
                              const std::string& name, bool folder, const std::string& content,
                              const std::string& mime_type, bool native);
  // Creates missing folders along `path` ("/a/b/c.txt"); an existing file
  // at the path gets a new revision.
  absl::StatusOr<Item> PutAtPath(const std::string& user_id, const std::string& path,
                                 const std::string& content, const std::string& mime_type,
                                 bool native);
  absl::StatusOr<Item> MakeFolders(const std::string& user_id, const std::string& path);
  absl::StatusOr<Item> Get(const std::string& user_id, const std::string& id) const;
  absl::StatusOr<Item> GetByPath(const std::string& user_id, const std::string& path) const;
  // The file one of whose revisions has this id.
  absl::StatusOr<Item> GetByRevision(const std::string& user_id,
                                     const std::string& revision_id) const;
  // Finds a live child by name (case-insensitive).
  std::optional<Item> FindChild(const std::string& parent_id, const std::string& name) const;
  absl::StatusOr<Item> UpdateContent(const std::string& user_id, const std::string& id,
                                     const std::string& content, const std::string& mime_type = "");
  absl::StatusOr<Item> Move(const std::string& user_id, const std::string& id,
                            const std::optional<std::string>& new_name,
                            const std::optional<std::string>& new_parent);
  absl::StatusOr<Item> SetTrashed(const std::string& user_id, const std::string& id, bool trashed);
  absl::Status Delete(const std::string& user_id, const std::string& id);
  absl::StatusOr<Item> CreateSharedLink(const std::string& user_id, const std::string& id,
                                        const std::string& link);
  // max_kept > 0: RESOURCE_EXHAUSTED when pinning one more would pass that
  // many kept revisions on the file (checked and set atomically).
  absl::StatusOr<Revision> SetKeepForever(const std::string& user_id, const std::string& id,
                                          const std::string& revision_id, bool keep,
                                          int max_kept = 0);
  std::string PathOf(const Item& item) const;

  // Revisions the provider still has under the owner's retention policy, at
  // the emulator's clock, oldest first: the head always, keep_forever ones
  // always.
  std::vector<Revision> LiveRevisions(const Item& item) const;
  bool RevisionLive(const Item& item, const std::string& revision_id) const;

  // Children of a folder, ordered by id; `after` is the last id of the
  // previous page.
  ItemPage ListChildren(const std::string& user_id, const std::string& parent_id,
                        const std::string& after, size_t limit) const;
  // The same order addressed by offset (Box offset paging).
  ItemPage ListChildrenAt(const std::string& user_id, const std::string& parent_id, size_t offset,
                          size_t limit) const;
  size_t ChildCount(const std::string& parent_id) const;
  // All live descendants of `root_id`, ordered by id.
  ItemPage ListSubtree(const std::string& user_id, const std::string& root_id,
                       const std::string& after, size_t limit) const;

  // Change log. A cursor is the last sequence number a client has seen.
  int64_t LatestSeq() const;
  // Cursors below this are expired (Dropbox reset, Graph 410).
  int64_t OldestValidSeq() const;
  void ExpireCursors();
  // Changes after `after_seq` for the user, each item once (at its latest
  // change); `subtree_root` limits them to one folder's descendants.
  absl::StatusOr<ChangePage> ChangesSince(const std::string& user_id, int64_t after_seq,
                                          size_t limit, const std::string& subtree_root = "") const;
  // Blocks until the user has a change after `after_seq` or the timeout.
  bool WaitForChange(const std::string& user_id, int64_t after_seq, int64_t timeout_ms) const;

  size_t ItemCount() const;

 private:
  std::string NewId();
  std::string NewUserId();
  std::string NewRevisionId(int number);
  Revision MakeRevision(int number, const std::string& content, const std::string& mime_type);
  absl::StatusOr<Item*> Owned(const std::string& user_id, const std::string& id);
  const Item* OwnedConst(const std::string& user_id, const std::string& id) const;
  std::string PathOfLocked(const Item& item) const;
  bool IsUnderLocked(const Item& item, const std::string& root_id) const;
  std::optional<std::string> FindChildLocked(const std::string& parent_id,
                                             const std::string& name) const;
  absl::StatusOr<Item*> MakeFoldersLocked(const std::string& user_id,
                                          const std::vector<std::string>& parts);
  Item& InsertLocked(Item item);
  void LogLocked(Item& item, ChangeKind kind, const std::string& old_path = "");
  void IndexChildLocked(const Item& item);
  void UnindexChildLocked(const Item& item);

  const IdStyle style_;
  Clock& clock_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::map<std::string, User> users_;
  std::unordered_map<std::string, Item> items_;
  // Live (not deleted, not trashed) children of each folder, by id.
  std::unordered_map<std::string, std::set<std::string>> children_;
  // parent id + '/' + lower-case name -> child id.
  std::unordered_map<std::string, std::string> names_;
  std::unordered_map<std::string, std::set<std::string>> user_items_;
  std::unordered_map<std::string, std::string> revision_owner_;  // revision id -> item id
  std::vector<Change> log_;
  int64_t oldest_valid_seq_ = 0;
  int64_t id_counter_ = 0;
};

}  // namespace lc::emulator
