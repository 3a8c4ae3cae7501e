// JSON-lines logging: one object per line with time, level, service, the
// request id of the current call (when inside one), the message and fields.
//
// Secrets must never be passed in; as a second line of defence, any field
// whose key looks like a secret (token, secret, password, authorization,
// key, code_verifier, cookie) is written as "[redacted]".
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace lc {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn", "error".
bool ParseLogLevel(std::string_view text, LogLevel* out);

using LogFields = std::initializer_list<std::pair<std::string_view, nlohmann::json>>;

// Sets the service name, minimum level and sink (default std::cerr).
// Thread-safe to call Log from any thread after Init.
void InitLogging(std::string service, LogLevel min_level, std::ostream* sink = nullptr);

void Log(LogLevel level, std::string_view message, LogFields fields = {});
inline void LogDebug(std::string_view m, LogFields f = {}) { Log(LogLevel::kDebug, m, f); }
inline void LogInfo(std::string_view m, LogFields f = {}) { Log(LogLevel::kInfo, m, f); }
inline void LogWarn(std::string_view m, LogFields f = {}) { Log(LogLevel::kWarn, m, f); }
inline void LogError(std::string_view m, LogFields f = {}) { Log(LogLevel::kError, m, f); }

// The same line as Log, for hot paths (the gateway's access log): `fields`
// is the inside of a JSON object ("\"status\":302,\"path\":\"/x\""),
// already valid JSON; it is not redacted, so it must carry no secret.
// Queued and written in batches by a background thread within 20 ms (or
// by the next Log call, which keeps the order); FlushLogs writes them now
// and runs at exit.
void LogPreformatted(LogLevel level, std::string_view message, std::string_view fields);
void FlushLogs();

// Appends `text` to `out` as a JSON string (quoted, escaped; invalid UTF-8
// replaced), for building LogPreformatted fields.
void AppendJsonString(std::string& out, std::string_view text);

// Sets the request id for log lines written by this thread while in scope.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

// The request id of the current thread's call, or "".
const std::string& CurrentRequestId();

// A new random request id (16 hex digits).
std::string NewRequestId();

// A caller-supplied request id is kept only when short (1 to 64) and plain
// ([A-Za-z0-9._-]), so it can be logged and echoed safely.
bool IsAcceptableRequestId(std::string_view id);

// True when a log field key names something secret.
bool IsSecretKey(std::string_view key);

}  // namespace lc
