#include "providers/onedrive_adapter.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lc::providers {
namespace {

std::string ItemUrl(const ApiSession& s, const std::string& id) {
  return absl::StrCat(s.base_url(), "/v1.0/me/drive/items/", PercentEncode(id));
}

absl::Status GraphError(const std::string& provider, const HttpResponse& r, std::string_view what) {
  json j = json::parse(r.body, nullptr, false);
  const json& err = Member(j, "error");
  const std::string code = Str(err, "code");
  const std::string message = Str(err, "message");
  if (r.status == 404) {
    return absl::NotFoundError(absl::StrCat(provider, " ", std::string(what),
                                            ": the item does not exist or this account lost "
                                            "access (",
                                            code, ")"));
  }
  if (r.status == 403 && code == "accessDenied") {
    return absl::PermissionDeniedError(
        absl::StrCat(provider, " ", std::string(what), ": ", message));
  }
  if (r.status == 406) {
    return absl::FailedPreconditionError(
        absl::StrCat(provider, " ", std::string(what), ": ", message));
  }
  return HttpError(provider, what, r.status, code.empty() ? message : code + ": " + message);
}

// Graph links are followed with the account's token: they must point at the
// API the token belongs to, never anywhere a caller-supplied cursor says.
absl::Status CheckApiLink(const ApiSession& s, const std::string& link) {
  const std::string prefix = absl::StrCat(s.base_url(), "/v1.0/");
  if (!absl::StartsWith(link, prefix)) {
    return absl::InvalidArgumentError("the page token or cursor is not one this service issued");
  }
  return absl::OkStatus();
}

absl::Status CheckId(std::string_view id) {
  if (id.empty() || id.find_first_of("/?#:%") != std::string_view::npos) {
    return absl::InvalidArgumentError("a OneDrive item id has no '/', '?', '#', ':' or '%'");
  }
  return absl::OkStatus();
}

// Follows a 302 content answer to the short-lived URL it names.
absl::StatusOr<std::string> Redirect(const std::string& provider, ApiSession& s,
                                     const std::string& url, std::string_view what) {
  HttpRequest req;
  req.url = url;
  auto r = s.Send(std::move(req));
  if (!r.ok()) return r.status();
  if ((r->status == 302 || r->status == 301) && !r->Header("location").empty()) {
    return r->Header("location");
  }
  if (!Ok(*r)) return GraphError(provider, *r, what);
  return absl::UnavailableError(absl::StrCat(provider, " ", std::string(what), ": no redirect"));
}

// The lower-case extension of a file name, "" when it has none.
std::string Extension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return "";
  return absl::AsciiStrToLower(std::string(name.substr(dot + 1)));
}

// The source formats content?format=pdf converts: those both Microsoft
// pages name (Graph v1.0 "Download a file in another format" and the OneDrive
// dev center's), without csv, which Graph answers 406 notSupported in
// practice. Anything else is refused with 406 (tools/cloud-emulator/README.md).
constexpr const char* kPdfSources[] = {"doc",  "docx", "odp",  "ods", "odt", "pps",
                                       "ppsx", "ppt",  "pptx", "rtf", "xls", "xlsx"};

bool ConvertsToPdf(std::string_view name) {
  const std::string ext = Extension(name);
  return std::any_of(std::begin(kPdfSources), std::end(kPdfSources),
                     [&](const char* source) { return ext == source; });
}

bool IsPdf(std::string_view name, std::string_view mime) {
  return mime == "application/pdf" || Extension(name) == "pdf";
}

absl::Status NoPdf(const std::string& provider, std::string_view name) {
  return absl::FailedPreconditionError(
      absl::StrCat(provider, " converts only ", absl::StrJoin(kPdfSources, ", "),
                   " files to PDF; \"", std::string(name), "\" is none of them"));
}

}  // namespace

