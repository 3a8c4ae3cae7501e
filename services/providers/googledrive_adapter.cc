#include "providers/googledrive_adapter.h"

#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lc::providers {
namespace {

constexpr char kProvider[] = "googledrive";
constexpr char kFolderMime[] = "application/vnd.google-apps.folder";
constexpr char kNativePrefix[] = "application/vnd.google-apps.";
constexpr char kFileFields[] =
    "id,name,mimeType,size,md5Checksum,sha256Checksum,headRevisionId,version,modifiedTime,"
    "trashed,parents,hasThumbnail,thumbnailLink,webViewLink,webContentLink,exportLinks";
constexpr char kRevisionFields[] =
    "id,mimeType,modifiedTime,keepForever,size,md5Checksum,exportLinks";

std::string FilesUrl(const ApiSession& s, const std::string& id) {
  return absl::StrCat(s.base_url(), "/drive/v3/files/", PercentEncode(id));
}

// Maps a final non-2xx answer; Drive's 403 reasons tell lost access from
// other refusals, and its 404 message a gone revision from a gone file. (A
// 401 never gets here: the session owns it.)
absl::Status DriveError(const HttpResponse& r, std::string_view what,
                        std::string_view revision = "") {
  auto [message, reason] = googledrive::ParseError(r.body);
  std::string detail = reason.empty() ? message : absl::StrCat(reason, ": ", message);
  if (r.status == 404 && absl::StartsWith(message, "Revision not found")) {
    // Purged by Drive's retention, or never there: the file itself exists.
    return absl::NotFoundError(
        absl::StrCat("googledrive ", std::string(what), ": Google Drive no longer has revision ",
                     revision.empty() ? std::string("") : absl::StrCat(std::string(revision), " "),
                     "of the file (", message, ")"));
  }
  if (r.status == 404) {
    return absl::NotFoundError(absl::StrCat("googledrive ", std::string(what),
                                            ": the file does not exist or is no longer shared "
                                            "with this account (",
                                            message, ")"));
  }
  if (r.status == 403 && (reason == "fileNotDownloadable" || reason == "fileNotExportable" ||
                          reason == "exportSizeLimitExceeded")) {
    return absl::FailedPreconditionError(
        absl::StrCat("googledrive ", std::string(what), ": ", detail));
  }
  return HttpError(kProvider, what, r.status, detail);
}

absl::Status FileError(const HttpResponse& r, std::string_view what) { return DriveError(r, what); }

// The mapper for calls about one revision: a 404 names it.
ErrorMapper RevisionError(std::string revision) {
  return [revision = std::move(revision)](const HttpResponse& r, std::string_view what) {
    return DriveError(r, what, revision);
  };
}

HttpRequest GetRequest(std::string url, int64_t max_bytes = 64 << 20) {
  HttpRequest req;
  req.url = std::move(url);
  req.max_response_bytes = max_bytes;
  return req;
}

absl::StatusOr<json> GetJson(ApiSession& s, std::string url, std::string_view what,
                             const ErrorMapper& map_error = FileError) {
  return CallJson(s, GetRequest(std::move(url)), kProvider, what, map_error);
}

absl::Status KeepForeverLimit(const v1::BlobRef& ref) {
  return absl::FailedPreconditionError(absl::StrCat(
      "googledrive keeps at most ", googledrive::kMaxKeptRevisions,
      " revisions of a file forever (keepForever) and file ", ref.file_id(),
      " has reached that limit: no new version can be pinned until kept revisions are deleted "
      "in Google Drive"));
}

bool IsNative(const std::string& mime) {
  return absl::StartsWith(mime, kNativePrefix) && mime != kFolderMime;
}

// Whether `ref` names a revision other than the file's current one. A native
// document has no headRevisionId: any revision it names is read through
// revisions.get (its id is never compared with the file's "version", a
// different counter).
bool NamesOldRevision(const v1::BlobRef& ref, const json& file) {
  if (ref.revision().empty()) return false;
  return IsNative(Str(file, "mimeType")) || ref.revision() != Str(file, "headRevisionId");
}

// What users call each native type, for messages.
std::string NativeTypeName(const std::string& mime) {
  static const auto* names = new std::map<std::string, std::string>{
      {"application/vnd.google-apps.document", "Google Doc"},
      {"application/vnd.google-apps.spreadsheet", "Google Sheet"},
      {"application/vnd.google-apps.presentation", "Google Slides presentation"},
      {"application/vnd.google-apps.drawing", "Google Drawing"},
      {"application/vnd.google-apps.form", "Google Form"},
      {"application/vnd.google-apps.script", "Apps Script project"},
      {"application/vnd.google-apps.site", "Google Site"},
  };
  auto it = names->find(mime);
  return it == names->end() ? "native Google file" : it->second;
}

}  // namespace

