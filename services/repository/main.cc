// repository: documents, versions, history and blob links.
#include <cstdlib>
#include <iostream>

#include "absl/time/clock.h"
#include "repository/document_store.h"
#include "repository/migrations.h"
#include "repository/repository.h"
#include "repository/repository_service.h"
#include "runtime/log.h"
#include "runtime/pg.h"
#include "runtime/server.h"

int main(int argc, char** argv) {
  auto specs = lc::CommonSettingsWithDatabase("0.0.0.0:50051");
  lc::Config config = lc::LoadConfigOrDie("repository", specs, argc, argv);
  lc::ServiceRuntime runtime("repository", config);

  lc::PgPool pool(lc::PgOptions{.conninfo = config.GetString("db-url"),
                                .schema = "repository",
                                .pool_size = static_cast<int>(config.GetInt("db-pool-size"))});
  if (auto s = lc::ApplyMigrations(pool, lc::repository::Migrations()); !s.ok()) {
    lc::LogError("cannot migrate the repository schema", {{"error", s.ToString()}});
    return 1;
  }

  lc::repository::PgDocumentStore store(pool);
  lc::repository::Repository repo(store, [] { return absl::Now(); });
  lc::repository::RepositoryServiceImpl service(repo, runtime.edge());
  runtime.AddService(&service);
  if (auto s = runtime.Start(); !s.ok()) {
    lc::LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  runtime.Wait();
  return 0;
}
