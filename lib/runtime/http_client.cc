#include "runtime/http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "runtime/log.h"

namespace lc {
namespace {

// Idle handles kept for reuse; each keeps its own connection cache.
constexpr size_t kMaxPooledHandles = 8;
constexpr long kMaxRedirects = 5;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool IsIdempotentMethod(const std::string& method) {
  const std::string m = absl::AsciiStrToUpper(method);
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS";
}

// The URL without query or fragment: query strings may carry credentials.
std::string UrlForMessages(const std::string& url) {
  return url.substr(0, url.find_first_of("?#"));
}

struct Transfer {
  HttpResponse response;
  int64_t max_bytes = 0;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (static_cast<int64_t>(transfer->response.body.size() + bytes) > transfer->max_bytes) {
    transfer->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  absl::string_view line(data, bytes);
  // A new status line starts a new response (redirect, 100 Continue): keep
  // only the headers of the final one.
  if (absl::StartsWith(line, "HTTP/")) {
    transfer->response.headers.clear();
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return bytes;
  std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon)));
  if (name.empty()) return bytes;
  transfer->response.headers.emplace(
      std::move(name), std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return bytes;
}

CURLcode AddCaFile(CURL* /*curl*/, void* ssl_ctx, void* user) {
  const auto* ca_file = static_cast<const std::string*>(user);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  if (X509_STORE_load_locations(store, ca_file->c_str(), nullptr) != 1) {
    return CURLE_SSL_CACERT_BADFILE;
  }
  return CURLE_OK;
}

struct AttemptError {
  absl::Status status;
  bool retryable = false;
};

AttemptError MapCurlError(CURLcode code, const Transfer& transfer, const std::string& what,
                          const char* detail) {
  const std::string message =
      absl::StrCat(what, ": ", detail[0] != '\0' ? detail : curl_easy_strerror(code));
  if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return {absl::ResourceExhaustedError(
                absl::StrCat(what, ": response larger than ", transfer.max_bytes, " bytes")),
            false};
  }
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {absl::DeadlineExceededError(message), true};
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return {absl::UnavailableError(message), true};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {absl::InvalidArgumentError(message), false};
    default:
      // Certificate problems, too many redirects and the like: retrying
      // would fail the same way.
      return {absl::UnavailableError(message), false};
  }
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  const auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::optional<absl::Duration> ParseRetryAfter(const std::string& value, absl::Time now) {
  const absl::string_view text = absl::StripAsciiWhitespace(value);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    uint64_t seconds = 0;
    // An absurdly long value still means "much too long to wait".
    if (!absl::SimpleAtoi(text, &seconds) || seconds > (uint64_t{1} << 40)) {
      seconds = uint64_t{1} << 40;
    }
    return absl::Seconds(static_cast<int64_t>(seconds));
  }
  if (!std::isalpha(static_cast<unsigned char>(text.front()))) return std::nullopt;
  // curl_getdate reads the three HTTP-date forms of RFC 9110.
  const time_t when = curl_getdate(std::string(text).c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::max(absl::ZeroDuration(), absl::FromTimeT(when) - now);
}

struct CurlHttpClient::Impl {
  Options options;
  std::mutex mu;
  std::vector<CURL*> idle;  // guarded by mu

