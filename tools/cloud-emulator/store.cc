#include "store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "util.h"

namespace lc::emulator {

int64_t Clock::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         offset_ms_.load();
}

Store::Store(IdStyle style, Clock& clock) : style_(style), clock_(clock) {}

std::string Store::NewId() {
  ++id_counter_;
  switch (style_) {
    case IdStyle::kDrive:
      return "1" + RandomToken(32);
    case IdStyle::kDropbox:
      return "id:" + RandomToken(22);
    case IdStyle::kBox: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%lld",
                    static_cast<long long>(100000000000LL + id_counter_ * 7919));
      return buf;
    }
    case IdStyle::kGraph: {
      std::string s = "01" + RandomToken(32);
      for (auto& c : s) c = static_cast<char>(std::toupper(c));
      return s;
    }
  }
  return RandomToken(24);
}

std::string Store::NewRevisionId(int number) {
  ++id_counter_;
  switch (style_) {
    case IdStyle::kDrive:
      return "0B" + RandomToken(30);
    case IdStyle::kDropbox: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "5%015llx", static_cast<unsigned long long>(id_counter_));
      return buf;
    }
    case IdStyle::kBox:
      return "1" + RandomDigits(11);
    case IdStyle::kGraph:
      return std::to_string(number) + ".0";
  }
  return RandomToken(16);
}

Revision Store::MakeRevision(int number, const std::string& content, const std::string& mime_type) {
  Revision r;
  r.id = NewRevisionId(number);
  r.number = number;
  r.content = content;
  r.mime_type = mime_type;
  r.modified_ms = clock_.NowMs();
  r.md5 = Md5Hex(content);
  r.sha1 = Sha1Hex(content);
  r.sha256 = Sha256Hex(content);
  return r;
}

std::string Store::NewUserId() {
  switch (style_) {
    case IdStyle::kDrive:
      return RandomDigits(20);
    case IdStyle::kDropbox:
      return "dbid:AA" + RandomToken(38);
    case IdStyle::kBox:
      return "1" + RandomDigits(10);
    case IdStyle::kGraph: {
      std::string h = RandomHex(32);
      return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
             "-" + h.substr(20);
    }
  }
  return RandomToken(16);
}

RetentionPolicy RetentionPolicy::DefaultFor(IdStyle style, const std::string& account_type) {
  RetentionPolicy p;
  switch (style) {
    case IdStyle::kDrive:  // unpinned revisions: 30 days or 100 revisions
      p.history_days = 30;
      p.max_versions = 100;
      break;
    case IdStyle::kDropbox:  // Basic, Plus, Family: 30 days; teams 180
      p.history_days = account_type == "business" ? 180 : 30;
      break;
    case IdStyle::kBox:  // paid plans keep versions
      break;
    case IdStyle::kGraph:  // OneDrive personal 25 versions, libraries 500
      p.max_versions = account_type == "business" ? 500 : 25;
      break;
  }
  return p;
}

namespace {

absl::Status ApplyOptions(IdStyle style, const UserOptions& o, User& user) {
  if (o.account_type) {
    if (*o.account_type != "personal" && *o.account_type != "business") {
      return absl::InvalidArgumentError("account_type must be \"personal\" or \"business\"");
    }
    if (*o.account_type != user.account_type) {
      user.account_type = *o.account_type;
      user.retention = RetentionPolicy::DefaultFor(style, user.account_type);
    }
  }
  if (o.history_days) {
    if (*o.history_days < 0) return absl::InvalidArgumentError("version_history_days must be >= 0");
    user.retention.history_days = *o.history_days;
  }
  if (o.max_versions) {
    if (*o.max_versions < 0) return absl::InvalidArgumentError("max_versions must be >= 0");
    user.retention.max_versions = *o.max_versions;
  }
  if (o.paid) user.retention.paid = *o.paid;
  return absl::OkStatus();
}

}  // namespace