namespace googledrive {

std::optional<std::string> ExportMimeType(const json& export_links, v1::ContentFormat format) {
  // Drive exports each native type to its own formats only ("Export MIME
  // types for Google Workspace documents"): Docs and Slides have text/plain,
  // Sheets text/csv (of the first sheet), Drawings no text at all.
  static const std::vector<std::string> kText = {"text/plain", "text/csv"};
  static const std::vector<std::string> kPdf = {"application/pdf"};
  const auto& wanted = format == v1::CONTENT_FORMAT_PDF ? kPdf : kText;
  if (!export_links.is_object()) return std::nullopt;
  for (const std::string& mime : wanted) {
    if (!Str(export_links, mime.c_str()).empty()) return mime;
  }
  return std::nullopt;
}

absl::Status NoExport(const std::string& native_mime, const json& export_links,
                      v1::ContentFormat format) {
  std::vector<std::string> formats;
  if (export_links.is_object()) {
    for (const auto& [mime, url] : export_links.items()) formats.push_back(mime);
  }
  const char* what = format == v1::CONTENT_FORMAT_PDF ? "PDF" : "text";
  return absl::FailedPreconditionError(absl::StrCat(
      "googledrive: a ", NativeTypeName(native_mime), " has no ", what, " export",
      formats.empty()
          ? std::string(" (Google Drive exports it to no format)")
          : absl::StrCat(" (Google Drive exports it only as ", absl::StrJoin(formats, ", "), ")")));
}

}  // namespace googledrive

namespace {

absl::StatusOr<json> GetRevisionJson(ApiSession& s, const v1::BlobRef& ref) {
  return GetJson(
      s,
      absl::StrCat(FilesUrl(s, ref.file_id()), "/revisions/", PercentEncode(ref.revision()), "?",
                   FormEncode({{"fields", kRevisionFields}})),
      "revisions.get", RevisionError(ref.revision()));
}

absl::Status Download(ApiSession& s, std::string url, int64_t max_bytes,
                      const std::string& fallback_mime, ContentSink& sink, std::string_view what,
                      const ErrorMapper& map_error = FileError) {
  auto r = Call(s, GetRequest(std::move(url), max_bytes), what, map_error);
  if (!r.ok()) return r.status();
  std::string mime = BareMimeType(r->Header("content-type"));
  return StreamBody(r->body, mime.empty() ? fallback_mime : mime, sink);
}

}  // namespace

