// Faults the admin API arms per path pattern: for the next N matching
// requests, or a fraction of them (deterministic: exactly every 1/f-th).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace lc::emulator {

enum class FaultKind { kStatus, kDelay, kDrop, kTruncate };

struct Fault {
  int64_t id = 0;
  std::string path_pattern;  // ECMAScript regex, searched in the path
  std::string method;        // empty matches every method
  FaultKind kind = FaultKind::kStatus;
  int status = 429;        // for kStatus: 429, 500, 503, ...
  int retry_after = 1;     // seconds, for 429 and 503
  int delay_ms = 0;        // for kDelay
  int64_t remaining = -1;  // requests left; -1 means unlimited
  double fraction = 1.0;   // share of matching requests that fail
  int64_t seen = 0;        // matching requests so far
  int64_t fired = 0;

  nlohmann::json ToJson() const;
};

class FaultInjector {
 public:
  // Parses the admin API's JSON form, e.g. {"path":"/files","status":429,
  // "count":2}, {"path":".","kind":"delay","delay_ms":200,"fraction":0.5}.
  static absl::StatusOr<Fault> Parse(const nlohmann::json& spec);

  int64_t Add(Fault fault);
  // The fault the request hits, if any; consumes one of its counts.
  std::optional<Fault> Match(const std::string& method, const std::string& path);
  void Clear();
  nlohmann::json ToJson() const;

 private:
  struct Armed {
    Fault fault;
    std::regex regex;
  };
  mutable std::mutex mu_;
  std::vector<Armed> faults_;
  int64_t next_id_ = 1;
};

// Request log and per-operation counters (benchmarks count API calls).
class RequestLog {
 public:
  explicit RequestLog(size_t capacity = 20000) : capacity_(capacity) {}
  void Record(const std::string& method, const std::string& path, const std::string& op, int status,
              int64_t time_ms, double duration_ms, const std::string& user,
              const std::string& fault);
  void Reset();
  nlohmann::json Entries(size_t limit) const;
  nlohmann::json Counters() const;
  int64_t Count(const std::string& op) const;

 private:
  struct Entry {
    std::string method, path, op, user, fault;
    int status;
    int64_t time_ms;
    double duration_ms;
  };
  const size_t capacity_;
  mutable std::mutex mu_;
  std::vector<Entry> ring_;
  size_t next_ = 0;
  int64_t total_ = 0;
  std::map<std::string, int64_t> counters_;
  std::map<int, int64_t> statuses_;
};

}  // namespace lc::emulator
