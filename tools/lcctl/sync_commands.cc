#include "sync_commands.h"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "liveconnect/v1/sync.grpc.pb.h"
#include "output.h"

namespace lc::lcctl {
namespace {

namespace v1 = ::liveconnect::v1;

FlagSpec HelpFlag() { return {"help", "", "show this help"}; }

std::unique_ptr<v1::SyncService::Stub> NewStub(RpcSession& session) {
  return v1::SyncService::NewStub(session.shared_channel());
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

absl::Status RunNow(RpcSession& session, const v1::RunNowRequest& req) {
  // A run outlives the per-call deadline: no deadline, only the token.
  auto ctx = session.NewCall();
  ctx->set_deadline(std::chrono::system_clock::time_point::max());
  auto reader = NewStub(session)->RunNow(ctx.get(), req);
  v1::SyncProgress progress, last;
  const bool tty = isatty(STDOUT_FILENO) != 0 && &session.out() == &std::cout;
  bool any = false;
  while (reader->Read(&progress)) {
    last = progress;
    any = true;
    if (tty) session.out() << "\r" << SyncProgressLine(progress) << std::flush;
  }
  if (tty && any) session.out() << "\n";
  if (auto s = FromGrpc(reader->Finish()); !s.ok()) return s;
  return session.Print(last, [&](std::ostream& out) {
    if (!tty) out << SyncProgressLine(last) << "\n";
    if (!last.last_error().empty()) out << "last error: " << last.last_error() << "\n";
  });
}

absl::Status RunStatus(RpcSession& session, const v1::GetSyncStatusRequest& req) {
  v1::SyncStatus resp;
  if (auto s = FromGrpc(NewStub(session)->GetStatus(session.NewCall().get(), req, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    KeyValueBlock block;
    block.Add("schedule", resp.schedule());
    block.Add("next run", resp.has_next_run() ? FormatTimestamp(resp.next_run()) : "-");
    block.Add("last run",
              resp.has_last_run_start()
                  ? absl::StrCat(FormatTimestamp(resp.last_run_start()), " to ",
                                 resp.has_last_run_end() ? FormatTimestamp(resp.last_run_end())
                                                         : "(running)")
                  : "never");
    if (resp.has_last_run()) block.Add("last run figures", SyncProgressLine(resp.last_run()));
    block.Add("max cursor age", absl::StrCat(resp.max_cursor_age_seconds(), " s"));
    const auto& t = resp.totals();
    block.Add("this replica",
              absl::StrCat(t.runs(), " runs, ", t.changes_seen(), " changes seen, ",
                           t.changes_applied(), " applied, ", t.documents_updated(),
                           " documents updated, ", t.provider_calls(), " provider calls, ",
                           t.account_failures(), " account failures"));
    block.Print(out);
    if (resp.accounts().empty()) {
      out << "\nno account is referenced by a document yet\n";
      return;
    }
    out << "\n";
    Table table(
        {"USER", "PROVIDER", "ACCOUNT", "DOCS", "LAST SYNC", "CURSOR AGE", "LEASE", "LAST ERROR"});
    for (const auto& a : resp.accounts()) {
      table.AddRow({a.user(), a.account().provider(), a.account().account(),
                    absl::StrCat(a.documents()),
                    a.has_last_sync_time() ? FormatTimestamp(a.last_sync_time()) : "never",
                    a.has_cursor() ? absl::StrCat(a.cursor_age_seconds(), " s") : "no cursor",
                    OrDash(a.lease_holder()), OrDash(a.last_error())});
    }
    table.Print(out);
  });
}

absl::StatusOr<v1::GetSyncStatusRequest> BuildStatusRequest(const ParsedArgs&) {
  return v1::GetSyncStatusRequest();
}

}  // namespace

absl::StatusOr<v1::RunNowRequest> BuildRunNowRequest(const ParsedArgs& args) {
  v1::RunNowRequest req;
  req.set_reconcile(args.Has("reconcile"));
  const bool any = args.Has("provider") || args.Has("account") || args.Has("user");
  if (!any) return req;
  for (const char* flag : {"provider", "account", "user"}) {
    if (!args.Has(flag) || args.Value(flag).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, ": one account is named by --provider, --account and --user together"));
    }
  }
  req.mutable_account()->set_provider(args.Value("provider"));
  req.mutable_account()->set_account(args.Value("account"));
  req.set_user(args.Value("user"));
  return req;
}

std::string SyncProgressLine(const v1::SyncProgress& p) {
  std::string line =
      absl::StrCat(p.accounts_done(), "/", p.accounts_total(), " accounts, ", p.changes_seen(),
                   " changes seen, ", p.changes_applied(), " applied, ", p.documents_updated(),
                   " documents updated, ", p.provider_calls(), " provider calls");
  if (p.versions_expired() > 0) {
    absl::StrAppend(&line, ", ", p.versions_expired(), " versions found REVISION_EXPIRED");
  }
  if (p.finished()) absl::StrAppend(&line, " (finished)");
  return line;
}

std::vector<Command> SyncCommands() {
  std::vector<Command> commands;
  commands.push_back(
      {"sync now",
       "Run a sync now (admin): every account, or the one named by --provider, --account and "
       "--user. Shows progress until the run ends. --reconcile checks every referenced file and "
       "every version's pinned revision now, not only when the daily reconciliation is due.",
       Service::kSync,
       {{{"provider", "P", "provider of the one account to sync"},
         {"account", "A", "the cloud account (email or id)"},
         {"user", "U", "the user who connected the account"},
         {"reconcile", "", "reconcile now (files and versions' pinned revisions)"},
         HelpFlag()},
        {}},
       Prepare(&BuildRunNowRequest, &RunNow)});
  commands.push_back({"sync status",
                      "The schedule, the last run and each account's cursor age, lease and last "
                      "error (admins: every account; users: their own).",
                      Service::kSync,
                      {{HelpFlag()}, {}},
                      Prepare(&BuildStatusRequest, &RunStatus)});
  return commands;
}

}  // namespace lc::lcctl
