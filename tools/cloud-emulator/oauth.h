// OAuth 2.0 authorization server shared by the four providers: codes with
// PKCE, access tokens with a configurable lifetime, refresh tokens (optionally
// single-use and rotating, as Box does) and revocation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "oauth_dialect.h"
#include "store.h"

namespace lc::emulator {

struct TokenGrant {
  std::string access_token;
  std::string refresh_token;  // empty when none was issued
  int64_t expires_in = 0;     // seconds
  std::string scope;
  std::string user_id;
  std::string client_id;
  std::string nonce;
};

// A client registered with POST /_emulator/clients: its secret (empty for
// a public client, which proves itself with PKCE only) and the redirect URIs
// its authorization requests may name.
struct OAuthClient {
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> redirect_uris;
};

// The client half of a token request.
struct TokenRequest {
  std::string client_id;
  std::string client_secret;  // empty when none was sent
  std::string redirect_uri;   // authorization_code grant
  std::string code_verifier;  // authorization_code grant
  std::string tenant;         // Microsoft: the authority segment of the token URL
  // Checked once the client is authenticated and the grant found, before
  // anything is issued or used up: an error refuses the grant (Microsoft:
  // an account the tenant does not sign in).
  std::function<std::optional<OAuthError>(const std::string& user_id)> check_account;
};

enum class AuthResult { kOk, kMissing, kInvalid, kExpired };

class OAuthServer {
 public:
  struct Options {
    std::string access_prefix;             // e.g. "ya29." for Google
    std::string refresh_prefix;            // e.g. "1//" for Google
    bool rotate_refresh_tokens = false;    // Box: refresh tokens are single-use
    bool refresh_only_if_offline = false;  // Google: access_type=offline
    // Whether a refresh response repeats the (still valid) refresh token.
    bool echo_refresh_token = false;
  };

  OAuthServer(Options options, Clock& clock, int64_t ttl_seconds);

  std::string IssueCode(const std::string& user_id, const std::string& client_id,
                        const std::string& redirect_uri, const std::string& scope,
                        const std::string& code_challenge, const std::string& code_challenge_method,
                        bool offline, const std::string& nonce);
  // The provider's OAuth dialect (its error forms and matching rules); the
  // default is plain RFC 6749.
  void set_dialect(std::shared_ptr<const OAuthDialect> dialect);
  const OAuthDialect& dialect() const { return *dialect_; }

  // Registers (or replaces, by client_id) a client. Once one is
  // registered the server is strict: authorize and token refuse unknown
  // clients, wrong or missing secrets and unregistered redirect URIs.
  void RegisterClient(OAuthClient client);
  std::vector<OAuthClient> Clients() const;
  bool strict() const;
  // Strict mode: the registered client, or the authorize endpoint's
  // refusal. `redirect_uri` is filled in with the one to use (Box: the
  // only registered one when the request names none).
  std::optional<ClientRefusal> CheckAuthorizeClient(const std::string& client_id,
                                                    std::string* redirect_uri) const;

  // Returns false and fills `error` when the exchange is refused. In
  // strict mode the client is authenticated first, then the code, then the
  // redirect URI (as the provider's dialect says).
  bool ExchangeCode(const std::string& code, const TokenRequest& request, TokenGrant* grant,
                    OAuthError* error);
  bool Refresh(const std::string& refresh_token, const TokenRequest& request, TokenGrant* grant,
               OAuthError* error);
  // The permissive forms (no client secret to check).
  bool ExchangeCode(const std::string& code, const std::string& client_id,
                    const std::string& redirect_uri, const std::string& code_verifier,
                    TokenGrant* grant, OAuthError* error);
  bool Refresh(const std::string& refresh_token, const std::string& client_id, TokenGrant* grant,
               OAuthError* error);
  // Issues tokens directly (admin API, tests).
  TokenGrant IssueTokens(const std::string& user_id, const std::string& client_id,
                         const std::string& scope);
  // Revokes an access or refresh token and everything issued with it.
  bool Revoke(const std::string& token);
  void RevokeUser(const std::string& user_id);
  // Makes current access tokens expired (of one user, or all when empty).
  int ExpireAccessTokens(const std::string& user_id);

  AuthResult Authenticate(const std::string& authorization_header, std::string* user_id) const;

  void set_ttl_seconds(int64_t ttl) { ttl_seconds_ = ttl; }
  int64_t ttl_seconds() const { return ttl_seconds_; }

 private:
  struct Code {
    std::string user_id, client_id, redirect_uri, scope, challenge, method, nonce;
    bool offline = false;
    int64_t expires_ms = 0;
  };
  struct Access {
    std::string user_id;
    std::string family;  // the refresh token family it came from
    int64_t expires_ms = 0;
  };
  struct RefreshEntry {
    std::string user_id, client_id, scope, family;
    bool used = false;
    bool pkce = false;  // issued from a code exchanged with a PKCE verifier
  };

  TokenGrant IssueLocked(const std::string& user_id, const std::string& client_id,
                         const std::string& scope, bool with_refresh, const std::string& family,
                         bool pkce);
  // Strict mode: authenticates the client of a token request; `pkce` says
  // whether the grant was bound to a PKCE verifier (Dropbox then needs no
  // secret).
  bool AuthenticateClientLocked(const TokenRequest& request, bool pkce, OAuthError* error) const;

  const Options options_;
  Clock& clock_;
  std::atomic<int64_t> ttl_seconds_;
  mutable std::mutex mu_;
  std::shared_ptr<const OAuthDialect> dialect_;
  std::map<std::string, OAuthClient> clients_;
  std::unordered_map<std::string, Code> codes_;
  std::unordered_map<std::string, Access> access_;
  std::unordered_map<std::string, RefreshEntry> refresh_;
};

// RFC 7636 S256: BASE64URL(SHA256(verifier)).
std::string PkceS256(const std::string& verifier);

}  // namespace lc::emulator
