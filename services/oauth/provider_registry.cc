#include "oauth/provider_registry.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "oauth/provider_dialect.h"
#include "runtime/status.h"

namespace lc::oauth {
namespace {

// Parameters the flow sets itself; an extra parameter may not override them.
const std::set<std::string>& ReservedParams() {
  static const auto* params = new std::set<std::string>{
      "response_type", "client_id",      "redirect_uri",          "scope",
      "state",         "code_challenge", "code_challenge_method", "login_hint"};
  return *params;
}

std::string SecretContext(const std::string& provider) { return "client_secret:" + provider; }

// What keeps a provider from being usable, in words; "" when it is usable.
std::string MissingParts(const ProviderRecord& p) {
  std::vector<std::string> missing;
  if (!p.enabled) missing.push_back("it is disabled");
  if (p.client_id.empty()) missing.push_back("it has no client id");
  if (p.client_secret_sealed.empty()) missing.push_back("it has no client secret");
  return absl::StrJoin(missing, ", ");
}

absl::Status CheckUrl(const std::string& field, const std::string& url, bool may_be_empty) {
  if (url.empty()) {
    if (may_be_empty) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(field, " must not be empty"));
  }
  if (!(absl::StartsWith(url, "https://") || absl::StartsWith(url, "http://")) ||
      url.size() > 2048 || absl::StrContains(url, " ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be an absolute http(s) URL without spaces"));
  }
  return absl::OkStatus();
}

absl::Status CheckTenant(const ProviderRecord& p) {
  auto dialect = DialectFor(p.kind);
  if (!dialect) {
    return absl::InternalError(
        absl::StrCat("provider ", p.name, " has a kind the service does not know: ", p.kind));
  }
  if (!dialect->HasTenant()) {
    if (!p.tenant.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("tenant applies only to Microsoft providers, not ", p.name));
    }
    return absl::OkStatus();
  }
  if (p.tenant.empty() || p.tenant.size() > 128) {
    return absl::InvalidArgumentError(
        "tenant must be \"common\", \"organizations\", \"consumers\" or a tenant id/domain");
  }
  for (char c : p.tenant) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return absl::InvalidArgumentError("tenant may hold only letters, digits, '-' and '.'");
    }
  }
  return absl::OkStatus();
}

}  // namespace

v1::ServiceProvider ProviderRegistry::ToProto(const ProviderRecord& p) {
  v1::ServiceProvider out;
  out.set_name(p.name);
  out.set_description(p.description);
  out.set_client_id(p.client_id);
  out.set_client_secret_set(!p.client_secret_sealed.empty());
  out.set_authorization_url(p.authorization_url);
  out.set_token_url(p.token_url);
  out.set_revoke_url(p.revoke_url);
  for (const auto& s : p.scopes) out.add_scopes(s);
  for (const auto& [k, v] : p.extra_params) (*out.mutable_extra_authorization_params())[k] = v;
  out.set_tenant(p.tenant);
  out.set_enabled(p.enabled);
  std::string missing = MissingParts(p);
  out.set_usable(missing.empty());
  out.set_unusable_reason(missing);
  out.set_api_base_url(p.api_base_url);
  return out;
}

absl::StatusOr<v1::ListServiceProvidersResponse> ProviderRegistry::List() {
  auto records = store_.ListProviders();
  if (!records.ok()) return records.status();
  v1::ListServiceProvidersResponse out;
  for (const auto& r : *records) *out.add_providers() = ToProto(r);
  return out;
}

absl::StatusOr<v1::ServiceProvider> ProviderRegistry::Get(const std::string& name) {
  auto record = store_.GetProvider(name);
  if (!record.ok()) return record.status();
  return ToProto(*record);
}

