#include "indexer/index_store.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"

namespace lc::indexer {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kTimeText[] = "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
// Snippets are computed over at most this many characters of the content.
constexpr int kSnippetWindow = 65536;

std::string TimeText(const std::string& column) {
  return absl::StrReplaceAll(kTimeText, {{"%s", column}});
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

absl::Status FromJson(const std::string& json, google::protobuf::Message* m) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(json, m, opts).ok()) {
    return absl::DataLossError("a stored document snapshot does not parse");
  }
  return absl::OkStatus();
}

std::string PgTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "1970-01-01T00:00:00Z";
  return TimeUtil::ToString(ts);
}

// The time a document counts as modified: the cloud file's, else the
// repository's.
std::string ModifiedTime(const v1::Document& doc) {
  if (doc.blob_metadata().has_modified_time()) return PgTime(doc.blob_metadata().modified_time());
  return PgTime(doc.modified_time());
}

std::string Interval(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d), " milliseconds");
}

// Escapes HTML in a snippet whose matches are marked \x01...\x02, then
// turns the marks into <b>...</b>.
std::string SnippetHtml(const std::string& raw) {
  std::string out;
  out.reserve(raw.size() + 16);
  for (char c : raw) {
    switch (c) {
      case '\x01':
        out += "<b>";
        break;
      case '\x02':
        out += "</b>";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Parameters of a dynamically built statement.
class Params {
 public:
  std::string Add(std::string value) {
    values_.push_back(std::move(value));
    return absl::StrCat("$", values_.size());
  }
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
};

// The WHERE conditions of the filter and access check.
std::string FilterSql(const v1::SearchFilter& f, Params& p) {
  std::string sql;
  if (!f.types().empty()) {
    std::vector<std::string> types;
    for (int t : f.types()) types.push_back(std::to_string(t));
    absl::StrAppend(&sql, " AND d.type = ANY(", p.Add(PgArrayLiteral(types)), "::smallint[])");
  }
  if (!f.providers().empty()) {
    absl::StrAppend(&sql, " AND d.provider = ANY(", p.Add(PgArrayLiteral(f.providers())),
                    "::text[])");
  }
  if (!f.mime_types().empty()) {
    absl::StrAppend(&sql, " AND d.mime_type = ANY(", p.Add(PgArrayLiteral(f.mime_types())),
                    "::text[])");
  }
  if (f.has_modified_after()) {
    absl::StrAppend(&sql, " AND d.modified_time >= ", p.Add(PgTime(f.modified_after())),
                    "::timestamptz");
  }
  if (f.has_modified_before()) {
    absl::StrAppend(&sql, " AND d.modified_time < ", p.Add(PgTime(f.modified_before())),
                    "::timestamptz");
  }
  return sql;
}

}  // namespace

std::string FilenameWords(const std::string& filename) {
  std::string out = filename;
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u)) c = ' ';
  }
  return out;
}

IndexStore::IndexStore(PgPool& pool, std::vector<std::string> configs, QueueSettings queue)
    : pool_(pool), configs_(std::move(configs)), queue_(queue) {}

absl::Status IndexStore::CheckConfigs() {
  if (configs_.empty()) return absl::InvalidArgumentError("no text-search configuration given");
  for (const auto& c : configs_) {
    for (char ch : c) {
      if (!absl::ascii_isalnum(ch) && ch != '_') {
        return absl::InvalidArgumentError(
            absl::StrCat("text-search configuration \"", c, "\" is not a plain name"));
      }
    }
  }
  return pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    for (const auto& c : configs_) {
      if (tx.exec_params("SELECT 1 FROM pg_ts_config WHERE cfgname = $1", c).empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("PostgreSQL has no text-search configuration \"", c, "\""));
      }
    }
    return absl::OkStatus();
  });
}

