// Who is calling the gateway: the user's JWT from "Authorization: Bearer"
// or the lc_session cookie, verified locally. The gateway keeps no session
// of its own; the same token is forwarded to the services it calls.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "runtime/jwt.h"

namespace lc::gateway {

inline constexpr char kSessionCookieName[] = "lc_session";

enum class TokenSource { kBearerHeader, kSessionCookie };

struct AuthenticatedUser {
  Principal principal;
  std::string token;  // the verified JWT, forwarded upstream; never logged
  TokenSource source = TokenSource::kBearerHeader;
};

class RequestAuthenticator {
 public:
  RequestAuthenticator(std::shared_ptr<const TokenVerifier> verifier,
                       std::function<absl::Time()> clock);

  // The Authorization header wins when present (a bad one is not rescued by
  // a cookie). UNAUTHENTICATED when there is no token or it does not verify.
  absl::StatusOr<AuthenticatedUser> Authenticate(const httplib::Request& req) const;

 private:
  // Tokens already verified, until they expire: a signature is checked
  // once per token, not once per request. Memory only; bounded.
  // Sharded: every request looks here, from every worker thread.
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxVerifiedPerShard = 1000;
  struct Shard {
    absl::Mutex mu;
    std::unordered_map<std::string, Principal> verified ABSL_GUARDED_BY(mu);
  };

  std::shared_ptr<const TokenVerifier> verifier_;
  std::function<absl::Time()> clock_;
  mutable Shard shards_[kShards];
};

// The value of cookie `name` in one Cookie header value.
std::optional<std::string> FindCookie(std::string_view cookie_header, std::string_view name);

// The Set-Cookie value that carries the token to the provider callback:
// HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back),
// Path=/, Secure when the public URL is https.
std::string SessionCookie(std::string_view token, bool secure);

}  // namespace lc::gateway
