#include "indexer/indexer.h"

#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "runtime/encoding.h"
#include "runtime/proto_time.h"
#include "runtime/status.h"

namespace lc::indexer {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr size_t kMaxQueryChars = 1000;

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

absl::Status CheckUuid(const std::string& value, const char* field) {
  if (!IsUuid(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", value, "\" is not a lower-case UUID"));
  }
  return absl::OkStatus();
}

// FNV-1a: stable across processes, so a page token works on any replica.
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string QueryFingerprint(const v1::SearchRequest& req, bool by_date) {
  return absl::StrCat(Fnv1a(absl::StrCat(req.query(), "\x1f", req.filter().SerializeAsString(),
                                         "\x1f", by_date ? "date" : "rel")));
}

std::string EncodeToken(const std::string& fingerprint, const SearchCursor& c) {
  return Base64UrlEncode(
      absl::StrCat("1|", fingerprint, "|", c.score, "|", c.time, "|", c.document_id));
}

absl::StatusOr<SearchCursor> DecodeToken(const std::string& token, const std::string& fingerprint) {
  std::string raw;
  const auto bad = absl::InvalidArgumentError("page_token: not a token this search returned");
  if (!Base64UrlDecode(token, &raw)) return bad;
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  if (parts.size() != 5 || parts[0] != "1" || !IsUuid(parts[4])) return bad;
  if (parts[1] != fingerprint) {
    return absl::InvalidArgumentError("page_token: belongs to a different query, filter or order");
  }
  return SearchCursor{parts[2], parts[3], parts[4]};
}

}  // namespace

Indexer::Indexer(IndexStore& store, std::function<void()> notify, absl::Duration progress_interval)
    : store_(store), notify_(std::move(notify)), progress_interval_(progress_interval) {}

absl::StatusOr<v1::EnqueueIndexingResponse> Indexer::Enqueue(
    const v1::EnqueueIndexingRequest& req) {
  LC_RETURN_IF_ERROR(CheckUuid(req.document_id(), "document_id"));
  if (!req.has_document()) {
    return absl::InvalidArgumentError(
        "document: required (the snapshot to index: title, owner, blob, blob_metadata)");
  }
  v1::Document doc = req.document();
  if (doc.id().empty()) doc.set_id(req.document_id());
  if (doc.id() != req.document_id()) {
    return absl::InvalidArgumentError("document.id: differs from document_id");
  }
  if (doc.owner().empty()) return absl::InvalidArgumentError("document.owner: required");
  if (doc.blob().provider().empty() || doc.blob().file_id().empty()) {
    return absl::InvalidArgumentError("document.blob: provider and file_id are required");
  }
  if (req.reason().size() > 128) {
    return absl::InvalidArgumentError("reason: at most 128 characters");
  }
  auto id = store_.Enqueue(doc, req.reason());
  if (!id.ok()) return id.status();
  if (notify_) notify_();
  v1::EnqueueIndexingResponse resp;
  resp.set_job_id(*id);
  return resp;
}

absl::Status Indexer::Remove(const v1::RemoveFromIndexRequest& req) {
  LC_RETURN_IF_ERROR(CheckUuid(req.document_id(), "document_id"));
  return store_.Remove(req.document_id());
}

absl::StatusOr<v1::SearchResponse> Indexer::Search(const Principal& who,
                                                   const v1::SearchRequest& req) {
  if (req.query().size() > kMaxQueryChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("query: at most ", kMaxQueryChars, " characters"));
  }
  if (req.page_size() < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  for (int t : req.filter().types()) {
    if (!v1::DocumentType_IsValid(t) || t == v1::DOCUMENT_TYPE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("filter.types: unknown type ", t));
    }
  }
  if (req.filter().has_modified_after()) {
    LC_RETURN_IF_ERROR(ValidateTimestamp(req.filter().modified_after(), "filter.modified_after"));
  }
  if (req.filter().has_modified_before()) {
    LC_RETURN_IF_ERROR(ValidateTimestamp(req.filter().modified_before(), "filter.modified_before"));
  }
  if (req.filter().has_modified_after() && req.filter().has_modified_before() &&
      FromProtoTimestamp(req.filter().modified_after()) >
          FromProtoTimestamp(req.filter().modified_before())) {
    return absl::InvalidArgumentError("filter: modified_after is later than modified_before");
  }
  if (!v1::SearchOrder_IsValid(req.order())) {
    return absl::InvalidArgumentError("order: unknown value");
  }
  SearchQuery q;
  q.user = who.subject;
  q.admin = who.IsAdmin() || who.IsService();
  q.text = req.query();
  q.filter = req.filter();
  q.by_date = req.order() == v1::SEARCH_ORDER_MODIFIED_DESC;
  q.limit = req.page_size() == 0 ? kDefaultPageSize : std::min(req.page_size(), kMaxPageSize);
  const std::string fingerprint = QueryFingerprint(req, q.by_date);
  if (!req.page_token().empty()) {
    auto cursor = DecodeToken(req.page_token(), fingerprint);
    if (!cursor.ok()) return cursor.status();
    q.after = *cursor;
  }
  auto page = store_.Search(q);
  if (!page.ok()) return page.status();
  v1::SearchResponse resp;
  for (auto& hit : page->hits) *resp.add_hits() = std::move(hit);
  if (page->has_more) resp.set_next_page_token(EncodeToken(fingerprint, page->last));
  resp.set_total_count(page->total);
  resp.set_total_is_estimate(page->total_is_estimate);
  return resp;
}

absl::StatusOr<v1::IndexStatusResponse> Indexer::Status(const Principal& who,
                                                        const v1::IndexStatusRequest& req) {
  if (!req.document_id().empty()) {
    LC_RETURN_IF_ERROR(CheckUuid(req.document_id(), "document_id"));
  }
  return store_.Status(req.document_id(), who.subject, who.IsAdmin() || who.IsService());
}

absl::Status Indexer::Reindex(const v1::ReindexRequest& req,
                              const std::function<bool(const v1::ReindexProgress&)>& write,
                              const std::function<bool()>& cancelled) {
  std::random_device rd;
  const std::string batch = absl::StrCat("reindex-", absl::ToUnixMicros(absl::Now()), "-", rd());
  auto queued = store_.QueueReindex(req.filter(), batch);
  if (!queued.ok()) return queued.status();
  if (notify_) {
    for (int i = 0; i < 8; ++i) notify_();
  }
  v1::ReindexProgress progress;
  progress.set_queued(*queued);
  while (true) {
    auto p = store_.Progress(batch);
    if (!p.ok()) return p.status();
    progress.set_failed(p->failed);
    progress.set_done(std::max<int64_t>(0, *queued - p->remaining - p->failed));
    progress.set_finished(p->remaining == 0);
    if (!write(progress)) return absl::CancelledError("the client went away");
    if (progress.finished()) return absl::OkStatus();
    if (cancelled()) return absl::CancelledError("the client cancelled the reindex");
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(progress_interval_));
  }
}

}  // namespace lc::indexer
