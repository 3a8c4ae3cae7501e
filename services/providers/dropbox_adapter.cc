#include "providers/dropbox_adapter.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace lc::providers {
namespace {

constexpr char kProvider[] = "dropbox";
// Dropbox's web preview page (signed-in browser). When the registry points
// the API somewhere else than Dropbox (an emulator, a proxy), the web pages
// are on that same base.
std::string WebPreviewBase(ApiSession& s) {
  if (absl::StrContains(s.base_url(), ".dropboxapi.com")) return "https://www.dropbox.com/preview";
  return absl::StrCat(s.base_url(), "/preview");
}

std::string Extension(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "";
  return absl::AsciiStrToLower(std::string(name.substr(dot + 1)));
}

bool OneOf(const std::string& ext, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), ext) != list.end();
}

// What files/get_preview makes of a file, by extension (files.stone, route
// get_preview); anything else is unsupported_extension.
enum class Preview { kPdf, kHtml, kNone };
constexpr char kPdfPreviewTypes[] =
    ".ai .doc .docm .docx .eps .gdoc .gslides .odp .odt .pps .ppsm .ppsx .ppt .pptm .pptx .rtf";
constexpr char kHtmlPreviewTypes[] = ".csv .ods .xls .xlsm .gsheet .xlsx";

Preview PreviewOf(std::string_view name) {
  const std::string ext = Extension(name);
  if (OneOf(ext, {"ai", "doc", "docm", "docx", "eps", "gdoc", "gslides", "odp", "odt", "pps",
                  "ppsm", "ppsx", "ppt", "pptm", "pptx", "rtf"})) {
    return Preview::kPdf;
  }
  if (OneOf(ext, {"csv", "ods", "xls", "xlsm", "gsheet", "xlsx"})) return Preview::kHtml;
  return Preview::kNone;
}

// files/get_thumbnail_v2 converts these image types only, and no photo over
// 20 MB (files.stone, route get_thumbnail:2); anything else is
// unsupported_extension or unsupported_image.
constexpr char kThumbnailTypes[] = "jpg jpeg png tiff tif gif webp ppm bmp";
constexpr int64_t kThumbnailMaxBytes = 20 * 1024 * 1024;

bool HasThumbnail(std::string_view name, std::optional<int64_t> size) {
  if (size && *size > kThumbnailMaxBytes) return false;
  return OneOf(Extension(name), {"jpg", "jpeg", "png", "tiff", "tif", "gif", "webp", "ppm", "bmp"});
}

absl::Status NoThumbnail(const std::string& name) {
  return absl::FailedPreconditionError(absl::StrCat("dropbox makes thumbnails of images only (",
                                                    kThumbnailTypes, ", up to 20 MB): \"", name,
                                                    "\" has none"));
}

// The answer for a PDF of a file get_preview does not render as PDF.
absl::Status NoPdf(const std::string& name) {
  if (PreviewOf(name) == Preview::kHtml) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dropbox previews \"", name, "\" as HTML, not PDF (files/get_preview makes HTML of ",
        kHtmlPreviewTypes, ")"));
  }
  return absl::FailedPreconditionError(absl::StrCat("dropbox makes no PDF of \"", name,
                                                    "\": files/get_preview renders PDF of ",
                                                    kPdfPreviewTypes, " only"));
}

// Dropbox's web pages take the path percent-encoded, one segment at a time.
std::string EncodePath(const std::string& path) {
  return absl::StrJoin(
      absl::StrSplit(path, '/'), "/", [](std::string* out, absl::string_view segment) {
        out->append(PercentEncode(std::string_view(segment.data(), segment.size())));
      });
}

// Dropbox-API-Arg must be "HTTP header safe": 0x7F and every non-ASCII
// character \u-escaped (developers/reference/json-encoding).
std::string ArgHeader(const json& arg) {
  std::string out = arg.dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
  absl::StrReplaceAll({{"\x7f", "\\u007f"}}, &out);
  return out;
}

