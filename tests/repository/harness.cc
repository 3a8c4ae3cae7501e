#include "harness.h"

#include <stdexcept>

#include "absl/time/clock.h"
#include "repository/migrations.h"

namespace lc::testing {

RepositoryHarness::RepositoryHarness(const std::string& conninfo, repository::CloudFiles* cloud,
                                     repository::IndexQueue* index) {
  pool_ = std::make_unique<PgPool>(PgOptions{.conninfo = conninfo,
                                             .schema = "repository",
                                             .pool_size = 8,
                                             .acquire_timeout = absl::Seconds(5),
                                             .connect_timeout = absl::Seconds(2)});
  auto s = ApplyMigrations(*pool_, repository::Migrations());
  if (!s.ok()) throw std::runtime_error("migrations: " + s.ToString());
  store_ = std::make_unique<repository::PgDocumentStore>(*pool_);
  Start(cloud, index);
}

RepositoryHarness::RepositoryHarness(std::unique_ptr<repository::DocumentStore> store,
                                     repository::CloudFiles* cloud, repository::IndexQueue* index)
    : store_(std::move(store)) {
  Start(cloud, index);
}

void RepositoryHarness::Start(repository::CloudFiles* cloud, repository::IndexQueue* index) {
  repo_ = std::make_unique<repository::Repository>(
      *store_, [] { return absl::Now(); }, cloud, index);
  edge_ = std::make_unique<RpcEdge>(
      std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kJwtSecret}));
  service_ = std::make_unique<repository::RepositoryServiceImpl>(*repo_, *edge_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_) throw std::runtime_error("cannot start the test server");
  stub_ = v1::RepositoryService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                                             grpc::InsecureChannelCredentials()));
}

RepositoryHarness::~RepositoryHarness() {
  server_->Shutdown();
  server_->Wait();
}

std::unique_ptr<grpc::ClientContext> RepositoryHarness::As(const std::string& user,
                                                           std::vector<std::string> roles) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  absl::Time now = absl::Now();
  ctx->AddMetadata("authorization",
                   "Bearer " + MintHs256(kJwtSecret, Principal{user, std::move(roles)}, now,
                                         now + absl::Minutes(5)));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

}  // namespace lc::testing
