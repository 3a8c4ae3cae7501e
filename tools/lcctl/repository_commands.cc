#include "repository_commands.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "liveconnect/v1/repository.grpc.pb.h"
#include "oauth_commands.h"
#include "output.h"

namespace lc::lcctl {
namespace {

namespace v1 = ::liveconnect::v1;
using Stub = v1::RepositoryService::Stub;

const std::vector<std::pair<std::string, int>>& TypeChoices() {
  static const auto* choices = new std::vector<std::pair<std::string, int>>{
      {"file", v1::DOCUMENT_TYPE_FILE},
      {"picture", v1::DOCUMENT_TYPE_PICTURE},
      {"video", v1::DOCUMENT_TYPE_VIDEO},
      {"audio", v1::DOCUMENT_TYPE_AUDIO},
  };
  return *choices;
}

const std::vector<std::pair<std::string, int>>& LinkKindChoices() {
  static const auto* choices = new std::vector<std::pair<std::string, int>>{
      {"download", v1::LINK_KIND_DOWNLOAD}, {"preview", v1::LINK_KIND_PREVIEW},
      {"pdf", v1::LINK_KIND_PDF},           {"thumbnail", v1::LINK_KIND_THUMBNAIL},
      {"edit", v1::LINK_KIND_EDIT},         {"app", v1::LINK_KIND_APP},
  };
  return *choices;
}

constexpr char kTypeValues[] = "file|picture|video|audio";

FlagSpec HelpFlag() { return {"help", "", "show this help"}; }

std::string TypeLabel(v1::DocumentType type) {
  return EnumLabel(v1::DocumentType_Name(type), "DOCUMENT_TYPE_");
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string PropertiesText(const google::protobuf::Map<std::string, std::string>& properties) {
  std::map<std::string, std::string> sorted(properties.begin(), properties.end());
  return absl::StrJoin(sorted, "\n", absl::PairFormatter("="));
}

std::optional<int64_t> SizeOf(const v1::BlobMetadata& metadata) {
  if (!metadata.has_size()) return std::nullopt;
  return metadata.size();
}

std::string StateWithReason(const std::string& state, const std::string& reason) {
  return reason.empty() ? state : absl::StrCat(state, " (", reason, ")");
}

void PrintDocument(const v1::Document& doc, std::ostream& out) {
  KeyValueBlock block;
  block.Add("id", doc.id());
  block.Add("type", TypeLabel(doc.type()));
  block.Add("title", doc.title());
  if (!doc.description().empty()) block.Add("description", doc.description());
  block.Add("owner", OrDash(doc.owner()));
  block.Add("provider", OrDash(doc.blob().provider()));
  block.Add("account", OrDash(doc.blob().account()));
  block.Add("file id", OrDash(doc.blob().file_id()));
  block.Add("filename", OrDash(doc.blob_metadata().filename()));
  block.Add("mime type", OrDash(doc.blob_metadata().mime_type()));
  block.Add("size", FormatSize(SizeOf(doc.blob_metadata())));
  block.Add("revision", OrDash(doc.blob_metadata().revision()));
  block.Add("created", FormatTimestamp(doc.created_time()));
  block.Add("modified", FormatTimestamp(doc.modified_time()));
  block.Add("reference", StateWithReason(EnumLabel(v1::ReferenceState_Name(doc.reference_state()),
                                                   "REFERENCE_STATE_"),
                                         doc.reference_reason()));
  block.Add("thumbnail",
            EnumLabel(v1::ThumbnailState_Name(doc.thumbnail_state()), "THUMBNAIL_STATE_"));
  block.Add("fulltext", StateWithReason(EnumLabel(v1::FulltextState_Name(doc.fulltext_state()),
                                                  "FULLTEXT_STATE_"),
                                        doc.fulltext_reason()));
  block.Add("title locked", doc.title_locked() ? "yes" : "no");
  block.Add("versions", absl::StrCat(doc.version_count()));
  block.Add("etag", OrDash(doc.etag()));
  if (!doc.properties().empty()) block.Add("properties", PropertiesText(doc.properties()));
  block.Print(out);
}

void PrintDocumentTable(const google::protobuf::RepeatedPtrField<v1::Document>& docs,
                        std::ostream& out) {
  Table table({"ID", "TYPE", "TITLE", "PROVIDER", "SIZE", "MODIFIED", "STATE"});
  for (const v1::Document& doc : docs) {
    table.AddRow({doc.id(), TypeLabel(doc.type()), Truncate(doc.title(), 40),
                  OrDash(doc.blob().provider()), FormatSize(SizeOf(doc.blob_metadata())),
                  FormatTimestamp(doc.modified_time()),
                  EnumLabel(v1::ReferenceState_Name(doc.reference_state()), "REFERENCE_STATE_")});
  }
  table.Print(out);
}

void PrintVersion(const v1::Version& version, std::ostream& out) {
  KeyValueBlock block;
  block.Add("id", version.id());
  block.Add("document id", version.document_id());
  block.Add("number", absl::StrCat(version.number()));
  block.Add("label", OrDash(version.label()));
  if (!version.comment().empty()) block.Add("comment", version.comment());
  block.Add("created", FormatTimestamp(version.created_time()));
  block.Add("created by", OrDash(version.created_by()));
  block.Add("type", TypeLabel(version.type()));
  block.Add("title", version.title());
  if (!version.description().empty()) block.Add("description", version.description());
  block.Add("provider", OrDash(version.blob().provider()));
  block.Add("account", OrDash(version.blob().account()));
  block.Add("file id", OrDash(version.blob().file_id()));
  block.Add("revision", OrDash(version.blob().revision()));
  block.Add("state", EnumLabel(v1::VersionState_Name(version.state()), "VERSION_STATE_"));
  if (version.has_state_time()) block.Add("state since", FormatTimestamp(version.state_time()));
  if (!version.state_reason().empty()) block.Add("state reason", version.state_reason());
  block.Add("filename", OrDash(version.blob_metadata().filename()));
  block.Add("size", FormatSize(SizeOf(version.blob_metadata())));
  if (!version.properties().empty()) {
    block.Add("properties", PropertiesText(version.properties()));
  }
  block.Print(out);
}

void PrintVersionTable(const v1::ListVersionsResponse& response, std::ostream& out) {
  Table table({"ID", "NUMBER", "LABEL", "REVISION", "STATE", "CREATED", "CREATED BY"});
  for (const v1::Version& version : response.versions()) {
    table.AddRow({version.id(), absl::StrCat(version.number()), OrDash(version.label()),
                  OrDash(version.blob().revision()),
                  EnumLabel(v1::VersionState_Name(version.state()), "VERSION_STATE_"),
                  FormatTimestamp(version.created_time()), OrDash(version.created_by())});
  }
  table.Print(out);
}

void PrintHistoryTable(const v1::GetHistoryResponse& response, std::ostream& out) {
  Table table({"TIME", "KIND", "ACTOR", "SUMMARY"});
  for (const v1::HistoryEvent& event : response.events()) {
    std::string summary = event.summary();
    if (!event.version_id().empty()) {
      summary =
          absl::StrCat(summary, summary.empty() ? "" : " ", "(version ", event.version_id(), ")");
    }
    table.AddRow({FormatTimestamp(event.time()),
                  EnumLabel(v1::HistoryEventKind_Name(event.kind()), "HISTORY_EVENT_KIND_"),
                  OrDash(event.actor()), OrDash(summary)});
  }
  table.Print(out);
}

// The provider's link, and the gateway URL a browser signed in to the
// gateway can always open (it redirects, or streams what needs a token).
void PrintLink(const v1::Link& link, const v1::GetBlobLinkRequest& request, std::ostream& out) {
  KeyValueBlock block;
  const std::string kind = EnumLabel(v1::LinkKind_Name(link.kind()), "LINK_KIND_");
  block.Add("kind", kind);
  block.Add("url",
            link.requires_token()
                ? absl::StrCat(link.url(), " (needs the account's token: open the browser URL)")
                : link.url());
  block.Add("expires", link.has_expire_time() ? FormatTimestamp(link.expire_time()) : "never");
  if (link.kind() != v1::LINK_KIND_APP) {
    std::string path = absl::StrCat("/api/v1/documents/", request.document_id());
    if (!request.version_id().empty()) absl::StrAppend(&path, "/versions/", request.version_id());
    block.Add("browser", absl::StrCat(GatewayBaseUrl(), path, "/", kind));
  }
  block.Print(out);
}

// Calls fetch page by page and appends every page into all, whose
// next_page_token stays empty.
template <typename Response>
absl::Status FetchAllPages(
    const std::function<grpc::Status(const std::string& page_token, Response* page)>& fetch,
    Response* all) {
  std::string page_token;
  while (true) {
    Response page;
    if (absl::Status status = FromGrpc(fetch(page_token, &page)); !status.ok()) return status;
    std::string next = page.next_page_token();
    if (!next.empty() && next == page_token) {
      return absl::InternalError("the server returned the same page token again");
    }
    page.clear_next_page_token();
    all->MergeFrom(page);
    if (next.empty()) return absl::OkStatus();
    page_token = std::move(next);
  }
}

std::unique_ptr<Stub> NewStub(RpcSession& session) {
  return v1::RepositoryService::NewStub(session.shared_channel());
}

absl::Status RunCreateDocument(RpcSession& session, const v1::CreateDocumentRequest& request) {
  v1::Document doc;
  if (auto status =
          FromGrpc(NewStub(session)->CreateDocument(session.NewCall().get(), request, &doc));
      !status.ok()) {
    return status;
  }
  return session.Print(doc, [&](std::ostream& out) { PrintDocument(doc, out); });
}

absl::StatusOr<v1::GetDocumentRequest> BuildGetDocumentRequest(const ParsedArgs& args) {
  v1::GetDocumentRequest request;
  request.set_id(args.positionals()[0]);
  return request;
}

absl::Status RunGetDocument(RpcSession& session, const v1::GetDocumentRequest& request) {
  v1::Document doc;
  if (auto status = FromGrpc(NewStub(session)->GetDocument(session.NewCall().get(), request, &doc));
      !status.ok()) {
    return status;
  }
  return session.Print(doc, [&](std::ostream& out) { PrintDocument(doc, out); });
}

// --all-pages is no request field: the runner needs it beside the request.
struct ListDocumentsCall {
  v1::ListDocumentsRequest request;
  bool all_pages = false;
};

absl::Status RunListDocuments(RpcSession& session, const ListDocumentsCall& call) {
  auto stub = NewStub(session);
  v1::ListDocumentsResponse response;
  absl::Status status;
  if (call.all_pages) {
    status = FetchAllPages<v1::ListDocumentsResponse>(
        [&](const std::string& page_token, v1::ListDocumentsResponse* page) {
          v1::ListDocumentsRequest request = call.request;
          request.set_page_token(page_token);
          return stub->ListDocuments(session.NewCall().get(), request, page);
        },
        &response);
  } else {
    status = FromGrpc(stub->ListDocuments(session.NewCall().get(), call.request, &response));
  }
  if (!status.ok()) return status;
  return session.Print(response, [&](std::ostream& out) {
    PrintDocumentTable(response.documents(), out);
    if (!response.next_page_token().empty()) {
      out << "(more: --page-token " << response.next_page_token() << ", or --all-pages)\n";
    }
  });
}

absl::Status RunUpdateDocument(RpcSession& session, const v1::UpdateDocumentRequest& request) {
  v1::Document doc;
  if (auto status =
          FromGrpc(NewStub(session)->UpdateDocument(session.NewCall().get(), request, &doc));
      !status.ok()) {
    return status;
  }
  return session.Print(doc, [&](std::ostream& out) { PrintDocument(doc, out); });
}

absl::StatusOr<v1::DeleteDocumentRequest> BuildDeleteDocumentRequest(const ParsedArgs& args) {
  v1::DeleteDocumentRequest request;
  request.set_id(args.positionals()[0]);
  request.set_etag(args.Value("etag"));
  return request;
}

absl::Status RunDeleteDocument(RpcSession& session, const v1::DeleteDocumentRequest& request) {
  v1::DeleteDocumentResponse response;
  if (auto status =
          FromGrpc(NewStub(session)->DeleteDocument(session.NewCall().get(), request, &response));
      !status.ok()) {
    return status;
  }
  return session.Print(response,
                       [&](std::ostream& out) { out << "deleted " << request.id() << "\n"; });
}

absl::StatusOr<v1::CreateVersionRequest> BuildCreateVersionRequest(const ParsedArgs& args) {
  v1::CreateVersionRequest request;
  request.set_document_id(args.positionals()[0]);
  request.set_label(args.Value("label"));
  request.set_comment(args.Value("comment"));
  return request;
}

absl::Status RunCreateVersion(RpcSession& session, const v1::CreateVersionRequest& request) {
  v1::Version version;
  if (auto status =
          FromGrpc(NewStub(session)->CreateVersion(session.NewCall().get(), request, &version));
      !status.ok()) {
    return status;
  }
  return session.Print(version, [&](std::ostream& out) { PrintVersion(version, out); });
}

absl::StatusOr<v1::ListVersionsRequest> BuildListVersionsRequest(const ParsedArgs& args) {
  v1::ListVersionsRequest request;
  request.set_document_id(args.positionals()[0]);
  return request;
}

absl::Status RunListVersions(RpcSession& session, const v1::ListVersionsRequest& request) {
  auto stub = NewStub(session);
  v1::ListVersionsResponse response;
  if (auto status = FetchAllPages<v1::ListVersionsResponse>(
          [&](const std::string& page_token, v1::ListVersionsResponse* page) {
            v1::ListVersionsRequest paged = request;
            paged.set_page_token(page_token);
            return stub->ListVersions(session.NewCall().get(), paged, page);
          },
          &response);
      !status.ok()) {
    return status;
  }
  return session.Print(response, [&](std::ostream& out) { PrintVersionTable(response, out); });
}

absl::StatusOr<v1::GetVersionRequest> BuildGetVersionRequest(const ParsedArgs& args) {
  v1::GetVersionRequest request;
  request.set_document_id(args.positionals()[0]);
  request.set_version_id(args.positionals()[1]);
  return request;
}

absl::Status RunGetVersion(RpcSession& session, const v1::GetVersionRequest& request) {
  v1::Version version;
  if (auto status =
          FromGrpc(NewStub(session)->GetVersion(session.NewCall().get(), request, &version));
      !status.ok()) {
    return status;
  }
  return session.Print(version, [&](std::ostream& out) { PrintVersion(version, out); });
}

absl::StatusOr<v1::GetHistoryRequest> BuildGetHistoryRequest(const ParsedArgs& args) {
  v1::GetHistoryRequest request;
  request.set_document_id(args.positionals()[0]);
  return request;
}

absl::Status RunGetHistory(RpcSession& session, const v1::GetHistoryRequest& request) {
  auto stub = NewStub(session);
  v1::GetHistoryResponse response;
  if (auto status = FetchAllPages<v1::GetHistoryResponse>(
          [&](const std::string& page_token, v1::GetHistoryResponse* page) {
            v1::GetHistoryRequest paged = request;
            paged.set_page_token(page_token);
            return stub->GetHistory(session.NewCall().get(), paged, page);
          },
          &response);
      !status.ok()) {
    return status;
  }
  return session.Print(response, [&](std::ostream& out) { PrintHistoryTable(response, out); });
}

absl::Status RunGetBlobLink(RpcSession& session, const v1::GetBlobLinkRequest& request) {
  v1::Link link;
  if (auto status =
          FromGrpc(NewStub(session)->GetBlobLink(session.NewCall().get(), request, &link));
      !status.ok()) {
    return status;
  }
  return session.Print(link, [&](std::ostream& out) { PrintLink(link, request, out); });
}

}  // namespace

absl::StatusOr<v1::CreateDocumentRequest> BuildCreateDocumentRequest(const ParsedArgs& args) {
  v1::CreateDocumentRequest request;
  request.mutable_blob()->set_provider(args.Value("provider"));
  request.mutable_blob()->set_account(args.Value("account"));
  request.mutable_blob()->set_file_id(args.Value("file-id"));
  if (args.Has("type")) {
    absl::StatusOr<int> type = args.Choice("type", TypeChoices());
    if (!type.ok()) return type.status();
    request.set_type(static_cast<v1::DocumentType>(*type));
  }
  request.set_title(args.Value("title"));
  request.set_description(args.Value("description"));
  absl::StatusOr<std::map<std::string, std::string>> properties = args.KeyValues("prop");
  if (!properties.ok()) return properties.status();
  request.mutable_properties()->insert(properties->begin(), properties->end());
  request.set_request_id(args.Value("request-id"));

  if (args.Has("filename") || args.Has("mime") || args.Has("size") || args.Has("revision")) {
    v1::BlobMetadata* metadata = request.mutable_blob_metadata();
    metadata->set_filename(args.Value("filename"));
    metadata->set_mime_type(args.Value("mime"));
    metadata->set_revision(args.Value("revision"));
    if (args.Has("size")) {
      absl::StatusOr<int64_t> size = args.Int("size", 0, std::numeric_limits<int64_t>::max());
      if (!size.ok()) return size.status();
      metadata->set_size(*size);
    }
  }
  return request;
}

absl::StatusOr<v1::UpdateDocumentRequest> BuildUpdateDocumentRequest(const ParsedArgs& args) {
  v1::UpdateDocumentRequest request;
  v1::Document* doc = request.mutable_document();
  google::protobuf::FieldMask* mask = request.mutable_update_mask();
  doc->set_id(args.positionals()[0]);
  if (args.Has("title")) {
    doc->set_title(args.Value("title"));
    mask->add_paths("title");
  }
  if (args.Has("description")) {
    doc->set_description(args.Value("description"));
    mask->add_paths("description");
  }
  if (args.Has("prop") && args.Has("clear-props")) {
    return absl::InvalidArgumentError("--prop and --clear-props exclude each other");
  }
  if (args.Has("prop") || args.Has("clear-props")) {
    absl::StatusOr<std::map<std::string, std::string>> properties = args.KeyValues("prop");
    if (!properties.ok()) return properties.status();
    doc->mutable_properties()->insert(properties->begin(), properties->end());
    mask->add_paths("properties");
  }
  if (args.Has("type")) {
    absl::StatusOr<int> type = args.Choice("type", TypeChoices());
    if (!type.ok()) return type.status();
    doc->set_type(static_cast<v1::DocumentType>(*type));
    mask->add_paths("type");
  }
  if (mask->paths().empty()) {
    return absl::InvalidArgumentError(
        "nothing to update: give --title, --description, --prop, --clear-props or --type");
  }
  request.set_etag(args.Value("etag"));
  return request;
}

absl::StatusOr<v1::ListDocumentsRequest> BuildListDocumentsRequest(const ParsedArgs& args) {
  v1::ListDocumentsRequest request;
  if (args.Has("type")) {
    absl::StatusOr<int> type = args.Choice("type", TypeChoices());
    if (!type.ok()) return type.status();
    request.set_type(static_cast<v1::DocumentType>(*type));
  }
  request.set_provider(args.Value("provider"));
  if (args.Has("page-size")) {
    absl::StatusOr<int64_t> size = args.Int("page-size", 1, 500);
    if (!size.ok()) return size.status();
    request.set_page_size(static_cast<int32_t>(*size));
  }
  if (args.Has("page-token") && args.Has("all-pages")) {
    return absl::InvalidArgumentError("--page-token and --all-pages exclude each other");
  }
  request.set_page_token(args.Value("page-token"));
  request.set_all_users(args.Has("all-users"));
  return request;
}

absl::StatusOr<v1::GetBlobLinkRequest> BuildGetBlobLinkRequest(const ParsedArgs& args) {
  v1::GetBlobLinkRequest request;
  request.set_document_id(args.positionals()[0]);
  absl::StatusOr<int> kind = args.Choice("kind", LinkKindChoices());
  if (!kind.ok()) return kind.status();
  request.set_kind(static_cast<v1::LinkKind>(*kind));
  request.set_version_id(args.Value("version"));
  return request;
}

std::vector<Command> RepositoryCommands() {
  const FlagSpec type_flag{"type", kTypeValues, "document type"};
  const FlagSpec prop_flag{"prop", "k=v", "a property (repeatable)", false, true};
  std::vector<Command> commands;

  commands.push_back(
      {"docs create",
       "Create a document referencing a cloud file. The blob metadata flags are used as given "
       "only while\nthe repository runs without a providers service.",
       Service::kRepository,
       {{{"provider", "P", "provider name (googledrive, dropbox, box, onedrive, ...)", true},
         {"account", "A", "cloud account within the provider", true},
         {"file-id", "F", "the provider's file id", true},
         type_flag,
         {"title", "T", "title (default: the file name)"},
         {"description", "D", "description"},
         prop_flag,
         {"filename", "N", "blob metadata: file name"},
         {"mime", "M", "blob metadata: MIME type"},
         {"size", "S", "blob metadata: size in bytes"},
         {"revision", "R", "blob metadata: current revision"},
         {"request-id", "ID", "idempotency key: a retry with the same key creates nothing new"},
         HelpFlag()},
        {}},
       Prepare(&BuildCreateDocumentRequest, &RunCreateDocument)});

  commands.push_back({"docs get",
                      "Show one document.",
                      Service::kRepository,
                      {{HelpFlag()}, {"ID"}},
                      Prepare(&BuildGetDocumentRequest, &RunGetDocument)});

  commands.push_back(
      {"docs list",
       "List your documents, newest first.",
       Service::kRepository,
       {{{"type", kTypeValues, "only documents of this type"},
         {"provider", "P", "only documents referencing this provider"},
         {"page-size", "N", "documents per page, 1 to 500 (server default 50)"},
         {"page-token", "T", "continue from a previous page"},
         {"all-pages", "", "fetch every page"},
         {"all-users", "", "every user's documents (admins only)"},
         HelpFlag()},
        {}},
       [](const ParsedArgs& args) -> absl::StatusOr<Action> {
         absl::StatusOr<v1::ListDocumentsRequest> request = BuildListDocumentsRequest(args);
         if (!request.ok()) return request.status();
         ListDocumentsCall call{*std::move(request), args.Has("all-pages")};
         return Action([call](RpcSession& session) { return RunListDocuments(session, call); });
       }});

  commands.push_back(
      {"docs update",
       "Change a document. Only the fields whose flags are given change; --prop replaces the "
       "whole property map.",
       Service::kRepository,
       {{{"title", "T", "new title"},
         {"description", "D", "new description"},
         prop_flag,
         {"clear-props", "", "remove every property"},
         {"type", kTypeValues, "new document type"},
         {"etag", "E", "apply only if the document's etag still matches"},
         HelpFlag()},
        {"ID"}},
       Prepare(&BuildUpdateDocumentRequest, &RunUpdateDocument)});

  commands.push_back(
      {"docs delete",
       "Delete a document and its versions (the history keeps a DELETED entry).",
       Service::kRepository,
       {{{"etag", "E", "delete only if the document's etag still matches"}, HelpFlag()}, {"ID"}},
       Prepare(&BuildDeleteDocumentRequest, &RunDeleteDocument)});

  commands.push_back(
      {"versions create",
       "Snapshot a document's metadata and pin the blob's current revision.",
       Service::kRepository,
       {{{"label", "L", "label"}, {"comment", "C", "comment"}, HelpFlag()}, {"DOC_ID"}},
       Prepare(&BuildCreateVersionRequest, &RunCreateVersion)});

  commands.push_back({"versions list",
                      "List a document's versions, oldest first (every page).",
                      Service::kRepository,
                      {{HelpFlag()}, {"DOC_ID"}},
                      Prepare(&BuildListVersionsRequest, &RunListVersions)});

  commands.push_back({"versions get",
                      "Show one version.",
                      Service::kRepository,
                      {{HelpFlag()}, {"DOC_ID", "VERSION_ID"}},
                      Prepare(&BuildGetVersionRequest, &RunGetVersion)});

  commands.push_back({"history",
                      "Show a document's audit events, oldest first (every page).",
                      Service::kRepository,
                      {{HelpFlag()}, {"DOC_ID"}},
                      Prepare(&BuildGetHistoryRequest, &RunGetHistory)});

  commands.push_back({"link",
                      "Get a link to a document's file (or to one version's pinned revision).",
                      Service::kRepository,
                      {{{"kind", "download|preview|pdf|thumbnail|edit|app", "kind of link", true},
                        {"version", "V", "a version id: link to that version's revision"},
                        HelpFlag()},
                       {"DOC_ID"}},
                      Prepare(&BuildGetBlobLinkRequest, &RunGetBlobLink)});

  return commands;
}

}  // namespace lc::lcctl