namespace googledrive {

std::pair<std::string, std::string> ParseError(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  const json& err = Member(j, "error");
  std::string message = Str(err, "message");
  std::string reason;
  const json& errors = Member(err, "errors");
  if (errors.is_array() && !errors.empty()) reason = Str(errors[0], "reason");
  return {message, reason};
}

v1::CloudFile ParseFile(const json& f) {
  v1::CloudFile out;
  out.set_id(Str(f, "id"));
  out.set_name(Str(f, "name"));
  const std::string mime = Str(f, "mimeType");
  out.set_kind(mime == kFolderMime ? v1::CLOUD_ITEM_KIND_FOLDER : v1::CLOUD_ITEM_KIND_FILE);
  out.set_trashed(Bool(f, "trashed"));
  out.set_has_thumbnail(!Str(f, "thumbnailLink").empty() || Bool(f, "hasThumbnail"));
  const json& parents = Member(f, "parents");
  if (parents.is_array()) {
    for (const json& p : parents) {
      if (p.is_string()) out.add_parent_ids(p.get<std::string>());
    }
  }
  v1::BlobMetadata* m = out.mutable_metadata();
  m->set_filename(out.name());
  m->set_mime_type(mime);
  if (auto size = IntOrString(f, "size"); size && !IsNative(mime)) m->set_size(*size);
  if (std::string md5 = Str(f, "md5Checksum"); !md5.empty()) {
    m->set_digest(md5);
    m->set_digest_algorithm(v1::DIGEST_ALGORITHM_MD5);
  } else if (std::string sha = Str(f, "sha256Checksum"); !sha.empty()) {
    m->set_digest(sha);
    m->set_digest_algorithm(v1::DIGEST_ALGORITHM_SHA256);
  }
  // Native documents have no head revision; their "version" grows with every edit.
  std::string rev = Str(f, "headRevisionId");
  if (rev.empty() && IsNative(mime)) rev = Str(f, "version");
  m->set_revision(rev);
  SetTimestamp(Str(f, "modifiedTime"), m->mutable_modified_time());
  m->set_native_document(IsNative(mime));
  return out;
}

absl::StatusOr<FolderPage> ParseFileList(std::string_view body) {
  auto j = ParseObject(kProvider, "files.list", body);
  if (!j.ok()) return j.status();
  FolderPage page;
  const json& files = Member(*j, "files");
  if (!files.is_array()) {
    return absl::UnavailableError("googledrive files.list: the answer has no files array");
  }
  for (const json& f : files) {
    if (!f.is_object() || Str(f, "id").empty()) continue;
    page.items.push_back(ParseFile(f));
  }
  page.next_page_token = Str(*j, "nextPageToken");
  return page;
}

absl::StatusOr<ChangePage> ParseChanges(std::string_view body) {
  auto j = ParseObject(kProvider, "changes.list", body);
  if (!j.ok()) return j.status();
  ChangePage page;
  const json& changes = Member(*j, "changes");
  if (!changes.is_array()) {
    return absl::UnavailableError("googledrive changes.list: the answer has no changes array");
  }
  for (const json& c : changes) {
    std::string id = Str(c, "fileId");
    if (id.empty() || (Str(c, "changeType", "file") != "file")) continue;
    v1::Change change;
    change.set_file_id(id);
    if (Bool(c, "removed")) {
      // Drive says "removed" both for deletions and for files no longer
      // visible to the account; a later GetFile tells which (NOT_FOUND either way).
      change.set_kind(v1::CHANGE_KIND_DELETED);
    } else {
      *change.mutable_file() = ParseFile(Member(c, "file"));
      change.set_kind(change.file().trashed() ? v1::CHANGE_KIND_DELETED : v1::CHANGE_KIND_MODIFIED);
    }
    page.changes.push_back(std::move(change));
  }
  std::string next = Str(*j, "nextPageToken");
  std::string start = Str(*j, "newStartPageToken");
  if (next.empty() && start.empty()) {
    return absl::UnavailableError("googledrive changes.list: the answer has no next token");
  }
  page.has_more = !next.empty();
  page.next_cursor = page.has_more ? next : start;
  return page;
}

absl::StatusOr<std::vector<v1::Revision>> ParseRevisions(std::string_view body,
                                                         std::string* next_page_token) {
  auto j = ParseObject(kProvider, "revisions.list", body);
  if (!j.ok()) return j.status();
  std::vector<v1::Revision> out;
  const json& revisions = Member(*j, "revisions");
  if (revisions.is_array()) {
    for (const json& r : revisions) {
      v1::Revision rev;
      rev.set_id(Str(r, "id"));
      if (rev.id().empty()) continue;
      SetTimestamp(Str(r, "modifiedTime"), rev.mutable_modified_time());
      if (auto size = IntOrString(r, "size")) rev.set_size(*size);
      if (std::string md5 = Str(r, "md5Checksum"); !md5.empty()) {
        rev.set_digest(md5);
        rev.set_digest_algorithm(v1::DIGEST_ALGORITHM_MD5);
      }
      rev.set_pinned(Bool(r, "keepForever"));
      out.push_back(std::move(rev));
    }
  }
  *next_page_token = Str(*j, "nextPageToken");
  return out;
}

}  // namespace googledrive

