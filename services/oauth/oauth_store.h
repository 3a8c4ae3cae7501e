// Persistence of the provider registry, pending authorization states and
// credentials. SQL lives here and nowhere else in the oauth service; secrets
// arrive already sealed (TokenCipher) and leave sealed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/types.pb.h"
#include "runtime/pg.h"

namespace lc::oauth {

namespace v1 = ::liveconnect::v1;

// A registry row. `kind` says which API dialect the provider speaks
// ("google", "dropbox", "box", "microsoft").
struct ProviderRecord {
  std::string name;
  std::string kind;
  std::string description;
  std::string client_id;
  std::string client_secret_key_id;  // empty: no secret set
  std::string client_secret_sealed;
  std::string authorization_url;
  std::string token_url;
  std::string revoke_url;
  std::vector<std::string> scopes;
  std::map<std::string, std::string> extra_params;
  std::string tenant;
  std::string api_base_url;
  bool enabled = false;
};

// A pending authorization, keyed by the SHA-256 of its state.
struct StateRecord {
  std::string state_hash;
  std::string user;
  std::string provider;
  std::string redirect_uri;
  std::string return_to;
  std::string key_id;
  std::string code_verifier_sealed;
  absl::Time created_time;
  absl::Time expire_time;
  std::optional<absl::Time> used_time;
};

struct CredentialKey {
  std::string user;
  std::string provider;
  std::string account;
};

struct CredentialRecord {
  CredentialKey key;
  std::string display_name;
  std::vector<std::string> scopes;
  std::string key_id;  // seals both tokens
  std::string access_token_sealed;
  std::string refresh_token_sealed;
  std::optional<absl::Time> expire_time;  // absent: the provider gave none
  v1::AccountStatus status = v1::ACCOUNT_STATUS_OK;
  std::string status_reason;
  absl::Time connected_time;
  std::optional<absl::Time> refreshed_time;
  // Grows with every write; tells a caller whether someone refreshed since
  // it last looked.
  int64_t row_version = 0;
};

class OAuthStore {
 public:
  virtual ~OAuthStore() = default;

  virtual absl::StatusOr<std::vector<ProviderRecord>> ListProviders() = 0;
  // NOT_FOUND for an unknown name.
  virtual absl::StatusOr<ProviderRecord> GetProvider(const std::string& name) = 0;
  // Locks the row, lets fn change it and stores it; fn's error leaves it
  // unchanged.
  virtual absl::StatusOr<ProviderRecord> UpdateProvider(
      const std::string& name, const std::function<absl::Status(ProviderRecord&)>& fn) = 0;

  virtual absl::Status InsertState(const StateRecord& state) = 0;
  // Deletes states that expired before `before`.
  virtual absl::Status DeleteStatesExpiredBefore(absl::Time before) = 0;
  // Locks the state, calls check, and when check is OK marks the state used
  // at `now` (single use). NOT_FOUND when no state has that hash.
  virtual absl::StatusOr<StateRecord> ConsumeState(
      const std::string& state_hash, absl::Time now,
      const std::function<absl::Status(const StateRecord&)>& check) = 0;

  // Inserts, or replaces the tokens of, the credential (a reconnect).
  virtual absl::Status UpsertCredential(const CredentialRecord& credential) = 0;
  virtual absl::StatusOr<CredentialRecord> GetCredential(const CredentialKey& key) = 0;
  // A user's credentials, optionally of one provider, ordered by provider
  // and account.
  virtual absl::StatusOr<std::vector<CredentialRecord>> ListCredentials(
      const std::string& user, const std::string& provider) = 0;
  // Holds the row lock (SELECT ... FOR UPDATE) while fn runs, so one caller
  // at a time, in any replica, works on the credential. When fn sets
  // *write, the changed row is stored with a new row_version before the
  // commit; fn's error rolls back.
  using LockedFn = std::function<absl::Status(CredentialRecord&, bool* write)>;
  virtual absl::Status WithLockedCredential(const CredentialKey& key, const LockedFn& fn) = 0;
  // NOT_FOUND when there is none.
  virtual absl::Status DeleteCredential(const CredentialKey& key) = 0;
};

class PgOAuthStore : public OAuthStore {
 public:
  explicit PgOAuthStore(PgPool& pool) : pool_(pool) {}

  absl::StatusOr<std::vector<ProviderRecord>> ListProviders() override;
  absl::StatusOr<ProviderRecord> GetProvider(const std::string& name) override;
  absl::StatusOr<ProviderRecord> UpdateProvider(
      const std::string& name, const std::function<absl::Status(ProviderRecord&)>& fn) override;
  absl::Status InsertState(const StateRecord& state) override;
  absl::Status DeleteStatesExpiredBefore(absl::Time before) override;
  absl::StatusOr<StateRecord> ConsumeState(
      const std::string& state_hash, absl::Time now,
      const std::function<absl::Status(const StateRecord&)>& check) override;
  absl::Status UpsertCredential(const CredentialRecord& credential) override;
  absl::StatusOr<CredentialRecord> GetCredential(const CredentialKey& key) override;
  absl::StatusOr<std::vector<CredentialRecord>> ListCredentials(
      const std::string& user, const std::string& provider) override;
  absl::Status WithLockedCredential(const CredentialKey& key, const LockedFn& fn) override;
  absl::Status DeleteCredential(const CredentialKey& key) override;

 private:
  PgPool& pool_;
};

}  // namespace lc::oauth
