#include "providers/metadata_cache.h"

#include "absl/strings/str_cat.h"

namespace lc::providers {

MetadataCache::MetadataCache(absl::Duration ttl, size_t max_entries,
                             std::function<absl::Time()> now)
    : ttl_(ttl), max_entries_(max_entries), now_(std::move(now)) {}

std::string MetadataCache::Key(const std::string& user, const ::liveconnect::v1::BlobRef& ref) {
  // Length-prefixed parts: no separator can be forged by a crafted id.
  std::string key;
  for (const std::string* part :
       {&user, &ref.provider(), &ref.account(), &ref.file_id(), &ref.revision()}) {
    absl::StrAppend(&key, part->size(), ":", *part, "|");
  }
  return key;
}

std::optional<::liveconnect::v1::CloudFile> MetadataCache::Get(const std::string& key) {
  if (ttl_ <= absl::ZeroDuration()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now_()) {
    order_.erase(it->second.order);
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.file;
}

void MetadataCache::Put(const std::string& key, const ::liveconnect::v1::CloudFile& file) {
  if (ttl_ <= absl::ZeroDuration() || max_entries_ == 0) return;
  absl::MutexLock lock(&mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    order_.erase(it->second.order);
    entries_.erase(it);
  }
  while (entries_.size() >= max_entries_ && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  entries_[key] = Entry{file, now_() + ttl_, std::prev(order_.end())};
}

}  // namespace lc::providers
