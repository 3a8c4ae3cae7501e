// What differs between provider kinds in the OAuth service, as one strategy
// per kind (google, dropbox, box, microsoft), chosen once, by the registry,
// when it hands out a usable ProviderConfig: which endpoint says whose a
// token is and how to read its answer, how a grant is revoked, which
// token-endpoint errors mean the client itself (its id, secret or
// registration) was refused, and whether the registry's tenant applies.
// The token endpoint itself is RFC 6749 for every kind (provider_client.cc).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "oauth/provider_client.h"
#include "runtime/http_client.h"

namespace lc::oauth {

class ProviderDialect {
 public:
  virtual ~ProviderDialect() = default;

  virtual std::string_view kind() const = 0;
  // Whether the URLs carry a "{tenant}" and the registry's tenant applies
  // (Microsoft).
  virtual bool HasTenant() const { return false; }

  // The account endpoint call asking whose `access_token` is, against the
  // API at `api_base_url` (no trailing slash).
  virtual HttpRequest AccountRequest(const std::string& api_base_url,
                                     const std::string& access_token) const = 0;
  // The account the endpoint's answer names (account "" when none).
  virtual AccountIdentity AccountOf(const nlohmann::json& body) const = 0;

  // The call that revokes the grant at `provider.revoke_url`, or nullopt
  // when the kind has no revocation endpoint.
  virtual std::optional<HttpRequest> RevokeRequest(const ProviderConfig& provider,
                                                   const std::string& access_token,
                                                   const std::string& refresh_token) const = 0;

  // Whether a token-endpoint error code says the client was refused: a
  // configuration problem for an administrator, never the user's.
  virtual bool RefusesClient(std::string_view oauth_error) const {
    return oauth_error == "invalid_client";
  }
};

// The dialect of a provider kind; nullptr for a kind the service does not
// know.
std::shared_ptr<const ProviderDialect> DialectFor(std::string_view kind);

}  // namespace lc::oauth
