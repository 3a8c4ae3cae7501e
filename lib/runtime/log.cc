#include "runtime/log.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lc {
namespace {

// Abseil here has its own string_view type, distinct from std::string_view.
absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

struct LogState {
  std::mutex mu;  // the sink and service; taken before `pending_mu` when both are
  std::string service;
  std::ostream* sink = &std::cerr;
  std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};

  // Lines from LogPreformatted, written by a background thread in batches
  // (one write per batch instead of one per request) or by the next Log().
  std::mutex pending_mu;
  std::condition_variable pending_cv;
  std::string pending;
  bool writer_started = false;
};

constexpr size_t kPendingFlushBytes = 64 * 1024;
constexpr auto kPendingFlushEvery = std::chrono::milliseconds(20);

// Writes what LogPreformatted queued; the caller holds state.mu.
void WritePendingLocked(LogState& state) {
  std::string batch;
  {
    std::lock_guard<std::mutex> lock(state.pending_mu);
    batch.swap(state.pending);
  }
  if (batch.empty()) return;
  state.sink->write(batch.data(), static_cast<std::streamsize>(batch.size()));
  state.sink->flush();
}

void WriterLoop(LogState& state) {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(state.pending_mu);
      state.pending_cv.wait_for(lock, kPendingFlushEvery,
                                [&] { return state.pending.size() >= kPendingFlushBytes; });
      if (state.pending.empty()) continue;
    }
    std::lock_guard<std::mutex> lock(state.mu);
    WritePendingLocked(state);
  }
}

LogState& State() {
  static LogState* state = new LogState();  // never destroyed: logging works during exit
  return *state;
}

thread_local std::string current_request_id;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// Redacts secret-looking keys at any depth, so a nested map of headers is
// covered too.
nlohmann::json Redact(const nlohmann::json& value) {
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      out[key] = IsSecretKey(key) ? nlohmann::json("[redacted]") : Redact(item);
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const nlohmann::json& item : value) out.push_back(Redact(item));
    return out;
  }
  return value;
}

bool IsReservedKey(std::string_view key) {
  return key == "time" || key == "level" || key == "service" || key == "request_id" || key == "msg";
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  const std::string level = absl::AsciiStrToLower(AbslView(text));
  if (level == "debug") {
    *out = LogLevel::kDebug;
  } else if (level == "info") {
    *out = LogLevel::kInfo;
  } else if (level == "warn" || level == "warning") {
    *out = LogLevel::kWarn;
  } else if (level == "error") {
    *out = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

void InitLogging(std::string service, LogLevel min_level, std::ostream* sink) {
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  WritePendingLocked(state);  // queued lines go to the sink they were meant for
  state.service = std::move(service);
  state.sink = sink != nullptr ? sink : &std::cerr;
  state.min_level.store(static_cast<int>(min_level));
}

void Log(LogLevel level, std::string_view message, LogFields fields) {
  LogState& state = State();
  if (static_cast<int>(level) < state.min_level.load(std::memory_order_relaxed)) return;

  nlohmann::json line = nlohmann::json::object();
  line["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = LevelName(level);
  const std::string& request_id = CurrentRequestId();
  if (!request_id.empty()) line["request_id"] = request_id;
  line["msg"] = std::string(message);
  for (const auto& [key, value] : fields) {
    // A field may not overwrite the envelope; it is kept under a prefixed key.
    std::string name = IsReservedKey(key) ? "field_" + std::string(key) : std::string(key);
    line[name] = IsSecretKey(key) ? nlohmann::json("[redacted]") : Redact(value);
  }

  {
    std::lock_guard<std::mutex> lock(state.mu);
    line["service"] = state.service;
  }
  // Invalid UTF-8 from a caller must not throw out of the logger. The line
  // is made outside the lock: concurrent threads only queue for the write.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::lock_guard<std::mutex> lock(state.mu);
  WritePendingLocked(state);  // keeps the lines in order
  state.sink->write(text.data(), static_cast<std::streamsize>(text.size()));
  state.sink->flush();
}

void AppendJsonString(std::string& out, std::string_view text) {
  // Plain printable ASCII (paths, ids, routes: nearly every access-log
  // value) is copied as is; anything else goes through nlohmann, which
  // escapes control characters and replaces invalid UTF-8.
  bool plain = true;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (!plain) {
    out += nlohmann::json(std::string(text))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  out.append(text.data(), text.size());
  out += '"';
}

namespace {

// "2026-11-28T03:04:05.123Z"; the part up to the seconds is made once per
// second per thread (absl::FormatTime is the slow part of a log line).
void AppendNow(std::string& out) {
  thread_local int64_t cached_second = -1;
  thread_local std::string cached_prefix;
  const absl::Time now = absl::Now();
  const int64_t ms = absl::ToUnixMillis(now);
  const int64_t second = ms / 1000;
  if (second != cached_second) {
    cached_second = second;
    cached_prefix =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second), absl::UTCTimeZone());
  }
  out += cached_prefix;
  const int millis = static_cast<int>(ms % 1000);
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  out += static_cast<char>('0' + millis / 10 % 10);
  out += static_cast<char>('0' + millis % 10);
  out += 'Z';
}

}  // namespace

void LogPreformatted(LogLevel level, std::string_view message, std::string_view fields) {
  LogState& state = State();
  if (static_cast<int>(level) < state.min_level.load(std::memory_order_relaxed)) return;
  std::string text;
  text.reserve(160 + message.size() + fields.size());
  text += "{\"time\":\"";
  AppendNow(text);
  text += "\",\"level\":\"";
  text += LevelName(level);
  text += "\",";
  if (const std::string& id = CurrentRequestId(); !id.empty()) {
    text += "\"request_id\":";
    AppendJsonString(text, id);
    text += ',';
  }
  text += "\"msg\":";
  AppendJsonString(text, message);
  if (!fields.empty()) {
    text += ',';
    text += fields;
  }
  text += ",\"service\":";
  {
    std::lock_guard<std::mutex> lock(state.mu);
    AppendJsonString(text, state.service);
  }
  text += "}\n";
  std::lock_guard<std::mutex> lock(state.pending_mu);
  if (!state.writer_started) {
    state.writer_started = true;
    std::thread([&state] { WriterLoop(state); }).detach();
    std::atexit(FlushLogs);
  }
  state.pending += text;
  if (state.pending.size() >= kPendingFlushBytes) state.pending_cv.notify_one();
}

void FlushLogs() {
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  WritePendingLocked(state);
}

ScopedRequestId::ScopedRequestId(std::string id) : previous_(std::move(current_request_id)) {
  current_request_id = std::move(id);
}

ScopedRequestId::~ScopedRequestId() { current_request_id = std::move(previous_); }

const std::string& CurrentRequestId() { return current_request_id; }

bool IsSecretKey(std::string_view key) {
  static constexpr std::string_view kSecretWords[] = {
      "token", "secret", "password", "passwd", "authorization", "key", "code_verifier", "cookie",
  };
  const std::string lower = absl::AsciiStrToLower(AbslView(key));
  for (std::string_view word : kSecretWords) {
    if (absl::StrContains(lower, AbslView(word))) return true;
  }
  return false;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat(absl::Hex(rng(), absl::kZeroPad16));
}

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace lc
