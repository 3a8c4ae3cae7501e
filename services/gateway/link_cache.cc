#include "gateway/link_cache.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "runtime/proto_time.h"

namespace lc::gateway {

std::string LinkCache::Key(const std::string& user, const std::string& document_id,
                           const std::string& version_id, int kind) {
  // Lengths first: no choice of ids can make two keys collide.
  return absl::StrCat(user.size(), ":", user, "|", document_id.size(), ":", document_id, "|",
                      version_id, "|", kind);
}

LinkCache::Shard& LinkCache::ShardOf(const std::string& key) {
  return shards_[std::hash<std::string>()(key) % kShards];
}

std::optional<liveconnect::v1::Link> LinkCache::Get(const std::string& key, absl::Time now) {
  if (options_.ttl <= absl::ZeroDuration()) return std::nullopt;
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) return std::nullopt;
  if (it->second.until <= now) {
    shard.lru.erase(it->second.lru);
    shard.entries.erase(it);
    return std::nullopt;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
  return it->second.link;
}

void LinkCache::Put(const std::string& key, const liveconnect::v1::Link& link, absl::Time now) {
  if (options_.ttl <= absl::ZeroDuration() || options_.max_entries == 0) return;
  absl::Time until = now + options_.ttl;
  if (link.has_expire_time()) {
    const absl::Time expires = FromProtoTimestamp(link.expire_time());
    until = std::min(until, expires - options_.expiry_margin);
  }
  if (until <= now) return;
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  if (auto it = shard.entries.find(key); it != shard.entries.end()) {
    it->second.link = link;
    it->second.until = until;
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
    return;
  }
  while (shard.entries.size() >= max_per_shard_ && !shard.lru.empty()) {
    shard.entries.erase(shard.lru.back());
    shard.lru.pop_back();
  }
  shard.lru.push_front(key);
  shard.entries.emplace(key, Entry{link, until, shard.lru.begin()});
}

size_t LinkCache::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace lc::gateway
