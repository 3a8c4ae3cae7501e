#include "providers/providers.h"

#include "absl/strings/str_cat.h"

namespace lc::providers {

Providers::Providers(const AdapterRegistry& adapters, TokenSource& tokens, HttpClient& http,
                     ReliabilityState& reliability, MetadataCache& cache, Options options)
    : adapters_(adapters),
      tokens_(tokens),
      http_(http),
      reliability_(reliability),
      cache_(cache),
      options_(options) {}

absl::StatusOr<ProviderAdapter*> Providers::Adapter(const std::string& provider) const {
  if (provider.empty()) return absl::InvalidArgumentError("provider is required");
  ProviderAdapter* adapter = adapters_.Find(provider);
  if (adapter == nullptr) {
    std::string known;
    for (const auto& n : adapters_.names()) absl::StrAppend(&known, known.empty() ? "" : ", ", n);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown provider \"", provider, "\" (known: ", known, ")"));
  }
  return adapter;
}

absl::Time Providers::Deadline(const Caller& caller) const {
  return std::min(caller.deadline, reliability_.clock().now() + options_.default_deadline);
}

absl::StatusOr<Providers::Bound> Providers::Open(const Caller& caller, const std::string& provider,
                                                 const std::string& account, absl::Time deadline) {
  auto adapter = Adapter(provider);
  if (!adapter.ok()) return adapter.status();
  if (account.empty()) return absl::InvalidArgumentError("account is required");
  if (caller.user.empty()) return absl::InvalidArgumentError("the call names no user");
  auto session = ResilientSession::Open(AccountKey{caller.user, provider, account}, **adapter,
                                        tokens_, http_, reliability_, deadline);
  if (!session.ok()) return session.status();
  return Bound{*adapter, *std::move(session)};
}

absl::StatusOr<Providers::Bound> Providers::OpenBlob(const Caller& caller, const v1::BlobRef& blob,
                                                     absl::Time deadline) {
  if (blob.file_id().empty()) return absl::InvalidArgumentError("blob.file_id is required");
  return Open(caller, blob.provider(), blob.account(), deadline);
}

absl::StatusOr<v1::GetCapabilitiesResponse> Providers::GetCapabilities(
    const std::string& provider) const {
  auto adapter = Adapter(provider);
  if (!adapter.ok()) return adapter.status();
  v1::GetCapabilitiesResponse out;
  out.set_provider(provider);
  for (auto& entry : (*adapter)->capabilities()) *out.add_capabilities() = std::move(entry);
  *out.mutable_pin_durability() = (*adapter)->pin_durability();
  return out;
}

absl::StatusOr<v1::ListFolderResponse> Providers::ListFolder(const Caller& caller,
                                                             const v1::ListFolderRequest& request) {
  if (request.page_size() < 0) return absl::InvalidArgumentError("page_size must not be negative");
  auto bound =
      Open(caller, request.account().provider(), request.account().account(), Deadline(caller));
  if (!bound.ok()) return bound.status();
  auto page = bound->adapter->ListFolder(*bound->session, request.folder_id(), request.page_token(),
                                         request.page_size());
  if (!page.ok()) return page.status();
  v1::ListFolderResponse out;
  for (auto& item : page->items) *out.add_items() = std::move(item);
  out.set_next_page_token(page->next_page_token);
  return out;
}

absl::StatusOr<v1::CloudFile> Providers::GetFile(const Caller& caller, const v1::BlobRef& blob,
                                                 bool no_cache) {
  const bool use_cache = !caller.service && !no_cache;
  const std::string key = MetadataCache::Key(caller.user, blob);
  if (use_cache) {
    if (auto hit = cache_.Get(key)) return *hit;
  }
  auto bound = OpenBlob(caller, blob, Deadline(caller));
  if (!bound.ok()) return bound.status();
  auto file = bound->adapter->GetFile(*bound->session, blob);
  if (!file.ok()) return file.status();
  // Fill the cache from sync reads too: they are the freshest.
  cache_.Put(key, *file);
  return file;
}