std::string IndexStore::TsvectorSql(const std::string& title, const std::string& filename,
                                    const std::string& content) const {
  std::vector<std::string> parts;
  for (const auto& c : configs_) {
    std::string cfg = absl::StrCat("'", c, "'::regconfig");
    parts.push_back(absl::StrCat("setweight(to_tsvector(", cfg, ", ", title, "), 'A') || ",
                                 "setweight(to_tsvector(", cfg, ", ", filename, "), 'B') || ",
                                 "setweight(to_tsvector(", cfg, ", ", content, "), 'C')"));
  }
  return absl::StrJoin(parts, " || ");
}

std::string IndexStore::TsquerySql(int param) const {
  std::vector<std::string> parts;
  for (const auto& c : configs_) {
    parts.push_back(absl::StrCat("websearch_to_tsquery('", c, "'::regconfig, $", param, ")"));
  }
  return absl::StrCat("(", absl::StrJoin(parts, " || "), ")");
}

absl::StatusOr<int64_t> IndexStore::Enqueue(const v1::Document& doc, const std::string& reason,
                                            const std::string& batch) {
  int64_t job_id = 0;
  const std::string body = ToJson(doc);
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    job_id = tx.exec_params1(
                   "INSERT INTO jobs (document_id, reason, batch, document, state) "
                   "VALUES ($1, $2, $3, $4::jsonb, 'pending') "
                   "ON CONFLICT (document_id) WHERE state = 'pending' DO UPDATE SET "
                   "reason = EXCLUDED.reason, batch = EXCLUDED.batch, "
                   "document = EXCLUDED.document, attempts = 0, run_after = now(), "
                   "last_error = '' RETURNING id",
                   doc.id(), reason, batch, body)[0]
                 .as<int64_t>();
    tx.exec_params(
        absl::StrCat(
            "INSERT INTO documents AS d (document_id, owner, type, provider, mime_type, title, "
            "filename, modified_time, state, reason, content, tsv, job_id, body) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9, '', '', ",
            TsvectorSql("$6::text", "$10::text", "''::text"),
            ", $11, $12::jsonb) ON CONFLICT (document_id) DO UPDATE SET owner = EXCLUDED.owner, "
            "type = EXCLUDED.type, provider = EXCLUDED.provider, mime_type = EXCLUDED.mime_type, "
            "title = EXCLUDED.title, filename = EXCLUDED.filename, "
            "modified_time = EXCLUDED.modified_time, state = EXCLUDED.state, reason = '', tsv = ",
            TsvectorSql("EXCLUDED.title", "$10::text", "d.content"),
            ", job_id = EXCLUDED.job_id, body = EXCLUDED.body, indexed_time = now() "
            "WHERE d.job_id <= EXCLUDED.job_id"),
        doc.id(), doc.owner(), static_cast<int>(doc.type()), doc.blob().provider(),
        doc.blob_metadata().mime_type(), doc.title(), doc.blob_metadata().filename(),
        ModifiedTime(doc), static_cast<int>(v1::FULLTEXT_STATE_PENDING),
        FilenameWords(doc.blob_metadata().filename()), job_id, body);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return job_id;
}