std::string Summary(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  std::string s = Str(j, "error_summary");
  if (s.empty() && !j.is_object()) s = r.body.substr(0, 200);  // 400s are plain text
  return s;
}

absl::Status DropboxError(const HttpResponse& r, std::string_view what) {
  const std::string summary = Summary(r);
  if (r.status == 409) {
    if (absl::StrContains(summary, "not_found")) {
      return absl::NotFoundError(
          absl::StrCat("dropbox ", std::string(what),
                       ": the file does not exist or this account lost access (", summary, ")"));
    }
    if (absl::StrContains(summary, "restricted_content") ||
        absl::StrContains(summary, "no_permission")) {
      return absl::PermissionDeniedError(
          absl::StrCat("dropbox ", std::string(what), ": ", summary));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("dropbox ", std::string(what), ": ", summary));
  }
  return HttpError(kProvider, what, r.status, summary);
}

// RPC routes: the argument as a JSON body.
HttpRequest RpcRequest(ApiSession& s, const std::string& route, const json& arg) {
  HttpRequest req;
  req.method = "POST";
  req.url = absl::StrCat(s.base_url(), "/2/", route);
  req.headers = {{"Content-Type", "application/json"}};
  req.body = arg.dump(-1, ' ', false, json::error_handler_t::replace);
  // Every route used here only reads: safe to retry.
  req.idempotent = true;
  return req;
}

absl::StatusOr<json> RpcJson(ApiSession& s, const std::string& route, const json& arg) {
  return CallJson(s, RpcRequest(s, route, arg), kProvider, route, DropboxError);
}

// Content-host routes: argument in Dropbox-API-Arg, bytes in the body. The
// request has no body and must carry no Content-Type: libcurl would type an
// empty POST application/x-www-form-urlencoded, which Dropbox refuses (400),
// so the header goes out empty.
absl::StatusOr<HttpResponse> ContentCall(ApiSession& s, const std::string& route, const json& arg,
                                         int64_t max_bytes) {
  HttpRequest req;
  req.method = "POST";
  req.url = absl::StrCat(s.base_url(), "/2/", route);
  req.headers = {{"Dropbox-API-Arg", ArgHeader(arg)}, {"Content-Type", ""}};
  req.idempotent = true;
  req.max_response_bytes = max_bytes;
  return Call(s, std::move(req), route, DropboxError);
}

absl::Status CheckId(const v1::BlobRef& ref) {
  if (!absl::StartsWith(ref.file_id(), "id:")) {
    return absl::InvalidArgumentError(
        "dropbox files are referenced by id (\"id:...\"), never by path");
  }
  // A rev is at least 9 lower-case hex digits (files.stone, alias Rev).
  const std::string& rev = ref.revision();
  if (!rev.empty() &&
      (rev.size() < 9 || rev.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dropbox: \"", rev, "\" is not a Dropbox revision (9 or more hex digits)"));
  }
  return absl::OkStatus();
}

std::string PathArg(const v1::BlobRef& ref) {
  return ref.revision().empty() ? ref.file_id() : "rev:" + ref.revision();
}

// Dropbox answers a rev: it no longer keeps like any missing path
// (path/not_found): say which revision is gone and why.
absl::Status RevisionGone(const v1::BlobRef& ref) {
  return absl::NotFoundError(absl::StrCat(
      "dropbox: revision ", ref.revision(), " of ", ref.file_id(),
      " no longer exists (Dropbox keeps earlier revisions 30 days on Basic, Plus and Family "
      "accounts, 180 days on Professional and team accounts)"));
}

// A pinned ref's NOT_FOUND names the revision.
absl::Status ForRevision(absl::Status status, const v1::BlobRef& ref) {
  if (status.code() == absl::StatusCode::kNotFound && !ref.revision().empty()) {
    return RevisionGone(ref);
  }
  return status;
}

}  // namespace