absl::StatusOr<v1::Link> Providers::GetLink(const Caller& caller, const v1::BlobRef& blob,
                                            v1::LinkKind kind) {
  if (kind == v1::LINK_KIND_UNSPECIFIED || !v1::LinkKind_IsValid(kind)) {
    return absl::InvalidArgumentError(
        "kind is required (DOWNLOAD, PREVIEW, PDF, THUMBNAIL, EDIT, APP)");
  }
  auto bound = OpenBlob(caller, blob, Deadline(caller));
  if (!bound.ok()) return bound.status();
  return bound->adapter->GetLink(*bound->session, blob, kind);
}

absl::Status Providers::GetContent(const Caller& caller, const v1::BlobRef& blob,
                                   v1::ContentFormat format, int64_t max_bytes, ContentSink& sink) {
  if (format == v1::CONTENT_FORMAT_UNSPECIFIED) format = v1::CONTENT_FORMAT_ORIGINAL;
  if (!v1::ContentFormat_IsValid(format)) return absl::InvalidArgumentError("unknown format");
  if (max_bytes < 0) return absl::InvalidArgumentError("max_bytes must not be negative");
  const int64_t cap =
      max_bytes == 0 ? options_.max_content_bytes : std::min(max_bytes, options_.max_content_bytes);
  const absl::Time deadline =
      std::min(caller.deadline, reliability_.clock().now() + options_.content_timeout);
  auto bound = OpenBlob(caller, blob, deadline);
  if (!bound.ok()) return bound.status();
  absl::Status s = bound->adapter->GetContent(*bound->session, blob, format, cap, sink);
  if (absl::IsResourceExhausted(s)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the content is larger than the cap of ", cap, " bytes"));
  }
  return s;
}

absl::StatusOr<v1::ListRevisionsResponse> Providers::ListRevisions(const Caller& caller,
                                                                   const v1::BlobRef& blob) {
  auto bound = OpenBlob(caller, blob, Deadline(caller));
  if (!bound.ok()) return bound.status();
  auto revs = bound->adapter->ListRevisions(*bound->session, blob);
  if (!revs.ok()) return revs.status();
  v1::ListRevisionsResponse out;
  for (auto& r : *revs) *out.add_revisions() = std::move(r);
  return out;
}

absl::StatusOr<v1::PinRevisionResponse> Providers::PinRevision(const Caller& caller,
                                                               const v1::BlobRef& blob) {
  auto bound = OpenBlob(caller, blob, Deadline(caller));
  if (!bound.ok()) return bound.status();
  auto out = bound->adapter->PinRevision(*bound->session, blob);
  if (out.ok() && out->blob().revision().empty()) {
    return absl::InternalError("the adapter pinned no revision");
  }
  return out;
}

absl::StatusOr<v1::GetStartCursorResponse> Providers::GetStartCursor(
    const Caller& caller, const v1::AccountRef& account) {
  auto bound = Open(caller, account.provider(), account.account(), Deadline(caller));
  if (!bound.ok()) return bound.status();
  auto cursor = bound->adapter->GetStartCursor(*bound->session);
  if (!cursor.ok()) return cursor.status();
  v1::GetStartCursorResponse out;
  out.set_cursor(*cursor);
  return out;
}

absl::StatusOr<v1::ListChangesResponse> Providers::ListChanges(const Caller& caller,
                                                               const v1::AccountRef& account,
                                                               const std::string& cursor) {
  if (cursor.empty()) return absl::InvalidArgumentError("cursor is required (see GetStartCursor)");
  auto bound = Open(caller, account.provider(), account.account(), Deadline(caller));
  if (!bound.ok()) return bound.status();
  auto page = bound->adapter->ListChanges(*bound->session, cursor);
  if (!page.ok()) return page.status();
  v1::ListChangesResponse out;
  for (auto& c : page->changes) *out.add_changes() = std::move(c);
  out.set_next_cursor(page->next_cursor);
  out.set_has_more(page->has_more);
  out.set_reset(page->reset);
  return out;
}

}  // namespace lc::providers
