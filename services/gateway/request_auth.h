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

#include "absl/status/statusor.h"
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
  std::shared_ptr<const TokenVerifier> verifier_;
  std::function<absl::Time()> clock_;
};

// The value of cookie `name` in one Cookie header value.
std::optional<std::string> FindCookie(std::string_view cookie_header, std::string_view name);

// The Set-Cookie value that carries the token to the provider callback:
// HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back),
// Path=/, Secure when the public URL is https.
std::string SessionCookie(std::string_view token, bool secure);

}  // namespace lc::gateway