  std::mt19937_64 rng{std::random_device{}()};  // guarded by mu; when no jitter is injected

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        CURL* curl = idle.back();
        idle.pop_back();
        // Reset keeps the handle's live connections, which is the point.
        curl_easy_reset(curl);
        return curl;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* curl) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (idle.size() < kMaxPooledHandles) {
        idle.push_back(curl);
        return;
      }
    }
    curl_easy_cleanup(curl);
  }

  double Jitter() {
    if (options.jitter) return std::clamp(options.jitter(), 0.0, 1.0);
    std::lock_guard<std::mutex> lock(mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }

  // Exponential backoff with "equal jitter": between half and all of the
  // nominal delay, so retries spread out but never collapse to zero.
  absl::Duration Backoff(int attempt) {
    const RetryPolicy& retry = options.retry;
    absl::Duration delay = retry.initial_backoff;
    for (int i = 1; i < attempt && delay < retry.max_backoff; ++i) delay *= 2;
    delay = std::min(delay, retry.max_backoff);
    return delay / 2 + delay / 2 * Jitter();
  }

  // One attempt. Errors are statuses with a retryable flag.
  std::pair<absl::StatusOr<HttpResponse>, bool> Attempt(const HttpRequest& request,
                                                        absl::Duration budget) {
    const std::string what = absl::StrCat(request.method, " ", UrlForMessages(request.url));
    CURL* curl = Acquire();
    if (curl == nullptr) {
      return {absl::ResourceExhaustedError(absl::StrCat(what, ": cannot create a curl handle")),
              false};
    }
    Transfer transfer;
    transfer.max_bytes = request.max_response_bytes;
    char error[CURL_ERROR_SIZE] = {0};

    // curl reads 0 as "no timeout": keep at least a millisecond.
    const long timeout_ms =
        static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(budget)));
    const long connect_ms = static_cast<long>(
        std::max<int64_t>(1, absl::ToInt64Milliseconds(std::min(budget, options.connect_timeout))));

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.max_response_bytes));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    if (!options.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, &AddCaFile);
      curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &options.ca_file);
    }

    const std::string method = absl::AsciiStrToUpper(request.method);
    if (method == "GET" && request.body.empty()) {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
      if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (method == "POST" || !request.body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      }
    }

    curl_slist* headers = nullptr;
    bool has_expect = false;
    for (const auto& [name, value] : request.headers) {
      if (absl::EqualsIgnoreCase(name, "expect")) has_expect = true;
      // "Name;" is curl's way to send a header with an empty value.
      const std::string line = value.empty() ? name + ";" : absl::StrCat(name, ": ", value);
      headers = curl_slist_append(headers, line.c_str());
    }
    // Without this curl waits up to a second for "100 Continue" on large bodies.
    if (!has_expect) headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    // The handle must not keep pointers into this frame.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(headers);
    Release(curl);

    if (code != CURLE_OK) {
      AttemptError mapped = MapCurlError(code, transfer, what, error);
      return {std::move(mapped.status), mapped.retryable};
    }
    transfer.response.status = static_cast<int>(status);
    return {std::move(transfer.response), false};
  }
};

CurlHttpClient::CurlHttpClient(Options options) : impl_(std::make_unique<Impl>()) {
  GlobalInitOnce();
  impl_->options = std::move(options);
}

CurlHttpClient::~CurlHttpClient() {
  for (CURL* curl : impl_->idle) curl_easy_cleanup(curl);
}

absl::StatusOr<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  const Options& options = impl_->options;
  const bool may_retry = request.idempotent || IsIdempotentMethod(request.method);
  const int max_attempts = may_retry ? std::max(1, options.retry.max_attempts) : 1;
  const std::string what = absl::StrCat(request.method, " ", UrlForMessages(request.url));

  for (int attempt = 1;; ++attempt) {
    const absl::Time start = options.now();
    if (start >= request.deadline) {
      return absl::DeadlineExceededError(absl::StrCat(what, ": deadline exceeded"));
    }
    const absl::Duration budget = std::min(request.timeout, request.deadline - start);
    auto [result, retryable] = impl_->Attempt(request, budget);

    if (!result.ok() && absl::IsDeadlineExceeded(result.status()) &&
        options.now() >= request.deadline) {
      return absl::DeadlineExceededError(absl::StrCat(what, ": deadline exceeded"));
    }

    absl::Duration wait = absl::ZeroDuration();
    if (result.ok()) {
      result->attempts = attempt;
      const int status = result->status;
      if (status == 429 || status == 503) {
        const std::optional<absl::Duration> retry_after =
            ParseRetryAfter(result->Header("retry-after"), options.now());
        if (retry_after.has_value()) {
          // Too long to wait: the caller decides (and sees the header).
          if (*retry_after > options.retry.max_retry_after) return result;
          wait = *retry_after;
        } else {
          wait = impl_->Backoff(attempt);
        }
      } else if (status == 500 || status == 502 || status == 504) {
        wait = impl_->Backoff(attempt);
      } else {
        return result;
      }
    } else if (retryable) {
      wait = impl_->Backoff(attempt);
    } else {
      return result;
    }

    if (attempt >= max_attempts) return result;
    // Waiting past the deadline is useless: return what we have now.
    if (options.now() + wait >= request.deadline) return result;
    LogDebug("http retry", {{"request", what},
                            {"attempt", attempt},
                            {"outcome", result.ok() ? std::to_string(result->status)
                                                    : result.status().ToString()},
                            {"wait_ms", absl::ToInt64Milliseconds(wait)}});
    options.sleep(wait);
  }
}

}  // namespace lc
