// What the repository calls (repository/collaborators.h) without the
// providers service and the indexer: clouds holding files per account, each
// account readable only by the users who connected it, and an index queue.
// Calls are recorded; failures are injectable.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "repository/collaborators.h"

namespace lc::testing {

class FakeCloudFiles : public repository::CloudFiles {
 public:
  // `user` connected `account`: its files are readable on their behalf.
  void Connect(const std::string& user, const std::string& account) {
    std::lock_guard<std::mutex> lock(mu_);
    connected_.insert({user, account});
  }
  // The file's metadata; metadata.revision is its current revision.
  void PutFile(const std::string& account, ::liveconnect::v1::CloudFile file) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[{account, file.id()}] = std::move(file);
  }
  // The file is gone at the provider (NOT_FOUND from now on).
  void RemoveFile(const std::string& account, const std::string& file_id) {
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase({account, file_id});
  }
  // The provider no longer has that revision of the file: a link of it
  // answers NOT_FOUND naming the revision, as the adapters do.
  void ExpireRevision(const std::string& account, const std::string& file_id,
                      const std::string& revision) {
    std::lock_guard<std::mutex> lock(mu_);
    expired_.insert({account, file_id, revision});
  }
  // The users GetFile was called for, in order.
  std::vector<std::string> get_file_users() {
    std::lock_guard<std::mutex> lock(mu_);
    return get_file_users_;
  }
  std::vector<::liveconnect::v1::BlobRef> link_requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return link_requests_;
  }

  // NOT_FOUND for a missing file; PERMISSION_DENIED when the user has not
  // connected the account (like the providers service).
  absl::StatusOr<::liveconnect::v1::CloudFile> GetFile(
      const std::string& user, const ::liveconnect::v1::BlobRef& blob) override {
    std::lock_guard<std::mutex> lock(mu_);
    get_file_users_.push_back(user);
    return Find(user, blob);
  }
  // A URL naming the file, the revision (empty: live) and the user.
  absl::StatusOr<::liveconnect::v1::Link> GetLink(const std::string& user,
                                                  const ::liveconnect::v1::BlobRef& blob,
                                                  ::liveconnect::v1::LinkKind kind) override {
    std::lock_guard<std::mutex> lock(mu_);
    link_requests_.push_back(blob);
    auto file = Find(user, blob);
    if (!file.ok()) return file.status();
    if (expired_.count({blob.account(), blob.file_id(), blob.revision()})) {
      return absl::NotFoundError("revision " + blob.revision() + " of file " + blob.file_id() +
                                 " is gone");
    }
    ::liveconnect::v1::Link link;
    link.set_kind(kind);
    link.set_url("https://cloud.example/" + blob.file_id() + "?rev=" + blob.revision() +
                 "&as=" + user);
    return link;
  }
  // Pins the file's current revision.
  absl::StatusOr<::liveconnect::v1::PinRevisionResponse> Pin(
      const std::string& user, const ::liveconnect::v1::BlobRef& blob) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto file = Find(user, blob);
    if (!file.ok()) return file.status();
    ::liveconnect::v1::PinRevisionResponse r;
    *r.mutable_blob() = blob;
    r.mutable_blob()->set_revision(file->metadata().revision());
    *r.mutable_metadata() = file->metadata();
    return r;
  }

 private:
  absl::StatusOr<::liveconnect::v1::CloudFile> Find(const std::string& user,
                                                    const ::liveconnect::v1::BlobRef& blob) {
    if (!connected_.count({user, blob.account()})) {
      return absl::PermissionDeniedError("account is not connected by this user");
    }
    auto it = files_.find({blob.account(), blob.file_id()});
    if (it == files_.end()) return absl::NotFoundError("File not found: " + blob.file_id());
    return it->second;
  }

  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> connected_;  // (user, account)
  std::map<std::pair<std::string, std::string>, ::liveconnect::v1::CloudFile> files_;
  std::set<std::tuple<std::string, std::string, std::string>> expired_;  // (account, file, rev)
  std::vector<std::string> get_file_users_;
  std::vector<::liveconnect::v1::BlobRef> link_requests_;
};

class FakeIndexQueue : public repository::IndexQueue {
 public:
  // Enqueue answers `status` (the indexer is down) but still records.
  void Fail(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = std::move(status);
  }
  // "<reason>:<document id>", in order.
  std::vector<std::string> queued() {
    std::lock_guard<std::mutex> lock(mu_);
    return queued_;
  }
  std::vector<std::string> removed() {
    std::lock_guard<std::mutex> lock(mu_);
    return removed_;
  }
  absl::Status Enqueue(const ::liveconnect::v1::Document& doc, const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(reason + ":" + doc.id());
    return fail_;
  }
  absl::Status Remove(const std::string& document_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    removed_.push_back(document_id);
    return absl::OkStatus();
  }

 private:
  std::mutex mu_;
  absl::Status fail_;
  std::vector<std::string> queued_, removed_;
};

}  // namespace lc::testing