std::vector<v1::CapabilityEntry> GoogleDriveAdapter::capabilities() const {
  const auto e = &CapabilityOf;
  const auto N = v1::CAPABILITY_SUPPORT_NATIVE;
  return {
      e(v1::CAPABILITY_LIST_FOLDER, N, "files.list with 'id' in parents"),
      e(v1::CAPABILITY_DOWNLOAD, N,
        "webContentLink; native documents download as their PDF export; a pinned revision's "
        "bytes have no browser link (requires_token: use GetContent)"),
      e(v1::CAPABILITY_PREVIEW, N, "webViewLink (the signed-in Drive viewer)"),
      e(v1::CAPABILITY_PDF, N,
        "export of native documents; PDF files as they are; other "
        "binary files have no PDF rendition"),
      e(v1::CAPABILITY_THUMBNAIL, N,
        "thumbnailLink, fetched with the account's token (Drive serves a private file's "
        "thumbnail only to a credentialed request): the link requires_token, the gateway "
        "serves the image"),
      e(v1::CAPABILITY_EDIT, N, "webViewLink opens the editor for native documents"),
      e(v1::CAPABILITY_TEXT_EXPORT, N,
        "export of native documents (10 MB cap): Docs and Slides as text/plain, Sheets as "
        "text/csv (first sheet only); Drawings have no text export; text/* files as they are; "
        "others are extracted by the indexer from the bytes"),
      e(v1::CAPABILITY_REVISIONS, N, "revisions.list"),
      e(v1::CAPABILITY_PIN_REVISION, N,
        "keepForever on binary files, at most 200 revisions per file (FAILED_PRECONDITION "
        "beyond); a native document's version pins the id of its newest revision from "
        "revisions.list (keepForever does not apply to Docs Editors files) and exports that "
        "revision's text through its exportLinks"),
      e(v1::CAPABILITY_CHANGE_FEED, N, "changes.getStartPageToken + changes.list"),
      e(v1::CAPABILITY_NATIVE_DOCUMENTS, N,
        "Docs, Sheets, Slides: no size, exported not "
        "downloaded"),
  };
}

ResponseClass GoogleDriveAdapter::Classify(const HttpResponse& r) const {
  if (r.status == 403) {
    std::string reason = googledrive::ParseError(r.body).second;
    if (reason == "userRateLimitExceeded" || reason == "rateLimitExceeded") {
      return ResponseClass::kThrottled;
    }
  }
  return DefaultClassify(r);
}

absl::StatusOr<FolderPage> GoogleDriveAdapter::ListFolder(ApiSession& s,
                                                          const std::string& folder_id,
                                                          const std::string& page_token,
                                                          int page_size) {
  const std::string parent = folder_id.empty() ? "root" : folder_id;
  if (parent.find('\'') != std::string::npos || parent.find('\\') != std::string::npos) {
    return absl::InvalidArgumentError("googledrive: a folder id has no quotes or backslashes");
  }
  std::string url = absl::StrCat(
      s.base_url(), "/drive/v3/files?",
      FormEncode({{"q", absl::StrCat("'", parent, "' in parents and trashed = false")},
                  {"fields", absl::StrCat("nextPageToken,files(", kFileFields, ")")},
                  {"pageSize", std::to_string(page_size > 0 ? std::min(page_size, 1000) : 100)}}));
  if (!page_token.empty()) absl::StrAppend(&url, "&", FormEncode({{"pageToken", page_token}}));
  auto r = Call(s, GetRequest(std::move(url)), "files.list", FileError);
  if (!r.ok()) return r.status();
  return googledrive::ParseFileList(r->body);
}