User Store::AddUser(const std::string& requested_id, const std::string& email,
                    const std::string& name, const UserOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(requested_id);
  if (it == users_.end() && !email.empty()) {
    for (auto u = users_.begin(); u != users_.end(); ++u) {
      if (ToLower(u->second.email) == ToLower(email)) {
        it = u;
        break;
      }
    }
  }
  if (it != users_.end()) {
    // Idempotent; options given again update the user (invalid ones are
    // refused by UpdateUser, which the admin API calls first).
    ApplyOptions(style_, options, it->second).IgnoreError();
    return it->second;
  }
  std::string id = requested_id.empty() ? NewUserId() : requested_id;
  User user{id, email, name.empty() ? email.substr(0, email.find('@')) : name, ""};
  user.retention = RetentionPolicy::DefaultFor(style_, user.account_type);
  ApplyOptions(style_, options, user).IgnoreError();
  Item root;
  root.id = style_ == IdStyle::kDropbox ? "id:root-" + id : NewId();
  root.user_id = id;
  root.name = style_ == IdStyle::kBox ? "All Files" : "root";
  root.folder = true;
  root.mime_type = "application/vnd.google-apps.folder";
  root.created_ms = root.modified_ms = clock_.NowMs();
  user.root_id = root.id;
  InsertLocked(std::move(root));
  users_[id] = user;
  return user;
}

absl::StatusOr<User> Store::UpdateUser(const std::string& id_or_email, const UserOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  User* user = nullptr;
  if (auto it = users_.find(id_or_email); it != users_.end()) user = &it->second;
  for (auto& [id, u] : users_) {
    if (!user && ToLower(u.email) == ToLower(id_or_email)) user = &u;
  }
  if (!user) return absl::NotFoundError("unknown user " + id_or_email);
  User updated = *user;
  if (absl::Status s = ApplyOptions(style_, options, updated); !s.ok()) return s;
  *user = updated;
  return updated;
}

std::vector<Revision> Store::LiveRevisions(const Item& item) const {
  RetentionPolicy policy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(item.user_id);
    if (it != users_.end()) policy = it->second.retention;
  }
  const auto& revs = item.revisions;
  std::vector<Revision> out;
  if (revs.empty()) return out;
  // Drive keeps a native document's revision history (it merges, never
  // purges, old revisions); the policy is for uploaded bytes.
  const bool exempt = style_ == IdStyle::kDrive && item.native;
  const int64_t now = clock_.NowMs();
  const size_t n = revs.size();
  // Rank from the newest among the revisions the cap counts: all of them,
  // except those kept forever (Drive's 100 counts unpinned ones only).
  std::vector<size_t> rank(n);
  size_t counted = 0;
  for (size_t i = n; i-- > 0;) {
    if (!revs[i].keep_forever) ++counted;
    rank[i] = counted;
  }
  for (size_t i = 0; i < n; ++i) {
    const Revision& r = revs[i];
    bool live = i + 1 == n || r.keep_forever || exempt;
    if (!live) {
      live = policy.paid;
      if (live && policy.max_versions > 0)
        live = rank[i] <= static_cast<size_t>(policy.max_versions);
      if (live && policy.history_days > 0) {
        // Replaced when the next revision arrived.
        live = now - revs[i + 1].modified_ms < policy.history_days * 24 * 3600 * 1000;
      }
    }
    if (live) out.push_back(r);
  }
  return out;
}

bool Store::RevisionLive(const Item& item, const std::string& revision_id) const {
  for (const Revision& r : LiveRevisions(item)) {
    if (r.id == revision_id) return true;
  }
  return false;
}

std::optional<User> Store::FindUser(const std::string& id_or_email) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(id_or_email);
  if (it != users_.end()) return it->second;
  for (const auto& [id, user] : users_) {
    if (ToLower(user.email) == ToLower(id_or_email)) return user;
  }
  return std::nullopt;
}

absl::StatusOr<Item> Store::GetByRevision(const std::string& user_id,
                                          const std::string& revision_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = revision_owner_.find(revision_id);
  if (it == revision_owner_.end()) return absl::NotFoundError(revision_id);
  const Item* item = OwnedConst(user_id, it->second);
  if (!item) return absl::NotFoundError(revision_id);
  return *item;
}

std::optional<std::string> Store::OwnerOf(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = items_.find(id);
  if (it == items_.end() || it->second.deleted) return std::nullopt;
  return it->second.user_id;
}

std::vector<User> Store::Users() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<User> out;
  for (const auto& [id, user] : users_) out.push_back(user);
  return out;
}

Item& Store::InsertLocked(Item item) {
  std::string id = item.id;
  user_items_[item.user_id].insert(id);
  auto& stored = items_[id] = std::move(item);
  IndexChildLocked(stored);
  return stored;
}