namespace graph {

v1::CloudFile ParseItem(const json& item) {
  v1::CloudFile out;
  out.set_id(Str(item, "id"));
  out.set_name(Str(item, "name"));
  const bool folder = Member(item, "folder").is_object() || Member(item, "root").is_object();
  out.set_kind(folder ? v1::CLOUD_ITEM_KIND_FOLDER : v1::CLOUD_ITEM_KIND_FILE);
  out.set_deleted(Member(item, "deleted").is_object());
  if (std::string parent = Str(Member(item, "parentReference"), "id"); !parent.empty()) {
    out.add_parent_ids(parent);
  }
  v1::BlobMetadata* m = out.mutable_metadata();
  m->set_filename(out.name());
  SetTimestamp(Str(item, "lastModifiedDateTime"), m->mutable_modified_time());
  if (folder) {
    m->set_mime_type("application/vnd.microsoft.folder");
    return out;
  }
  const json& file = Member(item, "file");
  m->set_mime_type(Str(file, "mimeType", MimeFromName(out.name())));
  if (auto size = IntOrString(item, "size")) m->set_size(*size);
  const json& hashes = Member(file, "hashes");
  if (std::string q = Str(hashes, "quickXorHash"); !q.empty()) {
    m->set_digest(q);
    m->set_digest_algorithm(v1::DIGEST_ALGORITHM_QUICK_XOR_HASH);
  } else if (std::string sha1 = Str(hashes, "sha1Hash"); !sha1.empty()) {
    m->set_digest(sha1);
    m->set_digest_algorithm(v1::DIGEST_ALGORITHM_SHA1);
  }
  // cTag changes with the content only; the version id is what PinRevision records.
  m->set_revision(Str(item, "cTag"));
  out.set_has_thumbnail(!out.deleted());
  return out;
}

absl::StatusOr<ItemPage> ParsePage(std::string_view body) {
  auto j = ParseObject("graph", "page", body);
  if (!j.ok()) return j.status();
  const json& value = Member(*j, "value");
  if (!value.is_array()) return absl::UnavailableError("graph: the page has no value array");
  ItemPage page;
  for (const json& v : value) {
    if (v.is_object()) page.items.push_back(v);
  }
  page.next_link = Str(*j, "@odata.nextLink");
  page.delta_link = Str(*j, "@odata.deltaLink");
  return page;
}

absl::StatusOr<std::vector<v1::Revision>> ParseVersions(std::string_view body) {
  auto page = ParsePage(body);
  if (!page.ok()) return page.status();
  std::vector<v1::Revision> out;
  for (const json& v : page->items) {
    v1::Revision rev;
    rev.set_id(Str(v, "id"));
    if (rev.id().empty()) continue;
    SetTimestamp(Str(v, "lastModifiedDateTime"), rev.mutable_modified_time());
    if (auto size = IntOrString(v, "size")) rev.set_size(*size);
    out.push_back(std::move(rev));
  }
  std::reverse(out.begin(), out.end());  // Graph lists newest first
  return out;
}

}  // namespace graph

std::vector<v1::CapabilityEntry> OneDriveAdapter::capabilities() const {
  const auto e = &CapabilityOf;
  const auto N = v1::CAPABILITY_SUPPORT_NATIVE;
  const auto E = v1::CAPABILITY_SUPPORT_EMULATED;
  const auto X = v1::CAPABILITY_SUPPORT_NONE;
  return {
      e(v1::CAPABILITY_LIST_FOLDER, N, "Graph v1.0 children with @odata.nextLink"),
      e(v1::CAPABILITY_DOWNLOAD, N,
        "@microsoft.graph.downloadUrl (short-lived); versions/{id}/content for an older pinned "
        "version, the item itself for the current one"),
      e(v1::CAPABILITY_PREVIEW, N,
        "business drives: POST preview getUrl (short-lived); personal drives (which have no "
        "preview action): the item's webUrl, the OneDrive viewer for the signed-in owner; never "
        "createLink"),
      e(v1::CAPABILITY_PDF, N,
        absl::StrCat("PDF files as they are; content?format=pdf of the current version of ",
                     absl::StrJoin(kPdfSources, ", "), " files; others FAILED_PRECONDITION")),
      e(v1::CAPABILITY_THUMBNAIL, N, "thumbnails (medium)"),
      e(v1::CAPABILITY_EDIT, N, "webUrl (the signed-in OneDrive web page)"),
      e(v1::CAPABILITY_TEXT_EXPORT, E, "text/* files as they are; others by the indexer"),
      e(v1::CAPABILITY_REVISIONS, N, "versions"),
      e(v1::CAPABILITY_PIN_REVISION, N,
        "the current version id; OneDrive keeps a limited number of versions (no keep-forever): "
        "a dropped one is NOT_FOUND"),
      e(v1::CAPABILITY_CHANGE_FEED, N, "root/delta; 410 resyncRequired gives reset"),
      e(v1::CAPABILITY_NATIVE_DOCUMENTS, X, "Office files are ordinary files"),
  };
}

