// DocumentStore in memory, for the repository's logic tests without
// PostgreSQL. It keeps PgDocumentStore's contract: etags count writes from
// "1", a mutation is all or nothing and serialised with the others, history
// outlives the document, lists are newest first with a (created_time, id)
// keyset. PgDocumentStore's SQL is tested by repository_test on PostgreSQL.
#pragma once

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "repository/document_store.h"

namespace lc::testing {

class InMemoryDocumentStore : public repository::DocumentStore {
 public:
  using Document = ::liveconnect::v1::Document;
  using Version = ::liveconnect::v1::Version;
  using HistoryEvent = ::liveconnect::v1::HistoryEvent;
  using MutationEffects = repository::MutationEffects;

  absl::StatusOr<Document> Create(const Document& doc, const std::string& idempotency_key,
                                  const HistoryEvent& created) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idempotency_key.empty()) {
      auto it = idempotency_.find({doc.owner(), idempotency_key});
      if (it != idempotency_.end() && rows_.count(it->second)) return Stored(it->second);
    }
    if (rows_.count(doc.id())) {
      return absl::AlreadyExistsError(absl::StrCat("document ", doc.id(), " exists"));
    }
    Row& row = rows_[doc.id()];
    row.doc = doc;
    row.doc.clear_etag();
    row.version = 1;
    if (!idempotency_key.empty()) idempotency_[{doc.owner(), idempotency_key}] = doc.id();
    AddEvent(doc.owner(), created);
    return Stored(doc.id());
  }

  absl::StatusOr<Document> Get(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!rows_.count(id)) return NotFound(id);
    return Stored(id);
  }

  absl::StatusOr<Document> Mutate(const std::string& id, absl::Time now,
                                  const Mutation& fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!rows_.count(id)) return NotFound(id);
    Document doc = Stored(id);
    MutationEffects effects;
    if (absl::Status s = fn(doc, effects); !s.ok()) return s;
    if (effects.new_version) {
      Version snapshot = *effects.new_version;  // the state is kept apart, as in PostgreSQL
      snapshot.clear_state();
      snapshot.clear_state_time();
      snapshot.clear_state_reason();
      versions_[id].push_back(std::move(snapshot));
    }
    Write(id, std::move(doc), now, effects);
    return Stored(id);
  }

  absl::Status Delete(const std::string& id,
                      const std::function<absl::Status(const Document&)>& check,
                      const HistoryEvent& deleted) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!rows_.count(id)) return NotFound(id);
    const Document doc = Stored(id);
    if (absl::Status s = check(doc); !s.ok()) return s;
    rows_.erase(id);
    for (const auto& v : versions_[id]) states_.erase(v.id());
    versions_.erase(id);
    AddEvent(doc.owner(), deleted);
    return absl::OkStatus();
  }

  absl::StatusOr<repository::DocumentPage> List(const repository::DocumentQuery& q) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Newest first: (created_time, id) descending.
    std::map<std::pair<int64_t, std::string>, std::string, std::greater<>> order;
    for (const auto& [id, row] : rows_) {
      const Document& d = row.doc;
      if (!q.owner.empty() && d.owner() != q.owner) continue;
      if (q.type != ::liveconnect::v1::DOCUMENT_TYPE_UNSPECIFIED && d.type() != q.type) continue;
      if (!q.provider.empty() && d.blob().provider() != q.provider) continue;
      const std::pair<int64_t, std::string> key{Micros(d.created_time()), id};
      if (q.after && !(key < std::pair<int64_t, std::string>{absl::ToUnixMicros(q.after->first),
                                                             q.after->second})) {
        continue;
      }
      order.emplace(key, id);
    }
    repository::DocumentPage page;
    for (const auto& [key, id] : order) {
      if (static_cast<int>(page.documents.size()) == q.limit) {
        page.has_more = true;
        break;
      }
      page.documents.push_back(Stored(id));
    }
    return page;
  }

  absl::StatusOr<Version> GetVersion(const std::string& document_id,
                                     const std::string& version_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& v : versions_[document_id]) {
      if (v.id() == version_id) return WithState(v);
    }
    return absl::NotFoundError(
        absl::StrCat("version ", version_id, " of document ", document_id, " not found"));
  }

  absl::StatusOr<std::vector<Version>> ListVersions(const std::string& document_id,
                                                    int after_number, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Version> out;
    for (const auto& v : versions_[document_id]) {  // appended in number order
      if (v.number() > after_number && static_cast<int>(out.size()) < limit) {
        out.push_back(WithState(v));
      }
    }
    return out;
  }

  absl::StatusOr<std::vector<HistoryEvent>> ListHistory(const std::string& document_id,
                                                        int64_t after_id, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<HistoryEvent> out;
    for (const auto& [owner, e] : history_) {
      if (e.document_id() == document_id && e.id() > after_id &&
          static_cast<int>(out.size()) < limit) {
        out.push_back(e);
      }
    }
    return out;
  }

  absl::StatusOr<std::string> HistoryOwner(const std::string& document_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [owner, e] : history_) {
      if (e.document_id() == document_id) return owner;
    }
    return absl::NotFoundError(absl::StrCat("document ", document_id, " not found"));
  }

  absl::StatusOr<std::vector<ReferencedAccount>> ListReferencedAccounts(
      const std::optional<AccountKey>& after, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::tuple<std::string, std::string, std::string>, int64_t> counts;
    for (const auto& [id, row] : rows_) {
      ++counts[{row.doc.owner(), row.doc.blob().provider(), row.doc.blob().account()}];
    }
    std::vector<ReferencedAccount> out;
    for (const auto& [key, count] : counts) {
      if (after && !(key > std::tie(after->owner, after->provider, after->account))) continue;
      if (static_cast<int>(out.size()) == limit) break;
      out.push_back(ReferencedAccount{
          AccountKey{std::get<0>(key), std::get<1>(key), std::get<2>(key)}, count});
    }
    return out;
  }

  absl::StatusOr<std::vector<Document>> FindByFiles(const AccountKey& account,
                                                    const std::vector<std::string>& file_ids,
                                                    const std::string& after_id,
                                                    int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Document> out;
    for (const auto& [id, row] : rows_) {  // ordered by id
      if (static_cast<int>(out.size()) == limit) break;
      if (!Of(row.doc, account) || (!after_id.empty() && id <= after_id)) continue;
      if (!file_ids.empty() &&
          std::find(file_ids.begin(), file_ids.end(), row.doc.blob().file_id()) == file_ids.end()) {
        continue;
      }
      out.push_back(Stored(id));
    }
    return out;
  }

  absl::Status SetFulltextState(const std::string& id, ::liveconnect::v1::FulltextState state,
                                const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = rows_.find(id);
    if (it == rows_.end()) return NotFound(id);
    it->second.doc.set_fulltext_state(state);
    it->second.doc.set_fulltext_reason(reason);
    return absl::OkStatus();
  }

  absl::StatusOr<FileMutationResult> MutateByFile(const AccountKey& account,
                                                  const std::string& file_id, absl::Time now,
                                                  const FileMutation& fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    // All or nothing: work on copies, write once every call succeeded.
    std::vector<std::pair<Document, MutationEffects>> writes;
    FileMutationResult result;
    for (const auto& [id, row] : rows_) {
      if (!Of(row.doc, account) || row.doc.blob().file_id() != file_id) continue;
      Document doc = Stored(id);
      MutationEffects effects;
      absl::StatusOr<bool> changed = fn(doc, effects);
      if (!changed.ok()) return changed.status();
      if (!*changed) {
        ++result.unchanged;
        continue;
      }
      writes.emplace_back(std::move(doc), std::move(effects));
    }
    for (auto& [doc, effects] : writes) {
      const std::string id = doc.id();
      Write(id, std::move(doc), now, effects);
      result.changed.push_back(Stored(id));
    }
    return result;
  }

  absl::StatusOr<std::vector<VersionPin>> ListPins(const AccountKey& account,
                                                   const std::vector<std::string>& file_ids,
                                                   const std::string& after_version_id,
                                                   int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, VersionPin> by_id;
    for (const auto& [id, row] : rows_) {
      if (!Of(row.doc, account) ||
          std::find(file_ids.begin(), file_ids.end(), row.doc.blob().file_id()) == file_ids.end()) {
        continue;
      }
      for (const auto& v : versions_[id]) {
        if (states_.count(v.id()) || v.id() <= after_version_id) continue;
        by_id[v.id()] = VersionPin{id, v.id(), row.doc.blob().file_id(), v.blob().revision()};
      }
    }
    std::vector<VersionPin> out;
    for (auto& [version_id, pin] : by_id) {
      if (static_cast<int>(out.size()) == limit) break;
      out.push_back(std::move(pin));
    }
    return out;
  }

  absl::StatusOr<std::vector<Version>> MarkRevisionsExpired(
      const AccountKey& account, const std::string& file_id,
      const std::vector<std::string>& revisions, absl::Time when, const std::string& reason,
      const ExpiryEvent& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Version> out;
    for (const auto& [id, row] : rows_) {
      if (!Of(row.doc, account) || row.doc.blob().file_id() != file_id) continue;
      for (const auto& v : versions_[id]) {
        if (states_.count(v.id()) ||
            std::find(revisions.begin(), revisions.end(), v.blob().revision()) == revisions.end()) {
          continue;
        }
        Version marked = v;
        marked.set_state(::liveconnect::v1::VERSION_STATE_REVISION_EXPIRED);
        *marked.mutable_state_time() =
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(when));
        marked.set_state_reason(reason);
        states_[v.id()] = marked;
        AddEvent(account.owner, event(marked));
        out.push_back(std::move(marked));
      }
    }
    return out;
  }

 private:
  struct Row {
    Document doc;  // without etag
    int64_t version = 0;
  };

  static int64_t Micros(const google::protobuf::Timestamp& t) {
    return google::protobuf::util::TimeUtil::TimestampToMicroseconds(t);
  }
  static absl::Status NotFound(const std::string& id) {
    return absl::NotFoundError(absl::StrCat("document ", id, " not found"));
  }
  static bool Of(const Document& d, const AccountKey& a) {
    return d.owner() == a.owner && d.blob().provider() == a.provider &&
           d.blob().account() == a.account;
  }
  Document Stored(const std::string& id) {
    const Row& row = rows_.at(id);
    Document doc = row.doc;
    doc.set_etag(std::to_string(row.version));
    return doc;
  }
  void Write(const std::string& id, Document doc, absl::Time now, const MutationEffects& effects) {
    Row& row = rows_.at(id);
    *doc.mutable_modified_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
    doc.clear_etag();
    row.doc = std::move(doc);
    ++row.version;
    for (const auto& e : effects.events) AddEvent(row.doc.owner(), e);
  }
  // A stored snapshot with its state (AVAILABLE unless marked).
  Version WithState(const Version& v) const {
    auto it = states_.find(v.id());
    if (it != states_.end()) return it->second;
    Version out = v;
    out.set_state(::liveconnect::v1::VERSION_STATE_AVAILABLE);
    return out;
  }
  void AddEvent(const std::string& owner, HistoryEvent e) {
    e.set_id(static_cast<int64_t>(history_.size()) + 1);
    history_.emplace_back(owner, std::move(e));
  }

  std::mutex mu_;
  std::map<std::string, Row> rows_;                                         // by id
  std::map<std::pair<std::string, std::string>, std::string> idempotency_;  // (owner, key) -> id
  std::map<std::string, std::vector<Version>> versions_;
  std::map<std::string, Version> states_;  // version id -> the version as marked
  std::vector<std::pair<std::string, HistoryEvent>> history_;  // (owner, event), by id
};

}  // namespace lc::testing
