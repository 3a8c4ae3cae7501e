#include "oauth/oauth_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace lc::oauth {
namespace {

constexpr char kProviderColumns[] =
    "name, kind, description, client_id, COALESCE(client_secret_key_id, '') AS secret_kid, "
    "COALESCE(client_secret_sealed, '') AS secret_sealed, authorization_url, token_url, "
    "revoke_url, scopes, extra_params::text AS extra_params, tenant, api_base_url, enabled";

constexpr char kStateColumns[] =
    "state_hash, user_id, provider, redirect_uri, return_to, key_id, code_verifier_sealed, "
    "(extract(epoch from created_time) * 1000000)::bigint AS created_us, "
    "(extract(epoch from expire_time) * 1000000)::bigint AS expire_us, "
    "(extract(epoch from used_time) * 1000000)::bigint AS used_us";

constexpr char kCredentialColumns[] =
    "user_id, provider, account, display_name, scopes, key_id, access_token_sealed, "
    "refresh_token_sealed, (extract(epoch from expire_time) * 1000000)::bigint AS expire_us, "
    "status, status_reason, (extract(epoch from connected_time) * 1000000)::bigint AS "
    "connected_us, (extract(epoch from refreshed_time) * 1000000)::bigint AS refreshed_us, "
    "row_version";

// Timestamps travel to PostgreSQL as RFC 3339 text with microseconds; ""
// stands for NULL (the SQL wraps it in NULLIF).
std::string PgTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}
std::string PgTime(const std::optional<absl::Time>& t) { return t ? PgTime(*t) : ""; }

std::optional<absl::Time> OptionalTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

std::vector<std::string> SplitScopes(const std::string& text) {
  return absl::StrSplit(text, ' ', absl::SkipEmpty());
}

ProviderRecord ProviderFromRow(const pqxx::row& row) {
  ProviderRecord p;
  p.name = row["name"].as<std::string>();
  p.kind = row["kind"].as<std::string>();
  p.description = row["description"].as<std::string>();
  p.client_id = row["client_id"].as<std::string>();
  p.client_secret_key_id = row["secret_kid"].as<std::string>();
  p.client_secret_sealed = row["secret_sealed"].as<std::string>();
  p.authorization_url = row["authorization_url"].as<std::string>();
  p.token_url = row["token_url"].as<std::string>();
  p.revoke_url = row["revoke_url"].as<std::string>();
  p.scopes = SplitScopes(row["scopes"].as<std::string>());
  nlohmann::json extra = nlohmann::json::parse(row["extra_params"].as<std::string>(), nullptr,
                                               /*allow_exceptions=*/false);
  if (extra.is_object()) {
    for (auto& [k, v] : extra.items()) {
      if (v.is_string()) p.extra_params[k] = v.get<std::string>();
    }
  }
  p.tenant = row["tenant"].as<std::string>();
  p.api_base_url = row["api_base_url"].as<std::string>();
  p.enabled = row["enabled"].as<bool>();
  return p;
}

StateRecord StateFromRow(const pqxx::row& row) {
  StateRecord s;
  s.state_hash = row["state_hash"].as<std::string>();
  s.user = row["user_id"].as<std::string>();
  s.provider = row["provider"].as<std::string>();
  s.redirect_uri = row["redirect_uri"].as<std::string>();
  s.return_to = row["return_to"].as<std::string>();
  s.key_id = row["key_id"].as<std::string>();
  s.code_verifier_sealed = row["code_verifier_sealed"].as<std::string>();
  s.created_time = absl::FromUnixMicros(row["created_us"].as<int64_t>());
  s.expire_time = absl::FromUnixMicros(row["expire_us"].as<int64_t>());
  s.used_time = OptionalTime(row["used_us"]);
  return s;
}

