// bench_search: loads N synthetic documents (default 1,000,000; words drawn
// from a Zipf distribution, log-normal lengths) into the search index with
// COPY, then measures the Search RPC (in-process gRPC server on loopback)
// for selective terms, common terms, phrases and filtered queries, each
// beside the very same SQL run directly against PostgreSQL from this
// process. Starts a throwaway PostgreSQL when PGHOST is unset.
//
//   bench_search [--docs N] [--queries N] [--seconds S] [--reuse]
//
// Last line: search: docs=N p50_ms=.. p99_ms=.. qps=.. raw_sql_p99_ms=..
// overhead_ratio=..
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench_support.h"
#include "indexer/index_store.h"
#include "indexer/indexer.h"
#include "indexer/indexer_service.h"
#include "indexer/migrations.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "runtime/jwt.h"
#include "runtime/pg.h"
#include "runtime/server.h"

namespace lc::indexer {
namespace {

namespace v1 = ::liveconnect::v1;
using google::protobuf::util::TimeUtil;
using lc::bench::Conninfo;
using lc::bench::EnsurePostgres;

constexpr char kSecret[] = "bench-secret-bench-secret-bench-secret-0";
constexpr int kVocabulary = 100000;
constexpr int kOwners = 2000;
constexpr int64_t kEpoch = 1600000000;          // 2020-09-13
constexpr int64_t kSpan = 3 * 365 * 24 * 3600;  // three years of modifications

struct Options {
  int64_t docs = 1000000;
  int queries = 200;  // per category
  int seconds = 10;   // throughput phase
  bool reuse = false;
};

// Pronounceable, distinct, not English stop words.
std::vector<std::string> Vocabulary(std::mt19937_64& rng) {
  static const char* kOnsets[] = {"b", "c", "d", "f", "g", "h", "j",  "k",  "l",  "m",  "n",
                                  "p", "r", "s", "t", "v", "z", "br", "tr", "st", "pl", "qu"};
  static const char* kVowels[] = {"a", "e", "i", "o", "u", "ai", "ou", "ea"};
  std::vector<std::string> words;
  std::map<std::string, bool> seen;
  while (static_cast<int>(words.size()) < kVocabulary) {
    int syllables = 2 + static_cast<int>(rng() % 3);
    std::string w;
    for (int i = 0; i < syllables; ++i) {
      w += kOnsets[rng() % (sizeof kOnsets / sizeof *kOnsets)];
      w += kVowels[rng() % (sizeof kVowels / sizeof *kVowels)];
    }
    if (rng() % 3 == 0) w += "n";
    if (!seen[w]) {
      seen[w] = true;
      words.push_back(w);
    }
  }
  return words;
}

class Zipf {
 public:
  Zipf(int n, double s) : cdf_(n) {
    double sum = 0;
    for (int i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / std::pow(i + 1, s));
    for (double& c : cdf_) c /= sum;
  }
  int operator()(std::mt19937_64& rng) const {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<int>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

struct Mime {
  const char* type;
  const char* ext;
};
const Mime kMimes[] = {
    {"application/pdf", "pdf"},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
    {"text/plain", "txt"},
    {"text/html", "html"},
    {"application/vnd.google-apps.document", "gdoc"}};
const char* kProviders[] = {"googledrive", "dropbox", "box", "onedrive", "onedrive-business"};

std::string PgTime(int64_t seconds) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S+00", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

// Phrases seen in generated text, so phrase queries have matches.
std::vector<std::string> g_phrases;

void Load(const Options& opt, const std::string& conninfo, IndexStore& store) {
  std::mt19937_64 rng(42);
  const std::vector<std::string> words = Vocabulary(rng);
  const Zipf word_rank(kVocabulary, 1.07);
  const Zipf owner_rank(kOwners, 0.9);
  std::lognormal_distribution<double> length(std::log(150.0), 0.9);

  pqxx::connection conn(conninfo);
  {
    pqxx::work tx(conn);
    tx.exec("SET search_path = search");
    tx.exec("DROP TABLE IF EXISTS staging");
    tx.exec(
        "CREATE UNLOGGED TABLE staging (n bigint, owner text, type smallint, provider text, "
        "mime_type text, title text, filename text, modified_time timestamptz, content text)");
    tx.commit();
  }
  absl::Time start = absl::Now();
  const int64_t kChunk = 50000;
  for (int64_t base = 0; base < opt.docs; base += kChunk) {
    pqxx::work tx(conn);
    tx.exec("SET search_path = search");
    pqxx::stream_to copy(tx, "staging");
    for (int64_t n = base; n < std::min(opt.docs, base + kChunk); ++n) {
      int len = std::clamp(static_cast<int>(length(rng)), 5, 4000);
      std::string content;
      content.reserve(len * 8);
      for (int i = 0; i < len; ++i) {
        if (i > 0) content += (i % 14 == 13) ? ". " : " ";
        content += words[word_rank(rng)];
      }
      if (n % 2000 == 0 && len > 3) {
        // Two adjacent words of this document as a phrase query.
        size_t a = content.find(' ', content.size() / 2);
        size_t b = content.find(' ', a + 1);
        size_t c = b == std::string::npos ? std::string::npos : content.find(' ', b + 1);
        if (c != std::string::npos &&
            content.substr(a + 1, c - a - 1).find('.') == std::string::npos) {
          g_phrases.push_back(content.substr(a + 1, c - a - 1));
        }
      }
      int title_len = 2 + static_cast<int>(rng() % 5);
      std::vector<std::string> title;
      for (int i = 0; i < title_len; ++i) title.push_back(words[word_rank(rng)]);
      const Mime& mime = kMimes[rng() % 6];
      int type = 1 + (rng() % 10 == 0 ? 1 + static_cast<int>(rng() % 3) : 0);
      copy << std::make_tuple(n, absl::StrCat("user", owner_rank(rng)), type,
                              std::string(kProviders[rng() % 5]), std::string(mime.type),
                              absl::StrJoin(title, " "),
                              absl::StrCat(absl::StrJoin(title, "_"), ".", mime.ext),
                              PgTime(kEpoch + static_cast<int64_t>(rng() % kSpan)), content);
    }
    copy.complete();
    tx.commit();
  }
  std::cerr << "bench: copied " << opt.docs << " documents in "
            << absl::FormatDuration(absl::Now() - start) << "\n";

  {
    pqxx::work tx(conn);
    tx.exec("SET search_path = search");
    tx.exec("DROP INDEX IF EXISTS documents_tsv");
    tx.exec("DROP INDEX IF EXISTS documents_modified");
    tx.exec("DROP INDEX IF EXISTS documents_owner_modified");
    tx.exec("DROP INDEX IF EXISTS documents_state");
    tx.exec("TRUNCATE documents");
    tx.commit();
  }
  // The tsvectors are computed by PostgreSQL, two halves in parallel.
  start = absl::Now();
  const std::string insert = absl::StrCat(
      "INSERT INTO documents (document_id, owner, type, provider, mime_type, title, filename, "
      "modified_time, state, reason, content, tsv, job_id, body) SELECT "
      "('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, owner, type, provider, "
      "mime_type, title, filename, modified_time, 2, '', content, ",
      store.TsvectorSql("title", "replace(replace(filename, '_', ' '), '.', ' ')", "content"),
      ", n, '{}'::jsonb FROM staging WHERE n % 2 = $1");
  std::vector<std::thread> loaders;
  for (int part = 0; part < 2; ++part) {
    loaders.emplace_back([&, part] {
      pqxx::connection c(conninfo);
      pqxx::work tx(c);
      tx.exec("SET search_path = search");
      tx.exec_params(insert, part);
      tx.commit();
    });
  }
  for (auto& t : loaders) t.join();
  std::cerr << "bench: tsvectors in " << absl::FormatDuration(absl::Now() - start) << "\n";
  start = absl::Now();
  {
    pqxx::work tx(conn);
    tx.exec("SET search_path = search");
    tx.exec("SET maintenance_work_mem = '1GB'");
    tx.exec("SET max_parallel_maintenance_workers = 2");
    tx.exec("CREATE INDEX documents_tsv ON documents USING gin (tsv)");
    tx.exec("CREATE INDEX documents_modified ON documents (modified_time DESC, document_id DESC)");
    tx.exec(
        "CREATE INDEX documents_owner_modified ON documents "
        "(owner, modified_time DESC, document_id DESC)");
    tx.exec("CREATE INDEX documents_state ON documents (state)");
    tx.exec("DROP TABLE staging");
    tx.exec("CREATE TABLE IF NOT EXISTS bench_meta (docs bigint, phrases text[])");
    tx.exec("TRUNCATE bench_meta");
    std::string phrases = "{";
    for (size_t i = 0; i < g_phrases.size(); ++i) {
      absl::StrAppend(&phrases, i ? "," : "", "\"", g_phrases[i], "\"");
    }
    tx.exec_params("INSERT INTO bench_meta VALUES ($1, $2::text[])", opt.docs, phrases + "}");
    tx.commit();
  }
  {
    pqxx::nontransaction tx(conn);
    tx.exec("VACUUM ANALYZE search.documents");
  }
  std::cerr << "bench: indexes and analyze in " << absl::FormatDuration(absl::Now() - start)
            << "\n";
}

struct Query {
  std::string category;
  bool admin = false;
  std::string user;
  v1::SearchRequest request;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p * v.size())) - 1;
  return v[std::min(i, v.size() - 1)];
}

// The same statements IndexStore::Search runs, on a plain connection.
void RunRawSql(pqxx::connection& conn, const IndexStore::SearchSql& sql, int64_t bound) {
  pqxx::read_transaction tx(conn);
  pqxx::result page = tx.exec_params(sql.page, pqxx::prepare::make_dynamic_params(sql.page_params));
  int64_t count =
      tx.exec_params(sql.count, pqxx::prepare::make_dynamic_params(sql.count_params))[0][0]
          .as<int64_t>();
  if (count > bound) {
    tx.exec_params(sql.estimate, pqxx::prepare::make_dynamic_params(sql.count_params));
  }
  tx.commit();
}

int Main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--docs") {
      if (!absl::SimpleAtoi(next(), &opt.docs) || opt.docs < 1000) {
        std::cerr << "--docs: want at least 1000\n";
        return 2;
      }
    } else if (a == "--queries") {
      if (!absl::SimpleAtoi(next(), &opt.queries) || opt.queries < 10) return 2;
    } else if (a == "--seconds") {
      if (!absl::SimpleAtoi(next(), &opt.seconds) || opt.seconds < 1) return 2;
    } else if (a == "--reuse") {
      opt.reuse = true;
    } else {
      std::cerr << "usage: bench_search [--docs N] [--queries N] [--seconds S] [--reuse]\n";
      return 2;
    }
  }
  if (!EnsurePostgres()) {
    std::cerr << "bench: cannot start PostgreSQL\n";
    return 1;
  }
  const std::string db = "lc_bench_search";
  {
    pqxx::connection admin(Conninfo("postgres"));
    pqxx::nontransaction tx(admin);
    bool exists = !tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", db).empty();
    if (!exists) tx.exec("CREATE DATABASE " + db);
  }
  const std::string conninfo = Conninfo(db);
  PgPool pool(PgOptions{.conninfo = conninfo, .schema = "search", .pool_size = 8});
  if (auto s = ApplyMigrations(pool, Migrations()); !s.ok()) {
    std::cerr << "bench: " << s << "\n";
    return 1;
  }
  IndexStore store(pool, {"english", "simple"}, QueueSettings{});

  bool loaded = false;
  if (opt.reuse) {
    pqxx::connection c(conninfo);
    pqxx::work tx(c);
    auto r = tx.exec(
        "SELECT docs, phrases FROM search.bench_meta WHERE EXISTS "
        "(SELECT 1 FROM pg_tables WHERE schemaname = 'search' AND "
        "tablename = 'bench_meta')");
    if (!r.empty() && r[0][0].as<int64_t>() == opt.docs) {
      loaded = true;
      auto arr = r[0][1].as_array();
      for (auto e = arr.get_next(); e.first != pqxx::array_parser::juncture::done;
           e = arr.get_next()) {
        if (e.first == pqxx::array_parser::juncture::string_value) g_phrases.push_back(e.second);
      }
      std::cerr << "bench: reusing " << opt.docs << " loaded documents\n";
    }
  }
  if (!loaded) Load(opt, conninfo, store);

  Indexer indexer(store, nullptr);
  RpcEdge edge(std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kSecret}));
  IndexerServiceImpl service(indexer, edge);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = v1::IndexerService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  // The query mix. Users are drawn like owners (heavy owners search more).
  std::mt19937_64 rng(7);
  std::vector<std::string> words = [] {
    std::mt19937_64 r(42);
    return Vocabulary(r);
  }();
  const Zipf owner_rank(kOwners, 0.9);
  // Phrases as people type them: two words that are not among the 200
  // most frequent (a phrase of two stop-word-like words is every document).
  std::map<std::string, int> rank_of;
  for (int r = 0; r < kVocabulary; ++r) rank_of[words[r]] = r;
  std::vector<std::string> phrases;
  for (const std::string& p : g_phrases) {
    size_t space = p.find(' ');
    if (space == std::string::npos) continue;
    auto a = rank_of.find(p.substr(0, space));
    auto b = rank_of.find(p.substr(space + 1));
    if (a != rank_of.end() && b != rank_of.end() && a->second >= 200 && b->second >= 200) {
      phrases.push_back(p);
    }
  }
  std::cerr << "bench: " << phrases.size() << " phrase queries of uncommon words\n";
  std::vector<Query> queries;
  for (int i = 0; i < opt.queries; ++i) {
    auto user = absl::StrCat("user", owner_rank(rng));
    Query sel{"selective", i % 4 == 0, user, {}};
    sel.request.set_query(words[20000 + rng() % 60000]);
    queries.push_back(sel);
    Query common{"common", false, user, {}};
    common.request.set_query(absl::StrCat(words[rng() % 30], " ", words[rng() % 30]));
    queries.push_back(common);
    Query phrase{"phrase", i % 4 == 0, user, {}};
    phrase.request.set_query(
        absl::StrCat("\"", phrases.empty() ? words[500] : phrases[rng() % phrases.size()], "\""));
    queries.push_back(phrase);
    Query filtered{"filtered", false, user, {}};
    filtered.request.set_query(words[rng() % 2000]);
    v1::SearchFilter* f = filtered.request.mutable_filter();
    f->add_providers(kProviders[rng() % 5]);
    f->add_mime_types(kMimes[rng() % 6].type);
    int64_t from = kEpoch + static_cast<int64_t>(rng() % (kSpan / 2));
    *f->mutable_modified_after() = TimeUtil::SecondsToTimestamp(from);
    *f->mutable_modified_before() = TimeUtil::SecondsToTimestamp(from + kSpan / 3);
    if (i % 2 == 0) filtered.request.set_order(v1::SEARCH_ORDER_MODIFIED_DESC);
    queries.push_back(filtered);
  }
  std::map<std::string, std::string> tokens;
  auto token_for = [&](const Query& q) -> const std::string& {
    std::string key = q.admin ? "admin" : q.user;
    auto it = tokens.find(key);
    if (it != tokens.end()) return it->second;
    absl::Time now = absl::Now();
    std::vector<std::string> roles;
    if (q.admin) roles.push_back("admin");
    return tokens[key] =
               "Bearer " + MintHs256(kSecret, Principal{key, roles}, now, now + absl::Hours(2));
  };
  auto run_rpc = [&](v1::IndexerService::Stub& s, const Query& q) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", token_for(q));
    v1::SearchResponse resp;
    grpc::Status st = s.Search(&ctx, q.request, &resp);
    if (!st.ok()) std::cerr << "bench: Search failed: " << st.error_message() << "\n";
    return resp.hits_size();
  };
  auto sql_for = [&](const Query& q) {
    // Exactly what Indexer::Search asks of the store.
    SearchQuery sq;
    sq.user = q.admin ? "admin" : q.user;
    sq.admin = q.admin;
    sq.text = q.request.query();
    sq.filter = q.request.filter();
    sq.by_date = q.request.order() == v1::SEARCH_ORDER_MODIFIED_DESC;
    sq.limit = 20;
    return store.BuildSearchSql(sq);
  };
  pqxx::connection raw(conninfo);
  {
    pqxx::nontransaction tx(raw);
    tx.exec("SET search_path = search");
  }
  std::cerr << "bench: warming up\n";
  // Warm the caches with one pass of both.
  for (const Query& q : queries) {
    run_rpc(*stub, q);
    RunRawSql(raw, sql_for(q), 10000);
  }
  std::cerr << "bench: measuring " << queries.size() << " queries\n";
  std::map<std::string, std::vector<double>> rpc_ms, raw_ms;
  std::vector<double> all_rpc, all_raw;
  int64_t hits = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    auto sql = sql_for(q);
    auto time_rpc = [&] {
      auto t0 = std::chrono::steady_clock::now();
      hits += run_rpc(*stub, q);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      rpc_ms[q.category].push_back(ms);
      all_rpc.push_back(ms);
    };
    auto time_raw = [&] {
      auto t0 = std::chrono::steady_clock::now();
      RunRawSql(raw, sql, 10000);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      raw_ms[q.category].push_back(ms);
      all_raw.push_back(ms);
    };
    // Alternate which goes first so neither always gets the warmer cache.
    if (i % 2 == 0) {
      time_rpc();
      time_raw();
    } else {
      time_raw();
      time_rpc();
    }
  }
  std::cout << absl::StrFormat("%-10s %8s %10s %10s %14s %14s\n", "category", "queries", "p50_ms",
                               "p99_ms", "raw_sql_p50_ms", "raw_sql_p99_ms");
  for (const auto& [category, v] : rpc_ms) {
    std::cout << absl::StrFormat(
        "%-10s %8d %10.2f %10.2f %14.2f %14.2f\n", category, v.size(), Percentile(v, 0.5),
        Percentile(v, 0.99), Percentile(raw_ms[category], 0.5), Percentile(raw_ms[category], 0.99));
  }
  std::cout << "hits returned: " << hits << "\n";

  // Throughput: concurrent clients over the same mix for a fixed time.
  const int kClients = 4;
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  std::map<std::string, std::string> warm_tokens = tokens;  // read-only below
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto s = v1::IndexerService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                               grpc::InsecureChannelCredentials()));
      for (size_t i = c; !stop.load(); i = (i + kClients) % queries.size()) {
        const Query& q = queries[i];
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", warm_tokens.at(q.admin ? "admin" : q.user));
        v1::SearchResponse resp;
        if (s->Search(&ctx, q.request, &resp).ok()) done.fetch_add(1);
      }
    });
  }
  absl::SleepFor(absl::Seconds(opt.seconds));
  stop = true;
  for (auto& t : clients) t.join();
  const double qps = static_cast<double>(done.load()) / opt.seconds;

  server->Shutdown();
  const double p50 = Percentile(all_rpc, 0.5);
  const double p99 = Percentile(all_rpc, 0.99);
  const double raw_p99 = Percentile(all_raw, 0.99);
  std::cout << absl::StrFormat(
      "search: docs=%d p50_ms=%.2f p99_ms=%.2f qps=%.1f raw_sql_p99_ms=%.2f "
      "overhead_ratio=%.3f\n",
      opt.docs, p50, p99, qps, raw_p99, raw_p99 > 0 ? p99 / raw_p99 : 0.0);
  return 0;
}

}  // namespace
}  // namespace lc::indexer

int main(int argc, char** argv) { return lc::indexer::Main(argc, argv); }
