#include "repository/repository.h"

#include <openssl/rand.h>

#include <cctype>
#include <optional>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/encoding.h"
#include "runtime/log.h"
#include "runtime/proto_time.h"
#include "runtime/status.h"

namespace lc::repository {
namespace {

absl::Status Invalid(const char* field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool HasControl(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string NewUuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) std::abort();  // no randomness: nothing is safe
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(b), sizeof b));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20));
}

absl::Status ValidateBoundedText(const std::string& s, size_t max, const char* field) {
  if (CodePoints(s) > max) return Invalid(field, absl::StrCat("longer than ", max, " characters"));
  return absl::OkStatus();
}

absl::Status ValidateBlobRef(const v1::BlobRef& blob) {
  if (blob.provider().empty()) return Invalid("blob.provider", "required");
  for (char c : blob.provider()) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return Invalid("blob.provider", "must be a registry name such as 'googledrive'");
    }
  }
  if (blob.provider().size() > 64) return Invalid("blob.provider", "longer than 64 characters");
  if (blob.account().empty()) return Invalid("blob.account", "required");
  if (blob.account().size() > 320 || HasControl(blob.account())) {
    return Invalid("blob.account", "not a valid account (at most 320 printable characters)");
  }
  if (blob.file_id().empty()) return Invalid("blob.file_id", "required");
  if (blob.file_id().size() > 1024 || HasControl(blob.file_id())) {
    return Invalid("blob.file_id", "not a valid file id (at most 1024 printable characters)");
  }
  if (!blob.revision().empty()) {
    return Invalid("blob.revision",
                   "must be empty: a document references the live file; create a version to pin "
                   "a revision");
  }
  return absl::OkStatus();
}

absl::Status ValidateType(v1::DocumentType type, const char* field, bool allow_unspecified) {
  if (type == v1::DOCUMENT_TYPE_UNSPECIFIED && allow_unspecified) return absl::OkStatus();
  if (!v1::DocumentType_IsValid(type) || type == v1::DOCUMENT_TYPE_UNSPECIFIED) {
    return Invalid(field, "unknown document type (use FILE, PICTURE, VIDEO or AUDIO)");
  }
  return absl::OkStatus();
}

v1::DocumentType TypeFromMime(const std::string& mime) {
  if (absl::StartsWith(mime, "image/")) return v1::DOCUMENT_TYPE_PICTURE;
  if (absl::StartsWith(mime, "video/")) return v1::DOCUMENT_TYPE_VIDEO;
  if (absl::StartsWith(mime, "audio/")) return v1::DOCUMENT_TYPE_AUDIO;
  return v1::DOCUMENT_TYPE_FILE;
}

absl::StatusOr<int> PageSize(int requested, const char* field) {
  if (requested < 0) return Invalid(field, "must not be negative");
  if (requested == 0) return Limits::kDefaultPageSize;
  return std::min(requested, Limits::kMaxPageSize);
}

// Page tokens are opaque to clients: base64url of "<kind>|<fields...>".
std::string EncodeToken(const std::vector<std::string>& parts) {
  return Base64UrlEncode(absl::StrJoin(parts, "|"));
}

absl::StatusOr<std::vector<std::string>> DecodeToken(const std::string& token, const char* kind,
                                                     size_t count, const char* field) {
  std::string raw;
  if (!Base64UrlDecode(token, &raw)) return Invalid(field, "malformed page token");
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  if (parts.size() != count || parts[0] != kind) return Invalid(field, "malformed page token");
  return parts;
}

v1::HistoryEvent Event(const std::string& doc_id, v1::HistoryEventKind kind, const Principal& who,
                       const google::protobuf::Timestamp& time, std::string summary) {
  v1::HistoryEvent e;
  e.set_document_id(doc_id);
  e.set_kind(kind);
  e.set_actor(who.subject);
  *e.mutable_time() = time;
  e.set_summary(std::move(summary));
  return e;
}

