// What sync calls (sync/clients.h) without the services behind it: a
// change feed per account, the documents that reference files, and the
// indexer queue. Calls are recorded; failures are injectable.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "sync/clients.h"

namespace lc::testing {

// Each account's change feed is a list of pages; a cursor is the index of
// the next page ("0" is the start, so a first sync reads every page).
// ListChanges of the last page answers its index again with has_more false.
class FakeCloudClient : public sync::CloudClient {
 public:
  using Page = std::vector<::liveconnect::v1::Change>;

  void SetFeed(const std::string& account, std::vector<Page> pages) {
    std::lock_guard<std::mutex> lock(mu_);
    feeds_[account] = std::move(pages);
  }
  // The feed of accounts without their own.
  void SetDefaultFeed(std::function<std::vector<Page>(const sync::AccountKey&)> fn) {
    std::lock_guard<std::mutex> lock(mu_);
    default_feed_ = std::move(fn);
  }
  void PutFile(const std::string& account, ::liveconnect::v1::CloudFile file) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[account][file.id()] = std::move(file);
  }
  // Every call for the account fails with `status` (OK heals it).
  void FailAccount(const std::string& account, absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_[account] = std::move(status);
  }
  // The file's revision list is `listed`; asking for one revision by id
  // finds it when it is listed or in `also_kept` (a capped list), else
  // answers NOT_FOUND. Without this, a file lists its current revision.
  void SetRevisions(const std::string& account, const std::string& file_id,
                    std::vector<std::string> listed, std::set<std::string> also_kept = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    revisions_[{account, file_id}] = {std::move(listed), std::move(also_kept)};
  }
  // ListRevisions of the account fails with `status` (OK heals it).
  void FailRevisions(const std::string& account, absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    revision_failures_[account] = std::move(status);
  }
  // Revision calls as "list:<file>" and "get:<file>@<revision>", in order.
  std::vector<std::string> revision_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return revision_calls_;
  }
  // ListChanges calls as "<account>@<cursor>", in order.
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  absl::StatusOr<std::string> GetStartCursor(const sync::AccountKey& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Failure(key); !s.ok()) return s;
    return std::string("0");
  }
  absl::StatusOr<::liveconnect::v1::ListChangesResponse> ListChanges(
      const sync::AccountKey& key, const std::string& cursor) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(key.account + "@" + cursor);
    if (absl::Status s = Failure(key); !s.ok()) return s;
    const std::vector<Page> pages = Feed(key);
    const int last = static_cast<int>(pages.size());
    int page = 0;
    if (!absl::SimpleAtoi(cursor, &page) || page < 0 || page > last) {
      return absl::InvalidArgumentError("bad cursor: " + cursor);
    }
    ::liveconnect::v1::ListChangesResponse resp;
    if (page < last) {
      for (const auto& change : pages[page]) *resp.add_changes() = change;
    }
    resp.set_next_cursor(std::to_string(std::min(page + 1, last)));
    resp.set_has_more(page + 1 < last);
    return resp;
  }
  absl::StatusOr<::liveconnect::v1::CloudFile> GetFile(const sync::AccountKey& key,
                                                       const std::string& file_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = Failure(key); !s.ok()) return s;
    auto account = files_.find(key.account);
    if (account == files_.end()) return absl::NotFoundError(file_id);
    auto file = account->second.find(file_id);
    if (file == account->second.end()) return absl::NotFoundError(file_id);
    return file->second;
  }
  absl::StatusOr<std::vector<::liveconnect::v1::Revision>> ListRevisions(
      const sync::AccountKey& key, const std::string& file_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    revision_calls_.push_back("list:" + file_id);
    if (absl::Status s = Failure(key); !s.ok()) return s;
    if (auto f = revision_failures_.find(key.account); f != revision_failures_.end()) {
      if (!f->second.ok()) return f->second;
    }
    std::vector<::liveconnect::v1::Revision> out;
    auto it = revisions_.find({key.account, file_id});
    if (it == revisions_.end()) {
      auto current = Current(key.account, file_id);
      if (!current.ok()) return current.status();
      out.emplace_back().set_id(*current);
      return out;
    }
    for (const auto& id : it->second.first) out.emplace_back().set_id(id);
    return out;
  }
  absl::StatusOr<::liveconnect::v1::CloudFile> GetRevision(const sync::AccountKey& key,
                                                           const std::string& file_id,
                                                           const std::string& revision) override {
    std::lock_guard<std::mutex> lock(mu_);
    revision_calls_.push_back("get:" + file_id + "@" + revision);
    if (absl::Status s = Failure(key); !s.ok()) return s;
    ::liveconnect::v1::CloudFile file;
    file.set_id(file_id);
    file.mutable_metadata()->set_revision(revision);
    auto it = revisions_.find({key.account, file_id});
    if (it == revisions_.end()) {
      auto current = Current(key.account, file_id);
      if (current.ok() && *current == revision) return file;
    } else if (std::count(it->second.first.begin(), it->second.first.end(), revision) > 0 ||
               it->second.second.count(revision) > 0) {
      return file;
    }
    return absl::NotFoundError("revision " + revision + " of " + file_id + " is gone");
  }

 private:
  absl::StatusOr<std::string> Current(const std::string& account, const std::string& file_id) {
    auto a = files_.find(account);
    if (a == files_.end() || a->second.count(file_id) == 0) return absl::NotFoundError(file_id);
    return a->second.at(file_id).metadata().revision();
  }
  absl::Status Failure(const sync::AccountKey& key) {
    auto it = failures_.find(key.account);
    return it == failures_.end() ? absl::OkStatus() : it->second;
  }
  std::vector<Page> Feed(const sync::AccountKey& key) {
    auto it = feeds_.find(key.account);
    if (it != feeds_.end()) return it->second;
    return default_feed_ ? default_feed_(key) : std::vector<Page>{};
  }

  std::mutex mu_;
  std::map<std::string, std::vector<Page>> feeds_;
  std::function<std::vector<Page>(const sync::AccountKey&)> default_feed_;
  std::map<std::string, std::map<std::string, ::liveconnect::v1::CloudFile>> files_;
  std::map<std::string, absl::Status> failures_;
  std::vector<std::string> calls_;
  // (account, file) -> (listed, also kept)
  std::map<std::pair<std::string, std::string>,
           std::pair<std::vector<std::string>, std::set<std::string>>>
      revisions_;
  std::map<std::string, absl::Status> revision_failures_;
  std::vector<std::string> revision_calls_;
};