namespace dropbox {

v1::CloudFile ParseMetadata(const json& m) {
  v1::CloudFile out;
  const std::string tag = Str(m, ".tag");
  out.set_id(Str(m, "id"));
  out.set_name(Str(m, "name"));
  out.set_kind(tag == "folder" ? v1::CLOUD_ITEM_KIND_FOLDER : v1::CLOUD_ITEM_KIND_FILE);
  out.set_deleted(tag == "deleted");
  v1::BlobMetadata* md = out.mutable_metadata();
  md->set_filename(out.name());
  if (tag == "folder") {
    md->set_mime_type("application/vnd.dropbox.folder");
    return out;
  }
  md->set_mime_type(MimeFromName(out.name()));
  if (tag != "file") return out;
  if (auto size = IntOrString(m, "size")) md->set_size(*size);
  if (std::string hash = Str(m, "content_hash"); !hash.empty()) {
    md->set_digest(hash);
    md->set_digest_algorithm(v1::DIGEST_ALGORITHM_DROPBOX_CONTENT_HASH);
  }
  md->set_revision(Str(m, "rev"));
  SetTimestamp(Str(m, "server_modified"), md->mutable_modified_time());
  // Paper documents and the like cannot be downloaded, only exported.
  md->set_native_document(!Bool(m, "is_downloadable", true));
  out.set_has_thumbnail(HasThumbnail(out.name(), IntOrString(m, "size")));
  return out;
}

absl::StatusOr<ChangePage> ParseListFolder(std::string_view body) {
  auto j = ParseObject(kProvider, "files/list_folder", body);
  if (!j.ok()) return j.status();
  const json& entries = Member(*j, "entries");
  std::string cursor = Str(*j, "cursor");
  if (!entries.is_array() || cursor.empty()) {
    return absl::UnavailableError("dropbox files/list_folder: the answer has no entries or cursor");
  }
  ChangePage page;
  for (const json& e : entries) {
    if (!e.is_object()) continue;
    v1::Change change;
    if (Str(e, ".tag") == "deleted") {
      change.set_kind(v1::CHANGE_KIND_DELETED);
      change.set_deleted_path(Str(e, "path_display", Str(e, "path_lower")));
    } else {
      *change.mutable_file() = ParseMetadata(e);
      change.set_file_id(change.file().id());
      if (change.file_id().empty()) continue;
      change.set_kind(v1::CHANGE_KIND_MODIFIED);
    }
    page.changes.push_back(std::move(change));
  }
  page.next_cursor = cursor;
  page.has_more = Bool(*j, "has_more");
  return page;
}

absl::StatusOr<std::vector<v1::Revision>> ParseRevisions(std::string_view body) {
  auto j = ParseObject(kProvider, "files/list_revisions", body);
  if (!j.ok()) return j.status();
  std::vector<v1::Revision> out;
  const json& entries = Member(*j, "entries");
  if (!entries.is_array()) return out;
  for (const json& e : entries) {
    v1::Revision rev;
    rev.set_id(Str(e, "rev"));
    if (rev.id().empty()) continue;
    SetTimestamp(Str(e, "server_modified"), rev.mutable_modified_time());
    if (auto size = IntOrString(e, "size")) rev.set_size(*size);
    rev.set_digest(Str(e, "content_hash"));
    if (!rev.digest().empty()) rev.set_digest_algorithm(v1::DIGEST_ALGORITHM_DROPBOX_CONTENT_HASH);
    out.push_back(std::move(rev));
  }
  std::reverse(out.begin(), out.end());  // Dropbox lists newest first
  return out;
}

}  // namespace dropbox

