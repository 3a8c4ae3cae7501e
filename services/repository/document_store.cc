#include "repository/document_store.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/proto_time.h"

namespace lc::repository {
namespace {

using google::protobuf::util::TimeUtil;

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  auto status = google::protobuf::util::MessageToJsonString(m, &out, opts);
  (void)status;  // serialising a valid message cannot fail
  return out;
}

absl::Status FromJson(const std::string& json, google::protobuf::Message* m) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(json, m, opts);
  if (!status.ok()) {
    return absl::DataLossError(absl::StrCat("stored record does not parse: ", status.ToString()));
  }
  return absl::OkStatus();
}

// Timestamps travel to PostgreSQL as RFC 3339 text with microseconds.
std::string PgTime(const google::protobuf::Timestamp& ts) { return TimeUtil::ToString(ts); }
std::string PgTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

void ParseTextArray(const std::string& text, google::protobuf::RepeatedPtrField<std::string>* out) {
  // Parses the array literal PostgreSQL prints for text[].
  if (text.size() < 2) return;
  std::string cur;
  bool quoted = false, in_item = false;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\' && i + 2 < text.size()) {
        cur += text[++i];
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
      in_item = true;
    } else if (c == ',') {
      *out->Add() = cur;
      cur.clear();
      in_item = false;
    } else {
      cur += c;
      in_item = true;
    }
  }
  if (in_item || !cur.empty()) *out->Add() = cur;
}

void InsertEvent(pqxx::work& tx, const std::string& owner, const v1::HistoryEvent& e) {
  tx.exec_params(
      "INSERT INTO history (document_id, owner, kind, actor, time, summary, changed_fields, "
      "version_id) VALUES ($1, $2, $3, $4, $5, $6, $7::text[], NULLIF($8, '')::uuid)",
      e.document_id(), owner, static_cast<int>(e.kind()), e.actor(), PgTime(e.time()), e.summary(),
      PgArrayLiteral(e.changed_fields()), e.version_id());
}

absl::StatusOr<v1::Document> DocumentFromRow(const pqxx::row& row) {
  v1::Document doc;
  auto status = FromJson(row["body"].as<std::string>(), &doc);
  if (!status.ok()) return status;
  doc.set_etag(row["row_version"].as<std::string>());
  return doc;
}

void InsertVersion(pqxx::work& tx, const v1::Version& v) {
  // The state lives in version_states: the stored snapshot never changes.
  v1::Version snapshot = v;
  snapshot.clear_state();
  snapshot.clear_state_time();
  snapshot.clear_state_reason();
  tx.exec_params(
      "INSERT INTO versions (id, document_id, number, created_time, body) "
      "VALUES ($1, $2, $3, $4, $5::jsonb)",
      v.id(), v.document_id(), v.number(), PgTime(v.created_time()), ToJson(snapshot));
}

// The columns VersionFromRow reads, from versions v LEFT JOIN version_states s.
constexpr char kVersionColumns[] =
    "v.body, COALESCE(s.state, 0), "
    "COALESCE(to_char(s.state_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), ''), "
    "COALESCE(s.reason, '')";

absl::StatusOr<v1::Version> VersionFromRow(const pqxx::row& row) {
  v1::Version v;
  if (absl::Status s = FromJson(row[0].as<std::string>(), &v); !s.ok()) return s;
  const int state = row[1].as<int>();
  if (state == 0) {
    v.set_state(v1::VERSION_STATE_AVAILABLE);
    return v;
  }
  v.set_state(static_cast<v1::VersionState>(state));
  TimeUtil::FromString(row[2].as<std::string>(), v.mutable_state_time());
  v.set_state_reason(row[3].as<std::string>());
  return v;
}

}  // namespace