absl::StatusOr<v1::CloudFile> GoogleDriveAdapter::GetFile(ApiSession& s, const v1::BlobRef& ref) {
  auto j = GetJson(
      s, absl::StrCat(FilesUrl(s, ref.file_id()), "?", FormEncode({{"fields", kFileFields}})),
      "files.get");
  if (!j.ok()) return j.status();
  v1::CloudFile file = googledrive::ParseFile(*j);
  if (!NamesOldRevision(ref, *j)) return file;
  auto rev = GetRevisionJson(s, ref);
  if (!rev.ok()) return rev.status();
  v1::BlobMetadata* m = file.mutable_metadata();
  m->set_revision(Str(*rev, "id"));
  SetTimestamp(Str(*rev, "modifiedTime"), m->mutable_modified_time());
  if (auto size = IntOrString(*rev, "size")) m->set_size(*size);
  m->clear_digest();
  m->clear_digest_algorithm();
  if (std::string md5 = Str(*rev, "md5Checksum"); !md5.empty()) {
    m->set_digest(md5);
    m->set_digest_algorithm(v1::DIGEST_ALGORITHM_MD5);
  }
  return file;
}

absl::StatusOr<v1::Link> GoogleDriveAdapter::GetLink(ApiSession& s, const v1::BlobRef& ref,
                                                     v1::LinkKind kind) {
  auto j = GetJson(
      s, absl::StrCat(FilesUrl(s, ref.file_id()), "?", FormEncode({{"fields", kFileFields}})),
      "files.get");
  if (!j.ok()) return j.status();
  const std::string mime = Str(*j, "mimeType");
  const bool native = IsNative(mime);
  const bool pinned = NamesOldRevision(ref, *j);
  json export_links = Member(*j, "exportLinks");
  if (pinned) {
    auto rev = GetRevisionJson(s, ref);  // also proves the revision exists
    if (!rev.ok()) return rev.status();
    export_links = Member(*rev, "exportLinks");
  }
  v1::Link link;
  link.set_kind(kind);
  auto fail = [&](std::string why) {
    return absl::FailedPreconditionError(
        absl::StrCat("googledrive has no ", v1::LinkKind_Name(kind), " link for this file: ", why));
  };
  switch (kind) {
    case v1::LINK_KIND_DOWNLOAD:
    case v1::LINK_KIND_PDF:
      if (native) {
        std::string url = Str(export_links, "application/pdf");
        if (url.empty()) return googledrive::NoExport(mime, export_links, v1::CONTENT_FORMAT_PDF);
        link.set_url(url);
        return link;
      }
      if (kind == v1::LINK_KIND_PDF && mime != "application/pdf") {
        return fail("Drive renders no PDF of a binary file; the indexer extracts its text");
      }
      if (pinned) {
        // Drive v3 has no browser link to an old revision's bytes.
        link.set_url(absl::StrCat(FilesUrl(s, ref.file_id()), "/revisions/",
                                  PercentEncode(ref.revision()), "?alt=media"));
        link.set_requires_token(true);
        return link;
      }
      link.set_url(Str(*j, "webContentLink"));
      if (link.url().empty()) return fail("Drive gave no webContentLink");
      return link;
    case v1::LINK_KIND_PREVIEW:
    case v1::LINK_KIND_EDIT:
      link.set_url(Str(*j, "webViewLink"));
      if (link.url().empty()) return fail("Drive gave no webViewLink");
      return link;
    case v1::LINK_KIND_THUMBNAIL:
      link.set_url(Str(*j, "thumbnailLink"));
      if (link.url().empty()) return fail("no thumbnail");
      // "If the file isn't shared publicly, the URL returned in
      // files.thumbnailLink must be fetched using a credentialed request": a
      // browser cannot be sent there; GetContent(THUMBNAIL) fetches it.
      link.set_requires_token(true);
      // Drive documents thumbnailLink as short-lived (hours); stay on the safe side.
      *link.mutable_expire_time() = ToProtoTimestamp(s.Now() + absl::Hours(1));
      return link;
    default:
      return fail("Drive has no separate app link");
  }
}