absl::StatusOr<std::optional<Job>> IndexStore::Lease(const std::string& worker,
                                                     absl::Duration lease) {
  std::optional<Job> job;
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    // Expired leases first (their worker died), then ready pending jobs.
    static const char* kCandidates[] = {
        "SELECT id FROM jobs j WHERE state = 'running' AND lease_expires < now() "
        "ORDER BY lease_expires LIMIT 1 FOR UPDATE SKIP LOCKED",
        "SELECT id FROM jobs j WHERE state = 'pending' AND run_after <= now() "
        "AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.document_id = j.document_id "
        "AND r.state = 'running' AND r.lease_expires >= now()) "
        "ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED"};
    for (const char* candidates : kCandidates) {
      pqxx::result r = tx.exec_params(
          absl::StrCat("UPDATE jobs SET state = 'running', lease_owner = $1, "
                       "lease_expires = now() + $2::interval, attempts = attempts + 1 "
                       "WHERE id = (",
                       candidates, ") RETURNING id, document::text, reason, attempts"),
          worker, Interval(lease));
      if (r.empty()) continue;
      Job j;
      j.id = r[0][0].as<int64_t>();
      if (auto st = FromJson(r[0][1].as<std::string>(), &j.document); !st.ok()) return st;
      j.reason = r[0][2].as<std::string>();
      j.attempts = r[0][3].as<int>();
      job = std::move(j);
      return absl::OkStatus();
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return job;
}

absl::StatusOr<bool> IndexStore::Complete(const Job& job, const std::string& worker,
                                          const IndexedText& result) {
  bool held = false;
  const v1::Document& doc = job.document;
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    held = !tx.exec_params(
                  "SELECT 1 FROM jobs WHERE id = $1 AND state = 'running' "
                  "AND lease_owner = $2 FOR UPDATE",
                  job.id, worker)
                .empty();
    if (!held) return absl::OkStatus();
    bool removed = !tx.exec_params(
                          "SELECT 1 FROM removed WHERE document_id = $1 "
                          "AND after_job >= $2",
                          doc.id(), job.id)
                        .empty();
    if (!removed) {
      tx.exec_params(
          absl::StrCat(
              "INSERT INTO documents AS d (document_id, owner, type, provider, mime_type, title, "
              "filename, modified_time, state, reason, content, tsv, job_id, body) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9, $10, $11, ",
              TsvectorSql("$6::text", "$12::text", "$11::text"),
              ", $13, $14::jsonb) ON CONFLICT (document_id) DO UPDATE SET "
              "owner = EXCLUDED.owner, type = EXCLUDED.type, provider = EXCLUDED.provider, "
              "mime_type = EXCLUDED.mime_type, title = EXCLUDED.title, "
              "filename = EXCLUDED.filename, modified_time = EXCLUDED.modified_time, "
              "state = EXCLUDED.state, reason = EXCLUDED.reason, content = EXCLUDED.content, "
              "tsv = EXCLUDED.tsv, job_id = EXCLUDED.job_id, body = EXCLUDED.body, "
              "indexed_time = now() WHERE d.job_id <= EXCLUDED.job_id"),
          doc.id(), doc.owner(), static_cast<int>(doc.type()), doc.blob().provider(),
          doc.blob_metadata().mime_type(), doc.title(), doc.blob_metadata().filename(),
          ModifiedTime(doc), static_cast<int>(result.state), result.reason, result.content,
          FilenameWords(doc.blob_metadata().filename()), job.id, ToJson(doc));
    }
    tx.exec_params(
        "UPDATE jobs SET state = 'done', finished_time = now(), done_by = $2, "
        "lease_owner = NULL, lease_expires = NULL WHERE id = $1",
        job.id, worker);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return held;
}

absl::Status IndexStore::Fail(const Job& job, const std::string& worker, const std::string& error) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_params("SELECT 1 FROM jobs WHERE id = $1 AND state = 'running' "
                       "AND lease_owner = $2 FOR UPDATE",
                       job.id, worker)
            .empty()) {
      return absl::OkStatus();  // the lease passed to another worker
    }
    if (job.attempts >= queue_.max_attempts) {
      tx.exec_params(
          "UPDATE jobs SET state = 'dead', last_error = $2, finished_time = now(), "
          "lease_owner = NULL, lease_expires = NULL WHERE id = $1",
          job.id, error);
      // Still findable by its metadata, with the reason.
      tx.exec_params(
          "UPDATE documents SET state = $2, reason = $3 "
          "WHERE document_id = $1 AND job_id <= $4",
          job.document.id(), static_cast<int>(v1::FULLTEXT_STATE_METADATA_ONLY),
          absl::StrCat("indexing failed ", job.attempts, " times: ", error), job.id);
      return absl::OkStatus();
    }
    bool newer_pending = !tx.exec_params(
                                "SELECT 1 FROM jobs WHERE document_id = $1 "
                                "AND state = 'pending'",
                                job.document.id())
                              .empty();
    if (newer_pending) {
      // A newer request supersedes this one; it is the one to retry.
      tx.exec_params(
          "UPDATE jobs SET state = 'done', last_error = $2, finished_time = now(), "
          "lease_owner = NULL, lease_expires = NULL WHERE id = $1",
          job.id, absl::StrCat("superseded after: ", error));
      return absl::OkStatus();
    }
    absl::Duration backoff = queue_.backoff_base;
    for (int i = 1; i < job.attempts && backoff < queue_.backoff_max; ++i) backoff *= 2;
    backoff = std::min(backoff, queue_.backoff_max);
    tx.exec_params(
        "UPDATE jobs SET state = 'pending', last_error = $2, "
        "run_after = now() + $3::interval, lease_owner = NULL, lease_expires = NULL "
        "WHERE id = $1",
        job.id, error, Interval(backoff));
    return absl::OkStatus();
  });
}

