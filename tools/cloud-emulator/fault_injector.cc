#include "fault_injector.h"

#include <cmath>

namespace lc::emulator {
namespace {

const char* KindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kStatus:
      return "status";
    case FaultKind::kDelay:
      return "delay";
    case FaultKind::kDrop:
      return "drop";
    case FaultKind::kTruncate:
      return "truncate";
  }
  return "?";
}

}  // namespace

nlohmann::json Fault::ToJson() const {
  nlohmann::json j = {{"id", id},
                      {"path", path_pattern},
                      {"method", method},
                      {"kind", KindName(kind)},
                      {"remaining", remaining},
                      {"fraction", fraction},
                      {"seen", seen},
                      {"fired", fired}};
  if (kind == FaultKind::kStatus) {
    j["status"] = status;
    j["retry_after"] = retry_after;
  }
  if (kind == FaultKind::kDelay) j["delay_ms"] = delay_ms;
  return j;
}

absl::StatusOr<Fault> FaultInjector::Parse(const nlohmann::json& spec) {
  if (!spec.is_object()) return absl::InvalidArgumentError("fault: object");
  Fault f;
  f.path_pattern = spec.value("path", std::string("."));
  f.method = spec.value("method", std::string());
  std::string kind = spec.value("kind", std::string("status"));
  if (kind == "status" || kind == "error") {
    f.kind = FaultKind::kStatus;
  } else if (kind == "delay") {
    f.kind = FaultKind::kDelay;
  } else if (kind == "drop") {
    f.kind = FaultKind::kDrop;
  } else if (kind == "truncate") {
    f.kind = FaultKind::kTruncate;
  } else {
    return absl::InvalidArgumentError("fault: unknown kind " + kind);
  }
  f.status = spec.value("status", 429);
  if (f.kind == FaultKind::kStatus && (f.status < 400 || f.status > 599)) {
    return absl::InvalidArgumentError("fault: status must be 4xx or 5xx");
  }
  f.retry_after = spec.value("retry_after", 1);
  f.delay_ms = spec.value("delay_ms", 0);
  f.remaining = spec.value("count", static_cast<int64_t>(-1));
  f.fraction = spec.value("fraction", 1.0);
  if (f.fraction <= 0 || f.fraction > 1) {
    return absl::InvalidArgumentError("fault: fraction must be in (0, 1]");
  }
  try {
    std::regex check(f.path_pattern);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(std::string("fault: bad path regex: ") + e.what());
  }
  return f;
}

int64_t FaultInjector::Add(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  fault.id = next_id_++;
  std::regex regex(fault.path_pattern);
  faults_.push_back(Armed{std::move(fault), std::move(regex)});
  return faults_.back().fault.id;
}

std::optional<Fault> FaultInjector::Match(const std::string& method, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    Fault& f = it->fault;
    if (!f.method.empty() && f.method != method) continue;
    if (!std::regex_search(path, it->regex)) continue;
    int64_t before = static_cast<int64_t>(std::floor(f.seen * f.fraction));
    ++f.seen;
    int64_t after = static_cast<int64_t>(std::floor(f.seen * f.fraction));
    if (after == before) continue;
    ++f.fired;
    Fault hit = f;
    if (f.remaining > 0 && --f.remaining == 0) faults_.erase(it);
    return hit;
  }
  return std::nullopt;
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

nlohmann::json FaultInjector::ToJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : faults_) out.push_back(a.fault.ToJson());
  return out;
}

void RequestLog::Record(const std::string& method, const std::string& path, const std::string& op,
                        int status, int64_t time_ms, double duration_ms, const std::string& user,
                        const std::string& fault) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry e{method, path, op, user, fault, status, time_ms, duration_ms};
  if (ring_.size() < capacity_) {
    ring_.push_back(std::move(e));
  } else {
    ring_[next_] = std::move(e);
  }
  next_ = (next_ + 1) % capacity_;
  ++total_;
  ++counters_[op];
  ++statuses_[status];
}

void RequestLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  ring_.clear();
  next_ = 0;
  total_ = 0;
  counters_.clear();
  statuses_.clear();
}

nlohmann::json RequestLog::Entries(size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  size_t n = std::min(limit, ring_.size());
  // Oldest first among the last n.
  for (size_t i = 0; i < n; ++i) {
    size_t idx = (next_ + ring_.size() - n + i) % ring_.size();
    if (ring_.size() < capacity_) idx = ring_.size() - n + i;
    const Entry& e = ring_[idx];
    nlohmann::json j = {{"method", e.method},   {"path", e.path},
                        {"op", e.op},           {"status", e.status},
                        {"time_ms", e.time_ms}, {"duration_ms", e.duration_ms}};
    if (!e.user.empty()) j["user"] = e.user;
    if (!e.fault.empty()) j["fault"] = e.fault;
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json RequestLog::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json statuses = nlohmann::json::object();
  for (const auto& [status, n] : statuses_) statuses[std::to_string(status)] = n;
  return {{"total", total_}, {"operations", counters_}, {"statuses", statuses}};
}

int64_t RequestLog::Count(const std::string& op) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counters_.find(op);
  return it == counters_.end() ? 0 : it->second;
}

}  // namespace lc::emulator
