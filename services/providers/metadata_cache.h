// A short cache of GetFile answers for the interactive read path (file
// picker, document pages). Never used by service (sync) calls, which must see
// the provider's current state.
#pragma once

#include <functional>
#include <list>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "liveconnect/v1/types.pb.h"

namespace lc::providers {

class MetadataCache {
 public:
  // ttl 0 disables the cache.
  MetadataCache(
      absl::Duration ttl, size_t max_entries,
      std::function<absl::Time()> now = [] { return absl::Now(); });

  // The key includes the user: an entry is only ever served to the user whose
  // ownership check filled it.
  static std::string Key(const std::string& user, const ::liveconnect::v1::BlobRef& ref);

  std::optional<::liveconnect::v1::CloudFile> Get(const std::string& key);
  void Put(const std::string& key, const ::liveconnect::v1::CloudFile& file);

 private:
  struct Entry {
    ::liveconnect::v1::CloudFile file;
    absl::Time expires;
    std::list<std::string>::iterator order;
  };
  const absl::Duration ttl_;
  const size_t max_entries_;
  std::function<absl::Time()> now_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> order_ ABSL_GUARDED_BY(mu_);  // oldest insert first
};

}  // namespace lc::providers
