#include "oauth.h"

#include <openssl/sha.h>

#include <vector>

#include "util.h"

namespace lc::emulator {

std::string PkceS256(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return Base64UrlEncode(std::string(reinterpret_cast<char*>(digest), sizeof(digest)));
}

OAuthServer::OAuthServer(Options options, Clock& clock, int64_t ttl_seconds)
    : options_(std::move(options)),
      clock_(clock),
      ttl_seconds_(ttl_seconds),
      dialect_(Rfc6749Dialect()) {}

void OAuthServer::set_dialect(std::shared_ptr<const OAuthDialect> dialect) {
  std::lock_guard<std::mutex> lock(mu_);
  dialect_ = std::move(dialect);
}

void OAuthServer::RegisterClient(OAuthClient client) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = client.client_id;
  clients_[id] = std::move(client);
}

std::vector<OAuthClient> OAuthServer::Clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<OAuthClient> out;
  for (const auto& [id, c] : clients_) out.push_back(c);
  return out;
}

bool OAuthServer::strict() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !clients_.empty();
}

std::optional<ClientRefusal> OAuthServer::CheckAuthorizeClient(const std::string& client_id,
                                                               std::string* redirect_uri) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (clients_.empty()) return std::nullopt;
  auto it = clients_.find(client_id);
  if (client_id.empty() || it == clients_.end()) return ClientRefusal::kUnknownClient;
  const OAuthClient& c = it->second;
  if (redirect_uri->empty()) {
    if (dialect_->DefaultsToOnlyRedirect() && c.redirect_uris.size() == 1) {
      *redirect_uri = c.redirect_uris[0];
      return std::nullopt;
    }
    return ClientRefusal::kRedirectMissing;
  }
  for (const auto& registered : c.redirect_uris) {
    if (dialect_->RedirectMatches(registered, *redirect_uri)) return std::nullopt;
  }
  return ClientRefusal::kRedirectNotRegistered;
}

bool OAuthServer::AuthenticateClientLocked(const TokenRequest& r, bool pkce,
                                           OAuthError* error) const {
  RefusalContext ctx{r.client_id, r.redirect_uri, r.tenant};
  auto it = clients_.find(r.client_id);
  if (r.client_id.empty() || it == clients_.end()) {
    *error = dialect_->TokenRefusal(ClientRefusal::kUnknownClient, ctx);
    return false;
  }
  const OAuthClient& c = it->second;
  if (c.client_secret.empty()) return true;  // a public client: PKCE proves it
  if (r.client_secret.empty()) {
    if (pkce && dialect_->PkceReplacesSecret()) return true;
    *error = dialect_->TokenRefusal(ClientRefusal::kMissingSecret, ctx);
    return false;
  }
  if (r.client_secret != c.client_secret) {
    *error = dialect_->TokenRefusal(ClientRefusal::kWrongSecret, ctx);
    return false;
  }
  return true;
}

std::string OAuthServer::IssueCode(const std::string& user_id, const std::string& client_id,
                                   const std::string& redirect_uri, const std::string& scope,
                                   const std::string& code_challenge,
                                   const std::string& code_challenge_method, bool offline,
                                   const std::string& nonce) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string code = "4/" + RandomToken(40);
  codes_[code] = Code{user_id, client_id,      redirect_uri,
                      scope,   code_challenge, code_challenge_method,
                      nonce,   offline,        clock_.NowMs() + 10 * 60 * 1000};
  return code;
}

TokenGrant OAuthServer::IssueLocked(const std::string& user_id, const std::string& client_id,
                                    const std::string& scope, bool with_refresh,
                                    const std::string& family, bool pkce) {
  TokenGrant grant;
  grant.user_id = user_id;
  grant.client_id = client_id;
  grant.scope = scope;
  grant.expires_in = ttl_seconds_;
  grant.access_token = options_.access_prefix + RandomToken(48);
  std::string fam = family.empty() ? RandomToken(16) : family;
  access_[grant.access_token] = Access{user_id, fam, clock_.NowMs() + ttl_seconds_ * 1000};
  if (with_refresh) {
    grant.refresh_token = options_.refresh_prefix + RandomToken(48);
    refresh_[grant.refresh_token] = RefreshEntry{user_id, client_id, scope, fam, false, pkce};
  }
  return grant;
}

bool OAuthServer::ExchangeCode(const std::string& code, const std::string& client_id,
                               const std::string& redirect_uri, const std::string& code_verifier,
                               TokenGrant* grant, OAuthError* error) {
  return ExchangeCode(code, TokenRequest{client_id, "", redirect_uri, code_verifier, "", nullptr},
                      grant, error);
}

