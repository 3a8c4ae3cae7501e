#include "gateway/request_auth.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/server.h"

namespace lc::gateway {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

RequestAuthenticator::RequestAuthenticator(std::shared_ptr<const TokenVerifier> verifier,
                                           std::function<absl::Time()> clock)
    : verifier_(std::move(verifier)), clock_(std::move(clock)) {}

absl::StatusOr<AuthenticatedUser> RequestAuthenticator::Authenticate(
    const httplib::Request& req) const {
  AuthenticatedUser user;
  if (req.has_header("Authorization")) {
    auto token = BearerToken(req.get_header_value("Authorization"));
    if (!token.ok()) return token.status();
    user.token = *std::move(token);
    user.source = TokenSource::kBearerHeader;
  } else {
    const size_t count = req.get_header_value_count("Cookie");
    for (size_t i = 0; i < count && user.token.empty(); ++i) {
      if (auto value = FindCookie(req.get_header_value("Cookie", i), kSessionCookieName)) {
        user.token = *std::move(value);
      }
    }
    if (user.token.empty()) {
      return absl::UnauthenticatedError(
          "sign in first: send 'Authorization: Bearer <JWT>' or the lc_session cookie");
    }
    user.source = TokenSource::kSessionCookie;
  }
  const absl::Time now = clock_();
  Shard& shard = shards_[std::hash<std::string>()(user.token) % kShards];
  {
    absl::MutexLock lock(&shard.mu);
    if (auto it = shard.verified.find(user.token); it != shard.verified.end()) {
      if (now <= it->second.valid_until) {
        user.principal = it->second;
        return user;
      }
      shard.verified.erase(it);
    }
  }
  auto principal = verifier_->Verify(user.token, now);
  if (!principal.ok()) return principal.status();
  user.principal = *std::move(principal);
  absl::MutexLock lock(&shard.mu);
  if (shard.verified.size() >= kMaxVerifiedPerShard) shard.verified.clear();
  shard.verified.emplace(user.token, user.principal);
  return user;
}

std::optional<std::string> FindCookie(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const size_t semi = cookie_header.find(';');
    std::string_view pair = Trim(cookie_header.substr(0, semi));
    cookie_header =
        semi == std::string_view::npos ? std::string_view() : cookie_header.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::string SessionCookie(std::string_view token, bool secure) {
  return absl::StrCat(kSessionCookieName, "=", std::string(token),
                      "; Path=/; HttpOnly; SameSite=Lax", secure ? "; Secure" : "");
}

}  // namespace lc::gateway
