// indexer: text extraction, the full-text index and search.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "indexer/content_source.h"
#include "indexer/document_indexer.h"
#include "indexer/index_store.h"
#include "indexer/indexer.h"
#include "indexer/indexer_service.h"
#include "indexer/indexing_workers.h"
#include "indexer/migrations.h"
#include "indexer/sandboxed_extractor.h"
#include "indexer/settings.h"
#include "liveconnect/v1/repository.grpc.pb.h"
#include "runtime/log.h"
#include "runtime/pg.h"
#include "runtime/server.h"
#include "runtime/status.h"

int main(int argc, char** argv) {
  lc::Config config =
      lc::LoadConfigOrDie("indexer", lc::indexer::IndexerSettingSpecs(), argc, argv);
  auto settings = lc::indexer::ReadIndexerSettings(config);
  if (!settings.ok()) {
    std::cerr << "indexer: " << settings.status().message() << "\n";
    return 2;
  }
  lc::ServiceRuntime runtime("indexer", config);
  lc::PgPool pool(lc::PgOptions{.conninfo = config.GetString("db-url"),
                                .schema = "search",
                                .pool_size = static_cast<int>(config.GetInt("db-pool-size"))});
  if (auto s = lc::ApplyMigrations(pool, lc::indexer::Migrations()); !s.ok()) {
    lc::LogError("cannot migrate the search schema", {{"error", s.ToString()}});
    return 1;
  }
  if (config.GetBool("migrate-only")) {
    lc::LogInfo("migrations applied; exiting (--migrate-only)");
    return 0;
  }
  lc::indexer::IndexStore store(pool, settings->text_search_configs, settings->queue);
  if (auto s = store.CheckConfigs(); !s.ok()) {
    std::cerr << "indexer: --text-search-configs (LC_TEXT_SEARCH_CONFIGS): " << s.message() << "\n";
    return 2;
  }
  lc::indexer::GrpcContentSource source(
      grpc::CreateChannel(settings->providers_addr, grpc::InsecureChannelCredentials()),
      [&runtime] { return runtime.ServiceToken(); });
  lc::indexer::SandboxedExtractor extractor(settings->extractor_path, settings->sandbox);
  lc::indexer::DocumentIndexer document_indexer(source, extractor, settings->caps,
                                                settings->text_export_providers);
  std::unique_ptr<liveconnect::v1::RepositoryService::Stub> repository;
  if (!settings->repository_addr.empty()) {
    repository = liveconnect::v1::RepositoryService::NewStub(
        grpc::CreateChannel(settings->repository_addr, grpc::InsecureChannelCredentials()));
    settings->workers.report = [&runtime, &repository](const liveconnect::v1::Document& doc,
                                                       const lc::indexer::IndexedText& result) {
      liveconnect::v1::RecordFulltextStateRequest req;
      req.set_document_id(doc.id());
      req.set_state(result.state);
      req.set_reason(result.reason);
      liveconnect::v1::RecordFulltextStateResponse resp;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + runtime.ServiceToken());
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      return lc::FromGrpcStatus(repository->RecordFulltextState(&ctx, req, &resp));
    };
  }
  lc::indexer::IndexingWorkers workers(store, document_indexer, settings->workers);
  lc::indexer::Indexer indexer(store, [&workers] { workers.Notify(); });
  lc::indexer::IndexerServiceImpl service(indexer, runtime.edge());
  runtime.AddService(&service);
  if (auto s = runtime.Start(); !s.ok()) {
    lc::LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  workers.Start();
  runtime.Wait();
  workers.Stop();
  return 0;
}