void Store::IndexChildLocked(const Item& item) {
  if (item.parent_id.empty() || item.deleted || item.trashed) return;
  children_[item.parent_id].insert(item.id);
  names_[item.parent_id + "/" + ToLower(item.name)] = item.id;
}

void Store::UnindexChildLocked(const Item& item) {
  if (item.parent_id.empty()) return;
  auto it = children_.find(item.parent_id);
  if (it != children_.end()) it->second.erase(item.id);
  auto key = item.parent_id + "/" + ToLower(item.name);
  auto n = names_.find(key);
  if (n != names_.end() && n->second == item.id) names_.erase(n);
}

void Store::LogLocked(Item& item, ChangeKind kind, const std::string& old_path) {
  Change change;
  change.seq = static_cast<int64_t>(log_.size()) + 1;
  change.item_id = item.id;
  change.user_id = item.user_id;
  change.kind = kind;
  change.time_ms = clock_.NowMs();
  change.old_path = old_path;
  item.seq = change.seq;
  item.version++;
  if ((kind == ChangeKind::kCreated || kind == ChangeKind::kContent) && !item.revisions.empty()) {
    revision_owner_[item.revisions.back().id] = item.id;
  }
  item.modified_ms = change.time_ms;
  log_.push_back(std::move(change));
  changed_.notify_all();
}

absl::StatusOr<Item*> Store::Owned(const std::string& user_id, const std::string& id) {
  auto it = items_.find(id);
  if (it == items_.end() || it->second.user_id != user_id || it->second.deleted) {
    return absl::NotFoundError(id);
  }
  return &it->second;
}

const Item* Store::OwnedConst(const std::string& user_id, const std::string& id) const {
  auto it = items_.find(id);
  if (it == items_.end() || it->second.user_id != user_id || it->second.deleted) {
    return nullptr;
  }
  return &it->second;
}

