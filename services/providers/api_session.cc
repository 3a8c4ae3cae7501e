#include "providers/api_session.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "providers/provider_http.h"
#include "runtime/log.h"

namespace lc::providers {

AccountLimiter::AccountLimiter(double rate_per_second, int burst)
    : interval_(rate_per_second > 0 ? absl::Seconds(1.0 / rate_per_second) : absl::ZeroDuration()),
      tolerance_(interval_ * std::max(0, burst - 1)) {}

absl::Time AccountLimiter::Reserve(absl::Time now) {
  absl::MutexLock lock(&mu_);
  absl::Time at = std::max(now, blocked_until_);
  if (interval_ > absl::ZeroDuration()) {
    at = std::max(at, theoretical_arrival_ - tolerance_);
    theoretical_arrival_ = std::max(theoretical_arrival_, at) + interval_;
  }
  return at;
}

void AccountLimiter::BlockUntil(absl::Time until) {
  absl::MutexLock lock(&mu_);
  blocked_until_ = std::max(blocked_until_, until);
}

absl::Time AccountLimiter::blocked_until() const {
  absl::MutexLock lock(&mu_);
  return blocked_until_;
}

CircuitBreaker::CircuitBreaker(int threshold, absl::Duration open_for)
    : threshold_(threshold), open_for_(open_for) {}

absl::Status CircuitBreaker::Allow(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (failures_ < threshold_) return absl::OkStatus();
  if (now < open_until_ || trial_in_flight_) {
    absl::Duration left = std::max(open_until_ - now, absl::Seconds(1));
    return WithRetryAfter(
        absl::UnavailableError(absl::StrCat("the provider failed ", failures_,
                                            " calls in a row; calls paused, retry after ",
                                            absl::ToInt64Milliseconds(left), " ms")),
        left);
  }
  trial_in_flight_ = true;  // half-open: one call tests the provider
  return absl::OkStatus();
}

void CircuitBreaker::RecordSuccess() {
  absl::MutexLock lock(&mu_);
  failures_ = 0;
  trial_in_flight_ = false;
}

void CircuitBreaker::Release() {
  absl::MutexLock lock(&mu_);
  trial_in_flight_ = false;
}

void CircuitBreaker::RecordFailure(absl::Time now) {
  absl::MutexLock lock(&mu_);
  ++failures_;
  trial_in_flight_ = false;
  if (failures_ >= threshold_) open_until_ = now + open_for_;
}

ReliabilityState::ReliabilityState(ReliabilityOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

AccountLimiter& ReliabilityState::Limiter(const std::string& provider, const std::string& account,
                                          RateLimit limit) {
  absl::MutexLock lock(&mu_);
  auto& slot = limiters_[{provider, account}];
  if (!slot) slot = std::make_unique<AccountLimiter>(limit.per_second, limit.burst);
  return *slot;
}

CircuitBreaker& ReliabilityState::Breaker(const std::string& provider) {
  absl::MutexLock lock(&mu_);
  auto& slot = breakers_[provider];
  if (!slot) {
    slot = std::make_unique<CircuitBreaker>(options_.breaker_threshold, options_.breaker_open_for);
  }
  return *slot;
}

ResilientSession::ResilientSession(AccountKey key, const ProviderAdapter& adapter,
                                   TokenSource& tokens, HttpClient& http, ReliabilityState& state,
                                   absl::Time deadline)
    : key_(std::move(key)),
      adapter_(adapter),
      tokens_(tokens),
      http_(http),
      state_(state),
      deadline_(deadline) {}

absl::StatusOr<std::unique_ptr<ResilientSession>> ResilientSession::Open(
    const AccountKey& key, const ProviderAdapter& adapter, TokenSource& tokens, HttpClient& http,
    ReliabilityState& state, absl::Time deadline) {
  std::unique_ptr<ResilientSession> session(
      new ResilientSession(key, adapter, tokens, http, state, deadline));
  auto token = tokens.Get(key, /*force_refresh=*/false, deadline);
  if (!token.ok()) return token.status();
  session->token_ = *std::move(token);
  while (!session->token_.api_base_url.empty() && session->token_.api_base_url.back() == '/') {
    session->token_.api_base_url.pop_back();
  }
  return session;
}

absl::StatusOr<HttpResponse> ResilientSession::Send(HttpRequest request) {
  return SendImpl(std::move(request), /*authorized=*/true);
}

absl::StatusOr<HttpResponse> ResilientSession::SendAnonymous(HttpRequest request) {
  return SendImpl(std::move(request), /*authorized=*/false);
}

absl::Duration ResilientSession::Backoff(int attempt) const {
  const ReliabilityOptions& o = state_.options();
  absl::Duration base = o.initial_backoff * std::pow(2.0, std::max(0, attempt - 1));
  base = std::min(base, o.max_backoff);
  double j;
  if (state_.clock().jitter) {
    j = state_.clock().jitter();
  } else {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    j = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }
  // "Equal jitter": half fixed, half random, so retries of many callers spread.
  return base / 2 + base / 2 * j;
}

bool ResilientSession::WaitUntil(absl::Time until) {
  if (until > deadline_) return false;
  absl::Duration d = until - state_.clock().now();
  if (d > absl::ZeroDuration()) state_.clock().sleep(d);
  return true;
}

absl::StatusOr<HttpResponse> ResilientSession::SendImpl(HttpRequest request, bool authorized) {
  const ReliabilityOptions& o = state_.options();
  const std::string& provider = key_.provider;
  AccountLimiter& limiter = state_.Limiter(provider, key_.account, adapter_.rate_limit());
  CircuitBreaker& breaker = state_.Breaker(provider);
  request.deadline = std::min(request.deadline, deadline_);
  request.timeout = std::min(request.timeout, o.http_timeout);
  const size_t auth_index = request.headers.size();
  if (authorized) request.headers.emplace_back("Authorization", "");

  for (int attempt = 1;; ++attempt) {
    if (absl::Status s = breaker.Allow(state_.clock().now()); !s.ok()) {
      return WithRetryAfter(absl::UnavailableError(absl::StrCat(provider, ": ", s.message())),
                            absl::Milliseconds(RetryAfterMs(s).value_or(1000)));
    }
    absl::Time send_at = limiter.Reserve(state_.clock().now());
    if (!WaitUntil(send_at)) {
      breaker.Release();  // nothing was sent: no verdict on the provider
      absl::Duration wait = send_at - state_.clock().now();
      return WithRetryAfter(absl::UnavailableError(absl::StrCat(
                                provider, " is rate limiting this account; retry after ",
                                absl::ToInt64Milliseconds(wait), " ms")),
                            wait);
    }
    if (authorized) request.headers[auth_index].second = "Bearer " + token_.token;
    ++attempts_;
    absl::StatusOr<HttpResponse> response = http_.Send(request);
    const absl::Time now = state_.clock().now();
    if (!response.ok()) {
      const bool retryable =
          absl::IsUnavailable(response.status()) || absl::IsDeadlineExceeded(response.status());
      if (!retryable) {
        breaker.RecordSuccess();
        return response.status();
      }
      if (now >= deadline_) {
        return absl::DeadlineExceededError(
            absl::StrCat(provider, ": the call's deadline passed waiting for the provider"));
      }
      if (attempt >= o.max_attempts || !WaitUntil(now + Backoff(attempt))) {
        breaker.RecordFailure(now);
        return absl::UnavailableError(absl::StrCat(provider, " did not answer (", attempt,
                                                   " attempts): ", response.status().message()));
      }
      continue;
    }
    switch (adapter_.Classify(*response)) {
      case ResponseClass::kFinal:
        breaker.RecordSuccess();
        return response;
      case ResponseClass::kUnauthorized: {
        breaker.RecordSuccess();
        if (!authorized) return response;  // an expired short-lived URL: the adapter's call
        if (refreshed_) {
          return absl::FailedPreconditionError(absl::StrCat(
              provider,
              " rejected the account's token even after a refresh: reconnect the account"));
        }
        refreshed_ = true;
        auto token = tokens_.Get(key_, /*force_refresh=*/true, deadline_);
        if (!token.ok()) return token.status();
        token_.token = token->token;
        --attempt;  // the refresh retry does not count against transient retries
        continue;
      }
      case ResponseClass::kThrottled: {
        breaker.RecordSuccess();
        absl::Duration wait = o.default_retry_after;
        if (auto ra = ParseRetryAfter(response->Header("retry-after"), now)) {
          wait = std::max(*ra, absl::ZeroDuration());
        } else {
          wait = std::max(wait, Backoff(attempt));
        }
        limiter.BlockUntil(now + wait);
        if (attempt >= o.max_attempts || now + wait > deadline_) {
          return WithRetryAfter(
              absl::UnavailableError(absl::StrCat(provider, " is rate limiting this account (HTTP ",
                                                  response->status, "); retry after ",
                                                  absl::ToInt64Milliseconds(wait), " ms")),
              wait);
        }
        continue;  // the limiter holds the next attempt until the instant
      }
      case ResponseClass::kTransient:
        if (attempt >= o.max_attempts || !WaitUntil(now + Backoff(attempt))) {
          breaker.RecordFailure(now);
          return response;
        }
        continue;
    }
  }
}

}  // namespace lc::providers
