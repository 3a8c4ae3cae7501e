// Two indexer processes (the real binary, with its sandboxed extractor) on
// one database and one fake ProviderService: every queued job is done
// exactly once, and both processes take a share.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "liveconnect/v1/providers.grpc.pb.h"
#include "runtime/jwt.h"
#include "testing/fake_provider_service.h"
#include "testing/pg_fixture.h"
#include "testing/wait.h"

namespace lc::indexer {
namespace {

namespace v1 = ::liveconnect::v1;
constexpr char kSecret[] = "test-secret-test-secret-test-secret-0123";

class IndexerProcess {
 public:
  IndexerProcess(const std::string& conninfo, const std::string& providers,
                 const std::string& log_file) {
    std::remove(log_file.c_str());
    pid_ = fork();
    if (pid_ == 0) {
      if (freopen(log_file.c_str(), "w", stderr) == nullptr) _exit(126);
      setenv("LC_DB_URL", conninfo.c_str(), 1);
      setenv("LC_JWT_SECRET", kSecret, 1);
      setenv("LC_LISTEN_ADDR", "127.0.0.1:0", 1);
      setenv("LC_METRICS_PORT", "-1", 1);
      setenv("LC_SHUTDOWN_GRACE", "1s", 1);
      setenv("LC_PROVIDERS_ADDR", providers.c_str(), 1);
      setenv("LC_WORKERS", "3", 1);
      execl(LC_INDEXER_BIN, "indexer", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Start-up: the process logs its port once it serves.
    if (auto port =
            lc::testing::WaitForFileMatch(log_file, "\"grpc_port\":([0-9]+)", absl::Seconds(20))) {
      port_ = std::stoi(*port);
    }
    if (port_ == 0) throw std::runtime_error("the indexer did not start; see " + log_file);
    stub_ = v1::IndexerService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                                            grpc::InsecureChannelCredentials()));
  }
  ~IndexerProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  v1::IndexerService::Stub& stub() { return *stub_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<v1::IndexerService::Stub> stub_;
};

std::unique_ptr<grpc::ClientContext> As(const std::string& user, std::vector<std::string> roles) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  absl::Time now = absl::Now();
  ctx->AddMetadata("authorization", "Bearer " + MintHs256(kSecret, Principal{user, roles}, now,
                                                          now + absl::Minutes(5)));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

TEST(IndexerProcesses, TwoProcessesDoEachJobOnce) {
  LC_REQUIRE_POSTGRES();
  const std::string conninfo = lc::testing::CreateTestDatabase();
  lc::testing::FakeProviderService fake;
  fake.SetDefaultContent([](const v1::GetContentRequest& req) {
    return lc::testing::FakeProviderService::Content{
        .chunks = {absl::StrCat("replicaword body of ", req.blob().file_id(), " for ",
                                req.on_behalf_of())}};
  });
  // Both processes are then sure to take a share of the jobs.
  fake.HoldContentUntilPeers(2, absl::Seconds(30));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&fake);
  auto server = builder.BuildAndStart();
  const std::string providers = absl::StrCat("127.0.0.1:", port);
  const std::string dir = ::testing::TempDir();
  IndexerProcess a(conninfo, providers, dir + "/indexer-a.log");
  IndexerProcess b(conninfo, providers, dir + "/indexer-b.log");

  const int kDocs = 80;
  for (int i = 0; i < kDocs; ++i) {
    v1::EnqueueIndexingRequest req;
    char id[40];
    snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
    req.set_document_id(id);
    req.set_reason("created");
    v1::Document* d = req.mutable_document();
    d->set_id(id);
    d->set_owner("alice");
    d->set_title(absl::StrCat("Document ", i));
    d->set_type(v1::DOCUMENT_TYPE_FILE);
    d->mutable_blob()->set_provider("dropbox");
    d->mutable_blob()->set_account("alice@example.com");
    d->mutable_blob()->set_file_id(absl::StrCat("file", i));
    d->mutable_blob_metadata()->set_filename(absl::StrCat("doc", i, ".txt"));
    d->mutable_blob_metadata()->set_mime_type("text/plain");
    v1::EnqueueIndexingResponse resp;
    auto& stub = i % 2 == 0 ? a.stub() : b.stub();
    ASSERT_TRUE(stub.EnqueueIndexing(As("service:repository", {"service"}).get(), req, &resp).ok());
  }
  v1::IndexStatusResponse status;
  lc::testing::WaitFor(
      [&] {
        grpc::Status s = a.stub().IndexStatus(As("root", {"admin"}).get(), {}, &status);
        EXPECT_TRUE(s.ok()) << s.error_message();
        return !s.ok() || (status.pending_jobs() == 0 && status.running_jobs() == 0 &&
                           status.indexed_documents() >= kDocs);
      },
      absl::Seconds(90), absl::Milliseconds(50));
  EXPECT_EQ(status.indexed_documents(), kDocs);
  EXPECT_EQ(status.dead_jobs(), 0);

  auto calls = fake.content_calls();
  EXPECT_EQ(calls.size(), static_cast<size_t>(kDocs));
  for (const auto& [file, n] : calls) EXPECT_EQ(n, 1) << file;

  pqxx::connection conn(conninfo);
  pqxx::work tx(conn);
  std::map<std::string, int> by_pid;
  // done_by is "<host>-<pid>:<worker>" (the instance name and the worker).
  for (const auto& row :
       tx.exec("SELECT substring(split_part(done_by, ':', 1) from '([0-9]+)$'), count(*), "
               "max(attempts) FROM search.jobs WHERE state = 'done' GROUP BY 1")) {
    by_pid[row[0].as<std::string>()] = row[1].as<int>();
    EXPECT_EQ(row[2].as<int>(), 1);
  }
  EXPECT_EQ(by_pid[std::to_string(a.pid())] + by_pid[std::to_string(b.pid())], kDocs);
  EXPECT_GT(by_pid[std::to_string(a.pid())], 0);
  EXPECT_GT(by_pid[std::to_string(b.pid())], 0);

  v1::SearchRequest search;
  search.set_query("replicaword");
  v1::SearchResponse found;
  ASSERT_TRUE(b.stub().Search(As("alice", {}).get(), search, &found).ok());
  EXPECT_EQ(found.total_count(), kDocs);
  server->Shutdown();
}

}  // namespace
}  // namespace lc::indexer