bool OAuthServer::ExchangeCode(const std::string& code, const TokenRequest& r, TokenGrant* grant,
                               OAuthError* error) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool strict = !clients_.empty();
  auto it = codes_.find(code);
  if (strict) {
    // The client is authenticated before the code is looked at (a refused
    // client does not use the code up).
    // An unknown code is the grant's fault, not the client's: without a
    // secret it is judged as a PKCE one (invalid_grant follows).
    const bool pkce = it == codes_.end() || !it->second.challenge.empty();
    if (!AuthenticateClientLocked(r, pkce, error)) return false;
  }
  if (it == codes_.end() || it->second.expires_ms < clock_.NowMs()) {
    *error = {"invalid_grant", "Malformed auth code."};
    return false;
  }
  if (r.check_account) {
    if (auto refused = r.check_account(it->second.user_id)) {
      *error = *refused;
      return false;
    }
  }
  Code c = it->second;
  codes_.erase(it);  // single use
  if (!r.client_id.empty() && !c.client_id.empty() && r.client_id != c.client_id) {
    *error = {"invalid_grant", "The authorization code was issued to another client."};
    return false;
  }
  if (strict && dialect_->TokenChecksRedirect() && !c.redirect_uri.empty()) {
    RefusalContext ctx{r.client_id, r.redirect_uri, r.tenant};
    if (r.redirect_uri.empty()) {
      *error = dialect_->TokenRefusal(ClientRefusal::kRedirectMissing, ctx);
      return false;
    }
    const OAuthClient& client = clients_.at(r.client_id);
    bool registered = false;
    for (const auto& uri : client.redirect_uris) {
      registered = registered || dialect_->RedirectMatches(uri, r.redirect_uri);
    }
    if (!registered) {
      *error = dialect_->TokenRefusal(ClientRefusal::kRedirectNotRegistered, ctx);
      return false;
    }
    if (r.redirect_uri != c.redirect_uri) {
      *error = dialect_->TokenRefusal(ClientRefusal::kRedirectMismatch, ctx);
      return false;
    }
  } else if (!strict && !c.redirect_uri.empty() && !r.redirect_uri.empty() &&
             r.redirect_uri != c.redirect_uri) {
    *error = {"redirect_uri_mismatch", "Bad Request"};
    return false;
  }
  if (!c.challenge.empty()) {
    std::string expected = c.method == "S256" ? PkceS256(r.code_verifier) : r.code_verifier;
    if (r.code_verifier.empty() || expected != c.challenge) {
      *error = {"invalid_grant", "Invalid code verifier."};
      return false;
    }
  }
  bool with_refresh = !options_.refresh_only_if_offline || c.offline;
  *grant = IssueLocked(c.user_id, c.client_id, c.scope, with_refresh, "", !c.challenge.empty());
  grant->nonce = c.nonce;
  return true;
}

bool OAuthServer::Refresh(const std::string& refresh_token, const std::string& client_id,
                          TokenGrant* grant, OAuthError* error) {
  return Refresh(refresh_token, TokenRequest{client_id, "", "", "", "", nullptr}, grant, error);
}

bool OAuthServer::Refresh(const std::string& refresh_token, const TokenRequest& r,
                          TokenGrant* grant, OAuthError* error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = refresh_.find(refresh_token);
  if (!clients_.empty()) {
    const bool pkce = it == refresh_.end() || it->second.pkce;
    if (!AuthenticateClientLocked(r, pkce, error)) return false;
  }
  if (it == refresh_.end() || it->second.used) {
    *error = {"invalid_grant", options_.rotate_refresh_tokens
                                   ? "Refresh token has expired"
                                   : "Token has been expired or revoked."};
    return false;
  }
  if (!r.client_id.empty() && !it->second.client_id.empty() &&
      r.client_id != it->second.client_id) {
    *error = {"invalid_client", "The client is not the one the token was issued to."};
    return false;
  }
  if (r.check_account) {
    if (auto refused = r.check_account(it->second.user_id)) {
      *error = *refused;
      return false;
    }
  }
  RefreshEntry e = it->second;
  if (options_.rotate_refresh_tokens) {
    it->second.used = true;
    *grant = IssueLocked(e.user_id, e.client_id, e.scope, true, e.family, e.pkce);
  } else {
    *grant = IssueLocked(e.user_id, e.client_id, e.scope, false, e.family, e.pkce);
    if (options_.echo_refresh_token) grant->refresh_token = refresh_token;
  }
  return true;
}

TokenGrant OAuthServer::IssueTokens(const std::string& user_id, const std::string& client_id,
                                    const std::string& scope) {
  std::lock_guard<std::mutex> lock(mu_);
  return IssueLocked(user_id, client_id, scope, true, "", false);
}

bool OAuthServer::Revoke(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string family;
  if (auto a = access_.find(token); a != access_.end()) {
    family = a->second.family;
  } else if (auto r = refresh_.find(token); r != refresh_.end()) {
    family = r->second.family;
  } else {
    return false;
  }
  for (auto it = access_.begin(); it != access_.end();) {
    it = it->second.family == family ? access_.erase(it) : std::next(it);
  }
  for (auto it = refresh_.begin(); it != refresh_.end();) {
    it = it->second.family == family ? refresh_.erase(it) : std::next(it);
  }
  return true;
}

void OAuthServer::RevokeUser(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = access_.begin(); it != access_.end();) {
    it = it->second.user_id == user_id ? access_.erase(it) : std::next(it);
  }
  for (auto it = refresh_.begin(); it != refresh_.end();) {
    it = it->second.user_id == user_id ? refresh_.erase(it) : std::next(it);
  }
}

int OAuthServer::ExpireAccessTokens(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  int64_t past = clock_.NowMs() - 1;
  for (auto& [token, access] : access_) {
    if (user_id.empty() || access.user_id == user_id) {
      access.expires_ms = std::min(access.expires_ms, past);
      ++n;
    }
  }
  return n;
}

AuthResult OAuthServer::Authenticate(const std::string& header, std::string* user_id) const {
  static const std::string kBearer = "Bearer ";
  if (header.empty()) return AuthResult::kMissing;
  if (header.size() <= kBearer.size() || ToLower(header.substr(0, kBearer.size())) != "bearer ") {
    return AuthResult::kInvalid;
  }
  std::string token = header.substr(kBearer.size());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = access_.find(token);
  if (it == access_.end()) return AuthResult::kInvalid;
  if (it->second.expires_ms <= clock_.NowMs()) return AuthResult::kExpired;
  *user_id = it->second.user_id;
  return AuthResult::kOk;
}

}  // namespace lc::emulator
