// Provider API calls of one sync run against the cloud emulator, next to the
// original product's method (one metadata call per document), for N
// documents referencing files of one account with k% of the files changed
// outside. Starts its own PostgreSQL when PGHOST is unset, and its own
// emulator, oauth, providers and repository services in this process.
//
//   bench_sync_calls [--sizes=1000,10000,100000] [--pcts=0,1,10]
//                    [--provider=googledrive] [--parallelism=8] [--baseline-each]
//
// The baseline makes one call per document whatever k is, so by default it
// is measured once per size (with 1% changed) and its figures are printed on
// each k's line; --baseline-each measures it again for every k.
//
// The last line is the figure for the largest size with 1% changed (or the
// last pair measured when that one is not among the flags).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench_support.h"
#include "runtime/log.h"
#include "sync_stack.h"

namespace {

using json = nlohmann::json;
namespace v1 = ::liveconnect::v1;

std::vector<int> IntList(const std::string& text) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int v = 0;
    if (!absl::SimpleAtoi(part, &v) || v < 0) {
      std::cerr << "bad number list: " << text << "\n";
      std::exit(2);
    }
    out.push_back(v);
  }
  return out;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <typename Fn>
void ParallelFor(size_t n, int threads, Fn fn) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& t : pool) t.join();
}

struct Measure {
  int64_t calls = 0;
  double wall_s = 0;
};

class Bench {
 public:
  Bench(lc::testing::SyncStack& stack, std::string provider, int parallelism)
      : stack_(stack), provider_(std::move(provider)), parallelism_(parallelism) {}

  int64_t Counters() {
    return stack_.Admin(provider_, "GET", "/_emulator/counters")["total"].get<int64_t>();
  }
  void ResetCounters() { stack_.Admin(provider_, "POST", "/_emulator/requests/reset"); }

  // A fresh account with n files and one document per file.
  void Setup(int n) {
    ++generation_;
    user_ = absl::StrCat("bench-user-", generation_);
    email_ = absl::StrCat("bench", generation_, "@example.com");
    stack_.Connect(user_, provider_, email_);
    paths_.clear();
    ids_.clear();
    json files = json::array();
    for (int i = 0; i < n; ++i) {
      paths_.push_back(absl::StrFormat("/bench/f%06d.txt", i));
      files.push_back({{"path", paths_.back()}, {"content", "v0"}});
    }
    auto t = std::chrono::steady_clock::now();
    auto ids = stack_.Seed(provider_, email_, files);
    for (const auto& p : paths_) ids_.push_back(ids[p]);
    // Documents as a client creates them; the first sync run reconciles
    // their metadata with the cloud.
    std::atomic<int> failed{0};
    ParallelFor(ids_.size(), parallelism_, [&](size_t i) {
      v1::CreateDocumentRequest req;
      req.mutable_blob()->set_provider(provider_);
      req.mutable_blob()->set_account(email_);
      req.mutable_blob()->set_file_id(ids_[i]);
      req.mutable_blob_metadata()->set_filename(paths_[i].substr(7));
      req.mutable_blob_metadata()->set_mime_type("text/plain");
      v1::Document doc;
      auto ctx = stack_.As(user_);
      if (!RepositoryStub().CreateDocument(ctx.get(), req, &doc).ok()) failed++;
    });
    if (failed > 0) {
      std::cerr << "could not create " << failed << " documents\n";
      std::exit(1);
    }
    std::cerr << absl::StrFormat("setup: %d files and documents in %.1f s\n", n, Seconds(t));
  }

  // Changes `pct`% of the files outside (new content, same size), in one
  // admin call.
  void ChangeOutside(int pct, const std::string& content) {
    if (pct == 0) return;
    const size_t every = static_cast<size_t>(100 / pct);
    json files = json::array();
    for (size_t i = 0; i < paths_.size(); i += every) {
      files.push_back({{"path", paths_[i]}, {"content", content}});
    }
    stack_.Seed(provider_, email_, files);
  }

  Measure SyncRun() {
    lc::sync::SyncOptions options;
    options.holder = "bench";
    options.file_parallelism = parallelism_;
    auto runner = stack_.NewRunner(options);
    ResetCounters();
    auto t = std::chrono::steady_clock::now();
    auto r = runner->Run(lc::sync::AccountKey{user_, provider_, email_}, "bench", nullptr);
    Measure m{Counters(), Seconds(t)};
    if (!r.ok() || !r->last_error.empty()) {
      std::cerr << "sync run failed: " << (r.ok() ? r->last_error : r.status().ToString()) << "\n";
      std::exit(1);
    }
    last_updated_ = r->documents_updated;
    return m;
  }

