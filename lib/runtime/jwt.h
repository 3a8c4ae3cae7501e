// Bearer-token verification. The verifier is an interface so RS256/JWKS can
// be added beside HS256 without touching callers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
// Base64UrlEncode/Decode, which tokens are made of, for the callers of this header.
#include "runtime/encoding.h"

namespace lc {

// Who is calling: the JWT "sub" and "roles" claims.
struct Principal {
  std::string subject;
  std::vector<std::string> roles;
  // Until when the token that carried it is accepted (its exp plus the
  // verifier's leeway); set by verifiers, ignored when minting.
  absl::Time valid_until = absl::InfiniteFuture();

  bool HasRole(std::string_view role) const;
  bool IsAdmin() const { return HasRole("admin"); }
  // Services call each other with a token whose roles hold "service" and
  // whose subject is "service:<name>".
  bool IsService() const { return HasRole("service"); }
};

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;
  // UNAUTHENTICATED for a malformed, forged, expired or not-yet-valid token,
  // or one signed with another algorithm than the verifier's.
  virtual absl::StatusOr<Principal> Verify(std::string_view token, absl::Time now) const = 0;
};

// HS256 with a shared secret (the local stack). Accepts only alg=HS256;
// requires "sub" and "exp"; honours "nbf"; allows `leeway` of clock skew;
// checks "iss" and "aud" when configured non-empty.
class Hs256Verifier : public TokenVerifier {
 public:
  struct Options {
    std::string secret;
    std::string issuer;
    std::string audience;
    absl::Duration leeway = absl::Seconds(30);
  };
  explicit Hs256Verifier(Options options);
  absl::StatusOr<Principal> Verify(std::string_view token, absl::Time now) const override;

 private:
  Options options_;
};

// Mints an HS256 token (dev tokens, service identity, tests).
std::string MintHs256(std::string_view secret, const Principal& principal, absl::Time issued_at,
                      absl::Time expires_at, std::string_view issuer = "",
                      std::string_view audience = "");

}  // namespace lc