ResponseClass OneDriveAdapter::Classify(const HttpResponse& r) const { return DefaultClassify(r); }

ErrorMapper OneDriveAdapter::Errors() const {
  return
      [this](const HttpResponse& r, std::string_view what) { return GraphError(name_, r, what); };
}

absl::StatusOr<json> OneDriveAdapter::GetItem(ApiSession& s, const std::string& file_id) {
  if (absl::Status st = CheckId(file_id); !st.ok()) return st;
  HttpRequest req;
  req.url = ItemUrl(s, file_id);
  return CallJson(s, std::move(req), name_, "items.get", Errors());
}

absl::Status OneDriveAdapter::VersionGone(const v1::BlobRef& ref) const {
  return absl::NotFoundError(
      absl::StrCat(name_, " no longer has version ", ref.revision(), " of file ", ref.file_id(),
                   " (OneDrive keeps a limited number of versions per file and drops the oldest)"));
}

absl::StatusOr<bool> OneDriveAdapter::IsCurrentVersion(ApiSession& s, const v1::BlobRef& ref) {
  v1::BlobRef live = ref;
  live.clear_revision();
  auto versions = ListRevisions(s, live);
  if (!versions.ok()) return versions.status();
  for (const v1::Revision& v : *versions) {
    if (v.id() == ref.revision()) return &v == &versions->back();  // oldest first
  }
  return VersionGone(ref);
}

absl::StatusOr<std::string> OneDriveAdapter::DownloadUrl(ApiSession& s, const v1::BlobRef& ref,
                                                         const json& item) {
  const bool pinned = !ref.revision().empty() && ref.revision() != Str(item, "cTag");
  if (pinned) {
    // The item was read first: if the pinned version is the newest one now,
    // the item's bytes are that version's; if the file changed since, the
    // version is an older one and versions/{id}/content serves it.
    auto current = IsCurrentVersion(s, ref);
    if (!current.ok()) return current.status();
    if (!*current) {
      auto location = Redirect(name_, s,
                               absl::StrCat(ItemUrl(s, ref.file_id()), "/versions/",
                                            PercentEncode(ref.revision()), "/content"),
                               "versions.content");
      if (absl::IsNotFound(location.status())) return VersionGone(ref);
      return location;
    }
  }
  std::string url = Str(item, "@microsoft.graph.downloadUrl");
  if (!url.empty()) return url;
  if (Member(item, "folder").is_object() || Member(item, "root").is_object()) {
    return absl::FailedPreconditionError(absl::StrCat(name_, ": a folder has no content"));
  }
  return Redirect(name_, s, absl::StrCat(ItemUrl(s, ref.file_id()), "/content"), "content");
}

absl::StatusOr<std::string> OneDriveAdapter::PdfUrl(ApiSession& s, const v1::BlobRef& ref,
                                                    const json& item) {
  const std::string name = Str(item, "name");
  if (IsPdf(name, Str(Member(item, "file"), "mimeType"))) return DownloadUrl(s, ref, item);
  if (!ConvertsToPdf(name)) return NoPdf(name_, name);
  const bool pinned = !ref.revision().empty() && ref.revision() != Str(item, "cTag");
  if (pinned) {
    auto current = IsCurrentVersion(s, ref);
    if (!current.ok()) return current.status();
    if (!*current) {
      return absl::FailedPreconditionError(
          absl::StrCat(name_, " converts only the current version of a file to PDF"));
    }
  }
  return Redirect(name_, s, absl::StrCat(ItemUrl(s, ref.file_id()), "/content?format=pdf"),
                  "content pdf");
}