CredentialRecord CredentialFromRow(const pqxx::row& row) {
  CredentialRecord c;
  c.key.user = row["user_id"].as<std::string>();
  c.key.provider = row["provider"].as<std::string>();
  c.key.account = row["account"].as<std::string>();
  c.display_name = row["display_name"].as<std::string>();
  c.scopes = SplitScopes(row["scopes"].as<std::string>());
  c.key_id = row["key_id"].as<std::string>();
  c.access_token_sealed = row["access_token_sealed"].as<std::string>();
  c.refresh_token_sealed = row["refresh_token_sealed"].as<std::string>();
  c.expire_time = OptionalTime(row["expire_us"]);
  c.status = static_cast<v1::AccountStatus>(row["status"].as<int>());
  c.status_reason = row["status_reason"].as<std::string>();
  c.connected_time = absl::FromUnixMicros(row["connected_us"].as<int64_t>());
  c.refreshed_time = OptionalTime(row["refreshed_us"]);
  c.row_version = row["row_version"].as<int64_t>();
  return c;
}

absl::Status NoCredential(const CredentialKey& key) {
  return absl::NotFoundError(
      absl::StrCat("user has no connected ", key.provider, " account \"", key.account, "\""));
}

}  // namespace

absl::StatusOr<std::vector<ProviderRecord>> PgOAuthStore::ListProviders() {
  std::vector<ProviderRecord> out;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) {
    for (const auto& row :
         tx.exec(absl::StrCat("SELECT ", kProviderColumns, " FROM providers ORDER BY name"))) {
      out.push_back(ProviderFromRow(row));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<ProviderRecord> PgOAuthStore::GetProvider(const std::string& name) {
  ProviderRecord out;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kProviderColumns, " FROM providers WHERE name = $1"), name);
    if (r.empty()) {
      return absl::NotFoundError(absl::StrCat("no service provider named \"", name, "\""));
    }
    out = ProviderFromRow(r[0]);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<ProviderRecord> PgOAuthStore::UpdateProvider(
    const std::string& name, const std::function<absl::Status(ProviderRecord&)>& fn) {
  ProviderRecord out;
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kProviderColumns, " FROM providers WHERE name = $1 FOR UPDATE"),
        name);
    if (r.empty()) {
      return absl::NotFoundError(absl::StrCat("no service provider named \"", name, "\""));
    }
    ProviderRecord p = ProviderFromRow(r[0]);
    if (absl::Status st = fn(p); !st.ok()) return st;
    nlohmann::json extra = nlohmann::json::object();
    for (const auto& [k, v] : p.extra_params) extra[k] = v;
    tx.exec_params(
        "UPDATE providers SET description = $2, client_id = $3, "
        "client_secret_key_id = NULLIF($4, ''), client_secret_sealed = NULLIF($5, ''), "
        "authorization_url = $6, token_url = $7, revoke_url = $8, scopes = $9, "
        "extra_params = $10::jsonb, tenant = $11, api_base_url = $12, enabled = $13, "
        "updated_time = now() WHERE name = $1",
        p.name, p.description, p.client_id, p.client_secret_key_id, p.client_secret_sealed,
        p.authorization_url, p.token_url, p.revoke_url, absl::StrJoin(p.scopes, " "), extra.dump(),
        p.tenant, p.api_base_url, p.enabled);
    out = std::move(p);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status PgOAuthStore::InsertState(const StateRecord& st) {
  return pool_.Run([&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO authorization_states (state_hash, user_id, provider, redirect_uri, "
        "return_to, key_id, code_verifier_sealed, created_time, expire_time) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        st.state_hash, st.user, st.provider, st.redirect_uri, st.return_to, st.key_id,
        st.code_verifier_sealed, PgTime(st.created_time), PgTime(st.expire_time));
    return absl::OkStatus();
  });
}

absl::Status PgOAuthStore::DeleteStatesExpiredBefore(absl::Time before) {
  return pool_.Run([&](pqxx::work& tx) {
    tx.exec_params("DELETE FROM authorization_states WHERE expire_time < $1", PgTime(before));
    return absl::OkStatus();
  });
}