  // The original method: one metadata call per document, each compared and
  // applied.
  Measure Baseline() {
    auto cloud = lc::sync::NewGrpcCloudClient(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(stack_.providers_port()),
                            grpc::InsecureChannelCredentials()),
        [this] { return stack_.ServiceToken(); }, absl::Seconds(60));
    auto docs = lc::sync::NewGrpcDocumentsClient(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(stack_.repository_port()),
                            grpc::InsecureChannelCredentials()),
        [this] { return stack_.ServiceToken(); }, absl::Seconds(60));
    const lc::sync::AccountKey key{user_, provider_, email_};
    ResetCounters();
    std::atomic<int64_t> updated{0}, failed{0};
    auto t = std::chrono::steady_clock::now();
    ParallelFor(ids_.size(), parallelism_, [&](size_t i) {
      auto file = cloud->GetFile(key, ids_[i]);
      if (!file.ok()) {
        failed++;
        return;
      }
      v1::ApplyFileChangeRequest req;
      req.set_user(user_);
      req.set_provider(provider_);
      req.set_account(email_);
      req.set_file_id(ids_[i]);
      req.set_kind(v1::CHANGE_KIND_MODIFIED);
      *req.mutable_metadata() = file->metadata();
      req.set_has_thumbnail(file->has_thumbnail());
      auto resp = docs->ApplyFileChange(req);
      if (!resp.ok()) {
        failed++;
        return;
      }
      updated += resp->updated_document_ids_size();
    });
    Measure m{Counters(), Seconds(t)};
    if (failed > 0) std::cerr << "baseline: " << failed << " calls failed\n";
    last_updated_ = updated;
    return m;
  }

  int64_t last_updated() const { return last_updated_; }

 private:
  v1::RepositoryService::Stub& RepositoryStub() {
    if (!repository_stub_) {
      repository_stub_ = v1::RepositoryService::NewStub(
          grpc::CreateChannel("127.0.0.1:" + std::to_string(stack_.repository_port()),
                              grpc::InsecureChannelCredentials()));
    }
    return *repository_stub_;
  }

  lc::testing::SyncStack& stack_;
  std::string provider_;
  int parallelism_;
  int generation_ = 0;
  std::string user_, email_;
  std::vector<std::string> paths_, ids_;
  int64_t last_updated_ = 0;
  std::unique_ptr<v1::RepositoryService::Stub> repository_stub_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {1000, 10000, 100000};
  std::vector<int> pcts = {0, 1, 10};
  std::string provider = "googledrive";
  int parallelism = 8;
  bool baseline_each = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--sizes=", 0) == 0) {
      sizes = IntList(a.substr(8));
    } else if (a.rfind("--pcts=", 0) == 0) {
      pcts = IntList(a.substr(7));
    } else if (a.rfind("--provider=", 0) == 0) {
      provider = a.substr(11);
    } else if (a.rfind("--parallelism=", 0) == 0) {
      parallelism = std::max(1, std::atoi(a.substr(14).c_str()));
    } else if (a == "--baseline-each") {
      baseline_each = true;
    } else {
      std::cerr << "usage: bench_sync_calls [--sizes=1000,10000,100000] [--pcts=0,1,10] "
                   "[--provider=googledrive] [--parallelism=8] [--baseline-each]\n";
      return 2;
    }
  }
  for (int p : pcts) {
    if (p > 100 || (p > 0 && 100 % p != 0)) {
      std::cerr << "--pcts: each value must divide 100 (0, 1, 2, 5, 10, 20, 25, 50, 100)\n";
      return 2;
    }
  }
  if (!lc::bench::EnsurePostgres()) {
    std::cerr << "no PostgreSQL: set PGHOST or install postgresql\n";
    return 1;
  }
  setenv("LC_LOG_LEVEL", "warn", 1);
  lc::InitLogging("bench", lc::LogLevel::kWarn);
  lc::testing::SyncStack stack;
  stack.ConfigureProvider(provider);
  Bench bench(stack, provider, parallelism);

  std::string summary;
  std::string preferred;
  for (int n : sizes) {
    bench.Setup(n);
    Measure first = bench.SyncRun();
    std::cout << absl::StrFormat(
                     "docs=%d first run (start cursor + reconciliation): calls=%d wall_s=%.2f", n,
                     first.calls, first.wall_s)
              << std::endl;
    int round = 0;
    std::optional<Measure> base_once;
    int64_t base_once_updated = 0;
    for (int pct : pcts) {
      bench.ChangeOutside(pct, absl::StrCat("s", ++round));
      Measure sync = bench.SyncRun();
      const int64_t sync_updated = bench.last_updated();
      if (baseline_each || !base_once) {
        const int base_pct = baseline_each ? pct : 1;
        bench.ChangeOutside(base_pct, absl::StrCat("b", round));
        base_once = bench.Baseline();
        base_once_updated = bench.last_updated();
        std::cout << absl::StrFormat("  baseline measured with %d%% changed", base_pct) << "\n";
      }
      const Measure base = *base_once;
      const int64_t base_updated = base_once_updated;
      const double ratio =
          static_cast<double>(base.calls) / static_cast<double>(std::max<int64_t>(1, sync.calls));
      std::string line = absl::StrFormat(
          "sync_calls: docs=%d changed_pct=%d calls=%d baseline_calls=%d ratio=%.1f "
          "wall_s=%.2f baseline_wall_s=%.2f",
          n, pct, sync.calls, base.calls, ratio, sync.wall_s, base.wall_s);
      std::cout << absl::StrFormat("  docs_updated: sync=%d baseline=%d", sync_updated,
                                   base_updated)
                << "\n"
                << line << std::endl;
      summary = line;
      if (n == 100000 && pct == 1) preferred = line;
    }
  }
  if (!preferred.empty()) summary = preferred;
  std::cout << summary << std::endl;
  return 0;
}