absl::Status IndexStore::Remove(const std::string& document_id) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params("DELETE FROM jobs WHERE document_id = $1 AND state = 'pending'", document_id);
    tx.exec_params("DELETE FROM documents WHERE document_id = $1", document_id);
    tx.exec_params(
        "INSERT INTO removed (document_id, after_job) "
        "VALUES ($1, (SELECT last_value FROM jobs_id_seq)) "
        "ON CONFLICT (document_id) DO UPDATE SET after_job = EXCLUDED.after_job, "
        "removed_time = now()",
        document_id);
    return absl::OkStatus();
  });
}

IndexStore::SearchSql IndexStore::BuildSearchSql(const SearchQuery& query) const {
  const bool has_text = !absl::StripAsciiWhitespace(query.text).empty();
  const bool by_date = query.by_date || !has_text;
  Params p;
  std::string with;
  std::string from = "documents d";
  std::string where = "TRUE";
  if (has_text) {
    std::string q = p.Add(query.text);
    with = absl::StrCat("WITH q AS MATERIALIZED (SELECT ", TsquerySql(1), " AS q) ");
    (void)q;
    from = "documents d, q";
    where = "d.tsv @@ q.q";
  }
  if (!query.admin) absl::StrAppend(&where, " AND d.owner = ", p.Add(query.user));
  absl::StrAppend(&where, FilterSql(query.filter, p));
  const std::string count_where = where;
  const std::vector<std::string> count_params = p.values();

  const std::string score = has_text ? "ts_rank(d.tsv, q.q)" : "0::real";
  if (query.after) {
    if (by_date) {
      std::string t = p.Add(query.after->time);
      std::string id = p.Add(query.after->document_id);
      absl::StrAppend(&where, " AND (d.modified_time, d.document_id) < (", t, "::timestamptz, ", id,
                      "::uuid)");
    } else {
      std::string sc = p.Add(query.after->score);
      std::string id = p.Add(query.after->document_id);
      absl::StrAppend(&where, " AND (", score, " < ", sc, "::real OR (", score, " = ", sc,
                      "::real AND d.document_id < ", id, "::uuid))");
    }
  }
  const std::string order =
      by_date ? "d.modified_time DESC, d.document_id DESC" : "score DESC, d.document_id DESC";
  const std::string snippet_opts =
      "'StartSel=\"\x01\", StopSel=\"\x02\", MaxWords=24, MinWords=10, MaxFragments=2, "
      "FragmentDelimiter=\" ... \"'";
  const std::string cfg0 = absl::StrCat("'", configs_.front(), "'::regconfig");
  const std::string snippet =
      has_text
          ? absl::StrCat("CASE WHEN d.content = '' THEN ts_headline(", cfg0, ", d.title, q.q, ",
                         snippet_opts, ") ELSE ts_headline(", cfg0, ", left(d.content, ",
                         kSnippetWindow, "), q.q, ", snippet_opts, ") END")
          : "left(d.content, 200)";
  SearchSql out;
  out.page = absl::StrCat(
      with, "SELECT d.document_id::text, d.title, d.type, d.provider, d.mime_type, ",
      TimeText("d.modified_time"), ", p.score::text, ", snippet,
      " FROM (SELECT d.document_id, d.modified_time, ", score, " AS score FROM ", from, " WHERE ",
      where, " ORDER BY ", order, " LIMIT ", query.limit + 1,
      ") p JOIN documents d USING (document_id)", has_text ? ", q" : "", " ORDER BY ",
      by_date ? "p.modified_time DESC, p.document_id DESC" : "p.score DESC, p.document_id DESC");

  out.page_params = p.values();
  out.count = absl::StrCat(with, "SELECT count(*) FROM (SELECT 1 FROM ", from, " WHERE ",
                           count_where, " LIMIT ", query.count_bound + 1, ") s");
  out.estimate =
      absl::StrCat("EXPLAIN (FORMAT JSON) ", with, "SELECT 1 FROM ", from, " WHERE ", count_where);
  out.count_params = count_params;
  return out;
}