absl::StatusOr<v1::Document> PgDocumentStore::Create(const v1::Document& doc,
                                                     const std::string& idempotency_key,
                                                     const v1::HistoryEvent& created) {
  v1::Document result;
  absl::Status status = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    if (!idempotency_key.empty()) {
      pqxx::result existing = tx.exec_params(
          "SELECT body, row_version FROM documents WHERE owner = $1 AND create_request_id = $2",
          doc.owner(), idempotency_key);
      if (!existing.empty()) {
        auto found = DocumentFromRow(existing[0]);
        if (!found.ok()) return found.status();
        result = *std::move(found);
        return absl::OkStatus();
      }
    }
    v1::Document stored = doc;
    stored.clear_etag();
    tx.exec_params(
        "INSERT INTO documents (id, owner, type, provider, account, file_id, created_time, "
        "modified_time, row_version, create_request_id, body) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, NULLIF($9, ''), $10::jsonb)",
        doc.id(), doc.owner(), static_cast<int>(doc.type()), doc.blob().provider(),
        doc.blob().account(), doc.blob().file_id(), PgTime(doc.created_time()),
        PgTime(doc.modified_time()), idempotency_key, ToJson(stored));
    InsertEvent(tx, doc.owner(), created);
    result = stored;
    result.set_etag("1");
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(status) && !idempotency_key.empty()) {
    // A concurrent create with the same key won the race: return its result.
    return Create(doc, idempotency_key, created);
  }
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<v1::Document> PgDocumentStore::Get(const std::string& id) {
  v1::Document result;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params("SELECT body, row_version FROM documents WHERE id = $1", id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("document ", id, " not found"));
    auto doc = DocumentFromRow(r[0]);
    if (!doc.ok()) return doc.status();
    result = *std::move(doc);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<v1::Document> PgDocumentStore::Mutate(const std::string& id, absl::Time now,
                                                     const Mutation& fn) {
  v1::Document result;
  absl::Status status = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r =
        tx.exec_params("SELECT body, row_version FROM documents WHERE id = $1 FOR UPDATE", id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("document ", id, " not found"));
    auto loaded = DocumentFromRow(r[0]);
    if (!loaded.ok()) return loaded.status();
    v1::Document doc = *std::move(loaded);
    MutationEffects effects;
    absl::Status s = fn(doc, effects);
    if (!s.ok()) return s;
    int64_t next_version = r[0]["row_version"].as<int64_t>() + 1;
    *doc.mutable_modified_time() = ToProtoTimestamp(now);
    doc.clear_etag();
    if (effects.new_version) InsertVersion(tx, *effects.new_version);
    tx.exec_params(
        "UPDATE documents SET type = $2, modified_time = $3, row_version = $4, body = $5::jsonb "
        "WHERE id = $1",
        id, static_cast<int>(doc.type()), PgTime(now), next_version, ToJson(doc));
    for (const auto& e : effects.events) InsertEvent(tx, doc.owner(), e);
    result = doc;
    result.set_etag(std::to_string(next_version));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::Status PgDocumentStore::Delete(const std::string& id,
                                     const std::function<absl::Status(const v1::Document&)>& check,
                                     const v1::HistoryEvent& deleted) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r =
        tx.exec_params("SELECT body, row_version FROM documents WHERE id = $1 FOR UPDATE", id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("document ", id, " not found"));
    auto doc = DocumentFromRow(r[0]);
    if (!doc.ok()) return doc.status();
    absl::Status s = check(*doc);
    if (!s.ok()) return s;
    tx.exec_params("DELETE FROM documents WHERE id = $1", id);
    InsertEvent(tx, doc->owner(), deleted);
    return absl::OkStatus();
  });
}

