#include "indexer/migrations.h"

namespace lc::indexer {

// jobs: one row per (re)index request. At most one pending job per document
// (a newer request updates it in place: it supersedes the pending one).
// documents: the index itself; tsv holds, for every configured text-search
// configuration, title (weight A), file name (B) and content (C). job_id is
// the job that wrote the row: an older job never overwrites a newer one.
// removed: documents dropped from the index, so a job still running for one
// cannot bring it back.
const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, "job queue and full-text index", R"sql(
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  document_id uuid NOT NULL,
  reason text NOT NULL DEFAULT '',
  batch text NOT NULL DEFAULT '',
  document jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  run_after timestamptz NOT NULL DEFAULT now(),
  lease_owner text,
  lease_expires timestamptz,
  last_error text NOT NULL DEFAULT '',
  done_by text,
  created_time timestamptz NOT NULL DEFAULT now(),
  finished_time timestamptz
);
CREATE UNIQUE INDEX jobs_one_pending ON jobs (document_id) WHERE state = 'pending';
CREATE INDEX jobs_ready ON jobs (run_after, id) WHERE state = 'pending';
CREATE INDEX jobs_leased ON jobs (lease_expires) WHERE state = 'running';
CREATE INDEX jobs_document ON jobs (document_id, id DESC);
CREATE INDEX jobs_batch ON jobs (batch) WHERE batch <> '';
CREATE INDEX jobs_finished ON jobs (finished_time) WHERE state IN ('done', 'dead');

CREATE TABLE documents (
  document_id uuid PRIMARY KEY,
  owner text NOT NULL,
  type smallint NOT NULL,
  provider text NOT NULL,
  mime_type text NOT NULL,
  title text NOT NULL,
  filename text NOT NULL,
  modified_time timestamptz NOT NULL,
  state smallint NOT NULL,
  reason text NOT NULL DEFAULT '',
  content text NOT NULL DEFAULT '',
  tsv tsvector NOT NULL,
  job_id bigint NOT NULL,
  indexed_time timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL
);
CREATE INDEX documents_tsv ON documents USING gin (tsv);
CREATE INDEX documents_modified ON documents (modified_time DESC, document_id DESC);
CREATE INDEX documents_owner_modified ON documents (owner, modified_time DESC, document_id DESC);
CREATE INDEX documents_state ON documents (state);

CREATE TABLE removed (
  document_id uuid PRIMARY KEY,
  after_job bigint NOT NULL,
  removed_time timestamptz NOT NULL DEFAULT now()
);
)sql"},
  };
  return *migrations;
}

}  // namespace lc::indexer
