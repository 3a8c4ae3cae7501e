#include "gateway/link_cache.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace lc::gateway {

std::string LinkCache::Key(const std::string& user, const std::string& document_id,
                           const std::string& version_id, int kind) {
  // Lengths first: no choice of ids can make two keys collide.
  return absl::StrCat(user.size(), ":", user, "|", document_id.size(), ":", document_id, "|",
                      version_id, "|", kind);
}

std::optional<liveconnect::v1::Link> LinkCache::Get(const std::string& key, absl::Time now) {
  if (options_.ttl <= absl::ZeroDuration()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.until <= now) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.link;
}

void LinkCache::Put(const std::string& key, const liveconnect::v1::Link& link, absl::Time now) {
  if (options_.ttl <= absl::ZeroDuration() || options_.max_entries == 0) return;
  absl::Time until = now + options_.ttl;
  if (link.has_expire_time()) {
    const absl::Time expires =
        absl::FromUnixSeconds(link.expire_time().seconds()) + absl::Nanoseconds(link.expire_time().nanos());
    until = std::min(until, expires - options_.expiry_margin);
  }
  if (until <= now) return;
  absl::MutexLock lock(&mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    it->second.link = link;
    it->second.until = until;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return;
  }
  while (entries_.size() >= options_.max_entries && !lru_.empty()) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  entries_.emplace(key, Entry{link, until, lru_.begin()});
}

size_t LinkCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace lc::gateway