absl::StatusOr<FolderPage> OneDriveAdapter::ListFolder(ApiSession& s, const std::string& folder_id,
                                                       const std::string& page_token,
                                                       int page_size) {
  std::string url;
  if (!page_token.empty()) {
    if (absl::Status st = CheckApiLink(s, page_token); !st.ok()) return st;
    url = page_token;
  } else {
    if (!folder_id.empty()) {
      if (absl::Status st = CheckId(folder_id); !st.ok()) return st;
    }
    url = absl::StrCat(folder_id.empty() ? absl::StrCat(s.base_url(), "/v1.0/me/drive/root")
                                         : ItemUrl(s, folder_id),
                       "/children?$top=", page_size > 0 ? std::min(page_size, 1000) : 200);
  }
  HttpRequest req;
  req.url = url;
  auto r = Call(s, std::move(req), "children", Errors());
  if (!r.ok()) return r.status();
  auto page = graph::ParsePage(r->body);
  if (!page.ok()) return page.status();
  FolderPage out;
  for (const json& item : page->items) out.items.push_back(graph::ParseItem(item));
  out.next_page_token = page->next_link;
  return out;
}

absl::StatusOr<v1::CloudFile> OneDriveAdapter::GetFile(ApiSession& s, const v1::BlobRef& ref) {
  auto j = GetItem(s, ref.file_id());
  if (!j.ok()) return j.status();
  v1::CloudFile file = graph::ParseItem(*j);
  if (ref.revision().empty() || ref.revision() == file.metadata().revision()) return file;
  HttpRequest vreq;
  vreq.url = absl::StrCat(ItemUrl(s, ref.file_id()), "/versions/", PercentEncode(ref.revision()));
  auto vj = CallJson(s, std::move(vreq), name_, "versions.get", Errors());
  // The item is there (read just before): a 404 is the version's.
  if (absl::IsNotFound(vj.status())) return VersionGone(ref);
  if (!vj.ok()) return vj.status();
  v1::BlobMetadata* m = file.mutable_metadata();
  m->set_revision(Str(*vj, "id"));
  if (auto size = IntOrString(*vj, "size")) m->set_size(*size);
  SetTimestamp(Str(*vj, "lastModifiedDateTime"), m->mutable_modified_time());
  // Graph gives no hash per version.
  m->clear_digest();
  m->clear_digest_algorithm();
  return file;
}

