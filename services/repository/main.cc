// repository: documents, versions, history and blob links.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/time/clock.h"
#include "repository/collaborators.h"
#include "repository/document_store.h"
#include "repository/migrations.h"
#include "repository/repository.h"
#include "repository/repository_service.h"
#include "runtime/log.h"
#include "runtime/pg.h"
#include "runtime/server.h"

int main(int argc, char** argv) {
  auto specs = lc::CommonSettingsWithDatabase("0.0.0.0:50051");
  specs.push_back({.name = "providers-addr",
                   .help = "host:port of the providers service (empty: client-given metadata, "
                           "no links; local development only)"});
  specs.push_back({.name = "indexer-addr",
                   .help = "host:port of the indexer (empty: nothing is queued for indexing)"});
  lc::Config config = lc::LoadConfigOrDie("repository", specs, argc, argv);
  lc::ServiceRuntime runtime("repository", config);

  lc::PgPool pool(lc::PgOptions{.conninfo = config.GetString("db-url"),
                                .schema = "repository",
                                .pool_size = static_cast<int>(config.GetInt("db-pool-size"))});
  if (auto s = lc::ApplyMigrations(pool, lc::repository::Migrations()); !s.ok()) {
    lc::LogError("cannot migrate the repository schema", {{"error", s.ToString()}});
    return 1;
  }
  if (config.GetBool("migrate-only")) {
    lc::LogInfo("migrations applied; exiting (--migrate-only)");
    return 0;
  }

  lc::repository::PgDocumentStore store(pool);
  auto token = [&runtime] { return runtime.ServiceToken(); };
  std::unique_ptr<lc::repository::CloudFiles> cloud;
  if (const std::string& addr = config.GetString("providers-addr"); !addr.empty()) {
    cloud = lc::repository::NewGrpcCloudFiles(
        grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()), token);
  }
  std::unique_ptr<lc::repository::IndexQueue> index;
  if (const std::string& addr = config.GetString("indexer-addr"); !addr.empty()) {
    index = lc::repository::NewGrpcIndexQueue(
        grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()), token);
  }
  lc::repository::Repository repo(
      store, [] { return absl::Now(); }, cloud.get(), index.get());
  lc::repository::RepositoryServiceImpl service(repo, runtime.edge());
  runtime.AddService(&service);
  if (auto s = runtime.Start(); !s.ok()) {
    lc::LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  runtime.Wait();
  return 0;
}