std::vector<v1::CapabilityEntry> DropboxAdapter::capabilities() const {
  const auto e = &CapabilityOf;
  const auto N = v1::CAPABILITY_SUPPORT_NATIVE;
  const auto E = v1::CAPABILITY_SUPPORT_EMULATED;
  const auto X = v1::CAPABILITY_SUPPORT_NONE;
  return {
      e(v1::CAPABILITY_LIST_FOLDER, N, "files/list_folder by id"),
      e(v1::CAPABILITY_DOWNLOAD, N, "files/get_temporary_link (4 hours), also for a rev"),
      e(v1::CAPABILITY_PREVIEW, N,
        "the signed-in Dropbox web preview page, its path percent-encoded (no shared link)"),
      e(v1::CAPABILITY_PDF, N,
        absl::StrCat("a .pdf file itself (temporary link); files/get_preview renders PDF of ",
                     kPdfPreviewTypes,
                     " only (the link requires_token: serve with GetContent); it previews ",
                     kHtmlPreviewTypes,
                     " as HTML, not PDF; any other type has no PDF (FAILED_PRECONDITION)")),
      e(v1::CAPABILITY_THUMBNAIL, N,
        absl::StrCat("files/get_thumbnail_v2 of images only (", kThumbnailTypes,
                     ", up to 20 MB; other files have_thumbnail false); the link requires_token "
                     "(serve with GetContent)")),
      e(v1::CAPABILITY_EDIT, X, "Dropbox has no editor link of its own"),
      e(v1::CAPABILITY_TEXT_EXPORT, E, "text/* files as they are; others by the indexer"),
      e(v1::CAPABILITY_REVISIONS, N, "files/list_revisions"),
      e(v1::CAPABILITY_PIN_REVISION, E,
        "the rev is recorded and resolves to its bytes; Dropbox keeps old revisions for its "
        "retention period only (30 or 180 days), there is no keep-forever"),
      e(v1::CAPABILITY_CHANGE_FEED, N,
        "files/list_folder recursive cursor; deletions carry only their path (deleted_path)"),
      e(v1::CAPABILITY_NATIVE_DOCUMENTS, X, "Paper documents are not supported"),
  };
}

ResponseClass DropboxAdapter::Classify(const HttpResponse& r) const { return DefaultClassify(r); }

absl::StatusOr<FolderPage> DropboxAdapter::ListFolder(ApiSession& s, const std::string& folder_id,
                                                      const std::string& page_token,
                                                      int page_size) {
  if (!folder_id.empty() && !absl::StartsWith(folder_id, "id:")) {
    return absl::InvalidArgumentError("dropbox folders are referenced by id (\"id:...\")");
  }
  HttpRequest req = page_token.empty()
                        ? RpcRequest(s, "files/list_folder",
                                     {{"path", folder_id},
                                      {"limit", page_size > 0 ? std::min(page_size, 2000) : 100},
                                      {"include_deleted", false}})
                        : RpcRequest(s, "files/list_folder/continue", {{"cursor", page_token}});
  auto r = Call(s, std::move(req), "files/list_folder", DropboxError);
  if (!r.ok()) return r.status();
  auto page = dropbox::ParseListFolder(r->body);
  if (!page.ok()) return page.status();
  FolderPage out;
  for (auto& c : page->changes) {
    if (c.has_file()) out.items.push_back(std::move(*c.mutable_file()));
  }
  if (page->has_more) out.next_page_token = page->next_cursor;
  return out;
}

