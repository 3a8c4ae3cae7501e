#include "oauth/migrations.h"

namespace lc::oauth {

// Secrets (client secrets, tokens, PKCE verifiers) are stored only sealed by
// TokenCipher (base64 of nonce|ciphertext|tag) with the id of the key that
// sealed them; states are stored only as their SHA-256.
const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, "providers, authorization states, credentials", R"sql(
CREATE TABLE providers (
  name text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('google', 'dropbox', 'box', 'microsoft')),
  description text NOT NULL DEFAULT '',
  client_id text NOT NULL DEFAULT '',
  client_secret_key_id text,
  client_secret_sealed text,
  authorization_url text NOT NULL,
  token_url text NOT NULL,
  revoke_url text NOT NULL DEFAULT '',
  scopes text NOT NULL DEFAULT '',
  extra_params jsonb NOT NULL DEFAULT '{}',
  tenant text NOT NULL DEFAULT '',
  api_base_url text NOT NULL,
  enabled boolean NOT NULL DEFAULT false,
  updated_time timestamptz NOT NULL DEFAULT now()
);

INSERT INTO providers (name, kind, description, authorization_url, token_url, revoke_url,
                       scopes, extra_params, tenant, api_base_url) VALUES
('googledrive', 'google', 'Google Drive',
 'https://accounts.google.com/o/oauth2/v2/auth', 'https://oauth2.googleapis.com/token',
 'https://oauth2.googleapis.com/revoke', 'https://www.googleapis.com/auth/drive',
 '{"access_type": "offline", "prompt": "consent"}', '', 'https://www.googleapis.com'),
('dropbox', 'dropbox', 'Dropbox',
 'https://www.dropbox.com/oauth2/authorize', 'https://api.dropboxapi.com/oauth2/token',
 'https://api.dropboxapi.com/2/auth/token/revoke',
 'account_info.read files.metadata.read files.content.read files.content.write',
 '{"token_access_type": "offline"}', '', 'https://api.dropboxapi.com'),
('box', 'box', 'Box',
 'https://account.box.com/api/oauth2/authorize', 'https://api.box.com/oauth2/token',
 'https://api.box.com/oauth2/revoke', 'root_readwrite', '{}', '', 'https://api.box.com'),
('onedrive', 'microsoft', 'OneDrive (Microsoft identity platform, personal and work accounts)',
 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token', '',
 'Files.ReadWrite User.Read offline_access', '{}', 'common', 'https://graph.microsoft.com'),
('onedrive-business', 'microsoft', 'OneDrive for Business (Microsoft identity platform)',
 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token', '',
 'Files.ReadWrite.All User.Read offline_access', '{}', 'organizations',
 'https://graph.microsoft.com');

CREATE TABLE authorization_states (
  state_hash text PRIMARY KEY,
  user_id text NOT NULL,
  provider text NOT NULL REFERENCES providers (name),
  redirect_uri text NOT NULL,
  return_to text NOT NULL DEFAULT '',
  key_id text NOT NULL,
  code_verifier_sealed text NOT NULL,
  created_time timestamptz NOT NULL,
  expire_time timestamptz NOT NULL,
  used_time timestamptz
);
CREATE INDEX authorization_states_expire ON authorization_states (expire_time);

CREATE TABLE credentials (
  user_id text NOT NULL,
  provider text NOT NULL REFERENCES providers (name),
  account text NOT NULL,
  display_name text NOT NULL DEFAULT '',
  scopes text NOT NULL DEFAULT '',
  key_id text NOT NULL,
  access_token_sealed text NOT NULL,
  refresh_token_sealed text NOT NULL,
  expire_time timestamptz,
  status smallint NOT NULL,
  status_reason text NOT NULL DEFAULT '',
  connected_time timestamptz NOT NULL,
  refreshed_time timestamptz,
  row_version bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (user_id, provider, account)
);
)sql"},
  };
  return *migrations;
}

}  // namespace lc::oauth
