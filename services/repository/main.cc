// repository: documents, versions, history and blob links.
#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/time/clock.h"
#include "repository/collaborators.h"
#include "repository/document_store.h"
#include "repository/migrations.h"
#include "repository/repository.h"
#include "repository/repository_service.h"
#include "repository/settings.h"
#include "runtime/server.h"

int main(int argc, char** argv) {
  const lc::repository::Settings settings = lc::LoadSettingsOrDie(
      "repository", lc::repository::SettingSpecs(), lc::repository::ReadSettings, argc, argv);
  lc::ServiceRuntime runtime("repository", settings.runtime);
  auto pool = lc::OpenDatabaseOrExit(settings.database, "repository", lc::repository::Migrations());

  lc::repository::PgDocumentStore store(*pool);
  auto token = [&runtime] { return runtime.ServiceToken(); };
  std::unique_ptr<lc::repository::CloudFiles> cloud;
  if (!settings.providers_addr.empty()) {
    cloud = lc::repository::NewGrpcCloudFiles(
        grpc::CreateChannel(settings.providers_addr, grpc::InsecureChannelCredentials()), token);
  }
  std::unique_ptr<lc::repository::IndexQueue> index;
  if (!settings.indexer_addr.empty()) {
    index = lc::repository::NewGrpcIndexQueue(
        grpc::CreateChannel(settings.indexer_addr, grpc::InsecureChannelCredentials()), token);
  }
  lc::repository::Repository repo(
      store, [] { return absl::Now(); }, cloud.get(), index.get());
  lc::repository::RepositoryServiceImpl service(repo, runtime.edge());
  runtime.AddService(&service);
  return runtime.Run();
}
