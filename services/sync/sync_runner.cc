#include "sync/sync_runner.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "runtime/log.h"
#include "runtime/proto_time.h"
#include "runtime/request_context.h"

namespace lc::sync {
namespace {

constexpr int kMaxFileIdsPerLookup = 1000;

enum class Phase { kStartCursor, kReconcile, kFeed, kDone };

// Runs fn(i) for i in [0, n) on up to `parallelism` threads; the first error
// wins (the others still finish, so nothing is left half-applied unseen).
absl::Status ParallelFor(size_t n, int parallelism, const std::function<absl::Status(size_t)>& fn) {
  if (n == 0) return absl::OkStatus();
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, parallelism)));
  std::atomic<size_t> next{0};
  std::mutex mu;
  absl::Status first;
  // Calls made by the workers belong to the run's request.
  const RequestContext request = CurrentRequest();
  auto worker = [&] {
    ScopedRequest scope(request);
    for (size_t i = next++; i < n; i = next++) {
      absl::Status s = fn(i);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok()) first = s;
      }
    }
  };
  if (threads == 1) {
    worker();
    return first;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return first;
}

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// An account-level refusal from the providers service: the credential needs
// reconnecting (FAILED_PRECONDITION) or the account is no longer connected
// (NOT_FOUND on an account call).
bool AccountLost(const absl::Status& s) {
  return absl::IsFailedPrecondition(s) || absl::IsNotFound(s) || absl::IsPermissionDenied(s);
}

}  // namespace

struct SyncRunner::Task {
  AccountKey key;
  Phase phase = Phase::kFeed;
  std::string cursor;          // the saved cursor
  std::string pending_cursor;  // start cursor taken, saved after reconciliation
  std::string reconcile_token;
  // Files reported live by the feed in this run (Dropbox deletions by path).
  std::set<std::string> seen_live;
  std::string error;
};

struct SyncRunner::RunState {
  std::mutex mu;
  RunCounters counters;
  std::atomic<int64_t> provider_calls{0};
  int64_t budget = 0;

  void CountCall() { provider_calls++; }
  bool BudgetLeft() const { return budget <= 0 || provider_calls.load() < budget; }
};

SyncRunner::SyncRunner(SyncStore& store, DocumentsClient& documents, CloudClient& cloud,
                       IndexClient* index, std::function<absl::Time()> now, SyncOptions options)
    : store_(store),
      documents_(documents),
      cloud_(cloud),
      index_(index),
      now_(std::move(now)),
      options_(std::move(options)) {}

SyncRunner::~SyncRunner() = default;

SyncTotals SyncRunner::totals() const {
  return SyncTotals{runs_.load(),
                    changes_seen_.load(),
                    changes_applied_.load(),
                    documents_updated_.load(),
                    provider_calls_.load(),
                    account_failures_.load(),
                    versions_expired_.load()};
}

