#include "oauth/token_broker.h"

#include "absl/strings/str_cat.h"
#include "oauth/authorization_flow.h"
#include "runtime/log.h"
#include "runtime/proto_time.h"
#include "runtime/status.h"

namespace lc::oauth {
namespace {

absl::Status CheckKey(const std::string& user, const std::string& provider,
                      const std::string& account) {
  if (user.empty()) return absl::InvalidArgumentError("user is required");
  if (provider.empty()) return absl::InvalidArgumentError("provider is required");
  if (account.empty()) return absl::InvalidArgumentError("account is required");
  return absl::OkStatus();
}

absl::Status NeedsReconnect(const CredentialRecord& c) {
  return absl::FailedPreconditionError(
      absl::StrCat("the ", c.key.provider, " account ", c.key.account,
                   " must be reconnected by its user (", c.status_reason, ")"));
}

std::string FlightKey(const CredentialKey& k) {
  return absl::StrCat(k.user, "\n", k.provider, "\n", k.account);
}

}  // namespace

v1::Account AccountOf(const CredentialRecord& c) {
  v1::Account a;
  a.set_provider(c.key.provider);
  a.set_account(c.key.account);
  a.set_display_name(c.display_name);
  a.set_status(c.status);
  a.set_status_reason(c.status_reason);
  for (const auto& s : c.scopes) a.add_scopes(s);
  *a.mutable_connected_time() = ToProtoTimestamp(c.connected_time);
  a.set_user(c.key.user);
  return a;
}

bool TokenBroker::Fresh(const CredentialRecord& c, absl::Time now) const {
  return !c.expire_time.has_value() || *c.expire_time > now + options_.refresh_margin;
}

absl::StatusOr<v1::GetAccessTokenResponse> TokenBroker::Answer(
    const CredentialRecord& c, const ProviderConfig& provider) const {
  auto token = cipher_.Open(c.key_id, c.access_token_sealed, AccessTokenContext(c.key));
  if (!token.ok()) return token.status();
  v1::GetAccessTokenResponse out;
  out.set_access_token(*std::move(token));
  if (c.expire_time) *out.mutable_expire_time() = ToProtoTimestamp(*c.expire_time);
  out.set_api_base_url(provider.api_base_url);
  return out;
}

absl::StatusOr<v1::GetAccessTokenResponse> TokenBroker::GetAccessToken(
    const v1::GetAccessTokenRequest& req) {
  LC_RETURN_IF_ERROR(CheckKey(req.user(), req.provider(), req.account()));
  const CredentialKey key{req.user(), req.provider(), req.account()};
  auto provider = registry_.Usable(req.provider());
  if (!provider.ok()) return provider.status();

  auto seen = store_.GetCredential(key);
  if (!seen.ok()) return seen.status();
  if (seen->status != v1::ACCOUNT_STATUS_OK) return NeedsReconnect(*seen);
  if (!req.force_refresh() && Fresh(*seen, now_())) return Answer(*seen, *provider);
  const int64_t seen_version = seen->row_version;

  // Someone else may have refreshed while this caller waited: a credential
  // written since this caller looked, and fresh, is the answer (also for
  // force_refresh, whose caller's 401 was for the older token).
  auto refreshed_by_other = [&](const CredentialRecord& c) {
    const bool fresh = Fresh(c, now_());
    return fresh && (c.row_version != seen_version || !req.force_refresh());
  };

  auto hold = flights_.Acquire(FlightKey(key));
  auto again = store_.GetCredential(key);
  if (!again.ok()) return again.status();
  if (again->status != v1::ACCOUNT_STATUS_OK) return NeedsReconnect(*again);
  if (refreshed_by_other(*again)) return Answer(*again, *provider);

  absl::Status outcome = absl::OkStatus();
  v1::GetAccessTokenResponse answer;
  absl::Status tx =
      store_.WithLockedCredential(key, [&](CredentialRecord& row, bool* write) -> absl::Status {
        if (row.status != v1::ACCOUNT_STATUS_OK) {
          outcome = NeedsReconnect(row);
          return absl::OkStatus();
        }
        if (refreshed_by_other(row)) {
          auto a = Answer(row, *provider);
          if (!a.ok()) return a.status();
          answer = *std::move(a);
          return absl::OkStatus();
        }
        auto refresh_token =
            cipher_.Open(row.key_id, row.refresh_token_sealed, RefreshTokenContext(key));
        if (!refresh_token.ok()) return refresh_token.status();
        auto tokens = client_.Refresh(*provider, *refresh_token);
        const absl::Time now = now_();
        if (!tokens.ok()) {
          if (ClientRefused(tokens.status())) {
            // The provider refused the configured client id/secret: an
            // administrator's mistake that reconnecting cannot fix, so the
            // credential is left as it is and works again once the
            // configuration is corrected.
            LogWarn("provider refused the configured client",
                    {{"provider", req.provider()}, {"user", req.user()}});
            return tokens.status();
          }
          if (OAuthErrorOf(tokens.status()) != "invalid_grant") return tokens.status();
          row.status = v1::ACCOUNT_STATUS_NEEDS_RECONNECT;
          row.status_reason =
              absl::StrCat(req.provider(),
                           " refused the refresh token (invalid_grant: revoked, expired or "
                           "already used) at ",
                           absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone()));
          *write = true;
          outcome = NeedsReconnect(row);
          LogWarn("credential needs reconnect",
                  {{"provider", req.provider()}, {"user", req.user()}});
          return absl::OkStatus();
        }
        // Both tokens are sealed again with the active key, so rows move
        // to a new key as they refresh.
        const std::string& new_refresh =
            tokens->refresh_token.empty() ? *refresh_token : tokens->refresh_token;
        Sealed access = cipher_.Seal(tokens->access_token, AccessTokenContext(key));
        auto refresh = cipher_.SealWith(access.key_id, new_refresh, RefreshTokenContext(key));
        if (!refresh.ok()) return refresh.status();
        row.key_id = access.key_id;
        row.access_token_sealed = access.data;
        row.refresh_token_sealed = *refresh;
        row.expire_time.reset();
        if (tokens->expires_in) row.expire_time = now + *tokens->expires_in;
        if (!tokens->scopes.empty()) row.scopes = tokens->scopes;
        row.refreshed_time = now;
        *write = true;
        answer.set_access_token(tokens->access_token);
        if (row.expire_time) *answer.mutable_expire_time() = ToProtoTimestamp(*row.expire_time);
        answer.set_api_base_url(provider->api_base_url);
        LogInfo("credential refreshed", {{"provider", req.provider()},
                                         {"user", req.user()},
                                         {"rotated", !tokens->refresh_token.empty()}});
        return absl::OkStatus();
      });
  // The write (a rotated refresh token) is committed before anything is
  // handed out; a failed commit hands out nothing.
  if (!tx.ok()) return tx;
  if (!outcome.ok()) return outcome;
  return answer;
}