absl::StatusOr<v1::CloudFile> DropboxAdapter::GetFile(ApiSession& s, const v1::BlobRef& ref) {
  if (absl::Status st = CheckId(ref); !st.ok()) return st;
  auto j = RpcJson(s, "files/get_metadata", {{"path", ref.file_id()}});
  if (!j.ok()) return j.status();
  v1::CloudFile file = dropbox::ParseMetadata(*j);
  if (ref.revision().empty() || ref.revision() == file.metadata().revision()) return file;
  // An earlier revision: its own metadata, while Dropbox still keeps it.
  auto rev = RpcJson(s, "files/get_metadata", {{"path", PathArg(ref)}});
  if (!rev.ok()) return ForRevision(rev.status(), ref);
  if (Str(*rev, "id") != ref.file_id()) {
    return absl::NotFoundError(absl::StrCat("dropbox: revision ", ref.revision(),
                                            " is not a revision of ", ref.file_id()));
  }
  const v1::CloudFile old = dropbox::ParseMetadata(*rev);
  v1::BlobMetadata* m = file.mutable_metadata();
  m->set_revision(ref.revision());
  if (old.metadata().has_size()) m->set_size(old.metadata().size());
  m->set_digest(old.metadata().digest());
  *m->mutable_modified_time() = old.metadata().modified_time();
  return file;
}

absl::StatusOr<v1::Link> DropboxAdapter::GetLink(ApiSession& s, const v1::BlobRef& ref,
                                                 v1::LinkKind kind) {
  if (absl::Status st = CheckId(ref); !st.ok()) return st;
  auto file = GetFile(s, ref);  // also proves a pinned rev still exists
  if (!file.ok()) return file.status();
  if (file->kind() == v1::CLOUD_ITEM_KIND_FOLDER && kind != v1::LINK_KIND_PREVIEW) {
    return absl::FailedPreconditionError("dropbox: a folder has only a PREVIEW link");
  }
  v1::Link link;
  link.set_kind(kind);
  auto api_link = [&](const std::string& route, const json& arg) {
    link.set_url(
        absl::StrCat(s.base_url(), "/2/", route, "?", FormEncode({{"arg", ArgHeader(arg)}})));
    link.set_requires_token(true);
    return link;
  };
  auto temporary_link = [&]() -> absl::StatusOr<v1::Link> {
    auto j = RpcJson(s, "files/get_temporary_link", {{"path", PathArg(ref)}});
    if (!j.ok()) return ForRevision(j.status(), ref);
    link.set_url(Str(*j, "link"));
    if (link.url().empty()) return absl::UnavailableError("dropbox gave no temporary link");
    *link.mutable_expire_time() = ToProtoTimestamp(s.Now() + absl::Hours(4));
    return link;
  };
  switch (kind) {
    case v1::LINK_KIND_DOWNLOAD:
      return temporary_link();
    case v1::LINK_KIND_PREVIEW: {
      // Dropbox's web pages are addressed by path; the path is read fresh
      // from the id every time, so renames do not break it.
      auto j = RpcJson(s, "files/get_metadata", {{"path", ref.file_id()}});
      if (!j.ok()) return j.status();
      link.set_url(absl::StrCat(WebPreviewBase(s), EncodePath(Str(*j, "path_display"))));
      return link;
    }
    case v1::LINK_KIND_PDF:
      if (file->metadata().mime_type() == "application/pdf") return temporary_link();
      if (PreviewOf(file->name()) != Preview::kPdf) return NoPdf(file->name());
      return api_link("files/get_preview", {{"path", PathArg(ref)}});
    case v1::LINK_KIND_THUMBNAIL:
      if (!file->has_thumbnail()) return NoThumbnail(file->name());
      return api_link("files/get_thumbnail_v2",
                      {{"resource", {{".tag", "path"}, {"path", ref.file_id()}}},
                       {"format", {{".tag", "jpeg"}}},
                       {"size", {{".tag", "w256h256"}}}});
    default:
      return absl::FailedPreconditionError(
          absl::StrCat("dropbox has no ", v1::LinkKind_Name(kind), " link"));
  }
}

