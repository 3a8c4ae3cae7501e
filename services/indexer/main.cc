// indexer: text extraction, the full-text index and search.
#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>

#include "indexer/content_source.h"
#include "indexer/document_indexer.h"
#include "indexer/fulltext_reporter.h"
#include "indexer/index_store.h"
#include "indexer/indexer.h"
#include "indexer/indexer_service.h"
#include "indexer/indexing_workers.h"
#include "indexer/migrations.h"
#include "indexer/sandboxed_extractor.h"
#include "indexer/settings.h"
#include "runtime/server.h"

int main(int argc, char** argv) {
  const lc::indexer::Settings settings = lc::LoadSettingsOrDie(
      "indexer", lc::indexer::SettingSpecs(), lc::indexer::ReadSettings, argc, argv);
  lc::ServiceRuntime runtime("indexer", settings.runtime);
  auto pool = lc::OpenDatabaseOrExit(settings.database, "search", lc::indexer::Migrations());
  lc::indexer::IndexStore store(*pool, settings.text_search_configs, settings.queue);
  if (auto s = store.CheckConfigs(); !s.ok()) {
    lc::ExitOnInvalidConfig("indexer",
                            lc::InvalidSetting("text-search-configs", std::string(s.message())));
  }

  auto token = [&runtime] { return runtime.ServiceToken(); };
  lc::indexer::GrpcContentSource source(
      grpc::CreateChannel(settings.providers_addr, grpc::InsecureChannelCredentials()), token);
  lc::indexer::SandboxedExtractor extractor(settings.extractor_path, settings.sandbox);
  lc::indexer::DocumentIndexer document_indexer(source, extractor, settings.caps,
                                                settings.text_export_providers);
  lc::indexer::WorkerSettings worker_settings = settings.workers;
  std::optional<lc::indexer::FulltextReporter> reporter;
  if (!settings.repository_addr.empty()) {
    reporter.emplace(
        grpc::CreateChannel(settings.repository_addr, grpc::InsecureChannelCredentials()), token);
    worker_settings.report = reporter->AsCallback();
  }
  lc::indexer::IndexingWorkers workers(store, document_indexer, worker_settings);
  lc::indexer::Indexer indexer(store, [&workers] { workers.Notify(); });
  lc::indexer::IndexerServiceImpl service(indexer, runtime.edge());
  runtime.AddService(&service);
  workers.Start();
  const int status = runtime.Run();
  workers.Stop();
  return status;
}