absl::StatusOr<v1::Account> TokenBroker::GetAccount(const v1::GetAccountRequest& req) {
  LC_RETURN_IF_ERROR(CheckKey(req.user(), req.provider(), req.account()));
  auto c = store_.GetCredential({req.user(), req.provider(), req.account()});
  if (!c.ok()) return c.status();
  return AccountOf(*c);
}

absl::StatusOr<v1::ListAccountsResponse> TokenBroker::ListAccounts(
    const Principal& caller, const v1::ListAccountsRequest& req) {
  auto list = store_.ListCredentials(caller.subject, req.provider());
  if (!list.ok()) return list.status();
  v1::ListAccountsResponse out;
  for (const auto& c : *list) *out.add_accounts() = AccountOf(c);
  return out;
}

absl::StatusOr<v1::DisconnectResponse> TokenBroker::Disconnect(const Principal& caller,
                                                               const v1::DisconnectRequest& req) {
  LC_RETURN_IF_ERROR(CheckKey(caller.subject, req.provider(), req.account()));
  const CredentialKey key{caller.subject, req.provider(), req.account()};
  auto c = store_.GetCredential(key);
  if (!c.ok()) return c.status();
  v1::DisconnectResponse out;
  // Revocation needs the client credentials; a provider that is not usable
  // any more is only forgotten here.
  auto provider = registry_.Usable(req.provider());
  if (provider.ok()) {
    auto access = cipher_.Open(c->key_id, c->access_token_sealed, AccessTokenContext(key));
    auto refresh = cipher_.Open(c->key_id, c->refresh_token_sealed, RefreshTokenContext(key));
    if (access.ok() && refresh.ok()) {
      out.set_revoked_at_provider(client_.Revoke(*provider, *access, *refresh));
    }
  }
  LC_RETURN_IF_ERROR(store_.DeleteCredential(key));
  LogInfo("account disconnected", {{"provider", req.provider()},
                                   {"user", caller.subject},
                                   {"revoked", out.revoked_at_provider()}});
  return out;
}

}  // namespace lc::oauth
