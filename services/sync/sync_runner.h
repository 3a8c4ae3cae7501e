// One sync run: for each account that documents reference, lease it, read
// its change feed from the saved cursor (or take a start cursor and
// reconcile the referenced files first), apply the changes to referenced
// files through the repository, and save the cursor only after the changes
// it covers are applied. Accounts advance one page at a time in turn (fair
// order), a few at once, within a per-run budget of provider calls.
// Versions' pinned revisions are checked against the provider's revision
// list when their file is reconciled or gets a new revision; the ones the
// provider dropped become REVISION_EXPIRED.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sync/clients.h"
#include "sync/sync_store.h"

namespace lc::sync {

struct SyncOptions {
  // This replica's lease holder id.
  std::string holder;
  absl::Duration lease_ttl = absl::Minutes(2);
  // Provider calls one run may make (0: no limit). A page in progress is
  // finished; the accounts left continue on the next run from their cursor.
  int64_t call_budget = 0;
  // Accounts synced at the same time.
  int workers = 4;
  // Files fetched and applied at the same time within one page.
  int file_parallelism = 8;
  // A full reconciliation at least this often per account (0: only on the
  // first run and on an expired cursor), for feeds that can drop events
  // without saying so (Box clamps an expired stream position).
  absl::Duration reconcile_interval = absl::Hours(24);
  // Documents per reconciliation batch.
  int reconcile_page_size = 200;
  // Debug: runs after a page's changes are applied, just before its cursor
  // is saved (tests make the process stop here to crash it).
  std::function<void(const AccountKey&)> before_cursor_save;
};

// Totals since the process started (the service's metrics).
struct SyncTotals {
  int64_t runs = 0;
  int64_t changes_seen = 0;
  int64_t changes_applied = 0;
  int64_t documents_updated = 0;
  int64_t provider_calls = 0;
  int64_t account_failures = 0;
  int64_t versions_expired = 0;
};

class SyncRunner {
 public:
  using ProgressFn = std::function<void(const RunCounters&)>;

  // index may be null (re-indexing is then left to the repository).
  SyncRunner(SyncStore& store, DocumentsClient& documents, CloudClient& cloud, IndexClient* index,
             std::function<absl::Time()> now, SyncOptions options);
  ~SyncRunner();

  // Syncs every referenced account (or only `only`). Accounts leased by
  // another replica are left to it. progress is called after every page,
  // from one thread at a time. NOT_FOUND when `only` is referenced by no
  // document. With `reconcile`, every account is reconciled now, due or not.
  absl::StatusOr<RunCounters> Run(const std::optional<AccountKey>& only, const std::string& trigger,
                                  const ProgressFn& progress, bool reconcile = false);

  SyncTotals totals() const;
  const SyncOptions& options() const { return options_; }

 private:
  struct Task;
  struct RunState;

  absl::Status Step(Task& task, RunState& run);
  absl::Status StartCursorStep(Task& task, RunState& run);
  absl::Status ReconcileStep(Task& task, RunState& run);
  absl::Status FeedStep(Task& task, RunState& run);
  absl::Status SaveCursor(Task& task, const std::string& cursor, bool reconciled = false);
  // Fetches each file and applies what the provider says now; `live`
  // (optional) receives the ids of the files that are still there.
  absl::Status ApplyCurrentState(Task& task, RunState& run,
                                 const std::vector<std::string>& file_ids,
                                 std::set<std::string>* live = nullptr);
  // Checks the pinned revisions of the versions of these (live) files: one
  // revision list per file, then a direct request for each pin the list
  // lacks (a list can be capped); marks the gone ones REVISION_EXPIRED.
  absl::Status CheckPinnedRevisions(Task& task, RunState& run,
                                    const std::vector<std::string>& file_ids);
  void CheckPinnedRevisionsOrWarn(Task& task, RunState& run,
                                  const std::vector<std::string>& file_ids);
  // Which revisions of one file the provider no longer has, of `pinned`.
  absl::StatusOr<std::vector<std::string>> GoneRevisions(Task& task, RunState& run,
                                                         const std::string& file_id,
                                                         const std::set<std::string>& pinned);
  absl::Status ApplyAll(Task& task, RunState& run,
                        const std::vector<v1::ApplyFileChangeRequest>& changes);
  absl::Status ResolveDeletedPaths(Task& task, RunState& run, const std::vector<std::string>& paths,
                                   const std::set<std::string>& live_in_page);
  absl::Status MarkAccountLost(Task& task, const absl::Status& why);
  void Reindex(Task& task, const std::vector<std::string>& file_ids,
               const std::set<std::string>& document_ids);

  SyncStore& store_;
  DocumentsClient& documents_;
  CloudClient& cloud_;
  IndexClient* index_;
  std::function<absl::Time()> now_;
  SyncOptions options_;

  // Accounts this process is syncing right now (two runs of one process
  // share a holder id, so the lease alone cannot tell them apart).
  std::mutex busy_mu_;
  std::set<AccountKey> busy_;

  std::atomic<int64_t> runs_{0}, changes_seen_{0}, changes_applied_{0}, documents_updated_{0},
      provider_calls_{0}, account_failures_{0}, versions_expired_{0};
};

}  // namespace lc::sync
