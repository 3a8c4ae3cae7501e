// An HTTP client on libcurl for the services that call clouds: per-request
// timeouts and deadlines, connection reuse, and retries that honour
// Retry-After.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lc {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Time for one attempt (connect + transfer).
  absl::Duration timeout = absl::Seconds(30);
  // No attempt starts, and no retry wait extends, past this instant
  // (absl::InfiniteFuture(): none). Set it from the gRPC deadline.
  absl::Time deadline = absl::InfiniteFuture();
  bool follow_redirects = false;
  // Responses larger than this fail with RESOURCE_EXHAUSTED.
  int64_t max_response_bytes = 64 << 20;
  // POST/PATCH are retried only when the caller marks them idempotent.
  bool idempotent = false;
};

struct HttpResponse {
  int status = 0;
  // Header names lower-cased; repeated headers keep every value.
  std::multimap<std::string, std::string> headers;
  std::string body;
  // Attempts made (1 when not retried).
  int attempts = 1;

  // The first value of a header (name matched case-insensitively), or "".
  std::string Header(const std::string& name) const;
};

struct RetryPolicy {
  // Total attempts including the first; 1 disables retries.
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(10);
  // A Retry-After longer than this is not waited for: the 429/503 is
  // returned to the caller, who decides.
  absl::Duration max_retry_after = absl::Seconds(60);
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Transport failures are statuses (UNAVAILABLE for connect/reset/truncated
  // transfer, DEADLINE_EXCEEDED for timeouts or the deadline); any HTTP
  // response, including 4xx/5xx after retries, is a value.
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

class CurlHttpClient : public HttpClient {
 public:
  struct Options {
    RetryPolicy retry;
    absl::Duration connect_timeout = absl::Seconds(5);
    // Extra CA bundle (the emulator's self-signed certificate in tests).
    std::string ca_file;
    std::string user_agent = "liveconnect/1";
    // Injected for tests: how to wait, what time it is, and the jitter
    // source returning a value in [0, 1).
    std::function<void(absl::Duration)> sleep = [](absl::Duration d) { absl::SleepFor(d); };
    std::function<absl::Time()> now = [] { return absl::Now(); };
    std::function<double()> jitter;
  };
  explicit CurlHttpClient(Options options);
  ~CurlHttpClient() override;

  // Retries: 429 and 503 wait for Retry-After (seconds or HTTP-date) when
  // given, else exponential backoff with jitter; 500/502/504 and transport
  // failures use backoff; other statuses are returned at once.
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a Retry-After value (delta-seconds or an HTTP-date) relative to now.
std::optional<absl::Duration> ParseRetryAfter(const std::string& value, absl::Time now);

}  // namespace lc
