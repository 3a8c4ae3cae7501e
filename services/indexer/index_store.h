// The indexer's PostgreSQL state (schema "search"): the durable job queue
// and the full-text index. SQL lives here and nowhere else in the service.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/indexer.pb.h"
#include "liveconnect/v1/types.pb.h"
#include "runtime/pg.h"

namespace lc::indexer {

namespace v1 = ::liveconnect::v1;

struct Job {
  int64_t id = 0;
  v1::Document document;
  std::string reason;
  // Including the current one.
  int attempts = 0;
};

// What a finished job writes to the index.
struct IndexedText {
  v1::FulltextState state = v1::FULLTEXT_STATE_METADATA_ONLY;
  std::string reason;
  std::string content;
};

// Keyset position: the last hit of the previous page.
struct SearchCursor {
  std::string score;  // float4 as text (relevance order)
  std::string time;   // RFC 3339, microseconds (date order)
  std::string document_id;
};

struct SearchQuery {
  std::string user;
  bool admin = false;  // sees every owner's documents
  std::string text;    // web-search syntax; empty: filters only
  v1::SearchFilter filter;
  bool by_date = false;
  int limit = 20;
  std::optional<SearchCursor> after;
  // Exact count up to this many matches, estimated beyond.
  int64_t count_bound = 10000;
  bool with_count = true;
};

struct SearchPage {
  std::vector<v1::SearchHit> hits;
  bool has_more = false;
  SearchCursor last;
  int64_t total = 0;
  bool total_is_estimate = false;
};

struct QueueSettings {
  int max_attempts = 5;
  absl::Duration backoff_base = absl::Seconds(10);
  absl::Duration backoff_max = absl::Minutes(30);
};

class IndexStore {
 public:
  // configs: text-search configurations (validated by CheckConfigs).
  IndexStore(PgPool& pool, std::vector<std::string> configs, QueueSettings queue);

  // FAILED_PRECONDITION naming a configuration the database does not have.
  absl::Status CheckConfigs();

  // Queues (re)indexing of doc; a pending job of the same document is
  // superseded (updated in place). The index row gets the new metadata at
  // once (state PENDING), so the document is found by title meanwhile.
  absl::StatusOr<int64_t> Enqueue(const v1::Document& doc, const std::string& reason,
                                  const std::string& batch = "");

  // Leases the oldest ready job (or one whose lease expired) for `lease`;
  // nullopt when there is none. Jobs of a document being worked on wait.
  absl::StatusOr<std::optional<Job>> Lease(const std::string& worker, absl::Duration lease);

  // Writes the result and marks the job done, in one transaction, if the
  // worker still holds the lease (false otherwise: nothing written).
  absl::StatusOr<bool> Complete(const Job& job, const std::string& worker,
                                const IndexedText& result);

  // Records a failed attempt: back to pending after a backoff, or dead after
  // max_attempts (the document is then indexed by metadata only, with the
  // error as the reason).
  absl::Status Fail(const Job& job, const std::string& worker, const std::string& error);

  // Drops a document from the index and its pending jobs.
  absl::Status Remove(const std::string& document_id);

  absl::StatusOr<SearchPage> Search(const SearchQuery& query);

  // The statements Search runs: the page, the bounded count and, past the
  // bound, the planner estimate (the bench runs them directly to compare).
  struct SearchSql {
    std::string page;
    std::vector<std::string> page_params;
    std::string count;
    std::string estimate;
    std::vector<std::string> count_params;
  };
  SearchSql BuildSearchSql(const SearchQuery& query) const;

  // Queue and index figures; with a document id, its state (NOT_FOUND when
  // neither indexed nor queued, or not visible to user unless admin).
  absl::StatusOr<v1::IndexStatusResponse> Status(const std::string& document_id,
                                                 const std::string& user, bool admin);

  // Queues every indexed document matching filter under `batch`; returns how
  // many were queued.
  absl::StatusOr<int64_t> QueueReindex(const v1::SearchFilter& filter, const std::string& batch);
  struct BatchProgress {
    int64_t remaining = 0;
    int64_t failed = 0;
  };
  absl::StatusOr<BatchProgress> Progress(const std::string& batch);

  // Deletes done jobs finished before `before`.
  absl::StatusOr<int64_t> PurgeFinished(absl::Duration older_than);

  const std::vector<std::string>& configs() const { return configs_; }
  // The tsvector expression over the given SQL expressions (for the bench).
  std::string TsvectorSql(const std::string& title, const std::string& filename,
                          const std::string& content) const;
  // The tsquery expression over parameter $n.
  std::string TsquerySql(int param) const;

 private:
  PgPool& pool_;
  std::vector<std::string> configs_;
  QueueSettings queue_;
};

// File names are indexed as words: "q3_report-final.pdf" -> "q3 report final pdf".
std::string FilenameWords(const std::string& filename);

}  // namespace lc::indexer
