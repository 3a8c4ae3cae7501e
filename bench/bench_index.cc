// bench_index: documents indexed per second through the whole pipeline
// (queue lease, GetContent over gRPC, sandboxed extraction in a child
// process, tsvector write) beside a baseline that only fetches the bytes
// through the same ContentSource. The content comes from an in-process
// ProviderService that serves the committed fixtures (PDF, docx, xlsx,
// pptx, odt, HTML, UTF-16 text) and generated text of realistic size.
//
//   bench_index [--docs N] [--workers N]
//
// Last line: index: docs=N docs_per_s=.. fetch_only_docs_per_s=.. ratio=..
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench_support.h"
#include "indexer/content_source.h"
#include "indexer/document_indexer.h"
#include "indexer/index_store.h"
#include "indexer/indexing_workers.h"
#include "indexer/migrations.h"
#include "indexer/sandboxed_extractor.h"
#include "liveconnect/v1/providers.grpc.pb.h"
#include "runtime/pg.h"

namespace lc::indexer {
namespace {

namespace v1 = ::liveconnect::v1;

struct File {
  std::string name;
  std::string mime;
  std::string bytes;
};

std::string Read(const std::string& name) {
  std::ifstream in(std::string(LC_SOURCE_DIR) + "/tests/indexer/fixtures/" + name,
                   std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<File> Corpus() {
  std::vector<File> files = {
      {"report.pdf", "application/pdf", Read("report.pdf")},
      {"budget.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
       Read("budget.docx")},
      {"invoice.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
       Read("invoice.xlsx")},
      {"slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
       Read("slides.pptx")},
      {"log.odt", "application/vnd.oasis.opendocument.text", Read("log.odt")},
      {"tides.html", "text/html", Read("tides.html")},
      {"notes.txt", "text/plain", Read("notes-utf16.txt")},
  };
  // Plain text of 5 to 200 KB: most documents' extracted text is this size.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5; ++i) {
    std::string text;
    size_t size = 5000 + rng() % 195000;
    while (text.size() < size) absl::StrAppend(&text, "word", rng() % 50000, " ");
    files.push_back({absl::StrCat("text", i, ".txt"), "text/plain", text});
  }
  return files;
}

class CorpusProviders final : public v1::ProviderService::Service {
 public:
  explicit CorpusProviders(const std::vector<File>& files) : files_(files) {}
  grpc::Status GetContent(grpc::ServerContext*, const v1::GetContentRequest* req,
                          grpc::ServerWriter<v1::ContentChunk>* writer) override {
    int64_t n = 0;
    (void)absl::SimpleAtoi(req->blob().file_id(), &n);
    const File& f = files_[n % files_.size()];
    for (size_t off = 0; off < f.bytes.size() || off == 0; off += 64 * 1024) {
      v1::ContentChunk c;
      if (off == 0) c.set_mime_type(f.mime);
      c.set_data(f.bytes.substr(off, 64 * 1024));
      if (!writer->Write(c)) break;
      if (f.bytes.empty()) break;
    }
    return grpc::Status::OK;
  }

 private:
  const std::vector<File>& files_;
};

int Main(int argc, char** argv) {
  int64_t docs = 2000;
  int workers = 2;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string v = i + 1 < argc ? argv[i + 1] : "";
    if (a == "--docs" && absl::SimpleAtoi(v, &docs) && docs > 0) {
      ++i;
    } else if (a == "--workers" && absl::SimpleAtoi(v, &workers) && workers > 0) {
      ++i;
    } else {
      std::cerr << "usage: bench_index [--docs N] [--workers N]\n";
      return 2;
    }
  }
  if (!lc::bench::EnsurePostgres()) {
    std::cerr << "bench: cannot start PostgreSQL\n";
    return 1;
  }
  const std::string db = "lc_bench_index";
  {
    pqxx::connection admin(lc::bench::Conninfo("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + db);
    tx.exec("CREATE DATABASE " + db);
  }
  PgPool pool(
      PgOptions{.conninfo = lc::bench::Conninfo(db), .schema = "search", .pool_size = workers + 2});
  if (auto s = ApplyMigrations(pool, Migrations()); !s.ok()) {
    std::cerr << "bench: " << s << "\n";
    return 1;
  }
  const std::vector<File> files = Corpus();
  CorpusProviders providers(files);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&providers);
  auto server = builder.BuildAndStart();
  GrpcContentSource source(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()),
      [] { return std::string("bench"); });

  auto doc_for = [&](int64_t n) {
    const File& f = files[n % files.size()];
    v1::Document d;
    d.set_id(absl::StrFormat("00000000-0000-4000-8000-%012d", n));
    d.set_owner(absl::StrCat("user", n % 50));
    d.set_title(absl::StrCat("Document ", n));
    d.set_type(v1::DOCUMENT_TYPE_FILE);
    d.mutable_blob()->set_provider("dropbox");
    d.mutable_blob()->set_account("a@example.com");
    d.mutable_blob()->set_file_id(std::to_string(n));
    d.mutable_blob_metadata()->set_filename(f.name);
    d.mutable_blob_metadata()->set_mime_type(f.mime);
    return d;
  };

  // Baseline: the same fetches, same concurrency, nothing else.
  std::atomic<int64_t> next{0};
  absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (int64_t n = next++; n < docs; n = next++) {
        v1::Document d = doc_for(n);
        auto got = source.Fetch(d.blob(), v1::CONTENT_FORMAT_ORIGINAL, d.owner(), 32 << 20,
                                absl::Seconds(30));
        if (!got.ok()) std::cerr << "bench: fetch: " << got.status() << "\n";
      }
    });
  }
  for (auto& t : threads) t.join();
  const double fetch_rate = docs / absl::ToDoubleSeconds(absl::Now() - start);

  IndexStore store(pool, {"english", "simple"}, QueueSettings{});
  for (int64_t n = 0; n < docs; ++n) {
    if (auto id = store.Enqueue(doc_for(n), "created"); !id.ok()) {
      std::cerr << "bench: enqueue: " << id.status() << "\n";
      return 1;
    }
  }
  SandboxLimits limits;
  SandboxedExtractor extractor(LC_EXTRACT_HELPER, limits);
  DocumentIndexer indexer(source, extractor, IndexCaps{}, {});
  IndexingWorkers pool_workers(
      store, indexer,
      WorkerSettings{.workers = workers, .poll_interval = absl::Milliseconds(5), .name = "bench"});
  start = absl::Now();
  pool_workers.Start();
  while (true) {
    auto st = store.Status("", "", true);
    if (st.ok() && st->pending_jobs() == 0 && st->running_jobs() == 0) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  const double index_rate = docs / absl::ToDoubleSeconds(absl::Now() - start);
  pool_workers.Stop();
  auto st = store.Status("", "", true);
  if (st.ok()) {
    std::cout << "indexed=" << st->indexed_documents()
              << " metadata_only=" << st->metadata_only_documents() << " dead=" << st->dead_jobs()
              << "\n";
  }
  server->Shutdown();
  std::cout << absl::StrFormat(
      "index: docs=%d docs_per_s=%.1f fetch_only_docs_per_s=%.1f ratio=%.3f\n", docs, index_rate,
      fetch_rate, index_rate / fetch_rate);
  return 0;
}

}  // namespace
}  // namespace lc::indexer

int main(int argc, char** argv) { return lc::indexer::Main(argc, argv); }