absl::Status GoogleDriveAdapter::GetContent(ApiSession& s, const v1::BlobRef& ref,
                                            v1::ContentFormat format, int64_t max_bytes,
                                            ContentSink& sink) {
  auto j = GetJson(
      s, absl::StrCat(FilesUrl(s, ref.file_id()), "?", FormEncode({{"fields", kFileFields}})),
      "files.get");
  if (!j.ok()) return j.status();
  const std::string mime = Str(*j, "mimeType");
  if (format == v1::CONTENT_FORMAT_THUMBNAIL) {
    // thumbnailLink of a file not shared publicly answers only a
    // credentialed request: sent with the account's token.
    const std::string url = Str(*j, "thumbnailLink");
    if (url.empty()) {
      return absl::FailedPreconditionError("googledrive has no thumbnail of this file");
    }
    return Download(s, url, max_bytes, "image/png", sink, "thumbnail");
  }
  if (mime == kFolderMime) {
    return absl::FailedPreconditionError("googledrive: a folder has no content");
  }
  const bool pinned = NamesOldRevision(ref, *j);
  if (IsNative(mime)) {
    if (format == v1::CONTENT_FORMAT_ORIGINAL) {
      return absl::FailedPreconditionError(
          "googledrive: a native Google document has no bytes; ask for PDF or TEXT");
    }
    // The export this type has, from the links of the file or of the pinned
    // revision (each revision exports its own text).
    json export_links = Member(*j, "exportLinks");
    if (pinned) {
      auto rev = GetRevisionJson(s, ref);
      if (!rev.ok()) return rev.status();
      export_links = Member(*rev, "exportLinks");
    }
    auto target = googledrive::ExportMimeType(export_links, format);
    if (!target) return googledrive::NoExport(mime, export_links, format);
    const std::string url = pinned ? Str(export_links, target->c_str())
                                   : absl::StrCat(FilesUrl(s, ref.file_id()), "/export?",
                                                  FormEncode({{"mimeType", *target}}));
    return Download(s, url, max_bytes, *target, sink, "files.export");
  }
  if (format == v1::CONTENT_FORMAT_PDF && mime != "application/pdf") {
    return absl::FailedPreconditionError(
        "googledrive renders no PDF of a binary file; fetch ORIGINAL");
  }
  if (format == v1::CONTENT_FORMAT_TEXT && !absl::StartsWith(mime, "text/")) {
    return absl::FailedPreconditionError(
        "googledrive exports text of native documents only; extract it from ORIGINAL");
  }
  std::string url = pinned ? absl::StrCat(FilesUrl(s, ref.file_id()), "/revisions/",
                                          PercentEncode(ref.revision()), "?alt=media")
                           : absl::StrCat(FilesUrl(s, ref.file_id()), "?alt=media");
  if (pinned) {
    return Download(s, std::move(url), max_bytes, mime, sink, "revisions.get media",
                    RevisionError(ref.revision()));
  }
  return Download(s, std::move(url), max_bytes, mime, sink, "files.get media");
}

absl::StatusOr<std::vector<v1::Revision>> GoogleDriveAdapter::ListRevisions(
    ApiSession& s, const v1::BlobRef& ref) {
  std::vector<v1::Revision> all;
  std::string token;
  for (int page = 0; page < 100; ++page) {
    std::string url = absl::StrCat(
        FilesUrl(s, ref.file_id()), "/revisions?",
        FormEncode({{"fields", absl::StrCat("nextPageToken,revisions(", kRevisionFields, ")")},
                    {"pageSize", "1000"}}));
    if (!token.empty()) absl::StrAppend(&url, "&", FormEncode({{"pageToken", token}}));
    auto r = Call(s, GetRequest(std::move(url)), "revisions.list", FileError);
    if (!r.ok()) return r.status();
    auto revs = googledrive::ParseRevisions(r->body, &token);
    if (!revs.ok()) return revs.status();
    all.insert(all.end(), revs->begin(), revs->end());
    if (token.empty()) return all;
  }
  return all;
}

