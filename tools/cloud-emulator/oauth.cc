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
    : options_(std::move(options)), clock_(clock), ttl_seconds_(ttl_seconds) {}

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
                                    const std::string& family) {
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
    refresh_[grant.refresh_token] = RefreshEntry{user_id, client_id, scope, fam};
  }
  return grant;
}

bool OAuthServer::ExchangeCode(const std::string& code, const std::string& client_id,
                               const std::string& redirect_uri, const std::string& code_verifier,
                               TokenGrant* grant, OAuthError* error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = codes_.find(code);
  if (it == codes_.end() || it->second.expires_ms < clock_.NowMs()) {
    *error = {"invalid_grant", "Malformed auth code."};
    return false;
  }
  Code c = it->second;
  codes_.erase(it);  // single use
  if (!client_id.empty() && !c.client_id.empty() && client_id != c.client_id) {
    *error = {"invalid_grant", "The authorization code was issued to another client."};
    return false;
  }
  if (!c.redirect_uri.empty() && !redirect_uri.empty() && redirect_uri != c.redirect_uri) {
    *error = {"redirect_uri_mismatch", "Bad Request"};
    return false;
  }
  if (!c.challenge.empty()) {
    std::string expected = c.method == "S256" ? PkceS256(code_verifier) : code_verifier;
    if (code_verifier.empty() || expected != c.challenge) {
      *error = {"invalid_grant", "Invalid code verifier."};
      return false;
    }
  }
  bool with_refresh = !options_.refresh_only_if_offline || c.offline;
  *grant = IssueLocked(c.user_id, c.client_id, c.scope, with_refresh, "");
  grant->nonce = c.nonce;
  return true;
}

bool OAuthServer::Refresh(const std::string& refresh_token, const std::string& client_id,
                          TokenGrant* grant, OAuthError* error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = refresh_.find(refresh_token);
  if (it == refresh_.end() || it->second.used) {
    *error = {"invalid_grant", options_.rotate_refresh_tokens
                                   ? "Refresh token has expired"
                                   : "Token has been expired or revoked."};
    return false;
  }
  if (!client_id.empty() && !it->second.client_id.empty() && client_id != it->second.client_id) {
    *error = {"invalid_client", "The client is not the one the token was issued to."};
    return false;
  }
  RefreshEntry r = it->second;
  if (options_.rotate_refresh_tokens) {
    it->second.used = true;
    *grant = IssueLocked(r.user_id, r.client_id, r.scope, true, r.family);
  } else {
    *grant = IssueLocked(r.user_id, r.client_id, r.scope, false, r.family);
    if (options_.echo_refresh_token) grant->refresh_token = refresh_token;
  }
  return true;
}

TokenGrant OAuthServer::IssueTokens(const std::string& user_id, const std::string& client_id,
                                    const std::string& scope) {
  std::lock_guard<std::mutex> lock(mu_);
  return IssueLocked(user_id, client_id, scope, true, "");
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
