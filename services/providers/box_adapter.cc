#include "providers/box_adapter.h"

#include <algorithm>
#include <map>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace lc::providers {
namespace {

constexpr char kProvider[] = "box";
// Box's web app page of a file (signed-in browser). When the registry
// points the API somewhere else than Box (an emulator, a proxy), the web
// pages are on that same base.
std::string WebAppBase(ApiSession& s) {
  if (absl::StrContains(s.base_url(), "api.box.com")) return "https://app.box.com/file/";
  return absl::StrCat(s.base_url(), "/file/");
}
constexpr char kFields[] =
    "type,id,name,size,sha1,file_version,modified_at,content_modified_at,item_status,parent,"
    "extension";
constexpr int kEventPage = 500;

absl::Status BoxError(const HttpResponse& r, std::string_view what) {
  json j = json::parse(r.body, nullptr, false);
  const std::string code = Str(j, "code");
  const std::string message = Str(j, "message");
  if (r.status == 404) {
    return absl::NotFoundError(absl::StrCat("box ", std::string(what),
                                            ": the file does not exist or this account lost "
                                            "access (",
                                            code, ")"));
  }
  return HttpError(kProvider, what, r.status, code.empty() ? message : code + ": " + message);
}

absl::Status CheckId(std::string_view id) {
  if (id.empty() ||
      !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError("box ids are decimal numbers");
  }
  return absl::OkStatus();
}

HttpRequest Get(std::string url, std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest req;
  req.url = std::move(url);
  req.headers = std::move(headers);
  return req;
}

absl::StatusOr<json> GetJson(ApiSession& s, std::string url, std::string_view what,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
  return CallJson(s, Get(std::move(url), std::move(headers)), kProvider, what, BoxError);
}

std::string FileUrl(const ApiSession& s, const std::string& id) {
  return absl::StrCat(s.base_url(), "/2.0/files/", id);
}

// Box makes thumbnails of images, video, PDF, office documents and
// spreadsheets, not of text or code files (its "Supported File Types").
bool HasThumbnail(const std::string& mime) {
  return absl::StartsWith(mime, "image/") || absl::StartsWith(mime, "video/") ||
         mime == "application/pdf" || absl::StrContains(mime, "officedocument") ||
         absl::StrContains(mime, "opendocument") || mime == "application/msword" ||
         mime == "application/vnd.ms-excel" || mime == "application/vnd.ms-powerpoint" ||
         mime == "application/rtf" || mime == "text/csv" || mime == "text/tab-separated-values";
}

// How long to wait for what Box answered 202 for (the Retry-After header,
// else `fallback`).
absl::Duration RetryAfterOf(const HttpResponse& r, absl::Time now, absl::Duration fallback) {
  auto ra = ParseRetryAfter(r.Header("retry-after"), now);
  return ra && *ra > absl::ZeroDuration() ? *ra : fallback;
}

// A pinned version Box no longer keeps (free plans keep none, paid plans a
// number of them): NOT_FOUND naming it.
absl::Status VersionGone(const v1::BlobRef& ref) {
  return absl::NotFoundError(
      absl::StrCat("box: version ", ref.revision(), " of file ", ref.file_id(), " is gone"));
}

// files/{id}/content, of the pinned version if any.
HttpRequest ContentRequest(const ApiSession& s, const v1::BlobRef& ref) {
  HttpRequest req;
  req.url = absl::StrCat(FileUrl(s, ref.file_id()), "/content");
  if (!ref.revision().empty()) {
    absl::StrAppend(&req.url, "?", FormEncode({{"version", ref.revision()}}));
  }
  return req;
}

// The 302 target of a content request (a short-lived dl.boxcloud URL).
absl::StatusOr<std::string> ContentLocation(ApiSession& s, const v1::BlobRef& ref) {
  auto r = s.Send(ContentRequest(s, ref));
  if (!r.ok()) return r.status();
  if (r->status == 302 || r->status == 301) {
    std::string location = r->Header("location");
    if (!location.empty()) return location;
  }
  if (r->status == 200) {
    // Box answers the bytes themselves to clients that follow redirects
    // (and so does a proxy in front of it): there is no link to hand out.
    return absl::UnavailableError("box answered the bytes instead of a download link");
  }
  if (r->status == 202) {
    return WithRetryAfter(absl::UnavailableError("box: the file is not ready for download yet"),
                          RetryAfterOf(*r, s.Now(), absl::Seconds(1)));
  }
  if (r->status == 404 && !ref.revision().empty()) return VersionGone(ref);
  if (!Ok(*r)) return BoxError(*r, "files.content");
  return absl::UnavailableError("box files.content: no redirect to the bytes");
}

// files/{id}/thumbnail.jpg: the image; 202 (with a placeholder) while Box
// makes it.
absl::Status StreamThumbnail(ApiSession& s, const v1::BlobRef& ref, int64_t max_bytes,
                             ContentSink& sink) {
  HttpRequest thumb;
  thumb.url = absl::StrCat(FileUrl(s, ref.file_id()), "/thumbnail.jpg?",
                           FormEncode({{"min_width", "256"}, {"min_height", "256"}}));
  thumb.max_response_bytes = max_bytes;
  auto r = s.Send(std::move(thumb));
  if (!r.ok()) return r.status();
  // A redirect is to Box's placeholder icon for a type it makes no
  // thumbnail of, never the file's thumbnail.
  if (r->status == 302 || r->status == 301) {
    return absl::FailedPreconditionError("box makes no thumbnail of this file type");
  }
  if (r->status == 202) {
    return WithRetryAfter(absl::UnavailableError("box: the thumbnail is being made; retry"),
                          RetryAfterOf(*r, s.Now(), absl::Seconds(1)));
  }
  if (!Ok(*r)) return BoxError(*r, "thumbnail");
  return StreamBody(r->body, "image/jpeg", sink);
}

// The file's (or the pinned version's) bytes: files/{id}/content redirects
// to a short-lived URL fetched without the token.
absl::Status StreamOriginal(ApiSession& s, const v1::BlobRef& ref, const std::string& mime,
                            int64_t max_bytes, ContentSink& sink) {
  HttpRequest content = ContentRequest(s, ref);
  content.max_response_bytes = max_bytes;
  auto first = s.Send(std::move(content));
  if (!first.ok()) return first.status();
  // 200: the bytes already (a redirect-following client or proxy).
  if (first->status == 200) return StreamBody(first->body, mime, sink);
  if (first->status == 202) {
    return WithRetryAfter(absl::UnavailableError("box: the file is not ready for download yet"),
                          RetryAfterOf(*first, s.Now(), absl::Seconds(1)));
  }
  if (first->status == 404 && !ref.revision().empty()) return VersionGone(ref);
  if (first->status != 302 && first->status != 301) return BoxError(*first, "files.content");
  HttpRequest req;
  req.url = first->Header("location");
  req.max_response_bytes = max_bytes;
  if (req.url.empty())
    return absl::UnavailableError("box files.content: a redirect without Location");
  auto r = s.SendAnonymous(std::move(req));
  if (!r.ok()) return r.status();
  if (!Ok(*r)) return BoxError(*r, "download");
  return StreamBody(r->body, mime, sink);
}

// One entry of representations.entries, or an info.url answer.
struct RepEntry {
  std::string state;
  std::string info_url;
  std::string content_url;  // url_template with an empty asset path
};

RepEntry ParseRepEntry(const json& e) {
  return RepEntry{
      Str(Member(e, "status"), "state"), Str(Member(e, "info"), "url"),
      absl::StrReplaceAll(Str(Member(e, "content"), "url_template"), {{"{+asset_path}", ""}})};
}

// Asks for representation `rep` of the current version. Box leaves out the
// representations it does not make for the file's type.
absl::StatusOr<RepEntry> FindRepresentation(ApiSession& s, const std::string& id,
                                            const std::string& rep) {
  auto j =
      GetJson(s, absl::StrCat(FileUrl(s, id), "?", FormEncode({{"fields", "representations"}})),
              "files.get representations", {{"X-Rep-Hints", absl::StrCat("[", rep, "]")}});
  if (!j.ok()) return j.status();
  const json& entries = Member(Member(*j, "representations"), "entries");
  if (entries.is_array()) {
    for (const json& e : entries) {
      if (Str(e, "representation") == rep) return ParseRepEntry(e);
    }
  }
  return absl::FailedPreconditionError(absl::StrCat("box makes no ", rep, " of this file type"));
}

bool Ready(const RepEntry& e) { return e.state == "success" || e.state == "viewable"; }
// pending: being made; none: made once info.url is requested.
bool InProgress(const RepEntry& e) { return e.state == "pending" || e.state == "none"; }

absl::Status NotMade(const RepEntry& e, const std::string& rep) {
  if (e.state == "error") {
    return absl::FailedPreconditionError(
        absl::StrCat("box could not make the ", rep, " of this file (representation error)"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("box answered the ", rep, " representation in state '", e.state, "'"));
}

}  // namespace

absl::Duration BoxAdapter::Jittered(absl::Duration interval) const {
  double j;
  if (clock_.jitter) {
    j = clock_.jitter();
  } else {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    j = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }
  // Equal jitter: half fixed, half random.
  return interval / 2 + interval / 2 * j;
}

absl::StatusOr<std::string> BoxAdapter::AwaitRepresentation(ApiSession& s, const std::string& id,
                                                            const std::string& rep) const {
  auto found = FindRepresentation(s, id, rep);
  if (!found.ok()) return found.status();
  RepEntry current = *found;
  // Room for the content request after the last poll.
  const absl::Time give_up =
      std::min(clock_.now() + polling_.max_wait, s.deadline() - absl::Seconds(1));
  absl::Duration interval = polling_.first_interval;
  bool asked = false;
  while (!Ready(current)) {
    if (!InProgress(current)) return NotMade(current, rep);
    if (current.info_url.empty()) {
      return absl::UnavailableError(absl::StrCat("box gave no info.url for the ", rep));
    }
    // A "none" representation is made once info.url is asked for: ask at
    // once the first time.
    if (current.state == "none" && !asked) {
      asked = true;
    } else {
      const absl::Duration pause = Jittered(interval);
      if (clock_.now() + pause > give_up) {
        return WithRetryAfter(
            absl::UnavailableError(absl::StrCat("box is still making the ", rep,
                                                " of this file; retry in a few seconds")),
            std::max(interval, absl::Seconds(1)));
      }
      clock_.sleep(pause);
      interval = std::min(interval * 2, polling_.max_interval);
    }
    auto polled = GetJson(s, current.info_url, "representation info");
    if (!polled.ok()) return polled.status();
    current = ParseRepEntry(*polled);
  }
  if (current.content_url.empty()) {
    return absl::UnavailableError(absl::StrCat("box gave no url_template for the ", rep));
  }
  return current.content_url;
}

namespace box {

v1::CloudFile ParseItem(const json& item) {
  v1::CloudFile out;
  out.set_id(Str(item, "id"));
  out.set_name(Str(item, "name"));
  const bool folder = Str(item, "type") == "folder";
  out.set_kind(folder ? v1::CLOUD_ITEM_KIND_FOLDER : v1::CLOUD_ITEM_KIND_FILE);
  const std::string status = Str(item, "item_status", "active");
  out.set_trashed(status == "trashed");
  out.set_deleted(status == "deleted");
  if (std::string parent = Str(Member(item, "parent"), "id"); !parent.empty()) {
    out.add_parent_ids(parent);
  }
  v1::BlobMetadata* m = out.mutable_metadata();
  m->set_filename(out.name());
  if (folder) {
    m->set_mime_type("application/vnd.box.folder");
    return out;
  }
  m->set_mime_type(MimeFromName(out.name()));
  if (auto size = IntOrString(item, "size")) m->set_size(*size);
  if (std::string sha1 = Str(item, "sha1"); !sha1.empty()) {
    m->set_digest(sha1);
    m->set_digest_algorithm(v1::DIGEST_ALGORITHM_SHA1);
  }
  m->set_revision(Str(Member(item, "file_version"), "id"));
  std::string modified = Str(item, "content_modified_at");
  if (modified.empty()) modified = Str(item, "modified_at");
  SetTimestamp(modified, m->mutable_modified_time());
  out.set_has_thumbnail(HasThumbnail(m->mime_type()));
  return out;
}

absl::StatusOr<FolderPage> ParseItems(std::string_view body) {
  auto j = ParseObject(kProvider, "folders.items", body);
  if (!j.ok()) return j.status();
  const json& entries = Member(*j, "entries");
  if (!entries.is_array()) return absl::UnavailableError("box folders.items: no entries");
  FolderPage page;
  for (const json& e : entries) {
    std::string type = Str(e, "type");
    if (type != "file" && type != "folder") continue;  // web links are not files
    page.items.push_back(ParseItem(e));
  }
  page.next_page_token = Str(*j, "next_marker");
  return page;
}

absl::StatusOr<ChangePage> ParseEvents(std::string_view body, int limit) {
  auto j = ParseObject(kProvider, "events", body);
  if (!j.ok()) return j.status();
  const json& entries = Member(*j, "entries");
  const json& next = Member(*j, "next_stream_position");
  ChangePage page;
  if (next.is_string()) {
    page.next_cursor = next.get<std::string>();
  } else if (next.is_number_integer() || next.is_number_unsigned()) {
    page.next_cursor = std::to_string(Int(*j, "next_stream_position"));
  }
  if (!entries.is_array() || page.next_cursor.empty()) {
    return absl::UnavailableError("box events: no entries or next_stream_position");
  }
  // One change per file, in its latest state (a page may hold several events).
  std::map<std::string, size_t> index;
  for (const json& e : entries) {
    const json& source = Member(e, "source");
    if (Str(source, "type") != "file") continue;
    v1::Change change;
    change.set_file_id(Str(source, "id"));
    if (change.file_id().empty()) continue;
    const std::string type = Str(e, "event_type");
    *change.mutable_file() = ParseItem(source);
    if (type == "ITEM_TRASH" || change.file().trashed() || change.file().deleted()) {
      change.set_kind(v1::CHANGE_KIND_DELETED);
    } else if (type == "ITEM_RENAME" || type == "ITEM_MOVE") {
      change.set_kind(v1::CHANGE_KIND_RENAMED);
    } else if (type == "COLLAB_REMOVE") {
      change.set_kind(v1::CHANGE_KIND_ACCESS_LOST);
    } else {
      change.set_kind(v1::CHANGE_KIND_MODIFIED);
    }
    auto [it, inserted] = index.emplace(change.file_id(), page.changes.size());
    if (inserted) {
      page.changes.push_back(std::move(change));
    } else {
      page.changes[it->second] = std::move(change);
    }
  }
  page.has_more = static_cast<int>(entries.size()) >= limit;
  return page;
}

absl::StatusOr<std::vector<v1::Revision>> ParseVersions(std::string_view body) {
  auto j = ParseObject(kProvider, "versions.list", body);
  if (!j.ok()) return j.status();
  std::vector<v1::Revision> out;
  const json& entries = Member(*j, "entries");
  if (!entries.is_array()) return out;
  for (const json& e : entries) {
    v1::Revision rev;
    rev.set_id(Str(e, "id"));
    if (rev.id().empty()) continue;
    SetTimestamp(Str(e, "modified_at"), rev.mutable_modified_time());
    if (auto size = IntOrString(e, "size")) rev.set_size(*size);
    rev.set_digest(Str(e, "sha1"));
    if (!rev.digest().empty()) rev.set_digest_algorithm(v1::DIGEST_ALGORITHM_SHA1);
    out.push_back(std::move(rev));
  }
  std::reverse(out.begin(), out.end());  // Box lists newest first
  return out;
}

}  // namespace box

std::vector<v1::CapabilityEntry> BoxAdapter::capabilities() const {
  const auto e = &CapabilityOf;
  const auto N = v1::CAPABILITY_SUPPORT_NATIVE;
  const auto X = v1::CAPABILITY_SUPPORT_NONE;
  return {
      e(v1::CAPABILITY_LIST_FOLDER, N, "folders/{id}/items with marker paging"),
      e(v1::CAPABILITY_DOWNLOAD, N,
        "the short-lived URL files/{id}/content redirects to (also ?version=)"),
      e(v1::CAPABILITY_PREVIEW, N, "expiring_embed_link (about 60 s); never a shared link"),
      e(v1::CAPABILITY_PDF, N,
        "the pdf representation of the current version; the link requires_token (serve with "
        "GetContent)"),
      e(v1::CAPABILITY_THUMBNAIL, N,
        "files/{id}/thumbnail.jpg of images, video, PDF and office files (not text or code); the "
        "link requires_token"),
      e(v1::CAPABILITY_EDIT, N, "the signed-in Box web app page of the file"),
      e(v1::CAPABILITY_TEXT_EXPORT, N, "the extracted_text representation of the current version"),
      e(v1::CAPABILITY_REVISIONS, N, "files/{id}/versions plus file_version (the current one)"),
      e(v1::CAPABILITY_PIN_REVISION, N,
        "the file_version id; Box keeps versions per the enterprise's retention"),
      e(v1::CAPABILITY_CHANGE_FEED, N, "events stream_type=changes"),
      e(v1::CAPABILITY_NATIVE_DOCUMENTS, X, "Box Notes are not supported"),
  };
}

ResponseClass BoxAdapter::Classify(const HttpResponse& r) const { return DefaultClassify(r); }

absl::StatusOr<FolderPage> BoxAdapter::ListFolder(ApiSession& s, const std::string& folder_id,
                                                  const std::string& page_token, int page_size) {
  const std::string id = folder_id.empty() ? "0" : folder_id;
  if (absl::Status st = CheckId(id); !st.ok()) return st;
  std::string url = absl::StrCat(
      s.base_url(), "/2.0/folders/", id, "/items?",
      FormEncode({{"fields", kFields},
                  {"limit", std::to_string(page_size > 0 ? std::min(page_size, 1000) : 100)},
                  {"usemarker", "true"}}));
  if (!page_token.empty()) absl::StrAppend(&url, "&", FormEncode({{"marker", page_token}}));
  auto r = Call(s, Get(std::move(url)), "folders.items", BoxError);
  if (!r.ok()) return r.status();
  return box::ParseItems(r->body);
}

absl::StatusOr<v1::CloudFile> BoxAdapter::GetFile(ApiSession& s, const v1::BlobRef& ref) {
  if (absl::Status st = CheckId(ref.file_id()); !st.ok()) return st;
  auto j =
      GetJson(s, absl::StrCat(FileUrl(s, ref.file_id()), "?", FormEncode({{"fields", kFields}})),
              "files.get");
  if (!j.ok()) return j.status();
  v1::CloudFile file = box::ParseItem(*j);
  if (ref.revision().empty() || ref.revision() == file.metadata().revision()) return file;
  auto revs = ListRevisions(s, ref);
  if (!revs.ok()) return revs.status();
  for (const v1::Revision& rev : *revs) {
    if (rev.id() != ref.revision()) continue;
    v1::BlobMetadata* m = file.mutable_metadata();
    m->set_revision(rev.id());
    if (rev.has_size()) m->set_size(rev.size());
    m->set_digest(rev.digest());
    *m->mutable_modified_time() = rev.modified_time();
    return file;
  }
  return VersionGone(ref);
}

absl::StatusOr<v1::Link> BoxAdapter::GetLink(ApiSession& s, const v1::BlobRef& ref,
                                             v1::LinkKind kind) {
  auto file = GetFile(s, ref);  // also proves a pinned version exists
  if (!file.ok()) return file.status();
  v1::BlobRef live = ref;
  live.clear_revision();
  auto current = ref.revision().empty() ? file : GetFile(s, live);
  if (!current.ok()) return current.status();
  const bool pinned = !ref.revision().empty() && ref.revision() != current->metadata().revision();
  v1::Link link;
  link.set_kind(kind);
  switch (kind) {
    case v1::LINK_KIND_DOWNLOAD: {
      auto location = ContentLocation(s, ref);
      if (!location.ok()) return location.status();
      link.set_url(*location);
      // dl.boxcloud.com URLs live about 15 minutes.
      *link.mutable_expire_time() = ToProtoTimestamp(s.Now() + absl::Minutes(15));
      return link;
    }
    case v1::LINK_KIND_PREVIEW: {
      auto j = GetJson(s,
                       absl::StrCat(FileUrl(s, ref.file_id()), "?",
                                    FormEncode({{"fields", "expiring_embed_link"}})),
                       "files.get expiring_embed_link");
      if (!j.ok()) return j.status();
      link.set_url(Str(Member(*j, "expiring_embed_link"), "url"));
      if (link.url().empty()) return absl::UnavailableError("box gave no expiring_embed_link");
      *link.mutable_expire_time() = ToProtoTimestamp(s.Now() + absl::Seconds(60));
      return link;
    }
    case v1::LINK_KIND_EDIT:
      link.set_url(absl::StrCat(WebAppBase(s), ref.file_id()));
      return link;
    case v1::LINK_KIND_PDF:
    case v1::LINK_KIND_THUMBNAIL:
      if (kind == v1::LINK_KIND_PDF && file->metadata().mime_type() == "application/pdf") {
        auto location = ContentLocation(s, ref);
        if (!location.ok()) return location.status();
        link.set_url(*location);
        *link.mutable_expire_time() = ToProtoTimestamp(s.Now() + absl::Minutes(15));
        return link;
      }
      if (kind == v1::LINK_KIND_PDF) {
        if (pinned) {
          return absl::FailedPreconditionError(
              "box renders representations of the current version only");
        }
        // No wait here: the link is served through GetContent, which waits
        // for a representation still being made.
        auto rep = FindRepresentation(s, ref.file_id(), "pdf");
        if (!rep.ok()) return rep.status();
        if (!Ready(*rep) && !InProgress(*rep)) return NotMade(*rep, "pdf");
        if (rep->content_url.empty()) return absl::UnavailableError("box gave no pdf url_template");
        link.set_url(rep->content_url);
      } else {
        if (!file->has_thumbnail()) {
          return absl::FailedPreconditionError("box makes no thumbnail of this file type");
        }
        link.set_url(absl::StrCat(FileUrl(s, ref.file_id()), "/thumbnail.jpg?",
                                  FormEncode({{"min_width", "256"}, {"min_height", "256"}})));
      }
      link.set_requires_token(true);
      return link;
    default:
      return absl::FailedPreconditionError(
          absl::StrCat("box has no ", v1::LinkKind_Name(kind), " link"));
  }
}

absl::Status BoxAdapter::GetContent(ApiSession& s, const v1::BlobRef& ref, v1::ContentFormat format,
                                    int64_t max_bytes, ContentSink& sink) {
  auto file = GetFile(s, ref);  // also proves a pinned version exists
  if (!file.ok()) return file.status();
  if (file->kind() == v1::CLOUD_ITEM_KIND_FOLDER) {
    return absl::FailedPreconditionError("box: a folder has no content");
  }
  v1::BlobRef live = ref;
  live.clear_revision();
  auto current = ref.revision().empty() ? file : GetFile(s, live);
  if (!current.ok()) return current.status();
  const bool pinned = !ref.revision().empty() && ref.revision() != current->metadata().revision();
  const std::string mime = file->metadata().mime_type();
  if (format == v1::CONTENT_FORMAT_THUMBNAIL) return StreamThumbnail(s, ref, max_bytes, sink);
  const bool original = format == v1::CONTENT_FORMAT_ORIGINAL ||
                        (format == v1::CONTENT_FORMAT_PDF && mime == "application/pdf") ||
                        (format == v1::CONTENT_FORMAT_TEXT && absl::StartsWith(mime, "text/"));
  if (original) return StreamOriginal(s, ref, mime, max_bytes, sink);
  if (pinned) {
    return absl::FailedPreconditionError(
        "box renders representations of the current version only; fetch ORIGINAL");
  }
  const std::string rep = format == v1::CONTENT_FORMAT_PDF ? "pdf" : "extracted_text";
  auto url = AwaitRepresentation(s, ref.file_id(), rep);
  if (!url.ok()) return url.status();
  HttpRequest req;
  req.url = *url;
  req.max_response_bytes = max_bytes;
  auto r = s.Send(std::move(req));
  if (!r.ok()) return r.status();
  if (r->status == 202) {
    return WithRetryAfter(
        absl::UnavailableError(absl::StrCat("box is still making the ", rep, " of this file")),
        RetryAfterOf(*r, s.Now(), absl::Seconds(1)));
  }
  if (!Ok(*r)) return BoxError(*r, "representation content");
  return StreamBody(r->body, format == v1::CONTENT_FORMAT_PDF ? "application/pdf" : "text/plain",
                    sink);
}

absl::StatusOr<std::vector<v1::Revision>> BoxAdapter::ListRevisions(ApiSession& s,
                                                                    const v1::BlobRef& ref) {
  if (absl::Status st = CheckId(ref.file_id()); !st.ok()) return st;
  auto current =
      GetJson(s, absl::StrCat(FileUrl(s, ref.file_id()), "?", FormEncode({{"fields", kFields}})),
              "files.get");
  if (!current.ok()) return current.status();
  std::vector<v1::Revision> all;
  for (int offset = 0; offset < 100000;) {
    auto r =
        Call(s,
             Get(absl::StrCat(FileUrl(s, ref.file_id()), "/versions?",
                              FormEncode({{"limit", "1000"}, {"offset", std::to_string(offset)}}))),
             "versions.list", BoxError);
    if (!r.ok()) return r.status();
    auto page = box::ParseVersions(r->body);
    if (!page.ok()) return page.status();
    all.insert(all.begin(), page->begin(), page->end());
    if (page->size() < 1000) break;
    offset += 1000;
  }
  // Box lists previous versions only; the current one is file_version.
  v1::CloudFile file = box::ParseItem(*current);
  v1::Revision head;
  head.set_id(file.metadata().revision());
  *head.mutable_modified_time() = file.metadata().modified_time();
  if (file.metadata().has_size()) head.set_size(file.metadata().size());
  head.set_digest(file.metadata().digest());
  head.set_digest_algorithm(file.metadata().digest_algorithm());
  if (!head.id().empty()) all.push_back(head);
  return all;
}

absl::StatusOr<v1::PinRevisionResponse> BoxAdapter::PinRevision(ApiSession& s,
                                                                const v1::BlobRef& ref) {
  auto file = GetFile(s, ref);
  if (!file.ok()) return file.status();
  if (file->kind() == v1::CLOUD_ITEM_KIND_FOLDER) {
    return absl::FailedPreconditionError("box: a folder has no versions");
  }
  v1::PinRevisionResponse out;
  *out.mutable_blob() = ref;
  out.mutable_blob()->set_revision(file->metadata().revision());
  *out.mutable_metadata() = file->metadata();
  return out;
}

absl::StatusOr<std::string> BoxAdapter::GetStartCursor(ApiSession& s) {
  auto j =
      GetJson(s,
              absl::StrCat(s.base_url(), "/2.0/events?",
                           FormEncode({{"stream_type", "changes"}, {"stream_position", "now"}})),
              "events");
  if (!j.ok()) return j.status();
  auto page = box::ParseEvents(j->dump(), kEventPage);
  if (!page.ok()) return page.status();
  return page->next_cursor;
}

absl::StatusOr<ChangePage> BoxAdapter::ListChanges(ApiSession& s, const std::string& cursor) {
  if (absl::Status st = CheckId(cursor); !st.ok()) {
    return absl::InvalidArgumentError("box: a change cursor is a stream position number");
  }
  auto r = Call(s,
                Get(absl::StrCat(s.base_url(), "/2.0/events?",
                                 FormEncode({{"stream_type", "changes"},
                                             {"stream_position", cursor},
                                             {"limit", std::to_string(kEventPage)}}))),
                "events", BoxError);
  if (!r.ok()) return r.status();
  return box::ParseEvents(r->body, kEventPage);
}

}  // namespace lc::providers