std::optional<std::string> Store::FindChildLocked(const std::string& parent_id,
                                                  const std::string& name) const {
  auto it = names_.find(parent_id + "/" + ToLower(name));
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::optional<Item> Store::FindChild(const std::string& parent_id, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto id = FindChildLocked(parent_id, name);
  if (!id) return std::nullopt;
  return items_.at(*id);
}

absl::StatusOr<Item> Store::Create(const std::string& user_id, const std::string& parent_id,
                                   const std::string& name, bool folder, const std::string& content,
                                   const std::string& mime_type, bool native) {
  std::lock_guard<std::mutex> lock(mu_);
  if (users_.find(user_id) == users_.end()) {
    return absl::NotFoundError("user " + user_id);
  }
  auto parent = Owned(user_id, parent_id);
  if (!parent.ok()) return parent.status();
  if (!(*parent)->folder) return absl::FailedPreconditionError("not a folder");
  if (name.empty()) return absl::InvalidArgumentError("empty name");
  Item item;
  item.id = NewId();
  item.user_id = user_id;
  item.parent_id = parent_id;
  item.name = name;
  item.folder = folder;
  item.native = native;
  item.mime_type = folder ? "application/vnd.google-apps.folder"
                          : (mime_type.empty() ? GuessMimeType(name) : mime_type);
  item.created_ms = clock_.NowMs();
  if (!folder) item.revisions.push_back(MakeRevision(1, content, item.mime_type));
  Item& stored = InsertLocked(std::move(item));
  LogLocked(stored, ChangeKind::kCreated);
  return stored;
}

absl::StatusOr<Item*> Store::MakeFoldersLocked(const std::string& user_id,
                                               const std::vector<std::string>& parts) {
  auto user = users_.find(user_id);
  if (user == users_.end()) return absl::NotFoundError("user " + user_id);
  Item* current = &items_.at(user->second.root_id);
  for (const auto& part : parts) {
    if (part.empty()) continue;
    auto child = FindChildLocked(current->id, part);
    if (child) {
      current = &items_.at(*child);
      if (!current->folder) {
        return absl::FailedPreconditionError("not a folder: " + part);
      }
      continue;
    }
    Item folder;
    folder.id = NewId();
    folder.user_id = user_id;
    folder.parent_id = current->id;
    folder.name = part;
    folder.folder = true;
    folder.mime_type = "application/vnd.google-apps.folder";
    folder.created_ms = clock_.NowMs();
    current = &InsertLocked(std::move(folder));
    LogLocked(*current, ChangeKind::kCreated);
  }
  return current;
}

absl::StatusOr<Item> Store::MakeFolders(const std::string& user_id, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto folder = MakeFoldersLocked(user_id, Split(path, '/'));
  if (!folder.ok()) return folder.status();
  return **folder;
}

absl::StatusOr<Item> Store::PutAtPath(const std::string& user_id, const std::string& path,
                                      const std::string& content, const std::string& mime_type,
                                      bool native) {
  std::lock_guard<std::mutex> lock(mu_);
  auto parts = Split(path, '/');
  std::string name = parts.back();
  parts.pop_back();
  if (name.empty()) return absl::InvalidArgumentError("path ends with /");
  auto parent = MakeFoldersLocked(user_id, parts);
  if (!parent.ok()) return parent.status();
  auto existing = FindChildLocked((*parent)->id, name);
  if (existing) {
    Item& item = items_.at(*existing);
    if (item.folder) return absl::FailedPreconditionError("is a folder");
    std::string type = mime_type.empty() ? item.mime_type : mime_type;
    item.revisions.push_back(
        MakeRevision(static_cast<int>(item.revisions.size()) + 1, content, type));
    item.mime_type = type;
    LogLocked(item, ChangeKind::kContent);
    return item;
  }
  Item item;
  item.id = NewId();
  item.user_id = user_id;
  item.parent_id = (*parent)->id;
  item.name = name;
  item.native = native;
  item.mime_type = mime_type.empty() ? GuessMimeType(name) : mime_type;
  item.created_ms = clock_.NowMs();
  item.revisions.push_back(MakeRevision(1, content, item.mime_type));
  Item& stored = InsertLocked(std::move(item));
  LogLocked(stored, ChangeKind::kCreated);
  return stored;
}

absl::StatusOr<Item> Store::Get(const std::string& user_id, const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Item* item = OwnedConst(user_id, id);
  if (!item) return absl::NotFoundError(id);
  return *item;
}

absl::StatusOr<Item> Store::GetByPath(const std::string& user_id, const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto user = users_.find(user_id);
  if (user == users_.end()) return absl::NotFoundError("user " + user_id);
  const Item* current = &items_.at(user->second.root_id);
  for (const auto& part : Split(path, '/')) {
    if (part.empty()) continue;
    auto child = FindChildLocked(current->id, part);
    if (!child) return absl::NotFoundError(path);
    current = &items_.at(*child);
  }
  return *current;
}

absl::StatusOr<Item> Store::UpdateContent(const std::string& user_id, const std::string& id,
                                          const std::string& content,
                                          const std::string& mime_type) {
  std::lock_guard<std::mutex> lock(mu_);
  auto item = Owned(user_id, id);
  if (!item.ok()) return item.status();
  Item& it = **item;
  if (it.folder) return absl::FailedPreconditionError("is a folder");
  std::string type = mime_type.empty() ? it.mime_type : mime_type;
  if (!it.native) it.mime_type = type;
  it.revisions.push_back(MakeRevision(static_cast<int>(it.revisions.size()) + 1, content, type));
  LogLocked(it, ChangeKind::kContent);
  return it;
}

absl::StatusOr<Item> Store::Move(const std::string& user_id, const std::string& id,
                                 const std::optional<std::string>& new_name,
                                 const std::optional<std::string>& new_parent) {
  std::lock_guard<std::mutex> lock(mu_);
  auto item = Owned(user_id, id);
  if (!item.ok()) return item.status();
  Item& it = **item;
  if (it.parent_id.empty()) {
    return absl::FailedPreconditionError("cannot move the root");
  }
  if (new_parent) {
    const Item* parent = OwnedConst(user_id, *new_parent);
    if (!parent || !parent->folder) return absl::NotFoundError(*new_parent);
    if (IsUnderLocked(*parent, it.id) || *new_parent == it.id) {
      return absl::FailedPreconditionError("cannot move into itself");
    }
  }
  std::string target_parent = new_parent ? *new_parent : it.parent_id;
  std::string target_name = new_name ? *new_name : it.name;
  if (target_name.empty()) return absl::InvalidArgumentError("empty name");
  auto clash = FindChildLocked(target_parent, target_name);
  if (clash && *clash != it.id) {
    return absl::AlreadyExistsError(target_name);
  }
  std::string old_path = PathOfLocked(it);
  UnindexChildLocked(it);
  it.parent_id = target_parent;
  it.name = target_name;
  IndexChildLocked(it);
  LogLocked(it, ChangeKind::kMoved, old_path);
  return it;
}

absl::StatusOr<Item> Store::SetTrashed(const std::string& user_id, const std::string& id,
                                       bool trashed) {
  std::lock_guard<std::mutex> lock(mu_);
  auto item = Owned(user_id, id);
  if (!item.ok()) return item.status();
  Item& it = **item;
  if (it.parent_id.empty()) {
    return absl::FailedPreconditionError("cannot trash the root");
  }
  if (it.trashed == trashed) return it;
  if (trashed) {
    UnindexChildLocked(it);
    it.trashed = true;
  } else {
    it.trashed = false;
    IndexChildLocked(it);
  }
  LogLocked(it, trashed ? ChangeKind::kTrashed : ChangeKind::kRestored);
  return it;
}

absl::Status Store::Delete(const std::string& user_id, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto item = Owned(user_id, id);
  if (!item.ok()) return item.status();
  if ((*item)->parent_id.empty()) {
    return absl::FailedPreconditionError("cannot delete the root");
  }
  // Depth-first so children are logged before their folder.
  std::vector<std::string> stack = {id};
  std::vector<std::string> order;
  while (!stack.empty()) {
    std::string current = stack.back();
    stack.pop_back();
    order.push_back(current);
    auto kids = children_.find(current);
    if (kids != children_.end()) {
      for (const auto& kid : kids->second) stack.push_back(kid);
    }
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Item& victim = items_.at(*it);
    std::string old_path = PathOfLocked(victim);
    UnindexChildLocked(victim);
    children_.erase(victim.id);
    victim.deleted = true;
    LogLocked(victim, ChangeKind::kDeleted, old_path);
  }
  return absl::OkStatus();
}

absl::StatusOr<Item> Store::CreateSharedLink(const std::string& user_id, const std::string& id,
                                             const std::string& link) {
  std::lock_guard<std::mutex> lock(mu_);
  auto item = Owned(user_id, id);
  if (!item.ok()) return item.status();
  if ((*item)->shared_link.empty()) {
    (*item)->shared_link = link;
    LogLocked(**item, ChangeKind::kMetadata);
  }
  return **item;
}

absl::StatusOr<Revision> Store::SetKeepForever(const std::string& user_id, const std::string& id,
                                               const std::string& revision_id, bool keep,
                                               int max_kept) {
  std::lock_guard<std::mutex> lock(mu_);
  auto item = Owned(user_id, id);
  if (!item.ok()) return item.status();
  const auto& revs = (*item)->revisions;
  const long kept =
      std::count_if(revs.begin(), revs.end(), [](const Revision& r) { return r.keep_forever; });
  for (auto& rev : (*item)->revisions) {
    if (rev.id == revision_id) {
      if (keep && !rev.keep_forever && max_kept > 0 && kept >= max_kept) {
        return absl::ResourceExhaustedError("at most " + std::to_string(max_kept) +
                                            " revisions of a file are kept forever");
      }
      rev.keep_forever = keep;
      return rev;
    }
  }
  return absl::NotFoundError(revision_id);
}

std::string Store::PathOfLocked(const Item& item) const {
  std::vector<const std::string*> names;
  const Item* current = &item;
  while (!current->parent_id.empty()) {
    names.push_back(&current->name);
    auto it = items_.find(current->parent_id);
    if (it == items_.end()) break;
    current = &it->second;
  }
  std::string path;
  for (auto it = names.rbegin(); it != names.rend(); ++it) path += "/" + **it;
  return path;
}

std::string Store::PathOf(const Item& item) const {
  std::lock_guard<std::mutex> lock(mu_);
  return PathOfLocked(item);
}

bool Store::IsUnderLocked(const Item& item, const std::string& root_id) const {
  const Item* current = &item;
  while (!current->parent_id.empty()) {
    if (current->parent_id == root_id) return true;
    auto it = items_.find(current->parent_id);
    if (it == items_.end()) return false;
    current = &it->second;
  }
  return false;
}

ItemPage Store::ListChildren(const std::string& user_id, const std::string& parent_id,
                             const std::string& after, size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  ItemPage page;
  if (!OwnedConst(user_id, parent_id)) return page;
  auto kids = children_.find(parent_id);
  if (kids == children_.end()) return page;
  auto it = after.empty() ? kids->second.begin() : kids->second.upper_bound(after);
  for (; it != kids->second.end() && page.items.size() < limit; ++it) {
    page.items.push_back(items_.at(*it));
  }
  if (it != kids->second.end()) page.next_after = page.items.back().id;
  return page;
}

ItemPage Store::ListChildrenAt(const std::string& user_id, const std::string& parent_id,
                               size_t offset, size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  ItemPage page;
  if (!OwnedConst(user_id, parent_id)) return page;
  auto kids = children_.find(parent_id);
  if (kids == children_.end() || offset >= kids->second.size()) return page;
  auto it = std::next(kids->second.begin(), static_cast<std::ptrdiff_t>(offset));
  for (; it != kids->second.end() && page.items.size() < limit; ++it) {
    page.items.push_back(items_.at(*it));
  }
  if (it != kids->second.end()) page.next_after = page.items.back().id;
  return page;
}

size_t Store::ChildCount(const std::string& parent_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto kids = children_.find(parent_id);
  return kids == children_.end() ? 0 : kids->second.size();
}

ItemPage Store::ListSubtree(const std::string& user_id, const std::string& root_id,
                            const std::string& after, size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  ItemPage page;
  auto all = user_items_.find(user_id);
  if (all == user_items_.end() || !OwnedConst(user_id, root_id)) return page;
  auto it = after.empty() ? all->second.begin() : all->second.upper_bound(after);
  for (; it != all->second.end(); ++it) {
    const Item& item = items_.at(*it);
    if (item.deleted || item.trashed || !IsUnderLocked(item, root_id)) continue;
    if (page.items.size() == limit) {
      page.next_after = page.items.back().id;
      break;
    }
    page.items.push_back(item);
  }
  return page;
}

int64_t Store::LatestSeq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(log_.size());
}

