// Links the gateway got from the repository, kept for a short while so a
// burst of clicks on the same document costs one provider call. Per user:
// the key carries the user, so nobody is ever answered another user's link.
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "liveconnect/v1/types.pb.h"

namespace lc::gateway {

class LinkCache {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(30);  // zero: nothing is kept
    // A link is dropped this long before the provider says it expires, so
    // a browser never receives one that dies on its way.
    absl::Duration expiry_margin = absl::Seconds(10);
    size_t max_entries = 100000;  // spread over the shards (each holds 1/16)
  };

  explicit LinkCache(Options options)
      : options_(options), max_per_shard_((options.max_entries + kShards - 1) / kShards) {}

  static std::string Key(const std::string& user, const std::string& document_id,
                         const std::string& version_id, int kind);

  std::optional<liveconnect::v1::Link> Get(const std::string& key, absl::Time now);
  // Keeps `link` until min(now + ttl, its expiry - margin); not at all when
  // that is already past. Evicts the least recently used entry when full.
  void Put(const std::string& key, const liveconnect::v1::Link& link, absl::Time now);

  size_t size() const;

 private:
  struct Entry {
    liveconnect::v1::Link link;
    absl::Time until;
    std::list<std::string>::iterator lru;
  };
  // Every request on the hot path takes a lock: keys are spread over
  // shards so the worker threads rarely wait for each other.
  struct Shard {
    mutable absl::Mutex mu;
    std::unordered_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
    std::list<std::string> lru ABSL_GUARDED_BY(mu);  // most recent first
  };
  static constexpr size_t kShards = 16;

  Shard& ShardOf(const std::string& key);

  const Options options_;
  const size_t max_per_shard_;
  Shard shards_[kShards];
};

}  // namespace lc::gateway
