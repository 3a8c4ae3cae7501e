#include "providers_commands.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "liveconnect/v1/providers.grpc.pb.h"
#include "output.h"

namespace lc::lcctl {
namespace {

namespace v1 = ::liveconnect::v1;
using Stub = v1::ProviderService::Stub;

FlagSpec HelpFlag() { return {"help", "", "show this help"}; }
FlagSpec RevisionFlag() {
  return {"revision", "REV", "a pinned revision instead of the live file"};
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::unique_ptr<Stub> NewStub(RpcSession& session) {
  return v1::ProviderService::NewStub(session.shared_channel());
}

v1::BlobRef BlobFrom(const ParsedArgs& args) {
  v1::BlobRef blob;
  blob.set_provider(args.positionals()[0]);
  blob.set_account(args.positionals()[1]);
  blob.set_file_id(args.positionals()[2]);
  blob.set_revision(args.Value("revision"));
  return blob;
}

std::optional<int64_t> SizeOf(const v1::BlobMetadata& m) {
  return m.has_size() ? std::optional<int64_t>(m.size()) : std::nullopt;
}

void PrintFile(const v1::CloudFile& f, std::ostream& out) {
  KeyValueBlock block;
  block.Add("id", f.id());
  block.Add("name", f.name());
  block.Add("kind", EnumLabel(v1::CloudItemKind_Name(f.kind()), "CLOUD_ITEM_KIND_"));
  block.Add("mime type", OrDash(f.metadata().mime_type()));
  block.Add("size", FormatSize(SizeOf(f.metadata())));
  block.Add("digest",
            f.metadata().digest().empty()
                ? "-"
                : absl::StrCat(EnumLabel(v1::DigestAlgorithm_Name(f.metadata().digest_algorithm()),
                                         "DIGEST_ALGORITHM_"),
                               " ", f.metadata().digest()));
  block.Add("revision", OrDash(f.metadata().revision()));
  block.Add("modified", FormatTimestamp(f.metadata().modified_time()));
  block.Add("native document", f.metadata().native_document() ? "yes" : "no");
  block.Add("thumbnail", f.has_thumbnail() ? "yes" : "no");
  if (f.trashed()) block.Add("trashed", "yes");
  if (f.deleted()) block.Add("deleted", "yes");
  block.Print(out);
}

absl::Status RunBrowse(RpcSession& session, const v1::ListFolderRequest& request) {
  v1::ListFolderResponse resp;
  if (auto s = FromGrpc(NewStub(session)->ListFolder(session.NewCall().get(), request, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    if (resp.items().empty()) {
      out << "the folder is empty\n";
    } else {
      Table table({"KIND", "NAME", "SIZE", "MODIFIED", "ID"});
      for (const auto& f : resp.items()) {
        table.AddRow(
            {f.kind() == v1::CLOUD_ITEM_KIND_FOLDER ? "folder" : "file", Truncate(f.name(), 48),
             f.kind() == v1::CLOUD_ITEM_KIND_FOLDER ? "-" : FormatSize(SizeOf(f.metadata())),
             FormatTimestamp(f.metadata().modified_time()), f.id()});
      }
      table.Print(out);
    }
    if (!resp.next_page_token().empty()) {
      out << "more: add --page-token '" << resp.next_page_token() << "'\n";
    }
  });
}

absl::Status RunFileGet(RpcSession& session, const v1::GetFileRequest& request) {
  v1::CloudFile resp;
  if (auto s = FromGrpc(NewStub(session)->GetFile(session.NewCall().get(), request, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) { PrintFile(resp, out); });
}

absl::Status RunFileLink(RpcSession& session, const v1::GetLinkRequest& request) {
  v1::Link resp;
  if (auto s = FromGrpc(NewStub(session)->GetLink(session.NewCall().get(), request, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    out << resp.url() << "\n";
    if (resp.has_expire_time()) out << "expires " << FormatTimestamp(resp.expire_time()) << "\n";
    if (resp.requires_token()) {
      out << "this URL needs the account's token: fetch the bytes through the gateway\n";
    }
  });
}

absl::Status RunRevisions(RpcSession& session, const v1::ListRevisionsRequest& request) {
  v1::ListRevisionsResponse resp;
  if (auto s = FromGrpc(NewStub(session)->ListRevisions(session.NewCall().get(), request, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    Table table({"REVISION", "MODIFIED", "SIZE", "PINNED"});
    for (const auto& r : resp.revisions()) {
      table.AddRow({r.id(), FormatTimestamp(r.modified_time()),
                    FormatSize(r.has_size() ? std::optional<int64_t>(r.size()) : std::nullopt),
                    r.pinned() ? "yes" : "no"});
    }
    table.Print(out);
  });
}

absl::Status RunCapabilities(RpcSession& session, const v1::GetCapabilitiesRequest& request) {
  v1::GetCapabilitiesResponse resp;
  if (auto s = FromGrpc(NewStub(session)->GetCapabilities(session.NewCall().get(), request, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    Table table({"CAPABILITY", "SUPPORT", "NOTE"});
    for (const auto& c : resp.capabilities()) {
      table.AddRow({EnumLabel(v1::Capability_Name(c.capability()), "CAPABILITY_"),
                    EnumLabel(v1::CapabilitySupport_Name(c.support()), "CAPABILITY_SUPPORT_"),
                    OrDash(c.note())});
    }
    table.Print(out);
    out << "\npinned revisions: " << PinDurabilityLine(resp.pin_durability()) << "\n";
  });
}

absl::StatusOr<v1::GetCapabilitiesRequest> BuildCapabilities(const ParsedArgs& args) {
  v1::GetCapabilitiesRequest req;
  req.set_provider(args.positionals()[0]);
  return req;
}

absl::StatusOr<v1::GetFileRequest> BuildFileGet(const ParsedArgs& args) {
  v1::GetFileRequest req;
  *req.mutable_blob() = BlobFrom(args);
  req.set_no_cache(args.Has("fresh"));
  return req;
}

absl::StatusOr<v1::ListRevisionsRequest> BuildRevisions(const ParsedArgs& args) {
  v1::ListRevisionsRequest req;
  *req.mutable_blob() = BlobFrom(args);
  req.mutable_blob()->clear_revision();
  return req;
}

}  // namespace

absl::StatusOr<v1::ListFolderRequest> BuildBrowseRequest(const ParsedArgs& args) {
  v1::ListFolderRequest req;
  req.mutable_account()->set_provider(args.positionals()[0]);
  req.mutable_account()->set_account(args.positionals()[1]);
  if (args.positionals().size() > 2) req.set_folder_id(args.positionals()[2]);
  req.set_page_token(args.Value("page-token"));
  if (args.Has("page-size")) {
    absl::StatusOr<int64_t> size = args.Int("page-size", 1, 1000);
    if (!size.ok()) return size.status();
    req.set_page_size(static_cast<int32_t>(*size));
  }
  return req;
}

absl::StatusOr<v1::GetLinkRequest> BuildFileLinkRequest(const ParsedArgs& args) {
  v1::GetLinkRequest req;
  *req.mutable_blob() = BlobFrom(args);
  absl::StatusOr<int> kind = args.Choice("kind", {{"download", v1::LINK_KIND_DOWNLOAD},
                                                  {"preview", v1::LINK_KIND_PREVIEW},
                                                  {"pdf", v1::LINK_KIND_PDF},
                                                  {"thumbnail", v1::LINK_KIND_THUMBNAIL},
                                                  {"edit", v1::LINK_KIND_EDIT},
                                                  {"app", v1::LINK_KIND_APP}});
  if (!kind.ok()) return kind.status();
  req.set_kind(static_cast<v1::LinkKind>(*kind));
  return req;
}

std::string PinDurabilityLine(const v1::PinDurability& d) {
  std::string line;
  switch (d.kind()) {
    case v1::PIN_DURABILITY_KIND_FOREVER:
      line = "kept until the file is deleted";
      break;
    case v1::PIN_DURABILITY_KIND_DAYS:
      line = absl::StrCat("kept at least ", d.days(), " days after a newer revision");
      break;
    case v1::PIN_DURABILITY_KIND_VERSION_COUNT:
      line = absl::StrCat("kept while among the newest ", d.max_versions(), " versions");
      break;
    case v1::PIN_DURABILITY_KIND_PLAN_DEPENDENT:
      line = "depends on the account's plan";
      break;
    default:
      line = "unknown";
  }
  if (d.max_pinned_per_file() > 0) {
    absl::StrAppend(&line, " (at most ", d.max_pinned_per_file(), " pinned per file)");
  }
  if (!d.note().empty()) absl::StrAppend(&line, ". ", d.note());
  return line;
}

std::vector<Command> ProvidersCommands() {
  std::vector<Command> commands;
  commands.push_back({"browse",
                      "List a folder of a connected cloud account (the root without FOLDER_ID).",
                      Service::kProviders,
                      {{{"page-token", "T", "continue from a previous page"},
                        {"page-size", "N", "items per page (1-1000)"},
                        HelpFlag()},
                       {"PROVIDER", "ACCOUNT"},
                       {"FOLDER_ID"}},
                      Prepare(&BuildBrowseRequest, &RunBrowse)});
  commands.push_back(
      {"file get",
       "Show a cloud file's metadata as the provider reports it.",
       Service::kProviders,
       {{RevisionFlag(), {"fresh", "", "bypass the short metadata cache"}, HelpFlag()},
        {"PROVIDER", "ACCOUNT", "FILE_ID"}},
       Prepare(&BuildFileGet, &RunFileGet)});
  commands.push_back(
      {"file link",
       "Print a link to a cloud file: download, preview, pdf, thumbnail, edit or app. Never "
       "creates a public share.",
       Service::kProviders,
       {{{"kind", "K", "download|preview|pdf|thumbnail|edit|app", /*required=*/true},
         RevisionFlag(),
         HelpFlag()},
        {"PROVIDER", "ACCOUNT", "FILE_ID"}},
       Prepare(&BuildFileLinkRequest, &RunFileLink)});
  commands.push_back({"capabilities",
                      "What a provider offers natively, what Live Connect adds, and how long the "
                      "provider keeps a version's pinned revision.",
                      Service::kProviders,
                      {{HelpFlag()}, {"PROVIDER"}},
                      Prepare(&BuildCapabilities, &RunCapabilities)});
  commands.push_back({"revisions list",
                      "List a cloud file's revisions, oldest first.",
                      Service::kProviders,
                      {{HelpFlag()}, {"PROVIDER", "ACCOUNT", "FILE_ID"}},
                      Prepare(&BuildRevisions, &RunRevisions)});
  return commands;
}

}  // namespace lc::lcctl
