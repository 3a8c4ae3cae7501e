#include "repository/migrations.h"

namespace lc::repository {

// Documents and versions keep the full message as JSON (protobuf JSON
// mapping) beside the columns that queries filter and sort on, so the
// contract can grow without a migration per field while the database stays
// readable.
const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, "documents, versions, history", R"sql(
CREATE TABLE documents (
  id uuid PRIMARY KEY,
  owner text NOT NULL,
  type smallint NOT NULL,
  provider text NOT NULL,
  account text NOT NULL,
  file_id text NOT NULL,
  created_time timestamptz NOT NULL,
  modified_time timestamptz NOT NULL,
  row_version bigint NOT NULL,
  create_request_id text,
  body jsonb NOT NULL
);
CREATE INDEX documents_owner_created ON documents (owner, created_time DESC, id DESC);
CREATE INDEX documents_created ON documents (created_time DESC, id DESC);
CREATE INDEX documents_blob ON documents (provider, account, file_id);
CREATE UNIQUE INDEX documents_create_request ON documents (owner, create_request_id)
  WHERE create_request_id IS NOT NULL;

CREATE TABLE versions (
  id uuid PRIMARY KEY,
  document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  number integer NOT NULL,
  created_time timestamptz NOT NULL,
  body jsonb NOT NULL,
  UNIQUE (document_id, number)
);

-- Versions are immutable snapshots: refuse any UPDATE, whoever issues it.
CREATE FUNCTION versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'versions are immutable' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions
  FOR EACH ROW EXECUTE FUNCTION versions_immutable();

-- History outlives its document (a DELETED entry stays), so no foreign key.
CREATE TABLE history (
  id bigserial PRIMARY KEY,
  document_id uuid NOT NULL,
  owner text NOT NULL,
  kind smallint NOT NULL,
  actor text NOT NULL,
  time timestamptz NOT NULL,
  summary text NOT NULL DEFAULT '',
  changed_fields text[] NOT NULL DEFAULT '{}',
  version_id uuid
);
CREATE INDEX history_document ON history (document_id, id);
)sql"},
      // A version stays an immutable snapshot; whether the provider still has
      // its pinned revision is a later fact about it, kept beside it.
      {2, "version states (expired revisions)", R"sql(
CREATE TABLE version_states (
  version_id uuid PRIMARY KEY REFERENCES versions (id) ON DELETE CASCADE,
  document_id uuid NOT NULL,
  state smallint NOT NULL,
  state_time timestamptz NOT NULL,
  reason text NOT NULL DEFAULT ''
);
)sql"},
  };
  return *migrations;
}

}  // namespace lc::repository