absl::StatusOr<v1::Link> OneDriveAdapter::GetLink(ApiSession& s, const v1::BlobRef& ref,
                                                  v1::LinkKind kind) {
  auto j = GetItem(s, ref.file_id());
  if (!j.ok()) return j.status();
  v1::Link link;
  link.set_kind(kind);
  switch (kind) {
    case v1::LINK_KIND_DOWNLOAD:
    case v1::LINK_KIND_PDF: {
      auto url = kind == v1::LINK_KIND_PDF ? PdfUrl(s, ref, *j) : DownloadUrl(s, ref, *j);
      if (!url.ok()) return url.status();
      link.set_url(*url);
      // Pre-authenticated download URLs last about an hour.
      *link.mutable_expire_time() = ToProtoTimestamp(s.Now() + absl::Hours(1));
      return link;
    }
    case v1::LINK_KIND_PREVIEW: {
      // The preview action exists on OneDrive for Business and SharePoint
      // only; a personal drive answers 400 "API not found". There the
      // item's webUrl opens the OneDrive viewer for the signed-in owner (a
      // share link would make the file public: never createLink).
      if (Str(Member(*j, "parentReference"), "driveType") == "personal") {
        link.set_url(Str(*j, "webUrl"));
        if (link.url().empty()) return absl::UnavailableError(absl::StrCat(name_, ": no webUrl"));
        return link;
      }
      HttpRequest p;
      p.method = "POST";
      p.url = absl::StrCat(ItemUrl(s, ref.file_id()), "/preview");
      p.headers = {{"Content-Type", "application/json"}};
      p.body = "{}";
      p.idempotent = true;
      auto pj = CallJson(s, std::move(p), name_, "preview", Errors());
      if (!pj.ok()) return pj.status();
      link.set_url(Str(*pj, "getUrl"));
      if (link.url().empty())
        return absl::UnavailableError(absl::StrCat(name_, ": no preview URL"));
      *link.mutable_expire_time() = ToProtoTimestamp(s.Now() + absl::Hours(1));
      return link;
    }
    case v1::LINK_KIND_EDIT:
      link.set_url(Str(*j, "webUrl"));
      if (link.url().empty()) return absl::UnavailableError(absl::StrCat(name_, ": no webUrl"));
      return link;
    case v1::LINK_KIND_THUMBNAIL: {
      HttpRequest t;
      t.url = absl::StrCat(ItemUrl(s, ref.file_id()), "/thumbnails");
      auto tr = Call(s, std::move(t), "thumbnails", Errors());
      if (!tr.ok()) return tr.status();
      auto page = graph::ParsePage(tr->body);
      if (!page.ok()) return page.status();
      if (page->items.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat(name_, " has no thumbnail for this item"));
      }
      link.set_url(Str(Member(page->items[0], "medium"), "url"));
      if (link.url().empty()) link.set_url(Str(Member(page->items[0], "small"), "url"));
      if (link.url().empty())
        return absl::FailedPreconditionError(absl::StrCat(name_, ": no thumbnail"));
      *link.mutable_expire_time() = ToProtoTimestamp(s.Now() + absl::Hours(1));
      return link;
    }
    default:
      return absl::FailedPreconditionError(
          absl::StrCat(name_, " has no ", v1::LinkKind_Name(kind), " link"));
  }
}

absl::Status OneDriveAdapter::GetContent(ApiSession& s, const v1::BlobRef& ref,
                                         v1::ContentFormat format, int64_t max_bytes,
                                         ContentSink& sink) {
  auto j = GetItem(s, ref.file_id());
  if (!j.ok()) return j.status();
  const v1::CloudFile file = graph::ParseItem(*j);
  if (file.kind() == v1::CLOUD_ITEM_KIND_FOLDER) {
    return absl::FailedPreconditionError(absl::StrCat(name_, ": a folder has no content"));
  }
  const std::string mime = file.metadata().mime_type();
  if (format == v1::CONTENT_FORMAT_THUMBNAIL) {
    v1::BlobRef live = ref;
    live.clear_revision();
    auto link = GetLink(s, live, v1::LINK_KIND_THUMBNAIL);
    if (!link.ok()) return link.status();
    HttpRequest req;
    req.url = link->url();
    req.max_response_bytes = max_bytes;
    auto r = s.SendAnonymous(std::move(req));
    if (!r.ok()) return r.status();
    if (!Ok(*r)) return GraphError(name_, *r, "thumbnail");
    std::string type = BareMimeType(r->Header("content-type"));
    return StreamBody(r->body, type.empty() ? "image/jpeg" : type, sink);
  }
  absl::StatusOr<std::string> url;
  std::string out_mime = mime;
  if (format == v1::CONTENT_FORMAT_PDF) {
    url = PdfUrl(s, ref, *j);
    out_mime = "application/pdf";
  } else if (format == v1::CONTENT_FORMAT_TEXT && !absl::StartsWith(mime, "text/")) {
    return absl::FailedPreconditionError(
        absl::StrCat(name_, " exports no text; extract it from ORIGINAL"));
  } else {
    url = DownloadUrl(s, ref, *j);
  }
  if (!url.ok()) return url.status();
  HttpRequest req;
  req.url = *url;
  req.max_response_bytes = max_bytes;
  auto r = s.SendAnonymous(std::move(req));
  if (!r.ok()) return r.status();
  if (!Ok(*r)) return GraphError(name_, *r, "download");
  return StreamBody(r->body, out_mime, sink);
}

