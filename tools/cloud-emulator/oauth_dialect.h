// Each provider's OAuth dialect: how its authorization server refuses a
// client it does not know, a wrong or missing secret and a redirect URI that
// was not registered (HTTP status, error code, wording, error page), how it
// matches redirect URIs, and (Microsoft) which accounts a tenant signs in.
// One implementation per provider; the provider's Install* picks it. The
// sources of every form are in README.md ("OAuth clients").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "nlohmann/json.hpp"

namespace lc::emulator {

// OAuth error: `error` is the RFC 6749 code (invalid_grant, ...). `status`
// is the HTTP status of the token endpoint's answer (0: the dialect's
// default for `error`); `provider_code` the provider's own number where it
// has one (Microsoft's AADSTS code; 0: the dialect's default for `error`).
struct OAuthError {
  std::string error;
  std::string description;
  int status = 0;
  int64_t provider_code = 0;
};

// Why a strict authorization server refused a client.
enum class ClientRefusal {
  kUnknownClient,          // client_id missing or not registered
  kMissingSecret,          // a confidential client sent no secret (and no PKCE replaces it)
  kWrongSecret,            // the secret is not the client's
  kRedirectNotRegistered,  // redirect_uri matches none of the client's
  kRedirectMissing,        // authorize: no redirect_uri and no single one to default to
  kRedirectMismatch,       // token: redirect_uri is not the authorization request's
};

// What a refusal is about, for the wording.
struct RefusalContext {
  std::string client_id;
  std::string redirect_uri;
  std::string tenant;  // Microsoft: the authority segment ("common", ...)
};

// The page an authorize endpoint shows instead of redirecting: a browser
// never goes back to a client the server cannot trust.
struct ErrorPage {
  int status = 400;
  std::string html;
};

class OAuthDialect {
 public:
  virtual ~OAuthDialect() = default;

  // Whether a requested redirect URI matches a registered one. Default:
  // exact, case-sensitive string match.
  virtual bool RedirectMatches(const std::string& registered, const std::string& requested) const;
  // Whether an authorization request without redirect_uri uses the client's
  // only registered one (Box, Microsoft) rather than failing.
  virtual bool DefaultsToOnlyRedirect() const { return false; }
  // Whether a code or refresh token bound to a PKCE verifier needs no client
  // secret at the token endpoint (Dropbox).
  virtual bool PkceReplacesSecret() const { return false; }
  // Whether the token endpoint compares redirect_uri with the authorization
  // request's (Box's token endpoint takes none).
  virtual bool TokenChecksRedirect() const { return true; }

  // The token endpoint's answer to a refused client.
  virtual OAuthError TokenRefusal(ClientRefusal why, const RefusalContext& ctx) const = 0;
  // The authorize endpoint's error page for a refused client.
  virtual ErrorPage AuthorizeRefusal(ClientRefusal why, const RefusalContext& ctx) const = 0;

  // The HTTP status and JSON body of a token endpoint error.
  virtual int TokenErrorStatus(const OAuthError& error) const;
  virtual nlohmann::json TokenErrorBody(const OAuthError& error, int64_t now_ms) const;

  // Microsoft tenants: the error page when `tenant` does not sign in an
  // account of `account_type` ("personal" | "business"); nullopt when it
  // does. Other providers sign in every account.
  virtual std::optional<ErrorPage> RefuseAccount(const std::string& tenant,
                                                 const std::string& account_type,
                                                 const std::string& email,
                                                 const std::string& client_id) const;
  // The token endpoint's refusal of a grant whose account `tenant` does not
  // sign in (a code or refresh token carried to another tenant's endpoint).
  virtual std::optional<OAuthError> RefuseAccountGrant(const std::string& tenant,
                                                       const std::string& account_type,
                                                       const std::string& email,
                                                       const std::string& client_id) const;
  // The account type of a user an unknown login_hint creates.
  virtual std::string NewAccountType(const std::string& tenant) const;
};

// Plain RFC 6749 (section 5.2 errors, 401 invalid_client): the default.
std::shared_ptr<const OAuthDialect> Rfc6749Dialect();
std::shared_ptr<const OAuthDialect> GoogleOAuthDialect();
std::shared_ptr<const OAuthDialect> DropboxOAuthDialect();
std::shared_ptr<const OAuthDialect> BoxOAuthDialect();
std::shared_ptr<const OAuthDialect> MicrosoftOAuthDialect();

}  // namespace lc::emulator