absl::Status DropboxAdapter::GetContent(ApiSession& s, const v1::BlobRef& ref,
                                        v1::ContentFormat format, int64_t max_bytes,
                                        ContentSink& sink) {
  if (absl::Status st = CheckId(ref); !st.ok()) return st;
  auto file = GetFile(s, ref);
  if (!file.ok()) return file.status();
  if (file->kind() == v1::CLOUD_ITEM_KIND_FOLDER) {
    return absl::FailedPreconditionError("dropbox: a folder has no content");
  }
  const std::string mime = file->metadata().mime_type();
  if (format == v1::CONTENT_FORMAT_THUMBNAIL) {
    if (!file->has_thumbnail()) return NoThumbnail(file->name());
    auto r = ContentCall(s, "files/get_thumbnail_v2",
                         {{"resource", {{".tag", "path"}, {"path", ref.file_id()}}},
                          {"format", {{".tag", "jpeg"}}},
                          {"size", {{".tag", "w256h256"}}}},
                         max_bytes);
    if (!r.ok()) return r.status();
    return StreamBody(r->body, "image/jpeg", sink);
  }
  std::string route = "files/download";
  std::string out_mime = mime;
  if (format == v1::CONTENT_FORMAT_PDF && mime != "application/pdf") {
    if (PreviewOf(file->name()) != Preview::kPdf) return NoPdf(file->name());
    route = "files/get_preview";
    out_mime = "application/pdf";
  } else if (format == v1::CONTENT_FORMAT_TEXT && !absl::StartsWith(mime, "text/")) {
    return absl::FailedPreconditionError("dropbox exports no text; extract it from ORIGINAL");
  }
  auto r = ContentCall(s, route, {{"path", PathArg(ref)}}, max_bytes);
  if (!r.ok()) return ForRevision(r.status(), ref);
  return StreamBody(r->body, out_mime, sink);
}

absl::StatusOr<std::vector<v1::Revision>> DropboxAdapter::ListRevisions(ApiSession& s,
                                                                        const v1::BlobRef& ref) {
  if (absl::Status st = CheckId(ref); !st.ok()) return st;
  auto r = Call(s,
                RpcRequest(s, "files/list_revisions",
                           {{"path", ref.file_id()}, {"mode", {{".tag", "id"}}}, {"limit", 100}}),
                "files/list_revisions", DropboxError);
  if (!r.ok()) return r.status();
  return dropbox::ParseRevisions(r->body);
}

absl::StatusOr<v1::PinRevisionResponse> DropboxAdapter::PinRevision(ApiSession& s,
                                                                    const v1::BlobRef& ref) {
  auto file = GetFile(s, ref);
  if (!file.ok()) return file.status();
  if (file->kind() == v1::CLOUD_ITEM_KIND_FOLDER) {
    return absl::FailedPreconditionError("dropbox: a folder has no revisions");
  }
  v1::PinRevisionResponse out;
  *out.mutable_blob() = ref;
  out.mutable_blob()->set_revision(file->metadata().revision());
  *out.mutable_metadata() = file->metadata();
  return out;
}

absl::StatusOr<std::string> DropboxAdapter::GetStartCursor(ApiSession& s) {
  auto j = RpcJson(s, "files/list_folder/get_latest_cursor",
                   {{"path", ""}, {"recursive", true}, {"include_deleted", true}});
  if (!j.ok()) return j.status();
  std::string cursor = Str(*j, "cursor");
  if (cursor.empty()) return absl::UnavailableError("dropbox gave no cursor");
  return cursor;
}

absl::StatusOr<ChangePage> DropboxAdapter::ListChanges(ApiSession& s, const std::string& cursor) {
  // Sent directly: a 409 reset is an answer (start over), not an error.
  auto r = s.Send(RpcRequest(s, "files/list_folder/continue", {{"cursor", cursor}}));
  if (!r.ok()) return r.status();
  if (r->status == 409 &&
      Str(Member(json::parse(r->body, nullptr, false), "error"), ".tag") == "reset") {
    ChangePage page;
    page.reset = true;
    return page;
  }
  if (!Ok(*r)) return DropboxError(*r, "files/list_folder/continue");
  return dropbox::ParseListFolder(r->body);
}

}  // namespace lc::providers