absl::StatusOr<v1::ServiceProvider> ProviderRegistry::Update(
    const v1::UpdateServiceProviderRequest& req) {
  const v1::ServiceProvider& in = req.provider();
  if (in.name().empty()) return absl::InvalidArgumentError("provider.name is required");
  if (req.update_mask().paths_size() == 0) {
    return absl::InvalidArgumentError("update_mask must name at least one field");
  }
  for (const std::string& path : req.update_mask().paths()) {
    static const auto* known = new std::set<std::string>{
        "description", "client_id",  "client_secret", "authorization_url",
        "token_url",   "revoke_url", "scopes",        "extra_authorization_params",
        "tenant",      "enabled",    "api_base_url"};
    if (known->count(path) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask path \"", path,
                       "\" cannot be updated (updatable: ", absl::StrJoin(*known, ", "), ")"));
    }
  }
  if (req.client_secret().size() > 4096) {
    return absl::InvalidArgumentError("client_secret is longer than 4096 bytes");
  }
  auto record = store_.UpdateProvider(in.name(), [&](ProviderRecord& p) -> absl::Status {
    for (const std::string& path : req.update_mask().paths()) {
      if (path == "description") {
        p.description = in.description();
      } else if (path == "client_id") {
        p.client_id = in.client_id();
      } else if (path == "client_secret") {
        if (req.client_secret().empty()) {
          p.client_secret_key_id.clear();
          p.client_secret_sealed.clear();
        } else {
          Sealed sealed = cipher_.Seal(req.client_secret(), SecretContext(p.name));
          p.client_secret_key_id = sealed.key_id;
          p.client_secret_sealed = sealed.data;
        }
      } else if (path == "authorization_url") {
        p.authorization_url = in.authorization_url();
      } else if (path == "token_url") {
        p.token_url = in.token_url();
      } else if (path == "revoke_url") {
        p.revoke_url = in.revoke_url();
      } else if (path == "scopes") {
        p.scopes.assign(in.scopes().begin(), in.scopes().end());
        for (const auto& s : p.scopes) {
          if (s.empty() || absl::StrContains(s, " ")) {
            return absl::InvalidArgumentError("scopes must be non-empty and hold no spaces");
          }
        }
      } else if (path == "extra_authorization_params") {
        p.extra_params.clear();
        for (const auto& [k, v] : in.extra_authorization_params()) {
          if (k.empty() || ReservedParams().count(k) > 0) {
            return absl::InvalidArgumentError(absl::StrCat(
                "extra_authorization_params may not set \"", k, "\": the flow sets it"));
          }
          p.extra_params[k] = v;
        }
      } else if (path == "tenant") {
        p.tenant = in.tenant();
      } else if (path == "enabled") {
        p.enabled = in.enabled();
      } else if (path == "api_base_url") {
        p.api_base_url = in.api_base_url();
      }
    }
    if (p.client_id.size() > 1024) return absl::InvalidArgumentError("client_id is too long");
    LC_RETURN_IF_ERROR(CheckUrl("authorization_url", p.authorization_url, false));
    LC_RETURN_IF_ERROR(CheckUrl("token_url", p.token_url, false));
    LC_RETURN_IF_ERROR(CheckUrl("revoke_url", p.revoke_url, true));
    LC_RETURN_IF_ERROR(CheckUrl("api_base_url", p.api_base_url, false));
    return CheckTenant(p);
  });
  if (!record.ok()) return record.status();
  return ToProto(*record);
}

absl::StatusOr<v1::ServiceProvider> ProviderRegistry::SetEnabled(
    const v1::SetServiceProviderEnabledRequest& req) {
  if (req.name().empty()) return absl::InvalidArgumentError("name is required");
  auto record = store_.UpdateProvider(req.name(), [&](ProviderRecord& p) {
    p.enabled = req.enabled();
    return absl::OkStatus();
  });
  if (!record.ok()) return record.status();
  return ToProto(*record);
}

absl::StatusOr<ProviderConfig> ProviderRegistry::Usable(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("provider is required");
  auto record = store_.GetProvider(name);
  if (!record.ok()) return record.status();
  const ProviderRecord& p = *record;
  std::string missing = MissingParts(p);
  if (!missing.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("provider ", name, " is not usable: ", missing,
                     "; an administrator must configure it (UpdateServiceProvider, "
                     "SetServiceProviderEnabled)"));
  }
  auto secret = cipher_.Open(p.client_secret_key_id, p.client_secret_sealed, SecretContext(name));
  if (!secret.ok()) return secret.status();
  ProviderConfig c;
  c.name = p.name;
  c.kind = p.kind;
  c.dialect = DialectFor(p.kind);
  if (!c.dialect) {
    return absl::InternalError(
        absl::StrCat("provider ", name, " has a kind the service does not know: ", p.kind));
  }
  c.client_id = p.client_id;
  c.client_secret = *std::move(secret);
  c.authorization_url = absl::StrReplaceAll(p.authorization_url, {{"{tenant}", p.tenant}});
  c.token_url = absl::StrReplaceAll(p.token_url, {{"{tenant}", p.tenant}});
  c.revoke_url = absl::StrReplaceAll(p.revoke_url, {{"{tenant}", p.tenant}});
  c.scopes = p.scopes;
  c.extra_params = p.extra_params;
  c.api_base_url = p.api_base_url;
  return c;
}

}  // namespace lc::oauth