absl::Status CheckEtag(const std::string& given, const v1::Document& doc) {
  if (!given.empty() && given != doc.etag()) {
    return absl::FailedPreconditionError(absl::StrCat("document ", doc.id(), " changed since etag ",
                                                      given, " (now ", doc.etag(),
                                                      "): read it again and retry"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateUuid(const std::string& value, const char* field) {
  if (value.empty()) return Invalid(field, "required");
  bool ok = value.size() == 36;
  for (size_t i = 0; ok && i < value.size(); ++i) {
    char c = value[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      ok = c == '-';
    } else {
      ok = std::isxdigit(static_cast<unsigned char>(c)) &&
           !std::isupper(static_cast<unsigned char>(c));
    }
  }
  if (!ok) return Invalid(field, "not a valid id (expected a lower-case UUID)");
  return absl::OkStatus();
}

absl::Status ValidateTitle(const std::string& title, const char* field) {
  bool blank = true;
  for (unsigned char c : title) blank = blank && std::isspace(c);
  if (blank) return Invalid(field, "must not be empty");
  if (HasControl(title)) return Invalid(field, "must not contain control characters");
  return ValidateBoundedText(title, Limits::kTitleMax, field);
}

absl::Status ValidateProperties(const google::protobuf::Map<std::string, std::string>& props,
                                const char* field) {
  if (static_cast<int>(props.size()) > Limits::kPropertiesMax) {
    return Invalid(field, absl::StrCat("more than ", Limits::kPropertiesMax, " entries"));
  }
  for (const auto& [key, value] : props) {
    bool key_ok = !key.empty() && static_cast<int>(key.size()) <= Limits::kPropertyKeyMax;
    for (char c : key) {
      key_ok = key_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                          c == ':' || c == '-');
    }
    if (!key_ok) {
      return Invalid(field, absl::StrCat("key '", key.substr(0, 40),
                                         "' must be 1 to 128 characters of [A-Za-z0-9_.:-]"));
    }
    if (CodePoints(value) > static_cast<size_t>(Limits::kPropertyValueMax)) {
      return Invalid(field, absl::StrCat("value of '", key, "' longer than ",
                                         Limits::kPropertyValueMax, " characters"));
    }
  }
  return absl::OkStatus();
}

Repository::Repository(DocumentStore& store, std::function<absl::Time()> now, CloudFiles* cloud,
                       IndexQueue* index)
    : store_(store), now_(std::move(now)), cloud_(cloud), index_(index) {}

void Repository::QueueIndexing(const v1::Document& doc, const char* reason) {
  if (index_ == nullptr) return;
  if (auto s = index_->Enqueue(doc, reason); !s.ok()) {
    LogWarn("could not queue indexing; the document stays pending until a reindex",
            {{"document", doc.id()}, {"error", s.ToString()}});
  }
}

absl::Time Repository::Now() const {
  // PostgreSQL keeps microseconds; so do we, so stored and returned times match.
  return absl::FromUnixMicros(absl::ToUnixMicros(now_()));
}

absl::StatusOr<v1::Document> Repository::Visible(const Principal& who, const std::string& id,
                                                 const char* field) {
  LC_RETURN_IF_ERROR(ValidateUuid(id, field));
  auto doc = store_.Get(id);
  if (!doc.ok()) return doc.status();
  if (doc->owner() != who.subject && !who.IsAdmin()) {
    return absl::NotFoundError(absl::StrCat("document ", id, " not found"));
  }
  return doc;
}

absl::StatusOr<v1::Document> Repository::Create(const Principal& who,
                                                const v1::CreateDocumentRequest& req) {
  LC_RETURN_IF_ERROR(ValidateBlobRef(req.blob()));
  LC_RETURN_IF_ERROR(ValidateType(req.type(), "type", true));
  v1::BlobMetadata metadata = req.blob_metadata();
  v1::ThumbnailState thumbnail = v1::THUMBNAIL_STATE_PENDING;
  if (cloud_ != nullptr) {
    // The provider is the source of truth, and asking it with the caller's
    // own account is the ownership check: a reference never lets one user
    // use another user's tokens.
    auto file = cloud_->GetFile(who.subject, req.blob());
    if (!file.ok()) {
      if (absl::IsNotFound(file.status())) {
        return absl::NotFoundError(absl::StrCat("blob.file_id: no file ", req.blob().file_id(),
                                                " in ", req.blob().provider(), " account ",
                                                req.blob().account()));
      }
      return file.status();
    }
    if (file->kind() == v1::CLOUD_ITEM_KIND_FOLDER) {
      return Invalid("blob.file_id", "is a folder; a document references a file");
    }
    if (file->trashed() || file->deleted()) {
      return absl::FailedPreconditionError(
          absl::StrCat("blob.file_id: file ", req.blob().file_id(), " is in the trash"));
    }
    metadata = file->metadata();
    thumbnail = file->has_thumbnail() ? v1::THUMBNAIL_STATE_AVAILABLE : v1::THUMBNAIL_STATE_NONE;
  }
  std::string title = req.title().empty() ? metadata.filename() : req.title();
  LC_RETURN_IF_ERROR(ValidateTitle(title, "title"));
  if (auto s = ValidateBoundedText(req.description(), Limits::kDescriptionMax, "description");
      !s.ok()) {
    return s;
  }
  LC_RETURN_IF_ERROR(ValidateProperties(req.properties(), "properties"));
  if (req.request_id().size() > static_cast<size_t>(Limits::kRequestIdMax) ||
      HasControl(req.request_id())) {
    return Invalid("request_id", "at most 128 printable characters");
  }
  if (metadata.has_size() && metadata.size() < 0) {
    return Invalid("blob_metadata.size", "must not be negative");
  }

  v1::Document doc;
  doc.set_id(NewUuid());
  doc.set_type(req.type() != v1::DOCUMENT_TYPE_UNSPECIFIED ? req.type()
                                                           : TypeFromMime(metadata.mime_type()));
  doc.set_title(title);
  doc.set_title_locked(!req.title().empty());
  doc.set_description(req.description());
  *doc.mutable_properties() = req.properties();
  doc.set_owner(who.subject);
  auto now = ToProtoTimestamp(Now());
  *doc.mutable_created_time() = now;
  *doc.mutable_modified_time() = now;
  *doc.mutable_blob() = req.blob();
  *doc.mutable_blob_metadata() = metadata;
  doc.set_thumbnail_state(thumbnail);
  doc.set_fulltext_state(v1::FULLTEXT_STATE_PENDING);
  doc.set_reference_state(v1::REFERENCE_STATE_OK);
  auto created = store_.Create(
      doc, req.request_id(), Event(doc.id(), v1::HISTORY_EVENT_KIND_CREATED, who, now, "created"));
  if (created.ok()) QueueIndexing(*created, "created");
  return created;
}

absl::StatusOr<v1::Document> Repository::Get(const Principal& who,
                                             const v1::GetDocumentRequest& req) {
  return Visible(who, req.id(), "id");
}

absl::StatusOr<v1::Document> Repository::Update(const Principal& who,
                                                const v1::UpdateDocumentRequest& req) {
  const v1::Document& in = req.document();
  LC_RETURN_IF_ERROR(ValidateUuid(in.id(), "document.id"));
  if (req.update_mask().paths().empty()) {
    return Invalid("update_mask",
                   "name at least one field: title, description, properties or type");
  }
  std::set<std::string> paths;
  for (const auto& p : req.update_mask().paths()) {
    if (p == "title") {
      LC_RETURN_IF_ERROR(ValidateTitle(in.title(), "document.title"));
    } else if (p == "description") {
      if (auto s = ValidateBoundedText(in.description(), Limits::kDescriptionMax,
                                       "document.description");
          !s.ok()) {
        return s;
      }
    } else if (p == "properties") {
      LC_RETURN_IF_ERROR(ValidateProperties(in.properties(), "document.properties"));
    } else if (p == "type") {
      LC_RETURN_IF_ERROR(ValidateType(in.type(), "document.type", false));
    } else {
      return Invalid("update_mask", absl::StrCat("field '", p,
                                                 "' cannot be updated (updatable: title, "
                                                 "description, properties, type)"));
    }
    paths.insert(p);
  }
  if (auto visible = Visible(who, in.id(), "document.id"); !visible.ok()) return visible.status();
  absl::Time now = Now();
  auto updated =
      store_.Mutate(in.id(), now, [&](v1::Document& doc, MutationEffects& fx) -> absl::Status {
        LC_RETURN_IF_ERROR(CheckEtag(req.etag(), doc));
        std::vector<std::string> changed;
        if (paths.count("title") && doc.title() != in.title()) {
          doc.set_title(in.title());
          changed.push_back("title");
        }
        if (paths.count("title")) doc.set_title_locked(true);
        if (paths.count("description") && doc.description() != in.description()) {
          doc.set_description(in.description());
          changed.push_back("description");
        }
        if (paths.count("properties")) {
          bool same = doc.properties().size() == in.properties().size();
          for (const auto& [k, v] : in.properties()) {
            auto it = doc.properties().find(k);
            same = same && it != doc.properties().end() && it->second == v;
          }
          if (!same) {
            *doc.mutable_properties() = in.properties();
            changed.push_back("properties");
          }
        }
        if (paths.count("type") && doc.type() != in.type()) {
          doc.set_type(in.type());
          changed.push_back("type");
        }
        auto ev = Event(doc.id(), v1::HISTORY_EVENT_KIND_UPDATED, who, ToProtoTimestamp(now),
                        changed.empty() ? "no change" : absl::StrJoin(changed, ", "));
        for (auto& c : changed) ev.add_changed_fields(c);
        fx.events.push_back(std::move(ev));
        return absl::OkStatus();
      });
  if (updated.ok()) QueueIndexing(*updated, "updated");
  return updated;
}

absl::Status Repository::Delete(const Principal& who, const v1::DeleteDocumentRequest& req) {
  if (auto visible = Visible(who, req.id(), "id"); !visible.ok()) return visible.status();
  auto now = ToProtoTimestamp(Now());
  absl::Status deleted = store_.Delete(
      req.id(), [&](const v1::Document& doc) { return CheckEtag(req.etag(), doc); },
      Event(req.id(), v1::HISTORY_EVENT_KIND_DELETED, who, now, "deleted"));
  if (deleted.ok() && index_ != nullptr) {
    if (auto s = index_->Remove(req.id()); !s.ok()) {
      LogWarn("could not remove a deleted document from the index",
              {{"document", req.id()}, {"error", s.ToString()}});
    }
  }
  return deleted;
}

absl::StatusOr<v1::ListDocumentsResponse> Repository::List(const Principal& who,
                                                           const v1::ListDocumentsRequest& req) {
  auto size = PageSize(req.page_size(), "page_size");
  if (!size.ok()) return size.status();
  if (req.type() != v1::DOCUMENT_TYPE_UNSPECIFIED) {
    LC_RETURN_IF_ERROR(ValidateType(req.type(), "type", false));
  }
  if (req.all_users() && !who.IsAdmin()) {
    return absl::PermissionDeniedError(
        "all_users: listing every user's documents needs the admin role");
  }
  DocumentQuery q;
  q.owner = req.all_users() ? "" : who.subject;
  q.type = req.type();
  q.provider = req.provider();
  q.limit = *size;
  // The token binds the filter, so a token cannot be replayed under another one.
  std::string filter = absl::StrCat(static_cast<int>(req.type()), ":", req.provider(), ":",
                                    req.all_users() ? "all" : who.subject);
  if (!req.page_token().empty()) {
    auto parts = DecodeToken(req.page_token(), "d", 4, "page_token");
    if (!parts.ok()) return parts.status();
    int64_t micros;
    if ((*parts)[1] != filter || !absl::SimpleAtoi((*parts)[2], &micros) ||
        !ValidateUuid((*parts)[3], "page_token").ok()) {
      return Invalid("page_token", "does not belong to this listing");
    }
    q.after = std::make_pair(absl::FromUnixMicros(micros), (*parts)[3]);
  }
  auto page = store_.List(q);
  if (!page.ok()) return page.status();
  v1::ListDocumentsResponse resp;
  for (auto& d : page->documents) *resp.add_documents() = std::move(d);
  if (page->has_more && !resp.documents().empty()) {
    const auto& last = resp.documents(resp.documents_size() - 1);
    resp.set_next_page_token(EncodeToken(
        {"d", filter, std::to_string(absl::ToUnixMicros(FromProtoTimestamp(last.created_time()))),
         last.id()}));
  }
  return resp;
}

absl::StatusOr<v1::Version> Repository::CreateVersion(const Principal& who,
                                                      const v1::CreateVersionRequest& req) {
  LC_RETURN_IF_ERROR(ValidateBoundedText(req.label(), Limits::kLabelMax, "label"));
  if (HasControl(req.label())) return Invalid("label", "must not contain control characters");
  if (auto s = ValidateBoundedText(req.comment(), Limits::kCommentMax, "comment"); !s.ok()) {
    return s;
  }
  auto visible = Visible(who, req.document_id(), "document_id");
  if (!visible.ok()) return visible.status();
  // Pin at the provider before writing, so a version always names bytes the
  // provider keeps. The network call stays outside the transaction.
  std::optional<v1::PinRevisionResponse> pinned;
  if (cloud_ != nullptr && visible->reference_state() == v1::REFERENCE_STATE_OK) {
    auto pin = cloud_->Pin(visible->owner(), visible->blob());
    if (!pin.ok()) return pin.status();
    if (pin->blob().revision().empty()) {
      return absl::InternalError("the providers service pinned no revision");
    }
    pinned = *std::move(pin);
  }
  absl::Time now = Now();
  auto ts = ToProtoTimestamp(now);
  v1::Version version;
  auto updated = store_.Mutate(req.document_id(), now, [&](v1::Document& doc, MutationEffects& fx) {
    // The version keeps the pinned revision (for OneDrive a version id, not
    // the cTag the document stores) and the pin's metadata as they come. The
    // document itself is left to sync, so no cloud change slips in unseen.
    const std::string revision =
        pinned ? pinned->blob().revision() : doc.blob_metadata().revision();
    if (revision.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("document ", doc.id(),
                       " has no known provider revision, so no version can pin its bytes"));
    }
    if (doc.reference_state() != v1::REFERENCE_STATE_OK) {
      return absl::FailedPreconditionError(
          absl::StrCat("document ", doc.id(),
                       " references a file that can no longer be read: ", doc.reference_reason()));
    }
    version.set_id(NewUuid());
    version.set_document_id(doc.id());
    version.set_number(doc.version_count() + 1);
    version.set_label(req.label());
    version.set_comment(req.comment());
    *version.mutable_created_time() = ts;
    version.set_created_by(who.subject);
    version.set_type(doc.type());
    version.set_title(doc.title());
    version.set_description(doc.description());
    *version.mutable_properties() = doc.properties();
    *version.mutable_blob() = doc.blob();
    version.mutable_blob()->set_revision(revision);
    *version.mutable_blob_metadata() =
        pinned && pinned->has_metadata() ? pinned->metadata() : doc.blob_metadata();
    version.set_state(v1::VERSION_STATE_AVAILABLE);
    doc.set_version_count(version.number());
    auto ev = Event(doc.id(), v1::HISTORY_EVENT_KIND_VERSIONED, who, ts,
                    absl::StrCat("version ", version.number(),
                                 req.label().empty() ? "" : " (" + req.label() + ")"));
    ev.set_version_id(version.id());
    fx.events.push_back(std::move(ev));
    fx.new_version = version;
    return absl::OkStatus();
  });
  if (!updated.ok()) return updated.status();
  return version;
}

absl::StatusOr<v1::ListVersionsResponse> Repository::ListVersions(
    const Principal& who, const v1::ListVersionsRequest& req) {
  auto size = PageSize(req.page_size(), "page_size");
  if (!size.ok()) return size.status();
  if (auto visible = Visible(who, req.document_id(), "document_id"); !visible.ok()) {
    return visible.status();
  }
  int after = 0;
  if (!req.page_token().empty()) {
    auto parts = DecodeToken(req.page_token(), "v", 3, "page_token");
    if (!parts.ok()) return parts.status();
    if ((*parts)[1] != req.document_id() || !absl::SimpleAtoi((*parts)[2], &after)) {
      return Invalid("page_token", "does not belong to this listing");
    }
  }
  auto versions = store_.ListVersions(req.document_id(), after, *size + 1);
  if (!versions.ok()) return versions.status();
  v1::ListVersionsResponse resp;
  for (int i = 0; i < static_cast<int>(versions->size()) && i < *size; ++i) {
    *resp.add_versions() = (*versions)[i];
  }
  if (static_cast<int>(versions->size()) > *size) {
    resp.set_next_page_token(
        EncodeToken({"v", req.document_id(), std::to_string(resp.versions(*size - 1).number())}));
  }
  return resp;
}

absl::StatusOr<v1::Version> Repository::GetVersion(const Principal& who,
                                                   const v1::GetVersionRequest& req) {
  LC_RETURN_IF_ERROR(ValidateUuid(req.version_id(), "version_id"));
  if (auto visible = Visible(who, req.document_id(), "document_id"); !visible.ok()) {
    return visible.status();
  }
  return store_.GetVersion(req.document_id(), req.version_id());
}

absl::StatusOr<v1::GetHistoryResponse> Repository::History(const Principal& who,
                                                           const v1::GetHistoryRequest& req) {
  auto size = PageSize(req.page_size(), "page_size");
  if (!size.ok()) return size.status();
  LC_RETURN_IF_ERROR(ValidateUuid(req.document_id(), "document_id"));
  // History outlives the document, so ownership comes from the history itself.
  auto owner = store_.HistoryOwner(req.document_id());
  if (!owner.ok()) return owner.status();
  if (*owner != who.subject && !who.IsAdmin()) {
    return absl::NotFoundError(absl::StrCat("document ", req.document_id(), " not found"));
  }
  int64_t after = 0;
  if (!req.page_token().empty()) {
    auto parts = DecodeToken(req.page_token(), "h", 3, "page_token");
    if (!parts.ok()) return parts.status();
    if ((*parts)[1] != req.document_id() || !absl::SimpleAtoi((*parts)[2], &after)) {
      return Invalid("page_token", "does not belong to this listing");
    }
  }
  auto events = store_.ListHistory(req.document_id(), after, *size + 1);
  if (!events.ok()) return events.status();
  v1::GetHistoryResponse resp;
  for (int i = 0; i < static_cast<int>(events->size()) && i < *size; ++i) {
    *resp.add_events() = (*events)[i];
  }
  if (static_cast<int>(events->size()) > *size) {
    resp.set_next_page_token(
        EncodeToken({"h", req.document_id(), std::to_string(resp.events(*size - 1).id())}));
  }
  return resp;
}

absl::StatusOr<v1::Link> Repository::BlobLink(const Principal& who,
                                              const v1::GetBlobLinkRequest& req) {
  if (req.kind() == v1::LINK_KIND_UNSPECIFIED || !v1::LinkKind_IsValid(req.kind())) {
    return Invalid("kind", "required: DOWNLOAD, PREVIEW, PDF, THUMBNAIL, EDIT or APP");
  }
  auto doc = Visible(who, req.document_id(), "document_id");
  if (!doc.ok()) return doc.status();
  v1::BlobRef blob = doc->blob();
  std::optional<v1::Version> version;
  if (!req.version_id().empty()) {
    v1::GetVersionRequest vreq;
    vreq.set_document_id(req.document_id());
    vreq.set_version_id(req.version_id());
    auto v = GetVersion(who, vreq);
    if (!v.ok()) return v.status();
    version = *std::move(v);
    blob = version->blob();  // carries the pinned revision: that version's bytes
  }
  if (cloud_ == nullptr) {
    return absl::FailedPreconditionError(
        "links need the providers service, which this deployment does not run");
  }
  if (doc->reference_state() != v1::REFERENCE_STATE_OK) {
    return absl::FailedPreconditionError(
        absl::StrCat("document ", doc->id(),
                     " references a file that can no longer be read: ", doc->reference_reason()));
  }
  // A revision never comes back: no need to ask the provider again.
  if (version && version->state() == v1::VERSION_STATE_REVISION_EXPIRED) {
    return RevisionExpiredError(*version);
  }
  // The owner's connected account reads the file, also when an admin asks.
  auto link = cloud_->GetLink(doc->owner(), blob, req.kind());
  if (version && absl::IsNotFound(link.status())) {
    return VersionLinkNotFound(*doc, *version, link.status());
  }
  return link;
}

absl::Status RevisionExpiredError(const v1::Version& version) {
  std::string found;
  if (version.has_state_time()) {
    found = absl::StrCat(
        " (found ",
        absl::FormatTime("%Y-%m-%d %H:%M UTC", FromProtoTimestamp(version.state_time()),
                         absl::UTCTimeZone()),
        ")");
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "version ", version.number(), " of document ", version.document_id(),
      " is no longer available: ", version.blob().provider(), " no longer keeps revision ",
      version.blob().revision(), found, ". ", version.state_reason()));
}

absl::Status Repository::VersionLinkNotFound(const v1::Document& doc, const v1::Version& version,
                                             const absl::Status& not_found) {
  v1::BlobRef live = doc.blob();
  live.clear_revision();
  auto file = cloud_->GetFile(doc.owner(), live);
  if (!file.ok() || file->trashed() || file->deleted()) {
    return not_found;  // the file itself is gone: sync marks the document
  }
  const std::string reason = absl::StrCat(
      "The provider answered that the revision no longer exists (", not_found.message(), ").");
  auto marked =
      MarkExpired({doc.owner(), doc.blob().provider(), doc.blob().account()}, doc.blob().file_id(),
                  {version.blob().revision()}, Now(), reason, "service:repository");
  if (!marked.ok()) {
    LogWarn("could not mark a version whose revision is gone",
            {{"version", version.id()}, {"error", marked.status().ToString()}});
  }
  v1::Version expired = version;
  expired.set_state(v1::VERSION_STATE_REVISION_EXPIRED);
  *expired.mutable_state_time() = ToProtoTimestamp(Now());
  expired.set_state_reason(reason);
  if (marked.ok()) {
    for (const auto& v : *marked) {
      if (v.id() == version.id()) expired = v;
    }
  }
  return RevisionExpiredError(expired);
}

absl::StatusOr<std::vector<v1::Version>> Repository::MarkExpired(
    const DocumentStore::AccountKey& account, const std::string& file_id,
    const std::vector<std::string>& revisions, absl::Time found, const std::string& reason,
    const std::string& actor) {
  const auto ts = ToProtoTimestamp(Now());
  return store_.MarkRevisionsExpired(
      account, file_id, revisions, found, reason, [&](const v1::Version& v) {
        v1::HistoryEvent e;
        e.set_document_id(v.document_id());
        e.set_kind(v1::HISTORY_EVENT_KIND_REVISION_EXPIRED);
        e.set_actor(actor);
        *e.mutable_time() = ts;
        e.set_summary(absl::StrCat("version ", v.number(), ": ", account.provider,
                                   " no longer keeps revision ", v.blob().revision()));
        e.add_changed_fields("state");
        e.set_version_id(v.id());
        return e;
      });
}

namespace {

absl::Status ValidateAccountKey(const std::string& user, const std::string& provider,
                                const std::string& account) {
  if (user.empty()) return Invalid("user", "required");
  if (provider.empty()) return Invalid("provider", "required");
  if (account.empty()) return Invalid("account", "required");
  return absl::OkStatus();
}

bool SameTime(const v1::BlobMetadata& a, const v1::BlobMetadata& b) {
  return a.has_modified_time() == b.has_modified_time() &&
         a.modified_time().seconds() == b.modified_time().seconds() &&
         a.modified_time().nanos() / 1000 == b.modified_time().nanos() / 1000;
}

}  // namespace

bool ApplyChangeToDocument(const v1::ApplyFileChangeRequest& change, v1::Document& doc,
                           std::vector<std::string>* changed) {
  if (change.kind() == v1::CHANGE_KIND_DELETED || change.kind() == v1::CHANGE_KIND_ACCESS_LOST) {
    v1::ReferenceState state = change.kind() == v1::CHANGE_KIND_DELETED
                                   ? v1::REFERENCE_STATE_FILE_DELETED
                                   : v1::REFERENCE_STATE_ACCESS_LOST;
    if (doc.reference_state() == state) return false;
    doc.set_reference_state(state);
    std::string reason = change.reason();
    if (reason.empty()) {
      reason = state == v1::REFERENCE_STATE_FILE_DELETED
                   ? "the file was deleted in the cloud"
                   : "the account can no longer read the file";
    }
    doc.set_reference_reason(reason);
    changed->push_back("reference_state");
    return true;
  }
  // Any of digest, revision, size, name or modified time counts: compared
  // with what is stored, never with a cache.
  const v1::BlobMetadata& in = change.metadata();
  v1::BlobMetadata* md = doc.mutable_blob_metadata();
  bool content_changed = false;
  if (md->digest() != in.digest() || md->digest_algorithm() != in.digest_algorithm()) {
    changed->push_back("blob_metadata.digest");
    content_changed = true;
  }
  if (md->revision() != in.revision()) {
    changed->push_back("blob_metadata.revision");
    content_changed = true;
  }
  if (md->has_size() != in.has_size() || md->size() != in.size()) {
    changed->push_back("blob_metadata.size");
    content_changed = true;
  }
  if (!SameTime(*md, in)) changed->push_back("blob_metadata.modified_time");
  if (md->mime_type() != in.mime_type()) changed->push_back("blob_metadata.mime_type");
  if (md->native_document() != in.native_document()) {
    changed->push_back("blob_metadata.native_document");
  }
  bool renamed = md->filename() != in.filename();
  if (renamed) changed->push_back("blob_metadata.filename");
  if (renamed && !doc.title_locked() && !in.filename().empty() && doc.title() != in.filename()) {
    doc.set_title(in.filename());
    changed->push_back("title");
  }
  if (doc.reference_state() != v1::REFERENCE_STATE_OK) {
    doc.set_reference_state(v1::REFERENCE_STATE_OK);
    doc.clear_reference_reason();
    changed->push_back("reference_state");
    content_changed = true;
  }
  v1::ThumbnailState thumb =
      change.has_thumbnail() ? v1::THUMBNAIL_STATE_AVAILABLE : v1::THUMBNAIL_STATE_NONE;
  if (doc.thumbnail_state() != thumb) {
    doc.set_thumbnail_state(thumb);
    changed->push_back("thumbnail_state");
  }
  if (changed->empty()) return false;
  *md = in;
  if (content_changed || renamed) {
    doc.set_fulltext_state(v1::FULLTEXT_STATE_PENDING);
    doc.clear_fulltext_reason();
  }
  return true;
}

absl::StatusOr<v1::ListReferencedAccountsResponse> Repository::ReferencedAccounts(
    const v1::ListReferencedAccountsRequest& req) {
  auto size = PageSize(req.page_size(), "page_size");
  if (!size.ok()) return size.status();
  std::optional<DocumentStore::AccountKey> after;
  if (!req.page_token().empty()) {
    auto parts = DecodeToken(req.page_token(), "a", 4, "page_token");
    if (!parts.ok()) return parts.status();
    after = DocumentStore::AccountKey{(*parts)[1], (*parts)[2], (*parts)[3]};
  }
  auto accounts = store_.ListReferencedAccounts(after, *size + 1);
  if (!accounts.ok()) return accounts.status();
  v1::ListReferencedAccountsResponse resp;
  for (int i = 0; i < static_cast<int>(accounts->size()) && i < *size; ++i) {
    const auto& a = (*accounts)[i];
    auto* out = resp.add_accounts();
    out->set_user(a.key.owner);
    out->set_provider(a.key.provider);
    out->set_account(a.key.account);
    out->set_document_count(a.document_count);
  }
  if (static_cast<int>(accounts->size()) > *size) {
    const auto& last = resp.accounts(*size - 1);
    resp.set_next_page_token(EncodeToken({"a", last.user(), last.provider(), last.account()}));
  }
  return resp;
}

absl::StatusOr<v1::FindDocumentsByFilesResponse> Repository::FindByFiles(
    const v1::FindDocumentsByFilesRequest& req) {
  LC_RETURN_IF_ERROR(ValidateAccountKey(req.user(), req.provider(), req.account()));
  if (req.file_ids_size() > 1000) return Invalid("file_ids", "at most 1000 per call");
  auto size = PageSize(req.page_size(), "page_size");
  if (!size.ok()) return size.status();
  std::string after;
  if (!req.page_token().empty()) {
    auto parts = DecodeToken(req.page_token(), "f", 2, "page_token");
    if (!parts.ok()) return parts.status();
    LC_RETURN_IF_ERROR(ValidateUuid((*parts)[1], "page_token"));
    after = (*parts)[1];
  }
  std::vector<std::string> ids(req.file_ids().begin(), req.file_ids().end());
  auto docs =
      store_.FindByFiles({req.user(), req.provider(), req.account()}, ids, after, *size + 1);
  if (!docs.ok()) return docs.status();
  v1::FindDocumentsByFilesResponse resp;
  for (int i = 0; i < static_cast<int>(docs->size()) && i < *size; ++i) {
    *resp.add_documents() = (*docs)[i];
  }
  if (static_cast<int>(docs->size()) > *size) {
    resp.set_next_page_token(EncodeToken({"f", resp.documents(*size - 1).id()}));
  }
  return resp;
}

absl::StatusOr<v1::ApplyFileChangeResponse> Repository::ApplyFileChange(
    const Principal& who, const v1::ApplyFileChangeRequest& req) {
  LC_RETURN_IF_ERROR(ValidateAccountKey(req.user(), req.provider(), req.account()));
  if (req.file_id().empty()) return Invalid("file_id", "required");
  if (req.kind() == v1::CHANGE_KIND_UNSPECIFIED || !v1::ChangeKind_IsValid(req.kind())) {
    return Invalid("kind", "required: MODIFIED, RENAMED, DELETED or ACCESS_LOST");
  }
  bool lost = req.kind() == v1::CHANGE_KIND_DELETED || req.kind() == v1::CHANGE_KIND_ACCESS_LOST;
  if (!lost && !req.has_metadata()) {
    return Invalid("metadata", "required for MODIFIED and RENAMED changes");
  }
  absl::Time now = Now();
  auto ts = ToProtoTimestamp(now);
  auto result = store_.MutateByFile(
      {req.user(), req.provider(), req.account()}, req.file_id(), now,
      [&](v1::Document& doc, MutationEffects& fx) -> absl::StatusOr<bool> {
        std::vector<std::string> changed;
        if (!ApplyChangeToDocument(req, doc, &changed)) return false;
        auto ev = Event(
            doc.id(), lost ? v1::HISTORY_EVENT_KIND_REFERENCE_LOST : v1::HISTORY_EVENT_KIND_SYNCED,
            who, ts, lost ? doc.reference_reason() : absl::StrJoin(changed, ", "));
        for (auto& c : changed) ev.add_changed_fields(c);
        fx.events.push_back(std::move(ev));
        return true;
      });
  if (!result.ok()) return result.status();
  v1::ApplyFileChangeResponse resp;
  for (const auto& doc : result->changed) {
    resp.add_updated_document_ids(doc.id());
    if (doc.fulltext_state() == v1::FULLTEXT_STATE_PENDING) QueueIndexing(doc, "synced");
  }
  resp.set_unchanged_count(result->unchanged);
  return resp;
}

absl::StatusOr<v1::ListPinnedRevisionsResponse> Repository::PinnedRevisions(
    const v1::ListPinnedRevisionsRequest& req) {
  LC_RETURN_IF_ERROR(ValidateAccountKey(req.user(), req.provider(), req.account()));
  if (req.file_ids().empty()) return Invalid("file_ids", "required (1 to 1000 file ids)");
  if (req.file_ids_size() > 1000) return Invalid("file_ids", "at most 1000 per call");
  auto size = PageSize(req.page_size(), "page_size");
  if (!size.ok()) return size.status();
  std::string after;
  if (!req.page_token().empty()) {
    auto parts = DecodeToken(req.page_token(), "p", 2, "page_token");
    if (!parts.ok()) return parts.status();
    LC_RETURN_IF_ERROR(ValidateUuid((*parts)[1], "page_token"));
    after = (*parts)[1];
  }
  std::vector<std::string> ids(req.file_ids().begin(), req.file_ids().end());
  auto pins = store_.ListPins({req.user(), req.provider(), req.account()}, ids, after, *size + 1);
  if (!pins.ok()) return pins.status();
  v1::ListPinnedRevisionsResponse resp;
  for (int i = 0; i < static_cast<int>(pins->size()) && i < *size; ++i) {
    const auto& p = (*pins)[i];
    auto* out = resp.add_pins();
    out->set_file_id(p.file_id);
    out->set_revision(p.revision);
    out->set_document_id(p.document_id);
    out->set_version_id(p.version_id);
  }
  if (static_cast<int>(pins->size()) > *size) {
    resp.set_next_page_token(EncodeToken({"p", resp.pins(*size - 1).version_id()}));
  }
  return resp;
}

absl::StatusOr<v1::MarkRevisionsExpiredResponse> Repository::MarkRevisionsExpired(
    const Principal& who, const v1::MarkRevisionsExpiredRequest& req) {
  LC_RETURN_IF_ERROR(ValidateAccountKey(req.user(), req.provider(), req.account()));
  if (req.file_id().empty()) return Invalid("file_id", "required");
  if (req.revisions().empty()) return Invalid("revisions", "required (1 to 1000 revisions)");
  if (req.revisions_size() > 1000) return Invalid("revisions", "at most 1000 per call");
  for (const auto& r : req.revisions()) {
    if (r.empty()) return Invalid("revisions", "must not contain an empty revision");
  }
  LC_RETURN_IF_ERROR(ValidateBoundedText(req.reason(), Limits::kCommentMax, "reason"));
  // Stored with microseconds, like every other time.
  const absl::Time found =
      req.has_observed_time()
          ? absl::FromUnixMicros(absl::ToUnixMicros(FromProtoTimestamp(req.observed_time())))
          : Now();
  std::string reason = req.reason();
  if (reason.empty()) {
    reason = absl::StrCat(req.provider(),
                          " no longer lists the revision: its revision history "
                          "dropped it.");
  }
  std::vector<std::string> revisions(req.revisions().begin(), req.revisions().end());
  auto marked = MarkExpired({req.user(), req.provider(), req.account()}, req.file_id(), revisions,
                            found, reason, who.subject);
  if (!marked.ok()) return marked.status();
  v1::MarkRevisionsExpiredResponse resp;
  for (const auto& v : *marked) resp.add_expired_version_ids(v.id());
  return resp;
}

absl::Status Repository::RecordFulltextState(const v1::RecordFulltextStateRequest& req) {
  LC_RETURN_IF_ERROR(ValidateUuid(req.document_id(), "document_id"));
  if (req.state() != v1::FULLTEXT_STATE_INDEXED &&
      req.state() != v1::FULLTEXT_STATE_METADATA_ONLY) {
    return Invalid("state", "INDEXED or METADATA_ONLY");
  }
  return store_.SetFulltextState(req.document_id(), req.state(), req.reason());
}

}  // namespace lc::repository
