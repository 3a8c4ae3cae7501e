// The shared reliability layer: the token source, one limiter per (provider,
// account), one circuit breaker per provider, and the ApiSession that puts
// them around every HTTP call an adapter makes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "providers/provider_adapter.h"
#include "runtime/http_client.h"

namespace lc::providers {

// Whose token a call uses.
struct AccountKey {
  std::string user;
  std::string provider;
  std::string account;
};

struct AccessToken {
  std::string token;
  std::string api_base_url;
};

// Hands out access tokens (the oauth service in production). NOT_FOUND when
// the user has not connected that account.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual absl::StatusOr<AccessToken> Get(const AccountKey& key, bool force_refresh,
                                          absl::Time deadline) = 0;
};

// Time, sleeping and jitter, injected so tests do not wait on the wall clock.
struct Clock {
  std::function<absl::Time()> now = [] { return absl::Now(); };
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) { absl::SleepFor(d); };
  // A value in [0, 1).
  std::function<double()> jitter;
};

// Paces one (provider, account): a request rate with a burst (the provider's
// published limit) and a "not before" instant set by Retry-After. Shared by
// every call on that account in this replica.
class AccountLimiter {
 public:
  // rate_per_second <= 0: no rate limit, only Retry-After.
  AccountLimiter(double rate_per_second, int burst);
  // Reserves the next slot; returns when the caller may send (>= now).
  absl::Time Reserve(absl::Time now);
  // No request before `until`.
  void BlockUntil(absl::Time until);
  absl::Time blocked_until() const;

 private:
  mutable absl::Mutex mu_;
  const absl::Duration interval_;
  const absl::Duration tolerance_;
  absl::Time theoretical_arrival_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time blocked_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Fails fast after `threshold` consecutive failed calls to a provider, for
// `open_for`; then lets one trial call through (half-open).
class CircuitBreaker {
 public:
  CircuitBreaker(int threshold, absl::Duration open_for);
  // OK, or UNAVAILABLE with the time left while open.
  absl::Status Allow(absl::Time now);
  void RecordSuccess();
  void RecordFailure(absl::Time now);
  // The call Allow let through sent nothing (it gave up before): a half-open
  // trial slot is freed without a verdict.
  void Release();

 private:
  absl::Mutex mu_;
  const int threshold_;
  const absl::Duration open_for_;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time open_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool trial_in_flight_ ABSL_GUARDED_BY(mu_) = false;
};

struct ReliabilityOptions {
  // Attempts per HTTP call for transient failures and throttling.
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // Used when a 429/503 carries no Retry-After.
  absl::Duration default_retry_after = absl::Seconds(1);
  // Time for one HTTP attempt.
  absl::Duration http_timeout = absl::Seconds(30);
  int breaker_threshold = 5;
  absl::Duration breaker_open_for = absl::Seconds(30);
};

// Owns the limiters and breakers (they outlive single calls).
class ReliabilityState {
 public:
  ReliabilityState(ReliabilityOptions options, Clock clock);
  // The limiter of (provider, account), made with `limit` the first time.
  AccountLimiter& Limiter(const std::string& provider, const std::string& account, RateLimit limit);
  CircuitBreaker& Breaker(const std::string& provider);
  const ReliabilityOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }

 private:
  const ReliabilityOptions options_;
  const Clock clock_;
  absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<AccountLimiter>> limiters_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<CircuitBreaker>> breakers_ ABSL_GUARDED_BY(mu_);
};

// The ApiSession for one call: token (refreshed once on 401), limiter,
// retries with backoff and jitter, breaker, deadline.
class ResilientSession : public ApiSession {
 public:
  // Fetches the first token at once (this is also the ownership check).
  static absl::StatusOr<std::unique_ptr<ResilientSession>> Open(
      const AccountKey& key, const ProviderAdapter& adapter, TokenSource& tokens, HttpClient& http,
      ReliabilityState& state, absl::Time deadline);

  const std::string& base_url() const override { return token_.api_base_url; }
  absl::StatusOr<HttpResponse> Send(HttpRequest request) override;
  absl::StatusOr<HttpResponse> SendAnonymous(HttpRequest request) override;
  absl::Time Now() const override { return state_.clock().now(); }

  // HTTP requests actually sent (attempts), for logs and tests.
  int attempts() const { return attempts_; }

 private:
  ResilientSession(AccountKey key, const ProviderAdapter& adapter, TokenSource& tokens,
                   HttpClient& http, ReliabilityState& state, absl::Time deadline);
  absl::StatusOr<HttpResponse> SendImpl(HttpRequest request, bool authorized);
  absl::Duration Backoff(int attempt) const;
  // Sleeps until `until`; false when that is past the deadline.
  bool WaitUntil(absl::Time until);

  AccountKey key_;
  const ProviderAdapter& adapter_;
  TokenSource& tokens_;
  HttpClient& http_;
  ReliabilityState& state_;
  absl::Time deadline_;
  AccessToken token_;
  bool refreshed_ = false;
  int attempts_ = 0;
};

}  // namespace lc::providers