absl::StatusOr<std::vector<v1::Revision>> OneDriveAdapter::ListRevisions(ApiSession& s,
                                                                         const v1::BlobRef& ref) {
  if (absl::Status st = CheckId(ref.file_id()); !st.ok()) return st;
  HttpRequest req;
  req.url = absl::StrCat(ItemUrl(s, ref.file_id()), "/versions");
  auto r = Call(s, std::move(req), "versions", Errors());
  if (!r.ok()) return r.status();
  return graph::ParseVersions(r->body);
}

absl::StatusOr<v1::PinRevisionResponse> OneDriveAdapter::PinRevision(ApiSession& s,
                                                                     const v1::BlobRef& ref) {
  v1::BlobRef live = ref;
  live.clear_revision();
  auto current = GetFile(s, live);
  if (!current.ok()) return current.status();
  if (current->kind() == v1::CLOUD_ITEM_KIND_FOLDER) {
    return absl::FailedPreconditionError(absl::StrCat(name_, ": a folder has no versions"));
  }
  v1::PinRevisionResponse out;
  if (ref.revision().empty() || ref.revision() == current->metadata().revision()) {
    // The current version is the newest entry of the version list. The
    // metadata stays the live item's (revision = cTag, as GetFile reports
    // it), so a document pinned now does not look changed to sync.
    auto versions = ListRevisions(s, live);
    if (!versions.ok()) return versions.status();
    if (versions->empty()) {
      return absl::UnavailableError(absl::StrCat(name_, ": the item lists no versions"));
    }
    *out.mutable_blob() = live;
    out.mutable_blob()->set_revision(versions->back().id());
    *out.mutable_metadata() = current->metadata();
    return out;
  }
  auto file = GetFile(s, ref);  // that version's size and time; proves it exists
  if (!file.ok()) return file.status();
  *out.mutable_blob() = ref;
  *out.mutable_metadata() = file->metadata();
  return out;
}

absl::StatusOr<std::string> OneDriveAdapter::GetStartCursor(ApiSession& s) {
  HttpRequest req;
  req.url = absl::StrCat(s.base_url(), "/v1.0/me/drive/root/delta?token=latest");
  auto r = Call(s, std::move(req), "delta", Errors());
  if (!r.ok()) return r.status();
  auto page = graph::ParsePage(r->body);
  if (!page.ok()) return page.status();
  if (page->delta_link.empty())
    return absl::UnavailableError(absl::StrCat(name_, ": no deltaLink"));
  return page->delta_link;
}

absl::StatusOr<ChangePage> OneDriveAdapter::ListChanges(ApiSession& s, const std::string& cursor) {
  if (absl::Status st = CheckApiLink(s, cursor); !st.ok()) return st;
  HttpRequest req;
  req.url = cursor;
  auto r = s.Send(std::move(req));
  if (!r.ok()) return r.status();
  if (r->status == 410) {
    ChangePage page;
    page.reset = true;
    return page;
  }
  if (!Ok(*r)) return GraphError(name_, *r, "delta");
  auto page = graph::ParsePage(r->body);
  if (!page.ok()) return page.status();
  if (page->next_link.empty() && page->delta_link.empty()) {
    return absl::UnavailableError(absl::StrCat(name_, " delta: neither nextLink nor deltaLink"));
  }
  ChangePage out;
  for (const json& item : page->items) {
    if (Member(item, "root").is_object()) continue;
    v1::Change change;
    change.set_file_id(Str(item, "id"));
    if (change.file_id().empty()) continue;
    if (Member(item, "deleted").is_object()) {
      change.set_kind(v1::CHANGE_KIND_DELETED);
    } else {
      *change.mutable_file() = graph::ParseItem(item);
      change.set_kind(v1::CHANGE_KIND_MODIFIED);
    }
    out.changes.push_back(std::move(change));
  }
  out.has_more = !page->next_link.empty();
  out.next_cursor = out.has_more ? page->next_link : page->delta_link;
  return out;
}

}  // namespace lc::providers
