#include "indexer_commands.h"

#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "output.h"
#include "runtime/proto_time.h"

namespace lc::lcctl {
namespace {

namespace v1 = ::liveconnect::v1;

FlagSpec HelpFlag() { return {"help", "", "show this help"}; }

std::unique_ptr<v1::IndexerService::Stub> NewStub(RpcSession& session) {
  return v1::IndexerService::NewStub(session.shared_channel());
}

std::vector<FlagSpec> FilterFlags() {
  return {{"type", "T", "file, picture, video or audio (repeatable)", false, true},
          {"provider", "P", "googledrive, dropbox, box, onedrive... (repeatable)", false, true},
          {"mime", "M", "MIME type (repeatable)", false, true},
          {"after", "TIME", "modified at or after (RFC 3339 or YYYY-MM-DD)"},
          {"before", "TIME", "modified before (RFC 3339 or YYYY-MM-DD)"}};
}

absl::Status ParseTime(const std::string& flag, const std::string& text,
                       google::protobuf::Timestamp* out) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err) ||
      absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) {
    *out = ToProtoTimestamp(t);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": invalid time \"", text, "\" (want RFC 3339 or YYYY-MM-DD)"));
}

absl::Status BuildFilter(const ParsedArgs& args, v1::SearchFilter* f) {
  for (const std::string& t : args.Values("type")) {
    const std::vector<std::pair<std::string, int>> types = {{"file", v1::DOCUMENT_TYPE_FILE},
                                                            {"picture", v1::DOCUMENT_TYPE_PICTURE},
                                                            {"video", v1::DOCUMENT_TYPE_VIDEO},
                                                            {"audio", v1::DOCUMENT_TYPE_AUDIO}};
    bool found = false;
    for (const auto& [name, value] : types) {
      if (t == name) {
        f->add_types(static_cast<v1::DocumentType>(value));
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat("--type: invalid value \"", t, "\" (want file, picture, video or audio)"));
    }
  }
  for (const std::string& p : args.Values("provider")) f->add_providers(p);
  for (const std::string& m : args.Values("mime")) f->add_mime_types(m);
  if (args.Has("after")) {
    if (auto s = ParseTime("after", args.Value("after"), f->mutable_modified_after()); !s.ok()) {
      return s;
    }
  }
  if (args.Has("before")) {
    if (auto s = ParseTime("before", args.Value("before"), f->mutable_modified_before()); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

std::string StateLabel(v1::FulltextState state) {
  return EnumLabel(v1::FulltextState_Name(state), "FULLTEXT_STATE_");
}

absl::Status RunSearch(RpcSession& session, const v1::SearchRequest& req) {
  v1::SearchResponse resp;
  if (auto s = FromGrpc(NewStub(session)->Search(session.NewCall().get(), req, &resp)); !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    out << (resp.total_is_estimate() ? "about " : "") << resp.total_count()
        << (resp.total_count() == 1 ? " match" : " matches") << "\n";
    for (const auto& h : resp.hits()) {
      out << "\n" << h.title() << "  (" << h.document_id() << ")\n";
      out << "  " << h.provider() << "  " << h.mime_type() << "  "
          << FormatTimestamp(h.modified_time()) << "\n";
      if (!h.snippet().empty()) out << "  " << h.snippet() << "\n";
    }
    if (!resp.next_page_token().empty()) {
      out << "\nmore: --page-token " << resp.next_page_token() << "\n";
    }
  });
}

absl::Status RunStatus(RpcSession& session, const v1::IndexStatusRequest& req) {
  v1::IndexStatusResponse resp;
  if (auto s = FromGrpc(NewStub(session)->IndexStatus(session.NewCall().get(), req, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    KeyValueBlock block;
    if (!req.document_id().empty()) {
      block.Add("document", req.document_id());
      block.Add("state", StateLabel(resp.document_state()));
      if (!resp.document_reason().empty()) block.Add("reason", resp.document_reason());
      if (resp.document_attempts() > 0) {
        block.Add("attempts", std::to_string(resp.document_attempts()));
      }
      if (!resp.document_last_error().empty()) block.Add("last error", resp.document_last_error());
    }
    block.Add("pending jobs", std::to_string(resp.pending_jobs()));
    block.Add("running jobs", std::to_string(resp.running_jobs()));
    block.Add("dead jobs", std::to_string(resp.dead_jobs()));
    block.Add("indexed", std::to_string(resp.indexed_documents()));
    block.Add("metadata only", std::to_string(resp.metadata_only_documents()));
    block.Print(out);
    if (!resp.dead_letters().empty()) {
      out << "\n";
      Table table({"JOB", "DOCUMENT", "ATTEMPTS", "FAILED", "LAST ERROR"});
      for (const auto& d : resp.dead_letters()) {
        table.AddRow({std::to_string(d.job_id()), d.document_id(), std::to_string(d.attempts()),
                      FormatTimestamp(d.failed_time()), Truncate(d.last_error(), 60)});
      }
      table.Print(out);
    }
  });
}

absl::Status RunReindex(RpcSession& session, const v1::ReindexRequest& req) {
  // A reindex outlives the per-call deadline: no deadline, only the token.
  auto ctx = session.NewCall();
  ctx->set_deadline(std::chrono::system_clock::time_point::max());
  auto reader = NewStub(session)->Reindex(ctx.get(), req);
  v1::ReindexProgress progress, last;
  const bool tty = isatty(STDOUT_FILENO) != 0 && &session.out() == &std::cout;
  bool any = false;
  while (reader->Read(&progress)) {
    last = progress;
    any = true;
    std::string line = ProgressBar(progress, 30);
    if (tty) {
      session.out() << "\r" << line << std::flush;
    } else if (progress.finished()) {
      session.out() << line;
    }
  }
  if (tty && any) session.out() << "\n";
  if (auto s = FromGrpc(reader->Finish()); !s.ok()) return s;
  if (!tty) {
    return session.Print(last, [&](std::ostream& out) {
      if (any) out << "\n";
    });
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::IndexStatusRequest> BuildStatus(const ParsedArgs& args) {
  v1::IndexStatusRequest req;
  if (!args.positionals().empty()) req.set_document_id(args.positionals()[0]);
  return req;
}

}  // namespace

absl::StatusOr<v1::SearchRequest> BuildSearchRequest(const ParsedArgs& args) {
  v1::SearchRequest req;
  req.set_query(args.positionals()[0]);
  if (auto s = BuildFilter(args, req.mutable_filter()); !s.ok()) return s;
  if (args.Has("order")) {
    auto order = args.Choice("order", {{"relevance", v1::SEARCH_ORDER_RELEVANCE},
                                       {"date", v1::SEARCH_ORDER_MODIFIED_DESC}});
    if (!order.ok()) return order.status();
    req.set_order(static_cast<v1::SearchOrder>(*order));
  }
  if (args.Has("page-size")) {
    auto size = args.Int("page-size", 1, 100);
    if (!size.ok()) return size.status();
    req.set_page_size(static_cast<int32_t>(*size));
  }
  req.set_page_token(args.Value("page-token"));
  return req;
}

absl::StatusOr<v1::ReindexRequest> BuildReindexRequest(const ParsedArgs& args) {
  v1::ReindexRequest req;
  if (auto s = BuildFilter(args, req.mutable_filter()); !s.ok()) return s;
  return req;
}

std::string ProgressBar(const v1::ReindexProgress& p, int width) {
  const int64_t total = p.queued();
  const int64_t settled = p.done() + p.failed();
  const int filled =
      total == 0 ? width : static_cast<int>(static_cast<double>(settled) / total * width);
  std::string bar = absl::StrCat("[", std::string(filled, '#'), std::string(width - filled, '-'),
                                 "] ", settled, "/", total, " done");
  if (p.failed() > 0) absl::StrAppend(&bar, ", ", p.failed(), " failed");
  if (p.finished()) absl::StrAppend(&bar, total == 0 ? " (nothing to reindex)" : " (finished)");
  return bar;
}

std::vector<Command> IndexerCommands() {
  std::vector<Command> commands;
  std::vector<FlagSpec> search_flags = FilterFlags();
  search_flags.push_back({"order", "O", "relevance (default) or date"});
  search_flags.push_back({"page-size", "N", "hits per page, 1 to 100 (default 20)"});
  search_flags.push_back({"page-token", "T", "the token printed after a page"});
  search_flags.push_back(HelpFlag());
  commands.push_back(
      {"search",
       "Full-text search over your documents (admins: all). QUERY is web-search syntax: words, "
       "\"phrases\", OR, -exclusion.",
       Service::kIndexer,
       {search_flags, {"QUERY"}},
       Prepare(&BuildSearchRequest, &RunSearch)});
  std::vector<FlagSpec> reindex_flags = FilterFlags();
  reindex_flags.push_back(HelpFlag());
  commands.push_back({"reindex",
                      "Re-index every indexed document, or those matching the filters (admin). "
                      "Shows a progress bar until done.",
                      Service::kIndexer,
                      {reindex_flags, {}},
                      Prepare(&BuildReindexRequest, &RunReindex)});
  commands.push_back({"index status",
                      "Queue and index figures; with DOC_ID, that document's state and reason.",
                      Service::kIndexer,
                      {{HelpFlag()}, {}, {"DOC_ID"}},
                      Prepare(&BuildStatus, &RunStatus)});
  return commands;
}

}  // namespace lc::lcctl