int64_t Store::OldestValidSeq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return oldest_valid_seq_;
}

void Store::ExpireCursors() {
  std::lock_guard<std::mutex> lock(mu_);
  // A barrier entry that belongs to no user: cursors issued before it are
  // expired, cursors issued from now on (at or after it) are not.
  Change barrier;
  barrier.seq = static_cast<int64_t>(log_.size()) + 1;
  barrier.time_ms = clock_.NowMs();
  log_.push_back(barrier);
  oldest_valid_seq_ = barrier.seq;
}

absl::StatusOr<ChangePage> Store::ChangesSince(const std::string& user_id, int64_t after_seq,
                                               size_t limit,
                                               const std::string& subtree_root) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t latest = static_cast<int64_t>(log_.size());
  if (after_seq < oldest_valid_seq_ || after_seq < 0 || after_seq > latest) {
    return absl::OutOfRangeError("cursor expired");
  }
  ChangePage page;
  page.next_seq = after_seq;
  for (int64_t seq = after_seq + 1; seq <= latest; ++seq) {
    const Change& change = log_[seq - 1];
    if (change.user_id != user_id) {
      page.next_seq = seq;
      continue;
    }
    const Item& item = items_.at(change.item_id);
    bool in_scope = subtree_root.empty() || IsUnderLocked(item, subtree_root);
    if (in_scope && change.kind == ChangeKind::kMoved && !change.old_path.empty()) {
      page.vacated_paths.push_back(change.old_path);
    }
    // Each item is reported once, at its latest change.
    if (!in_scope || item.seq != seq || item.parent_id.empty()) {
      page.next_seq = seq;
      continue;
    }
    if (page.entries.size() == limit) {
      page.has_more = true;
      break;
    }
    ChangeEntry entry;
    entry.change = change;
    entry.item = item;
    entry.path = item.deleted ? change.old_path : PathOfLocked(item);
    page.entries.push_back(std::move(entry));
    page.next_seq = seq;
  }
  return page;
}

bool Store::WaitForChange(const std::string& user_id, int64_t after_seq, int64_t timeout_ms) const {
  std::unique_lock<std::mutex> lock(mu_);
  auto has_change = [&] {
    for (int64_t seq = static_cast<int64_t>(log_.size()); seq > after_seq; --seq) {
      if (log_[seq - 1].user_id == user_id) return true;
    }
    return false;
  };
  return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), has_change);
}

size_t Store::ItemCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return items_.size();
}

}  // namespace lc::emulator