absl::StatusOr<RunCounters> SyncRunner::Run(const std::optional<AccountKey>& only,
                                            const std::string& trigger, const ProgressFn& progress,
                                            bool reconcile) {
  // Which change feeds to read: the accounts documents reference.
  std::vector<std::pair<AccountKey, int64_t>> referenced;
  std::string token;
  do {
    auto page = documents_.ListReferencedAccounts(token);
    if (!page.ok()) {
      return absl::Status(page.status().code(),
                          absl::StrCat("repository: ", page.status().message()));
    }
    for (const auto& a : page->accounts()) {
      AccountKey key{a.user(), a.provider(), a.account()};
      if (only && !(key == *only)) continue;
      referenced.emplace_back(key, a.document_count());
    }
    token = page->next_page_token();
  } while (!token.empty());
  if (only && referenced.empty()) {
    return absl::NotFoundError(absl::StrCat("no document references account \"", only->account,
                                            "\" of ", only->provider, " for user \"", only->user,
                                            "\""));
  }
  if (auto s = store_.UpsertAccounts(referenced); !s.ok()) return s;
  auto run_id = store_.StartRun(options_.holder, trigger, now_());
  if (!run_id.ok()) return run_id.status();
  runs_++;

  RunState run;
  run.budget = options_.call_budget;

  // Lease what no other replica (and no other run of this process) holds.
  std::deque<std::unique_ptr<Task>> queue;
  int skipped = 0;
  for (const auto& [key, count] : referenced) {
    {
      std::lock_guard<std::mutex> lock(busy_mu_);
      if (busy_.count(key) > 0) {
        ++skipped;
        continue;
      }
      busy_.insert(key);
    }
    auto row = store_.AcquireLease(key, options_.holder, now_(), options_.lease_ttl);
    if (!row.ok() || !row->has_value()) {
      if (!row.ok()) {
        LogWarn("cannot lease an account",
                {{"account", key.ToString()}, {"error", row.status().ToString()}});
      }
      std::lock_guard<std::mutex> lock(busy_mu_);
      busy_.erase(key);
      ++skipped;
      continue;
    }
    auto task = std::make_unique<Task>();
    task->key = key;
    task->cursor = (*row)->cursor;
    const absl::Time now = now_();
    const bool reconcile_due =
        options_.reconcile_interval > absl::ZeroDuration() &&
        (!(*row)->reconciled_time || now - *(*row)->reconciled_time >= options_.reconcile_interval);
    if (!(*row)->pending_cursor.empty()) {
      // Resume the reconciliation an earlier run left (call budget).
      task->phase = Phase::kReconcile;
      task->pending_cursor = (*row)->pending_cursor;
      task->reconcile_token = (*row)->reconcile_token;
    } else {
      task->phase =
          task->cursor.empty() || reconcile_due || reconcile ? Phase::kStartCursor : Phase::kFeed;
    }
    queue.push_back(std::move(task));
  }
  run.counters.accounts_total = static_cast<int32_t>(queue.size());
  if (skipped > 0) {
    LogInfo("accounts left to other runs or replicas", {{"count", skipped}});
  }

  std::mutex queue_mu;
  std::mutex progress_mu;
  auto report = [&] {
    RunCounters snapshot;
    {
      std::lock_guard<std::mutex> lock(run.mu);
      run.counters.provider_calls = run.provider_calls.load();
      snapshot = run.counters;
    }
    std::lock_guard<std::mutex> lock(progress_mu);
    if (progress) progress(snapshot);
  };
  auto finish = [&](std::unique_ptr<Task> task) {
    absl::Status released = store_.ReleaseLease(task->key, options_.holder, now_(), task->error);
    if (!released.ok()) {
      LogWarn("cannot release a lease (it expires by itself)",
              {{"account", task->key.ToString()}, {"error", released.ToString()}});
    }
    {
      std::lock_guard<std::mutex> lock(busy_mu_);
      busy_.erase(task->key);
    }
    std::lock_guard<std::mutex> lock(run.mu);
    run.counters.accounts_done++;
    if (!task->error.empty()) {
      account_failures_++;
      run.counters.last_error = absl::StrCat(task->key.ToString(), ": ", task->error);
    }
  };
  report();

  // Round robin: a worker takes the account at the front, advances it by
  // one page and puts it at the back.
  auto worker = [&] {
    for (;;) {
      std::unique_ptr<Task> task;
      {
        std::lock_guard<std::mutex> lock(queue_mu);
        if (queue.empty()) return;
        task = std::move(queue.front());
        queue.pop_front();
      }
      absl::Status s;
      if (!run.BudgetLeft()) {
        LogInfo("call budget reached; the account continues on the next run",
                {{"account", task->key.ToString()}});
        task->phase = Phase::kDone;
      } else {
        s = store_.RenewLease(task->key, options_.holder, now_(), options_.lease_ttl);
        if (s.ok()) s = Step(*task, run);
      }
      if (!s.ok()) {
        task->error = s.ToString();
        LogWarn("account sync failed; its cursor stays where it was",
                {{"account", task->key.ToString()}, {"error", task->error}});
        task->phase = Phase::kDone;
      }
      if (task->phase == Phase::kDone) {
        finish(std::move(task));
      } else {
        std::lock_guard<std::mutex> lock(queue_mu);
        queue.push_back(std::move(task));
      }
      report();
    }
  };
  const int workers = std::max(1, std::min<int>(options_.workers, static_cast<int>(queue.size())));
  std::vector<std::thread> threads;
  const RequestContext request = CurrentRequest();
  for (int i = 1; i < workers; ++i) {
    threads.emplace_back([&worker, request] {
      ScopedRequest scope(request);
      worker();
    });
  }
  worker();
  for (auto& t : threads) t.join();

  RunCounters result;
  {
    std::lock_guard<std::mutex> lock(run.mu);
    run.counters.provider_calls = run.provider_calls.load();
    result = run.counters;
  }
  provider_calls_ += result.provider_calls;
  if (auto s = store_.FinishRun(*run_id, result, now_()); !s.ok()) {
    LogWarn("cannot record the run's end", {{"error", s.ToString()}});
  }
  LogInfo("sync run finished", {{"trigger", trigger},
                                {"accounts", result.accounts_total},
                                {"changes_seen", result.changes_seen},
                                {"changes_applied", result.changes_applied},
                                {"documents_updated", result.documents_updated},
                                {"provider_calls", result.provider_calls},
                                {"last_error", result.last_error}});
  return result;
}