absl::StatusOr<SearchPage> IndexStore::Search(const SearchQuery& query) {
  const SearchSql sql = BuildSearchSql(query);
  SearchPage page;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(sql.page, pqxx::prepare::make_dynamic_params(sql.page_params));
    for (const auto& row : r) {
      if (static_cast<int>(page.hits.size()) == query.limit) {
        page.has_more = true;
        break;
      }
      v1::SearchHit hit;
      hit.set_document_id(row[0].as<std::string>());
      hit.set_title(row[1].as<std::string>());
      hit.set_type(static_cast<v1::DocumentType>(row[2].as<int>()));
      hit.set_provider(row[3].as<std::string>());
      hit.set_mime_type(row[4].as<std::string>());
      std::string t = row[5].as<std::string>();
      (void)TimeUtil::FromString(t, hit.mutable_modified_time());
      std::string sc = row[6].as<std::string>();
      float score = 0;
      (void)absl::SimpleAtof(sc, &score);
      hit.set_score(score);
      hit.set_snippet(SnippetHtml(row[7].as<std::string>()));
      page.last = SearchCursor{sc, t, hit.document_id()};
      page.hits.push_back(std::move(hit));
    }
    if (!query.with_count) return absl::OkStatus();
    page.total =
        tx.exec_params(sql.count, pqxx::prepare::make_dynamic_params(sql.count_params))[0][0]
            .as<int64_t>();
    if (page.total > query.count_bound) {
      // Past the bound the planner's row estimate stands in for the count.
      pqxx::result plan =
          tx.exec_params(sql.estimate, pqxx::prepare::make_dynamic_params(sql.count_params));
      auto json = nlohmann::json::parse(plan[0][0].as<std::string>(), nullptr, false);
      int64_t estimate = 0;
      if (!json.is_discarded() && json.is_array() && !json.empty()) {
        estimate = json[0]["Plan"].value("Plan Rows", int64_t{0});
      }
      page.total = std::max(estimate, query.count_bound + 1);
      page.total_is_estimate = true;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return page;
}

absl::StatusOr<v1::IndexStatusResponse> IndexStore::Status(const std::string& document_id,
                                                           const std::string& user, bool admin) {
  v1::IndexStatusResponse resp;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    if (!document_id.empty()) {
      pqxx::result d = tx.exec_params(
          "SELECT owner, state, reason FROM documents WHERE document_id = $1", document_id);
      pqxx::result j = tx.exec_params(
          "SELECT document->>'owner', state, attempts, last_error FROM jobs "
          "WHERE document_id = $1 ORDER BY id DESC LIMIT 1",
          document_id);
      std::string owner = !d.empty()   ? d[0][0].as<std::string>()
                          : !j.empty() ? j[0][0].as<std::string>("")
                                       : "";
      if ((d.empty() && j.empty()) || (!admin && owner != user)) {
        return absl::NotFoundError(absl::StrCat("document ", document_id, " is not indexed"));
      }
      if (!d.empty()) {
        resp.set_document_state(static_cast<v1::FulltextState>(d[0][1].as<int>()));
        resp.set_document_reason(d[0][2].as<std::string>());
      } else {
        resp.set_document_state(v1::FULLTEXT_STATE_PENDING);
      }
      if (!j.empty()) {
        const std::string state = j[0][1].as<std::string>();
        if (state == "pending" || state == "running") {
          resp.set_document_state(v1::FULLTEXT_STATE_PENDING);
        }
        resp.set_document_attempts(j[0][2].as<int>());
        resp.set_document_last_error(j[0][3].as<std::string>());
      }
    }
    pqxx::row counts = tx.exec1(
        "SELECT count(*) FILTER (WHERE state = 'pending'), "
        "count(*) FILTER (WHERE state = 'running'), count(*) FILTER (WHERE state = 'dead') "
        "FROM jobs WHERE state IN ('pending', 'running', 'dead')");
    resp.set_pending_jobs(counts[0].as<int64_t>());
    resp.set_running_jobs(counts[1].as<int64_t>());
    resp.set_dead_jobs(counts[2].as<int64_t>());
    pqxx::row docs = tx.exec_params1(
        "SELECT count(*) FILTER (WHERE state = $1), count(*) FILTER (WHERE state = $2) "
        "FROM documents",
        static_cast<int>(v1::FULLTEXT_STATE_INDEXED),
        static_cast<int>(v1::FULLTEXT_STATE_METADATA_ONLY));
    resp.set_indexed_documents(docs[0].as<int64_t>());
    resp.set_metadata_only_documents(docs[1].as<int64_t>());
    if (admin) {
      pqxx::result dead = tx.exec(absl::StrCat(
          "SELECT id, document_id::text, attempts, last_error, ", TimeText("finished_time"),
          " FROM jobs WHERE state = 'dead' ORDER BY finished_time DESC LIMIT 20"));
      for (const auto& row : dead) {
        v1::DeadJob* dj = resp.add_dead_letters();
        dj->set_job_id(row[0].as<int64_t>());
        dj->set_document_id(row[1].as<std::string>());
        dj->set_attempts(row[2].as<int>());
        dj->set_last_error(row[3].as<std::string>());
        (void)TimeUtil::FromString(row[4].as<std::string>(), dj->mutable_failed_time());
      }
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return resp;
}

absl::StatusOr<int64_t> IndexStore::QueueReindex(const v1::SearchFilter& filter,
                                                 const std::string& batch) {
  int64_t queued = 0;
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    Params p;
    std::string b = p.Add(batch);
    std::string where = FilterSql(filter, p);
    pqxx::result r = tx.exec_params(
        absl::StrCat("INSERT INTO jobs (document_id, reason, batch, document, state) "
                     "SELECT d.document_id, 'reindex', ",
                     b, ", d.body, 'pending' FROM documents d WHERE TRUE", where,
                     " ON CONFLICT (document_id) WHERE state = 'pending' DO UPDATE SET "
                     "batch = EXCLUDED.batch, reason = EXCLUDED.reason, attempts = 0, "
                     "run_after = now(), last_error = '' RETURNING 1"),
        pqxx::prepare::make_dynamic_params(p.values()));
    queued = static_cast<int64_t>(r.size());
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return queued;
}

absl::StatusOr<IndexStore::BatchProgress> IndexStore::Progress(const std::string& batch) {
  BatchProgress progress;
  absl::Status s = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::row r = tx.exec_params1(
        "SELECT count(*) FILTER (WHERE state IN ('pending', 'running')), "
        "count(*) FILTER (WHERE state = 'dead') FROM jobs WHERE batch = $1",
        batch);
    progress.remaining = r[0].as<int64_t>();
    progress.failed = r[1].as<int64_t>();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return progress;
}

absl::StatusOr<int64_t> IndexStore::PurgeFinished(absl::Duration older_than) {
  int64_t purged = 0;
  absl::Status s = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    purged = tx.exec_params(
                   "DELETE FROM jobs WHERE state = 'done' "
                   "AND finished_time < now() - $1::interval",
                   Interval(older_than))
                 .affected_rows();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return purged;
}

}  // namespace lc::indexer