absl::StatusOr<StateRecord> PgOAuthStore::ConsumeState(
    const std::string& state_hash, absl::Time now,
    const std::function<absl::Status(const StateRecord&)>& check) {
  StateRecord out;
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r =
        tx.exec_params(absl::StrCat("SELECT ", kStateColumns,
                                    " FROM authorization_states WHERE state_hash = $1 FOR UPDATE"),
                       state_hash);
    if (r.empty()) return absl::NotFoundError("unknown state");
    out = StateFromRow(r[0]);
    if (absl::Status st = check(out); !st.ok()) return st;
    tx.exec_params("UPDATE authorization_states SET used_time = $2 WHERE state_hash = $1",
                   state_hash, PgTime(now));
    out.used_time = now;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status PgOAuthStore::UpsertCredential(const CredentialRecord& c) {
  return pool_.Run([&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO credentials (user_id, provider, account, display_name, scopes, key_id, "
        "access_token_sealed, refresh_token_sealed, expire_time, status, status_reason, "
        "connected_time, refreshed_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "NULLIF($9, '')::timestamptz, $10, $11, $12, NULL) "
        "ON CONFLICT (user_id, provider, account) DO UPDATE SET "
        "display_name = EXCLUDED.display_name, scopes = EXCLUDED.scopes, "
        "key_id = EXCLUDED.key_id, access_token_sealed = EXCLUDED.access_token_sealed, "
        "refresh_token_sealed = EXCLUDED.refresh_token_sealed, "
        "expire_time = EXCLUDED.expire_time, status = EXCLUDED.status, "
        "status_reason = EXCLUDED.status_reason, connected_time = EXCLUDED.connected_time, "
        "refreshed_time = NULL, row_version = credentials.row_version + 1",
        c.key.user, c.key.provider, c.key.account, c.display_name, absl::StrJoin(c.scopes, " "),
        c.key_id, c.access_token_sealed, c.refresh_token_sealed, PgTime(c.expire_time),
        static_cast<int>(c.status), c.status_reason, PgTime(c.connected_time));
    return absl::OkStatus();
  });
}

absl::StatusOr<CredentialRecord> PgOAuthStore::GetCredential(const CredentialKey& key) {
  CredentialRecord out;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kCredentialColumns,
                     " FROM credentials WHERE user_id = $1 AND provider = $2 AND account = $3"),
        key.user, key.provider, key.account);
    if (r.empty()) return NoCredential(key);
    out = CredentialFromRow(r[0]);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<CredentialRecord>> PgOAuthStore::ListCredentials(
    const std::string& user, const std::string& provider) {
  std::vector<CredentialRecord> out;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) {
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kCredentialColumns,
                     " FROM credentials WHERE user_id = $1 AND ($2 = '' OR provider = $2) "
                     "ORDER BY provider, account"),
        user, provider);
    for (const auto& row : r) out.push_back(CredentialFromRow(row));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status PgOAuthStore::WithLockedCredential(const CredentialKey& key, const LockedFn& fn) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kCredentialColumns,
                     " FROM credentials WHERE user_id = $1 AND provider = $2 AND account = $3 "
                     "FOR UPDATE"),
        key.user, key.provider, key.account);
    if (r.empty()) return NoCredential(key);
    CredentialRecord c = CredentialFromRow(r[0]);
    bool write = false;
    if (absl::Status st = fn(c, &write); !st.ok()) return st;
    if (!write) return absl::OkStatus();
    tx.exec_params(
        "UPDATE credentials SET display_name = $4, scopes = $5, key_id = $6, "
        "access_token_sealed = $7, refresh_token_sealed = $8, "
        "expire_time = NULLIF($9, '')::timestamptz, status = $10, status_reason = $11, "
        "refreshed_time = NULLIF($12, '')::timestamptz, row_version = row_version + 1 "
        "WHERE user_id = $1 AND provider = $2 AND account = $3",
        key.user, key.provider, key.account, c.display_name, absl::StrJoin(c.scopes, " "), c.key_id,
        c.access_token_sealed, c.refresh_token_sealed, PgTime(c.expire_time),
        static_cast<int>(c.status), c.status_reason, PgTime(c.refreshed_time));
    return absl::OkStatus();
  });
}

absl::Status PgOAuthStore::DeleteCredential(const CredentialKey& key) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "DELETE FROM credentials WHERE user_id = $1 AND provider = $2 AND account = $3", key.user,
        key.provider, key.account);
    if (r.affected_rows() == 0) return NoCredential(key);
    return absl::OkStatus();
  });
}

}  // namespace lc::oauth