absl::Status SyncRunner::Step(Task& task, RunState& run) {
  switch (task.phase) {
    case Phase::kStartCursor:
      return StartCursorStep(task, run);
    case Phase::kReconcile:
      return ReconcileStep(task, run);
    case Phase::kFeed:
      return FeedStep(task, run);
    case Phase::kDone:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status SyncRunner::StartCursorStep(Task& task, RunState& run) {
  // The cursor first, then the reconciliation: a change made while we
  // reconcile is in the feed after this cursor, so none falls between.
  run.CountCall();
  auto cursor = cloud_.GetStartCursor(task.key);
  if (!cursor.ok()) {
    if (AccountLost(cursor.status())) return MarkAccountLost(task, cursor.status());
    return cursor.status();
  }
  task.pending_cursor = *cursor;
  task.reconcile_token.clear();
  task.phase = Phase::kReconcile;
  return store_.SaveReconcileProgress(task.key, options_.holder, task.pending_cursor, "");
}

absl::Status SyncRunner::ReconcileStep(Task& task, RunState& run) {
  auto page = documents_.FindDocumentsByFiles(task.key, {}, options_.reconcile_page_size,
                                              task.reconcile_token);
  if (!page.ok()) return page.status();
  std::vector<std::string> ids;
  std::set<std::string> unique, versioned;
  for (const auto& doc : page->documents()) {
    if (unique.insert(doc.blob().file_id()).second) ids.push_back(doc.blob().file_id());
    if (doc.version_count() > 0) versioned.insert(doc.blob().file_id());
  }
  std::set<std::string> live;
  if (auto s = ApplyCurrentState(task, run, ids, &live); !s.ok()) return s;
  if (task.phase == Phase::kDone) return absl::OkStatus();  // the account was lost meanwhile
  // Revisions also expire with time, which no change feed reports.
  std::vector<std::string> check;
  for (const auto& id : ids) {
    if (versioned.count(id) > 0 && live.count(id) > 0) check.push_back(id);
  }
  CheckPinnedRevisionsOrWarn(task, run, check);
  task.reconcile_token = page->next_page_token();
  if (!task.reconcile_token.empty()) {
    // Progress survives a run that stops here (call budget, crash).
    return store_.SaveReconcileProgress(task.key, options_.holder, task.pending_cursor,
                                        task.reconcile_token);
  }
  // Every referenced file reconciled: the start cursor covers them.
  if (options_.before_cursor_save) options_.before_cursor_save(task.key);
  if (auto s = SaveCursor(task, task.pending_cursor, /*reconciled=*/true); !s.ok()) return s;
  task.phase = Phase::kFeed;
  return absl::OkStatus();
}

absl::Status SyncRunner::ApplyCurrentState(Task& task, RunState& run,
                                           const std::vector<std::string>& file_ids,
                                           std::set<std::string>* live) {
  std::vector<v1::ApplyFileChangeRequest> changes(file_ids.size());
  std::atomic<bool> account_lost{false};
  absl::Status lost_status;
  std::mutex lost_mu;
  absl::Status fetched = ParallelFor(file_ids.size(), options_.file_parallelism, [&](size_t i) {
    run.CountCall();
    auto file = cloud_.GetFile(task.key, file_ids[i]);
    v1::ApplyFileChangeRequest& c = changes[i];
    c.set_file_id(file_ids[i]);
    if (file.ok()) {
      if (file->trashed() || file->deleted()) {
        c.set_kind(v1::CHANGE_KIND_DELETED);
        c.set_reason(file->trashed() ? "the file was moved to the trash in the cloud"
                                     : "the file was deleted in the cloud");
      } else {
        c.set_kind(v1::CHANGE_KIND_MODIFIED);
        *c.mutable_metadata() = file->metadata();
        c.set_has_thumbnail(file->has_thumbnail());
      }
      return absl::OkStatus();
    }
    if (absl::IsNotFound(file.status())) {
      c.set_kind(v1::CHANGE_KIND_DELETED);
      c.set_reason(std::string(file.status().message()));
      return absl::OkStatus();
    }
    if (absl::IsPermissionDenied(file.status())) {
      c.set_kind(v1::CHANGE_KIND_ACCESS_LOST);
      c.set_reason(std::string(file.status().message()));
      return absl::OkStatus();
    }
    if (absl::IsFailedPrecondition(file.status())) {
      std::lock_guard<std::mutex> lock(lost_mu);
      account_lost = true;
      lost_status = file.status();
      return absl::OkStatus();
    }
    return file.status();
  });
  if (account_lost) return MarkAccountLost(task, lost_status);
  if (!fetched.ok()) return fetched;
  if (live != nullptr) {
    for (const auto& c : changes) {
      if (c.kind() == v1::CHANGE_KIND_MODIFIED) live->insert(c.file_id());
    }
  }
  return ApplyAll(task, run, changes);
}

absl::Status SyncRunner::CheckPinnedRevisions(Task& task, RunState& run,
                                              const std::vector<std::string>& file_ids) {
  // The pins still believed available, per file: one repository call per
  // 1000 files.
  std::map<std::string, std::set<std::string>> pins;
  for (size_t start = 0; start < file_ids.size(); start += kMaxFileIdsPerLookup) {
    std::vector<std::string> chunk(
        file_ids.begin() + static_cast<std::ptrdiff_t>(start),
        file_ids.begin() +
            static_cast<std::ptrdiff_t>(std::min(file_ids.size(), start + kMaxFileIdsPerLookup)));
    std::string token;
    do {
      auto page = documents_.ListPinnedRevisions(task.key, chunk, token);
      if (!page.ok()) {
        return absl::Status(page.status().code(), absl::StrCat("repository ListPinnedRevisions: ",
                                                               page.status().message()));
      }
      for (const auto& p : page->pins()) pins[p.file_id()].insert(p.revision());
      token = page->next_page_token();
    } while (!token.empty());
  }
  std::vector<std::pair<std::string, std::set<std::string>>> files(pins.begin(), pins.end());
  std::vector<std::vector<std::string>> gone(files.size());
  absl::Status checked = ParallelFor(files.size(), options_.file_parallelism, [&](size_t i) {
    auto revisions = GoneRevisions(task, run, files[i].first, files[i].second);
    if (!revisions.ok()) return revisions.status();
    gone[i] = *std::move(revisions);
    return absl::OkStatus();
  });
  // What was found is marked even when another file's check failed.
  const auto observed = ToProtoTimestamp(now_());
  int64_t expired = 0;
  absl::Status marked;
  for (size_t i = 0; i < files.size(); ++i) {
    if (gone[i].empty()) continue;
    v1::MarkRevisionsExpiredRequest req;
    req.set_user(task.key.user);
    req.set_provider(task.key.provider);
    req.set_account(task.key.account);
    req.set_file_id(files[i].first);
    for (const auto& r : gone[i]) req.add_revisions(r);
    req.set_reason(absl::StrCat(
        task.key.provider,
        " no longer has the revision (not in its revision list, and asking for it answers not "
        "found): its revision history dropped it. How long each provider keeps revisions is in "
        "GetCapabilities (pin_durability)."));
    *req.mutable_observed_time() = observed;
    auto resp = documents_.MarkRevisionsExpired(req);
    if (!resp.ok()) {
      if (marked.ok()) {
        marked = absl::Status(
            resp.status().code(),
            absl::StrCat("repository MarkRevisionsExpired: ", resp.status().message()));
      }
      continue;
    }
    expired += resp->expired_version_ids_size();
  }
  if (expired > 0) {
    LogInfo("versions whose pinned revision is gone marked REVISION_EXPIRED",
            {{"account", task.key.ToString()}, {"versions", expired}});
    std::lock_guard<std::mutex> lock(run.mu);
    run.counters.versions_expired += expired;
  }
  versions_expired_ += expired;
  if (!checked.ok()) return checked;
  return marked;
}

void SyncRunner::CheckPinnedRevisionsOrWarn(Task& task, RunState& run,
                                            const std::vector<std::string>& file_ids) {
  // Not a reason to hold the feed back: a version link that finds its
  // revision gone marks the version too, and the next reconciliation checks
  // again.
  if (auto s = CheckPinnedRevisions(task, run, file_ids); !s.ok()) {
    LogWarn("cannot check the versions' pinned revisions; the next reconciliation tries again",
            {{"account", task.key.ToString()}, {"error", s.ToString()}});
  }
}

absl::StatusOr<std::vector<std::string>> SyncRunner::GoneRevisions(
    Task& task, RunState& run, const std::string& file_id, const std::set<std::string>& pinned) {
  run.CountCall();
  auto listed = cloud_.ListRevisions(task.key, file_id);
  if (!listed.ok()) {
    // The file itself went away or out of reach since: that is the
    // document's state, which the change application handles.
    if (absl::IsNotFound(listed.status()) || absl::IsPermissionDenied(listed.status())) {
      return std::vector<std::string>{};
    }
    return listed.status();
  }
  std::set<std::string> live;
  for (const auto& r : *listed) live.insert(r.id());
  std::vector<std::string> gone;
  for (const auto& revision : pinned) {
    if (live.count(revision) > 0) continue;
    // Revision lists can be capped (Dropbox lists at most 100): only the
    // provider's own not-found for that revision proves it gone.
    run.CountCall();
    auto one = cloud_.GetRevision(task.key, file_id, revision);
    if (one.ok()) continue;
    if (!absl::IsNotFound(one.status())) return one.status();
    gone.push_back(revision);
  }
  return gone;
}

absl::Status SyncRunner::ApplyAll(Task& task, RunState& run,
                                  const std::vector<v1::ApplyFileChangeRequest>& changes) {
  std::mutex mu;
  std::set<std::string> updated_docs;
  std::vector<std::string> updated_files;
  const auto observed = ToProtoTimestamp(now_());
  absl::Status s = ParallelFor(changes.size(), options_.file_parallelism, [&](size_t i) {
    v1::ApplyFileChangeRequest req = changes[i];
    req.set_user(task.key.user);
    req.set_provider(task.key.provider);
    req.set_account(task.key.account);
    *req.mutable_observed_time() = observed;
    auto resp = documents_.ApplyFileChange(req);
    if (!resp.ok()) {
      return absl::Status(resp.status().code(),
                          absl::StrCat("repository ApplyFileChange: ", resp.status().message()));
    }
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& id : resp->updated_document_ids()) updated_docs.insert(id);
    if (!resp->updated_document_ids().empty()) updated_files.push_back(req.file_id());
    return absl::OkStatus();
  });
  {
    std::lock_guard<std::mutex> lock(run.mu);
    run.counters.changes_applied += static_cast<int64_t>(changes.size());
    run.counters.documents_updated += static_cast<int64_t>(updated_docs.size());
  }
  changes_applied_ += static_cast<int64_t>(changes.size());
  documents_updated_ += static_cast<int64_t>(updated_docs.size());
  if (!updated_docs.empty()) Reindex(task, updated_files, updated_docs);
  return s;
}

void SyncRunner::Reindex(Task& task, const std::vector<std::string>& file_ids,
                         const std::set<std::string>& document_ids) {
  if (index_ == nullptr) return;
  for (size_t start = 0; start < file_ids.size(); start += kMaxFileIdsPerLookup) {
    std::vector<std::string> chunk(
        file_ids.begin() + static_cast<std::ptrdiff_t>(start),
        file_ids.begin() +
            static_cast<std::ptrdiff_t>(std::min(file_ids.size(), start + kMaxFileIdsPerLookup)));
    std::string token;
    do {
      auto page = documents_.FindDocumentsByFiles(task.key, chunk, 500, token);
      if (!page.ok()) {
        LogWarn("cannot read synced documents to re-index them",
                {{"account", task.key.ToString()}, {"error", page.status().ToString()}});
        return;
      }
      for (const auto& doc : page->documents()) {
        if (document_ids.count(doc.id()) == 0 ||
            doc.fulltext_state() != v1::FULLTEXT_STATE_PENDING) {
          continue;
        }
        if (auto s = index_->Enqueue(doc, "synced"); !s.ok()) {
          LogWarn("cannot queue re-indexing; the document stays pending",
                  {{"document", doc.id()}, {"error", s.ToString()}});
        }
      }
      token = page->next_page_token();
    } while (!token.empty());
  }
}

absl::Status SyncRunner::FeedStep(Task& task, RunState& run) {
  run.CountCall();
  auto page = cloud_.ListChanges(task.key, task.cursor);
  if (!page.ok()) {
    if (AccountLost(page.status())) return MarkAccountLost(task, page.status());
    return page.status();
  }
  if (page->reset()) {
    // The provider expired the cursor: reconcile and take a new one.
    LogInfo("change cursor expired; reconciling", {{"account", task.key.ToString()}});
    task.phase = Phase::kStartCursor;
    return absl::OkStatus();
  }
  {
    std::lock_guard<std::mutex> lock(run.mu);
    run.counters.changes_seen += page->changes_size();
  }
  changes_seen_ += page->changes_size();

  // The latest state of each file in the page, in order of appearance.
  std::map<std::string, const v1::Change*> latest;
  std::vector<std::string> order;
  std::vector<std::string> deleted_paths;
  for (const auto& c : page->changes()) {
    if (c.file_id().empty()) {
      if (!c.deleted_path().empty()) deleted_paths.push_back(c.deleted_path());
      continue;
    }
    if (c.has_file() && c.file().kind() == v1::CLOUD_ITEM_KIND_FOLDER) continue;
    if (latest.emplace(c.file_id(), &c).second) {
      order.push_back(c.file_id());
    } else {
      latest[c.file_id()] = &c;
    }
  }
  // Which of them documents reference: one lookup per page (per 1000 ids).
  std::set<std::string> referenced;
  // Files with versions -> the revisions their documents store now.
  std::map<std::string, std::set<std::string>> versioned;
  for (size_t start = 0; start < order.size(); start += kMaxFileIdsPerLookup) {
    std::vector<std::string> chunk(
        order.begin() + static_cast<std::ptrdiff_t>(start),
        order.begin() +
            static_cast<std::ptrdiff_t>(std::min(order.size(), start + kMaxFileIdsPerLookup)));
    std::string token;
    do {
      auto docs = documents_.FindDocumentsByFiles(task.key, chunk, 500, token);
      if (!docs.ok()) return docs.status();
      for (const auto& d : docs->documents()) {
        referenced.insert(d.blob().file_id());
        if (d.version_count() > 0) {
          versioned[d.blob().file_id()].insert(d.blob_metadata().revision());
        }
      }
      token = docs->next_page_token();
    } while (!token.empty());
  }
  std::vector<v1::ApplyFileChangeRequest> changes;
  std::vector<std::string> refetch;
  std::set<std::string> live_in_page;
  // A new revision can push a pinned one out (count and plan limits).
  std::vector<std::string> check_pins;
  for (const auto& id : order) {
    const v1::Change& c = *latest[id];
    const bool gone = c.kind() == v1::CHANGE_KIND_DELETED ||
                      c.kind() == v1::CHANGE_KIND_ACCESS_LOST || c.file().trashed() ||
                      c.file().deleted();
    if (!gone) {
      live_in_page.insert(id);
      task.seen_live.insert(id);
    }
    if (referenced.count(id) == 0) continue;
    v1::ApplyFileChangeRequest req;
    req.set_file_id(id);
    if (c.kind() == v1::CHANGE_KIND_ACCESS_LOST) {
      req.set_kind(v1::CHANGE_KIND_ACCESS_LOST);
      req.set_reason("the account can no longer read the file");
    } else if (gone) {
      req.set_kind(v1::CHANGE_KIND_DELETED);
      req.set_reason(c.file().trashed() ? "the file was moved to the trash in the cloud"
                                        : "the file was deleted in the cloud");
    } else if (c.has_file() && c.file().has_metadata()) {
      req.set_kind(v1::CHANGE_KIND_MODIFIED);
      *req.mutable_metadata() = c.file().metadata();
      req.set_has_thumbnail(c.file().has_thumbnail());
      auto v = versioned.find(id);
      if (v != versioned.end() &&
          (v->second.size() > 1 || v->second.count(c.file().metadata().revision()) == 0)) {
        check_pins.push_back(id);
      }
    } else {
      refetch.push_back(id);  // the feed did not say what the file is now
      continue;
    }
    changes.push_back(std::move(req));
  }
  if (auto s = ApplyAll(task, run, changes); !s.ok()) return s;
  std::set<std::string> refetched_live;
  if (auto s = ApplyCurrentState(task, run, refetch, &refetched_live); !s.ok()) return s;
  if (task.phase == Phase::kDone) return absl::OkStatus();  // the account was lost meanwhile
  for (const auto& id : refetched_live) {
    if (versioned.count(id) > 0) check_pins.push_back(id);
  }
  CheckPinnedRevisionsOrWarn(task, run, check_pins);
  if (!deleted_paths.empty()) {
    if (auto s = ResolveDeletedPaths(task, run, deleted_paths, live_in_page); !s.ok()) return s;
  }
  if (task.phase == Phase::kDone) return absl::OkStatus();  // the account was lost meanwhile
  // Everything this page covers is applied: now the cursor may move.
  if (options_.before_cursor_save && !changes.empty()) options_.before_cursor_save(task.key);
  if (auto s = SaveCursor(task, page->next_cursor()); !s.ok()) return s;
  if (!page->has_more()) task.phase = Phase::kDone;
  return absl::OkStatus();
}

absl::Status SyncRunner::ResolveDeletedPaths(Task& task, RunState& run,
                                             const std::vector<std::string>& paths,
                                             const std::set<std::string>& live_in_page) {
  // Dropbox names a deletion by path only. Documents keep file ids and
  // names, not paths: check with the provider each referenced file whose
  // name is a vacated name and that the feed did not report alive.
  std::set<std::string> names;
  for (const auto& p : paths) names.insert(absl::AsciiStrToLower(Basename(p)));
  std::vector<std::string> candidates;
  std::set<std::string> unique;
  std::string token;
  do {
    auto page = documents_.FindDocumentsByFiles(task.key, {}, 500, token);
    if (!page.ok()) return page.status();
    for (const auto& d : page->documents()) {
      const std::string& id = d.blob().file_id();
      if (names.count(absl::AsciiStrToLower(d.blob_metadata().filename())) == 0) continue;
      if (live_in_page.count(id) > 0 || task.seen_live.count(id) > 0) continue;
      if (unique.insert(id).second) candidates.push_back(id);
    }
    token = page->next_page_token();
  } while (!token.empty());
  return ApplyCurrentState(task, run, candidates);
}

absl::Status SyncRunner::SaveCursor(Task& task, const std::string& cursor, bool reconciled) {
  if (auto s = store_.SaveCursor(task.key, options_.holder, cursor, now_(), reconciled); !s.ok()) {
    return s;
  }
  task.cursor = cursor;
  return absl::OkStatus();
}

absl::Status SyncRunner::MarkAccountLost(Task& task, const absl::Status& why) {
  // The account cannot be read at all (disconnected, credential revoked):
  // every document referencing it loses access, and the cursor is dropped
  // so that the first run after reconnecting reconciles every file.
  const std::string reason = absl::StrCat("the account can no longer be read: ", why.message());
  std::string token;
  std::set<std::string> done;
  do {
    auto page = documents_.FindDocumentsByFiles(task.key, {}, 500, token);
    if (!page.ok()) return page.status();
    std::vector<v1::ApplyFileChangeRequest> changes;
    for (const auto& d : page->documents()) {
      if (!done.insert(d.blob().file_id()).second) continue;
      v1::ApplyFileChangeRequest req;
      req.set_file_id(d.blob().file_id());
      req.set_kind(v1::CHANGE_KIND_ACCESS_LOST);
      req.set_reason(reason);
      changes.push_back(std::move(req));
    }
    RunState local;  // repository calls only: no provider budget involved
    if (auto s = ApplyAll(task, local, changes); !s.ok()) return s;
    token = page->next_page_token();
  } while (!token.empty());
  if (auto s = SaveCursor(task, ""); !s.ok()) return s;
  task.phase = Phase::kDone;
  task.error = reason;
  return absl::OkStatus();
}

}  // namespace lc::sync
