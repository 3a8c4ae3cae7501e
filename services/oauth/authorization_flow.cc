#include "oauth/authorization_flow.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/encoding.h"
#include "runtime/log.h"
#include "runtime/proto_time.h"
#include "runtime/status.h"

namespace lc::oauth {
namespace {

constexpr size_t kMaxUrl = 2048;

// "scheme://host[:port]" of an absolute http(s) URL, or "" when it is not one.
std::string Origin(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return "";
  size_t host_end = url.find_first_of("/?#", scheme_end + 3);
  std::string origin = url.substr(0, host_end);
  if (origin.size() == scheme_end + 3 || absl::StrContains(origin, "@")) return "";
  return origin;
}

bool HasControlOrSpace(const std::string& s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

absl::Status CheckRedirects(const v1::StartAuthorizationRequest& req) {
  if (req.redirect_uri().empty()) {
    return absl::InvalidArgumentError(
        "redirect_uri is required (the gateway's /oauth2/{provider}/callback URL)");
  }
  if (req.redirect_uri().size() > kMaxUrl || HasControlOrSpace(req.redirect_uri()) ||
      Origin(req.redirect_uri()).empty()) {
    return absl::InvalidArgumentError("redirect_uri must be an absolute http(s) URL");
  }
  const std::string& rt = req.return_to();
  if (rt.empty()) return absl::OkStatus();
  if (rt.size() > kMaxUrl || HasControlOrSpace(rt) || absl::StrContains(rt, "\\")) {
    return absl::InvalidArgumentError("return_to must be a URL without spaces or backslashes");
  }
  // A path on the gateway itself, or a URL of the same origin as the
  // callback: nothing else, so the flow cannot become an open redirect.
  if (rt[0] == '/') {
    if (rt.size() > 1 && rt[1] == '/') {
      return absl::InvalidArgumentError("return_to must not be a protocol-relative URL");
    }
    return absl::OkStatus();
  }
  if (Origin(rt) != Origin(req.redirect_uri())) {
    return absl::InvalidArgumentError(
        "return_to must be a path or a URL on the gateway's own origin");
  }
  return absl::OkStatus();
}

}  // namespace

std::string StateHash(const std::string& state) { return absl::BytesToHexString(Sha256(state)); }

std::string VerifierContext(const std::string& state_hash) { return "pkce:" + state_hash; }

std::string AccessTokenContext(const CredentialKey& key) {
  return absl::StrCat("access_token\n", key.user, "\n", key.provider, "\n", key.account);
}

std::string RefreshTokenContext(const CredentialKey& key) {
  return absl::StrCat("refresh_token\n", key.user, "\n", key.provider, "\n", key.account);
}

absl::StatusOr<v1::StartAuthorizationResponse> AuthorizationFlow::Start(
    const Principal& caller, const v1::StartAuthorizationRequest& req) {
  LC_RETURN_IF_ERROR(CheckRedirects(req));
  if (req.login_hint().size() > 320 || HasControlOrSpace(req.login_hint())) {
    return absl::InvalidArgumentError("login_hint must be at most 320 characters, no spaces");
  }
  auto provider = registry_.Usable(req.provider());
  if (!provider.ok()) return provider.status();

  const absl::Time now = now_();
  const std::string state = Base64UrlEncode(RandomBytes(32));
  const std::string verifier = Base64UrlEncode(RandomBytes(32));
  const std::string challenge = Base64UrlEncode(Sha256(verifier));

  StateRecord record;
  record.state_hash = StateHash(state);
  record.user = caller.subject;
  record.provider = req.provider();
  record.redirect_uri = req.redirect_uri();
  record.return_to = req.return_to();
  Sealed sealed = cipher_.Seal(verifier, VerifierContext(record.state_hash));
  record.key_id = sealed.key_id;
  record.code_verifier_sealed = sealed.data;
  record.created_time = now;
  record.expire_time = now + options_.state_ttl;
  // Old states are kept a day so a late replay still gets a clear answer.
  LC_RETURN_IF_ERROR(store_.DeleteStatesExpiredBefore(now - absl::Hours(24)));
  LC_RETURN_IF_ERROR(store_.InsertState(record));

  std::vector<std::pair<std::string, std::string>> params = {
      {"response_type", "code"},
      {"client_id", provider->client_id},
      {"redirect_uri", req.redirect_uri()},
      {"state", state},
      {"code_challenge", challenge},
      {"code_challenge_method", "S256"},
  };
  if (!provider->scopes.empty()) params.push_back({"scope", absl::StrJoin(provider->scopes, " ")});
  if (!req.login_hint().empty()) params.push_back({"login_hint", req.login_hint()});
  for (const auto& [k, v] : provider->extra_params) params.push_back({k, v});

  absl::StatusOr<std::string> url = AppendQuery(provider->authorization_url, params);
  if (!url.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("the authorization URL of ", req.provider(),
                                                      " is not usable: ", url.status().message()));
  }
  v1::StartAuthorizationResponse out;
  out.set_authorization_url(*std::move(url));
  *out.mutable_state_expire_time() = ToProtoTimestamp(record.expire_time);
  LogInfo("authorization started", {{"provider", req.provider()}, {"user", caller.subject}});
  return out;
}

absl::StatusOr<v1::CompleteAuthorizationResponse> AuthorizationFlow::Complete(
    const Principal& caller, const v1::CompleteAuthorizationRequest& req) {
  if (req.provider().empty()) return absl::InvalidArgumentError("provider is required");
  if (req.state().empty() || req.state().size() > 512) {
    return absl::InvalidArgumentError("state is missing or malformed");
  }
  const absl::Time now = now_();
  const std::string hash = StateHash(req.state());
  auto state = store_.ConsumeState(hash, now, [&](const StateRecord& s) -> absl::Status {
    if (s.user != caller.subject) {
      return absl::PermissionDeniedError(
          "this authorization was started by another user; start it again yourself");
    }
    if (s.provider != req.provider()) {
      return absl::InvalidArgumentError(absl::StrCat("this state was issued for provider ",
                                                     s.provider, ", not ", req.provider()));
    }
    if (s.used_time.has_value()) {
      return absl::FailedPreconditionError(
          "this authorization was already completed (the state is single-use); connect the "
          "account again");
    }
    if (now >= s.expire_time) {
      return absl::FailedPreconditionError(
          "this authorization expired (10 minutes to complete it); connect the account again");
    }
    return absl::OkStatus();
  });
  if (absl::IsNotFound(state.status())) {
    return absl::InvalidArgumentError(
        "unknown state: it was not issued here or was altered; connect the account again");
  }
  if (!state.ok()) return state.status();

  if (!req.error().empty()) {
    if (req.error() == "access_denied") {
      return absl::PermissionDeniedError(
          absl::StrCat("access was declined at ", req.provider(), "; nothing was connected"));
    }
    std::string error = req.error().substr(0, 64);
    return absl::FailedPreconditionError(
        absl::StrCat(req.provider(), " did not authorize the connection: ", error,
                     req.error_description().empty()
                         ? ""
                         : absl::StrCat(" (", req.error_description().substr(0, 200), ")")));
  }
  if (req.code().empty() || req.code().size() > 4096) {
    return absl::InvalidArgumentError("code is missing or malformed");
  }

  auto provider = registry_.Usable(req.provider());
  if (!provider.ok()) return provider.status();
  auto verifier = cipher_.Open(state->key_id, state->code_verifier_sealed, VerifierContext(hash));
  if (!verifier.ok()) return verifier.status();
  auto tokens = client_.ExchangeCode(*provider, req.code(), state->redirect_uri, *verifier);
  if (!tokens.ok()) {
    if (OAuthErrorOf(tokens.status()) == "invalid_grant") {
      return absl::FailedPreconditionError(
          absl::StrCat(req.provider(),
                       " rejected the authorization code (expired or already "
                       "used); connect the account again"));
    }
    return tokens.status();
  }
  if (tokens->refresh_token.empty()) {
    // Without a refresh token the connection dies with the first access
    // token, so it is refused now rather than failing an hour later.
    client_.Revoke(*provider, tokens->access_token, tokens->access_token);
    return absl::FailedPreconditionError(absl::StrCat(
        req.provider(),
        " granted no refresh token (offline access was not granted), so the connection would "
        "stop working when the access token expires; nothing was stored. An administrator "
        "should check the provider's extra authorization parameters (offline access), then "
        "connect the account again"));
  }
  auto identity = client_.FetchAccount(*provider, tokens->access_token);
  if (!identity.ok()) return identity.status();

  CredentialRecord cred;
  cred.key = CredentialKey{caller.subject, req.provider(), identity->account};
  cred.display_name = identity->display_name;
  cred.scopes = tokens->scopes.empty() ? provider->scopes : tokens->scopes;
  Sealed access = cipher_.Seal(tokens->access_token, AccessTokenContext(cred.key));
  auto refresh =
      cipher_.SealWith(access.key_id, tokens->refresh_token, RefreshTokenContext(cred.key));
  if (!refresh.ok()) return refresh.status();
  cred.key_id = access.key_id;
  cred.access_token_sealed = access.data;
  cred.refresh_token_sealed = *refresh;
  if (tokens->expires_in) cred.expire_time = now + *tokens->expires_in;
  cred.status = v1::ACCOUNT_STATUS_OK;
  cred.connected_time = now;
  LC_RETURN_IF_ERROR(store_.UpsertCredential(cred));
  LogInfo("account connected", {{"provider", req.provider()}, {"user", caller.subject}});

  v1::CompleteAuthorizationResponse out;
  v1::Account* account = out.mutable_account();
  account->set_provider(req.provider());
  account->set_account(identity->account);
  account->set_display_name(identity->display_name);
  account->set_status(v1::ACCOUNT_STATUS_OK);
  for (const auto& s : cred.scopes) account->add_scopes(s);
  *account->mutable_connected_time() = ToProtoTimestamp(now);
  account->set_user(caller.subject);
  out.set_return_to(state->return_to);
  return out;
}

}  // namespace lc::oauth
