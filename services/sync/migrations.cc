#include "sync/migrations.h"

namespace lc::sync {

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, "accounts with cursors and leases, lease log, runs", R"sql(
CREATE TABLE accounts (
  user_id text NOT NULL,
  provider text NOT NULL,
  account text NOT NULL,
  cursor text,
  cursor_time timestamptz,
  documents bigint NOT NULL DEFAULT 0,
  last_sync_time timestamptz,
  last_error text NOT NULL DEFAULT '',
  last_error_time timestamptz,
  lease_holder text,
  lease_expires timestamptz,
  PRIMARY KEY (user_id, provider, account)
);

-- Who held which account's lease, and when: audit and the replica tests.
CREATE TABLE leases (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL,
  provider text NOT NULL,
  account text NOT NULL,
  holder text NOT NULL,
  acquired timestamptz NOT NULL,
  released timestamptz
);
CREATE INDEX leases_account ON leases (user_id, provider, account, id);

CREATE TABLE runs (
  id bigserial PRIMARY KEY,
  holder text NOT NULL,
  trigger text NOT NULL,
  started timestamptz NOT NULL,
  finished timestamptz,
  accounts_total integer NOT NULL DEFAULT 0,
  accounts_done integer NOT NULL DEFAULT 0,
  changes_seen bigint NOT NULL DEFAULT 0,
  changes_applied bigint NOT NULL DEFAULT 0,
  documents_updated bigint NOT NULL DEFAULT 0,
  provider_calls bigint NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT ''
);
)sql"},
      {2, "when each account was last fully reconciled", R"sql(
ALTER TABLE accounts ADD COLUMN reconciled_time timestamptz;
)sql"},
      {3, "a reconciliation in progress survives the call budget", R"sql(
ALTER TABLE accounts ADD COLUMN pending_cursor text;
ALTER TABLE accounts ADD COLUMN reconcile_token text;
)sql"},
      {4, "versions found REVISION_EXPIRED per run", R"sql(
ALTER TABLE runs ADD COLUMN versions_expired bigint NOT NULL DEFAULT 0;
)sql"},
  };
  return *migrations;
}

}  // namespace lc::sync
