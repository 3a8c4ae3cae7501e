// Runs the repository service in-process on 127.0.0.1:0 against a
// PostgreSQL database, and hands out stubs authenticated as given users.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "liveconnect/v1/repository.grpc.pb.h"
#include "repository/document_store.h"
#include "repository/repository.h"
#include "repository/repository_service.h"
#include "runtime/pg.h"
#include "runtime/server.h"

namespace lc::testing {

namespace v1 = ::liveconnect::v1;

inline constexpr char kJwtSecret[] = "test-secret-test-secret-test-secret-0123";

class RepositoryHarness {
 public:
  // cloud and index (optional) stand in for the providers service and the
  // indexer; they must outlive the harness.
  explicit RepositoryHarness(const std::string& conninfo, repository::CloudFiles* cloud = nullptr,
                             repository::IndexQueue* index = nullptr);
  // With another store (the in-memory one): no PostgreSQL, and no pool().
  explicit RepositoryHarness(std::unique_ptr<repository::DocumentStore> store,
                             repository::CloudFiles* cloud = nullptr,
                             repository::IndexQueue* index = nullptr);
  ~RepositoryHarness();

  // A client context carrying a valid token for `user` (roles optional).
  std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                          std::vector<std::string> roles = {});
  v1::RepositoryService::Stub& stub() { return *stub_; }
  PgPool& pool() { return *pool_; }
  bool has_pool() const { return pool_ != nullptr; }
  int port() const { return port_; }

 private:
  void Start(repository::CloudFiles* cloud, repository::IndexQueue* index);

  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<repository::DocumentStore> store_;
  std::unique_ptr<repository::Repository> repo_;
  std::unique_ptr<RpcEdge> edge_;
  std::unique_ptr<repository::RepositoryServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::RepositoryService::Stub> stub_;
  int port_ = 0;
};

}  // namespace lc::testing