absl::StatusOr<DocumentPage> PgDocumentStore::List(const DocumentQuery& q) {
  DocumentPage page;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    std::string after_time = q.after ? PgTime(q.after->first) : "";
    std::string after_id = q.after ? q.after->second : "";
    // NULL-able parameters keep one statement for every filter combination.
    pqxx::result r = tx.exec_params(
        "SELECT body, row_version FROM documents "
        "WHERE ($1 = '' OR owner = $1) AND ($2 = 0 OR type = $2) AND ($3 = '' OR provider = $3) "
        "AND ($4 = '' OR (created_time, id) < (NULLIF($4, '')::timestamptz, $5::uuid)) "
        "ORDER BY created_time DESC, id DESC LIMIT $6",
        q.owner, static_cast<int>(q.type), q.provider, after_time,
        after_id.empty() ? std::string("00000000-0000-0000-0000-000000000000") : after_id,
        q.limit + 1);
    for (const auto& row : r) {
      if (static_cast<int>(page.documents.size()) == q.limit) {
        page.has_more = true;
        break;
      }
      auto doc = DocumentFromRow(row);
      if (!doc.ok()) return doc.status();
      page.documents.push_back(*std::move(doc));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<v1::Version> PgDocumentStore::GetVersion(const std::string& document_id,
                                                        const std::string& version_id) {
  v1::Version result;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kVersionColumns,
                     " FROM versions v LEFT JOIN version_states s ON s.version_id = v.id "
                     "WHERE v.id = $1 AND v.document_id = $2"),
        version_id, document_id);
    if (r.empty()) {
      return absl::NotFoundError(
          absl::StrCat("version ", version_id, " of document ", document_id, " not found"));
    }
    auto v = VersionFromRow(r[0]);
    if (!v.ok()) return v.status();
    result = *std::move(v);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<v1::Version>> PgDocumentStore::ListVersions(
    const std::string& document_id, int after_number, int limit) {
  std::vector<v1::Version> result;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kVersionColumns,
                     " FROM versions v LEFT JOIN version_states s ON s.version_id = v.id "
                     "WHERE v.document_id = $1 AND v.number > $2 ORDER BY v.number LIMIT $3"),
        document_id, after_number, limit);
    for (const auto& row : r) {
      auto v = VersionFromRow(row);
      if (!v.ok()) return v.status();
      result.push_back(*std::move(v));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<v1::HistoryEvent>> PgDocumentStore::ListHistory(
    const std::string& document_id, int64_t after_id, int limit) {
  std::vector<v1::HistoryEvent> result;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "SELECT id, kind, actor, "
        "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), summary, "
        "changed_fields, COALESCE(version_id::text, '') "
        "FROM history WHERE document_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        document_id, after_id, limit);
    for (const auto& row : r) {
      v1::HistoryEvent e;
      e.set_id(row[0].as<int64_t>());
      e.set_document_id(document_id);
      e.set_kind(static_cast<v1::HistoryEventKind>(row[1].as<int>()));
      e.set_actor(row[2].as<std::string>());
      TimeUtil::FromString(row[3].as<std::string>(), e.mutable_time());
      e.set_summary(row[4].as<std::string>());
      ParseTextArray(row[5].as<std::string>(), e.mutable_changed_fields());
      e.set_version_id(row[6].as<std::string>());
      result.push_back(std::move(e));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::string> PgDocumentStore::HistoryOwner(const std::string& document_id) {
  std::string owner;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "SELECT owner FROM history WHERE document_id = $1 ORDER BY id LIMIT 1", document_id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("document ", document_id, " not found"));
    owner = r[0][0].as<std::string>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return owner;
}

absl::StatusOr<std::vector<DocumentStore::ReferencedAccount>>
PgDocumentStore::ListReferencedAccounts(const std::optional<AccountKey>& after, int limit) {
  std::vector<ReferencedAccount> result;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "SELECT owner, provider, account, count(*) FROM documents "
        "WHERE NOT $1 OR (owner, provider, account) > ($2, $3, $4) "
        "GROUP BY owner, provider, account ORDER BY owner, provider, account LIMIT $5",
        after.has_value(), after ? after->owner : "", after ? after->provider : "",
        after ? after->account : "", limit);
    for (const auto& row : r) {
      result.push_back(ReferencedAccount{
          AccountKey{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()},
          row[3].as<int64_t>()});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<v1::Document>> PgDocumentStore::FindByFiles(
    const AccountKey& account, const std::vector<std::string>& file_ids,
    const std::string& after_id, int limit) {
  std::vector<v1::Document> result;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "SELECT body, row_version FROM documents "
        "WHERE owner = $1 AND provider = $2 AND account = $3 "
        "AND (cardinality($4::text[]) = 0 OR file_id = ANY($4::text[])) "
        "AND ($5 = '' OR id > NULLIF($5, '')::uuid) ORDER BY id LIMIT $6",
        account.owner, account.provider, account.account, PgArrayLiteral(file_ids), after_id,
        limit);
    for (const auto& row : r) {
      auto doc = DocumentFromRow(row);
      if (!doc.ok()) return doc.status();
      result.push_back(*std::move(doc));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<DocumentStore::FileMutationResult> PgDocumentStore::MutateByFile(
    const AccountKey& account, const std::string& file_id, absl::Time now, const FileMutation& fn) {
  FileMutationResult result;
  absl::Status status = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    result = FileMutationResult();
    pqxx::result r = tx.exec_params(
        "SELECT id, body, row_version FROM documents "
        "WHERE owner = $1 AND provider = $2 AND account = $3 AND file_id = $4 "
        "ORDER BY id FOR UPDATE",
        account.owner, account.provider, account.account, file_id);
    for (const auto& row : r) {
      auto loaded = DocumentFromRow(row);
      if (!loaded.ok()) return loaded.status();
      v1::Document doc = *std::move(loaded);
      MutationEffects effects;
      absl::StatusOr<bool> changed = fn(doc, effects);
      if (!changed.ok()) return changed.status();
      if (!*changed) {
        result.unchanged++;
        continue;
      }
      int64_t next_version = row["row_version"].as<int64_t>() + 1;
      *doc.mutable_modified_time() = ToProtoTimestamp(now);
      doc.clear_etag();
      tx.exec_params(
          "UPDATE documents SET modified_time = $2, row_version = $3, body = $4::jsonb "
          "WHERE id = $1",
          doc.id(), PgTime(now), next_version, ToJson(doc));
      for (const auto& e : effects.events) InsertEvent(tx, doc.owner(), e);
      doc.set_etag(std::to_string(next_version));
      result.changed.push_back(std::move(doc));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::Status PgDocumentStore::SetFulltextState(const std::string& id, v1::FulltextState state,
                                               const std::string& reason) {
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    // jsonb_set keeps the rest of the body; the row version (etag) stays.
    pqxx::result r = tx.exec_params(
        "UPDATE documents SET body = jsonb_set(jsonb_set(body, '{fulltext_state}', "
        "to_jsonb($2::text)), "
        "'{fulltext_reason}', to_jsonb($3::text)) WHERE id = $1",
        id, v1::FulltextState_Name(state), reason);
    if (r.affected_rows() == 0)
      return absl::NotFoundError(absl::StrCat("document ", id, " not found"));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<DocumentStore::VersionPin>> PgDocumentStore::ListPins(
    const AccountKey& account, const std::vector<std::string>& file_ids,
    const std::string& after_version_id, int limit) {
  std::vector<VersionPin> result;
  absl::Status status = pool_.RunReadOnly([&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "SELECT v.id::text, v.document_id::text, d.file_id, "
        "COALESCE(v.body->'blob'->>'revision', '') "
        "FROM versions v JOIN documents d ON d.id = v.document_id "
        "WHERE d.owner = $1 AND d.provider = $2 AND d.account = $3 "
        "AND d.file_id = ANY($4::text[]) "
        "AND NOT EXISTS (SELECT 1 FROM version_states s WHERE s.version_id = v.id) "
        "AND ($5 = '' OR v.id > NULLIF($5, '')::uuid) ORDER BY v.id LIMIT $6",
        account.owner, account.provider, account.account, PgArrayLiteral(file_ids),
        after_version_id, limit);
    for (const auto& row : r) {
      result.push_back(VersionPin{row[1].as<std::string>(), row[0].as<std::string>(),
                                  row[2].as<std::string>(), row[3].as<std::string>()});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<v1::Version>> PgDocumentStore::MarkRevisionsExpired(
    const AccountKey& account, const std::string& file_id,
    const std::vector<std::string>& revisions, absl::Time when, const std::string& reason,
    const ExpiryEvent& event) {
  std::vector<v1::Version> result;
  absl::Status status = pool_.Run([&](pqxx::work& tx) -> absl::Status {
    result.clear();
    // FOR SHARE of the documents: none is deleted (nor its versions) while
    // the states are written.
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kVersionColumns,
                     ", v.id::text "
                     "FROM versions v JOIN documents d ON d.id = v.document_id "
                     "LEFT JOIN version_states s ON s.version_id = v.id "
                     "WHERE d.owner = $1 AND d.provider = $2 AND d.account = $3 "
                     "AND d.file_id = $4 AND v.body->'blob'->>'revision' = ANY($5::text[]) "
                     "AND s.version_id IS NULL ORDER BY v.document_id, v.number FOR SHARE OF d"),
        account.owner, account.provider, account.account, file_id, PgArrayLiteral(revisions));
    for (const auto& row : r) {
      auto v = VersionFromRow(row);
      if (!v.ok()) return v.status();
      // A concurrent marker may have won since the SELECT: only the row
      // inserted here gets an event.
      pqxx::result inserted = tx.exec_params(
          "INSERT INTO version_states (version_id, document_id, state, state_time, reason) "
          "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version_id) DO NOTHING",
          row[4].as<std::string>(), v->document_id(),
          static_cast<int>(v1::VERSION_STATE_REVISION_EXPIRED), PgTime(when), reason);
      if (inserted.affected_rows() == 0) continue;
      v->set_state(v1::VERSION_STATE_REVISION_EXPIRED);
      *v->mutable_state_time() = ToProtoTimestamp(when);
      v->set_state_reason(reason);
      InsertEvent(tx, account.owner, event(*v));
      result.push_back(*std::move(v));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace lc::repository