absl::StatusOr<v1::PinRevisionResponse> GoogleDriveAdapter::PinRevision(ApiSession& s,
                                                                        const v1::BlobRef& ref) {
  auto file = GetFile(s, ref);
  if (!file.ok()) return file.status();
  if (file->kind() == v1::CLOUD_ITEM_KIND_FOLDER) {
    return absl::FailedPreconditionError("googledrive: a folder has no revisions");
  }
  v1::PinRevisionResponse out;
  *out.mutable_blob() = ref;
  *out.mutable_metadata() = file->metadata();
  if (file->metadata().native_document()) {
    // A native document has no headRevisionId and its "version" counts every
    // change (renames too): the pin is the id of a revision from
    // revisions.list, whose exportLinks keep exporting that revision's text.
    // keepForever is "only applicable to files with binary content".
    std::string revision = ref.revision();
    if (revision.empty()) {
      auto revisions = ListRevisions(s, ref);
      if (!revisions.ok()) return revisions.status();
      if (revisions->empty()) {
        return absl::UnavailableError("googledrive revisions.list: the document has no revisions");
      }
      const v1::Revision& newest = revisions->back();
      revision = newest.id();
      *out.mutable_metadata()->mutable_modified_time() = newest.modified_time();
    }
    out.mutable_blob()->set_revision(revision);
    out.mutable_metadata()->set_revision(revision);
    return out;
  }
  const std::string revision = file->metadata().revision();
  out.mutable_blob()->set_revision(revision);
  // keepForever "can be set on a maximum of 200 revisions for a file":
  // count first, so a full file is a clear refusal rather than Drive's
  // generic one.
  auto revisions = ListRevisions(s, ref);
  if (!revisions.ok()) return revisions.status();
  int kept = 0;
  for (const v1::Revision& r : *revisions) {
    if (r.id() == revision && r.pinned()) return out;  // already kept
    kept += r.pinned() ? 1 : 0;
  }
  if (kept >= googledrive::kMaxKeptRevisions) return KeepForeverLimit(ref);
  HttpRequest req;
  req.method = "PATCH";
  req.url = absl::StrCat(FilesUrl(s, ref.file_id()), "/revisions/", PercentEncode(revision), "?",
                         FormEncode({{"fields", "id,keepForever"}}));
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"keepForever":true})";
  req.idempotent = true;
  auto j = CallJson(s, std::move(req), kProvider, "revisions.update", RevisionError(revision));
  if (!j.ok()) return j.status();
  if (!Bool(*j, "keepForever")) {
    return absl::UnavailableError("googledrive revisions.update: the revision is not kept");
  }
  return out;
}

absl::StatusOr<std::string> GoogleDriveAdapter::GetStartCursor(ApiSession& s) {
  auto j = GetJson(s, absl::StrCat(s.base_url(), "/drive/v3/changes/startPageToken"),
                   "changes.getStartPageToken");
  if (!j.ok()) return j.status();
  std::string token = Str(*j, "startPageToken");
  if (token.empty()) {
    return absl::UnavailableError("googledrive changes.getStartPageToken: no token in the answer");
  }
  return token;
}

absl::StatusOr<ChangePage> GoogleDriveAdapter::ListChanges(ApiSession& s,
                                                           const std::string& cursor) {
  HttpRequest req;
  req.url = absl::StrCat(
      s.base_url(), "/drive/v3/changes?",
      FormEncode(
          {{"pageToken", cursor},
           {"pageSize", "1000"},
           {"includeRemoved", "true"},
           {"fields", absl::StrCat("nextPageToken,newStartPageToken,changes(changeType,fileId,"
                                   "removed,file(",
                                   kFileFields, "))")}}));
  auto r = s.Send(std::move(req));
  if (!r.ok()) return r.status();
  // Drive answers an unusable page token with 400 on the pageToken parameter.
  if (r->status == 400 && absl::StrContains(r->body, "pageToken")) {
    ChangePage page;
    page.reset = true;
    return page;
  }
  if (!Ok(*r)) return FileError(*r, "changes.list");
  return googledrive::ParseChanges(r->body);
}

}  // namespace lc::providers
