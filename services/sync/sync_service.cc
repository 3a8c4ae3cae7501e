#include "sync/sync_service.h"

#include "absl/strings/str_cat.h"
#include "runtime/proto_time.h"

namespace lc::sync {
namespace {

v1::SyncProgress ToProgress(const RunCounters& c, bool finished) {
  v1::SyncProgress p;
  p.set_accounts_total(c.accounts_total);
  p.set_accounts_done(c.accounts_done);
  p.set_changes_seen(c.changes_seen);
  p.set_changes_applied(c.changes_applied);
  p.set_documents_updated(c.documents_updated);
  p.set_provider_calls(c.provider_calls);
  p.set_finished(finished);
  p.set_last_error(c.last_error);
  p.set_versions_expired(c.versions_expired);
  return p;
}

}  // namespace

SyncServiceImpl::SyncServiceImpl(SyncRunner& runner, SyncStore& store,
                                 const SyncScheduler& scheduler, const RpcEdge& edge,
                                 std::function<absl::Time()> now)
    : runner_(runner), store_(store), scheduler_(scheduler), edge_(edge), now_(std::move(now)) {}

grpc::Status SyncServiceImpl::RunNow(grpc::ServerContext* context, const v1::RunNowRequest* request,
                                     grpc::ServerWriter<v1::SyncProgress>* writer) {
  return edge_.Serve(context, "RunNow", Access::kAdmin, [&](const CallContext&) -> absl::Status {
    std::optional<AccountKey> only;
    if (request->has_account()) {
      const auto& a = request->account();
      if (a.provider().empty() || a.account().empty()) {
        return absl::InvalidArgumentError(
            "account: provider and account are both required when one account is named");
      }
      if (request->user().empty()) {
        return absl::InvalidArgumentError("user: required with account (the account's owner)");
      }
      only = AccountKey{request->user(), a.provider(), a.account()};
    } else if (!request->user().empty()) {
      return absl::InvalidArgumentError("user: only meaningful with account");
    }
    auto result = runner_.Run(
        only, "run-now",
        [&](const RunCounters& c) {
          if (!context->IsCancelled()) writer->Write(ToProgress(c, false));
        },
        request->reconcile());
    if (!result.ok()) return result.status();
    writer->Write(ToProgress(*result, true));
    return absl::OkStatus();
  });
}

grpc::Status SyncServiceImpl::GetStatus(grpc::ServerContext* context,
                                        const v1::GetSyncStatusRequest*, v1::SyncStatus* response) {
  return edge_.Serve(context, "GetStatus", Access::kUser,
                     [&](const CallContext& call) -> absl::Status {
                       auto status = Status(call.principal);
                       if (!status.ok()) return status.status();
                       *response = *std::move(status);
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::SyncStatus> SyncServiceImpl::Status(const Principal& who) {
  v1::SyncStatus out;
  const absl::Time now = now_();
  out.set_schedule(scheduler_.expression());
  if (absl::Time next = scheduler_.NextRun(); next != absl::InfiniteFuture()) {
    *out.mutable_next_run() = ToProtoTimestamp(next);
  }
  auto last = store_.LastRun();
  if (!last.ok()) return last.status();
  if (last->has_value()) {
    *out.mutable_last_run_start() = ToProtoTimestamp((*last)->started);
    if ((*last)->finished) *out.mutable_last_run_end() = ToProtoTimestamp(*(*last)->finished);
    *out.mutable_last_run() = ToProgress((*last)->counters, (*last)->finished.has_value());
  }
  auto rows = store_.ListAccounts(who.IsAdmin() ? "" : who.subject);
  if (!rows.ok()) return rows.status();
  int64_t max_age = 0;
  for (const auto& r : *rows) {
    auto* a = out.add_accounts();
    a->set_user(r.key.user);
    a->mutable_account()->set_provider(r.key.provider);
    a->mutable_account()->set_account(r.key.account);
    if (r.last_sync_time) *a->mutable_last_sync_time() = ToProtoTimestamp(*r.last_sync_time);
    if (r.cursor_time) {
      const int64_t age = std::max<int64_t>(0, absl::ToInt64Seconds(now - *r.cursor_time));
      a->set_cursor_age_seconds(age);
      max_age = std::max(max_age, age);
    }
    a->set_has_cursor(!r.cursor.empty());
    a->set_last_error(r.last_error);
    if (r.last_error_time) *a->mutable_last_error_time() = ToProtoTimestamp(*r.last_error_time);
    a->set_documents(r.documents);
    if (r.lease_expires && *r.lease_expires > now) a->set_lease_holder(r.lease_holder);
  }
  out.set_max_cursor_age_seconds(max_age);
  const SyncTotals t = runner_.totals();
  auto* totals = out.mutable_totals();
  totals->set_runs(t.runs);
  totals->set_changes_seen(t.changes_seen);
  totals->set_changes_applied(t.changes_applied);
  totals->set_documents_updated(t.documents_updated);
  totals->set_provider_calls(t.provider_calls);
  totals->set_account_failures(t.account_failures);
  return out;
}

}  // namespace lc::sync
