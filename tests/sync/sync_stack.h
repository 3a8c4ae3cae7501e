// The services sync talks to, in this process on 127.0.0.1:0 against one
// throwaway database and the cloud emulator binary: oauth, providers (real
// adapters) and repository (which reads files and pins versions through the
// providers service). Helpers connect emulator accounts, create
// documents for cloud files and compare documents with what the cloud says.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../oauth/harness.h"
#include "../providers/providers_harness.h"
#include "liveconnect/v1/repository.grpc.pb.h"
#include "repository/document_store.h"
#include "repository/repository.h"
#include "repository/repository_service.h"
#include "sync/clients.h"
#include "sync/sync_runner.h"
#include "sync/sync_store.h"
#include "testing/emulator_process.h"

namespace lc::testing {

class SyncStack {
 public:
  using json = nlohmann::json;

  // faults_friendly: providers retry quickly (20 ms backoff) and the
  // breaker never opens, so injected faults show as retries.
  SyncStack();
  ~SyncStack();

  EmulatorProcess& emulator() { return *emulator_; }
  const std::string& conninfo() const { return conninfo_; }
  int repository_port() const { return repository_port_; }
  int providers_port() const { return providers_->port(); }
  PgPool& sync_pool() { return *sync_pool_; }
  PgPool& repository_pool() { return *repository_pool_; }

  // Registers the provider with the oauth service, pointing at the emulator.
  void ConfigureProvider(const std::string& provider);
  // Connects the emulator account `email` of `provider` for `user`.
  void Connect(const std::string& user, const std::string& provider, const std::string& email);

  // Seeds files for `email`; answers path -> id.
  std::map<std::string, std::string> Seed(const std::string& provider, const std::string& email,
                                          const json& files);
  void Outside(const std::string& provider, const json& change);
  json Admin(const std::string& provider, const std::string& method, const std::string& path,
             const json& body = nullptr) {
    return emulator_->Admin(provider, method, path, body);
  }

  absl::StatusOr<v1::CloudFile> GetFile(const std::string& user, const std::string& provider,
                                        const std::string& email, const std::string& file_id);
  // A document for the file with the metadata the provider reports now.
  v1::Document CreateDocument(const std::string& user, const std::string& provider,
                              const std::string& email, const std::string& file_id);
  v1::Document GetDocument(const std::string& user, const std::string& id);
  // A version of the document, pinned at the provider.
  v1::Version CreateVersion(const std::string& user, const std::string& document_id);
  v1::Version GetVersion(const std::string& user, const std::string& document_id,
                         const std::string& version_id);
  // GetBlobLink of the version's download link.
  grpc::Status VersionLink(const std::string& user, const v1::Version& version, v1::Link* link);
  std::vector<v1::HistoryEvent> History(const std::string& user, const std::string& id);
  // Number of history entries of the given kind.
  int CountHistory(const std::string& user, const std::string& id, v1::HistoryEventKind kind);

  // Empty when the document says what the cloud says about its file (or,
  // for a file gone from the cloud, that the document is marked so);
  // otherwise what differs.
  std::string DiffWithCloud(const std::string& user, const std::string& id);

  // A sync runner in this process on the shared sync schema.
  std::unique_ptr<sync::SyncRunner> NewRunner(
      sync::SyncOptions options, std::function<absl::Time()> now = [] { return absl::Now(); });
  sync::SyncStore& store() { return *store_; }

  std::string ServiceToken() const;
  std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                          std::vector<std::string> roles = {});

 private:
  std::unique_ptr<EmulatorProcess> emulator_;
  std::string conninfo_;
  std::unique_ptr<OAuthHarness> oauth_;
  std::unique_ptr<ProvidersHarness> providers_;
  std::unique_ptr<PgPool> repository_pool_;
  std::unique_ptr<repository::PgDocumentStore> repository_store_;
  std::unique_ptr<repository::CloudFiles> repository_cloud_;
  std::unique_ptr<repository::Repository> repository_;
  std::unique_ptr<RpcEdge> edge_;
  std::unique_ptr<repository::RepositoryServiceImpl> repository_service_;
  std::unique_ptr<grpc::Server> repository_server_;
  int repository_port_ = 0;
  std::unique_ptr<v1::RepositoryService::Stub> repository_stub_;
  std::unique_ptr<PgPool> sync_pool_;
  std::unique_ptr<sync::PgSyncStore> store_;
  std::unique_ptr<sync::DocumentsClient> documents_;
  std::unique_ptr<sync::CloudClient> cloud_;
};

}  // namespace lc::testing