// The repository as sync sees it: referenced accounts, and one document
// "doc-<file id>" per referenced file. ApplyFileChange records the change
// and answers that document as updated; like the repository, a MODIFIED
// change leaves the document's full text PENDING (to be indexed again).
class FakeDocumentsClient : public sync::DocumentsClient {
 public:
  void AddAccount(const sync::AccountKey& key, int64_t documents) {
    std::lock_guard<std::mutex> lock(mu_);
    accounts_.push_back({key, documents});
  }
  // Files referenced by a document (FindDocumentsByFiles with no file ids,
  // the reconciliation, lists them).
  void Reference(const sync::AccountKey& key, const std::string& file_id) {
    std::lock_guard<std::mutex> lock(mu_);
    referenced_[key.account].insert(file_id);
  }
  // Every file asked about by id is referenced (the feed's files).
  void ReferenceEveryFile() {
    std::lock_guard<std::mutex> lock(mu_);
    every_file_ = true;
  }
  // ApplyFileChange of file_id fails with `status` ("" / OK: none).
  void FailApply(const std::string& file_id, absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_file_ = file_id;
    fail_status_ = std::move(status);
  }
  // A version of the file's document pins `revision` (the document then
  // has versions).
  void AddPin(const std::string& file_id, const std::string& revision,
              const std::string& version_id) {
    std::lock_guard<std::mutex> lock(mu_);
    pins_.push_back({file_id, revision, version_id});
  }
  // The revision the file's document stores (blob_metadata.revision).
  void SetStoredRevision(const std::string& file_id, const std::string& revision) {
    std::lock_guard<std::mutex> lock(mu_);
    stored_revision_[file_id] = revision;
  }
  // Versions marked REVISION_EXPIRED, and MarkRevisionsExpired requests.
  std::set<std::string> expired() {
    std::lock_guard<std::mutex> lock(mu_);
    return expired_;
  }
  std::vector<::liveconnect::v1::MarkRevisionsExpiredRequest> mark_requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return mark_requests_;
  }
  // File ids whose change was applied.
  std::set<std::string> applied() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }

  absl::StatusOr<::liveconnect::v1::ListReferencedAccountsResponse> ListReferencedAccounts(
      const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ::liveconnect::v1::ListReferencedAccountsResponse resp;
    for (const auto& [key, documents] : accounts_) {
      auto* r = resp.add_accounts();
      r->set_user(key.user);
      r->set_provider(key.provider);
      r->set_account(key.account);
      r->set_document_count(documents);
    }
    return resp;
  }
  absl::StatusOr<::liveconnect::v1::FindDocumentsByFilesResponse> FindDocumentsByFiles(
      const sync::AccountKey& key, const std::vector<std::string>& file_ids, int,
      const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::set<std::string>& referenced = referenced_[key.account];
    std::vector<std::string> found;
    if (file_ids.empty()) {
      found.assign(referenced.begin(), referenced.end());
    } else {
      for (const auto& id : file_ids) {
        if (every_file_ || referenced.count(id)) found.push_back(id);
      }
    }
    ::liveconnect::v1::FindDocumentsByFilesResponse resp;
    for (const auto& id : found) {
      auto* d = resp.add_documents();
      d->set_id("doc-" + id);
      d->set_owner(key.user);
      d->mutable_blob()->set_provider(key.provider);
      d->mutable_blob()->set_account(key.account);
      d->mutable_blob()->set_file_id(id);
      if (pending_.count(id)) d->set_fulltext_state(::liveconnect::v1::FULLTEXT_STATE_PENDING);
      d->set_version_count(static_cast<int32_t>(
          std::count_if(pins_.begin(), pins_.end(), [&](const Pin& p) { return p.file == id; })));
      if (stored_revision_.count(id)) {
        d->mutable_blob_metadata()->set_revision(stored_revision_.at(id));
      }
    }
    return resp;
  }
  absl::StatusOr<::liveconnect::v1::ListPinnedRevisionsResponse> ListPinnedRevisions(
      const sync::AccountKey&, const std::vector<std::string>& file_ids,
      const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ::liveconnect::v1::ListPinnedRevisionsResponse resp;
    for (const auto& p : pins_) {
      if (expired_.count(p.version) ||
          std::find(file_ids.begin(), file_ids.end(), p.file) == file_ids.end()) {
        continue;
      }
      auto* out = resp.add_pins();
      out->set_file_id(p.file);
      out->set_revision(p.revision);
      out->set_document_id("doc-" + p.file);
      out->set_version_id(p.version);
    }
    return resp;
  }
  absl::StatusOr<::liveconnect::v1::MarkRevisionsExpiredResponse> MarkRevisionsExpired(
      const ::liveconnect::v1::MarkRevisionsExpiredRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    mark_requests_.push_back(req);
    ::liveconnect::v1::MarkRevisionsExpiredResponse resp;
    for (const auto& p : pins_) {
      if (p.file != req.file_id() || expired_.count(p.version) ||
          std::find(req.revisions().begin(), req.revisions().end(), p.revision) ==
              req.revisions().end()) {
        continue;
      }
      expired_.insert(p.version);
      resp.add_expired_version_ids(p.version);
    }
    return resp;
  }
  absl::StatusOr<::liveconnect::v1::ApplyFileChangeResponse> ApplyFileChange(
      const ::liveconnect::v1::ApplyFileChangeRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_file_.empty() && req.file_id() == fail_file_) return fail_status_;
    applied_.insert(req.file_id());
    if (req.kind() == ::liveconnect::v1::CHANGE_KIND_MODIFIED) pending_.insert(req.file_id());
    ::liveconnect::v1::ApplyFileChangeResponse resp;
    resp.add_updated_document_ids("doc-" + req.file_id());
    return resp;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<sync::AccountKey, int64_t>> accounts_;
  std::map<std::string, std::set<std::string>> referenced_;
  bool every_file_ = false;
  std::string fail_file_;
  absl::Status fail_status_;
  std::set<std::string> applied_;
  std::set<std::string> pending_;  // file ids whose document awaits indexing
  struct Pin {
    std::string file, revision, version;
  };
  std::vector<Pin> pins_;
  std::map<std::string, std::string> stored_revision_;
  std::set<std::string> expired_;
  std::vector<::liveconnect::v1::MarkRevisionsExpiredRequest> mark_requests_;
};

// The indexer queue: records what sync asks to reindex.
class FakeIndexClient : public sync::IndexClient {
 public:
  void Fail(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = std::move(status);
  }
  // "<reason>:<document id>", in order.
  std::vector<std::string> queued() {
    std::lock_guard<std::mutex> lock(mu_);
    return queued_;
  }
  absl::Status Enqueue(const ::liveconnect::v1::Document& document,
                       const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(reason + ":" + document.id());
    return fail_;
  }

 private:
  std::mutex mu_;
  absl::Status fail_;
  std::vector<std::string> queued_;
};

}  // namespace lc::testing
