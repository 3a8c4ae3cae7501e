// The indexer's content path end to end: fixtures uploaded to the cloud
// emulator, read through the real providers service (with tokens from the
// real oauth service) by GrpcContentSource, extracted in the sandbox,
// indexed and found. Google Drive for the bytes and the native-document
// text export; Box for its extracted_text representation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "../oauth/harness.h"
#include "../providers/providers_harness.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "fixture_files.h"
#include "indexer/content_source.h"
#include "indexer/document_indexer.h"
#include "indexer/index_store.h"
#include "indexer/indexing_workers.h"
#include "indexer/migrations.h"
#include "indexer/sandboxed_extractor.h"
#include "testing/emulator_process.h"
#include "testing/pg_fixture.h"

namespace lc::indexer {
namespace {

using ::lc::indexer::testing::Fixture;
using ::lc::testing::EmulatorProcess;
using ::lc::testing::OAuthHarness;
using ::lc::testing::ProvidersHarness;
using json = nlohmann::json;

constexpr char kAccount[] = "alice@example.com";
constexpr char kUser[] = "alice";

class EmulatorExtractionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (lc::testing::ServerConninfo().empty()) return;
    emulator_ = new EmulatorProcess(LC_CLOUD_EMULATOR_BIN);
    conninfo_ = new std::string(lc::testing::CreateTestDatabase());
    oauth_ = new OAuthHarness(*conninfo_, lc::testing::kKeyK1, emulator_->ca_file());
    ProvidersHarness::Options o;
    o.ca_file = emulator_->ca_file();
    o.providers.max_content_bytes = 8 << 20;
    providers_ = new ProvidersHarness(oauth_->port(), lc::testing::kJwtSecret, o);
  }
  static void TearDownTestSuite() {
    delete providers_;
    delete oauth_;
    delete emulator_;
  }

  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    pool_ = std::make_unique<PgPool>(PgOptions{.conninfo = *conninfo_, .schema = "search"});
    ASSERT_TRUE(ApplyMigrations(*pool_, Migrations()).ok());
    ASSERT_TRUE(pool_
                    ->Run([](pqxx::work& tx) {
                      tx.exec("TRUNCATE jobs, documents, removed");
                      return absl::OkStatus();
                    })
                    .ok());
    store_ = std::make_unique<IndexStore>(*pool_, std::vector<std::string>{"english", "simple"},
                                          QueueSettings{});
    source_ = std::make_unique<GrpcContentSource>(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", providers_->port()),
                            grpc::InsecureChannelCredentials()),
        [] {
          absl::Time now = absl::Now();
          return MintHs256(lc::testing::kJwtSecret, Principal{"service:indexer", {"service"}}, now,
                           now + absl::Minutes(5));
        });
    SandboxLimits limits;
    limits.timeout = absl::Seconds(10);
    extractor_ = std::make_unique<SandboxedExtractor>(LC_EXTRACT_HELPER, limits);
    indexer_ = std::make_unique<DocumentIndexer>(*source_, *extractor_, IndexCaps{},
                                                 std::set<std::string>{"box"});
    workers_ = std::make_unique<IndexingWorkers>(*store_, *indexer_,
                                                 WorkerSettings{.workers = 1, .name = "emu"});
  }

  void Connect(const std::string& p) {
    grpc::Status s = lc::testing::ConfigureEmulatorProvider(*oauth_, *emulator_, p);
    ASSERT_TRUE(s.ok()) << s.error_message();
    s = lc::testing::ConnectEmulatorAccount(*oauth_, *emulator_, kUser, p, kAccount);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // Uploads files to the emulator, reads their metadata through the
  // providers service (as the repository does) and queues them.
  void SeedAndQueue(const std::string& p, const json& files, int first_id) {
    json out =
        emulator_->Admin(p, "POST", "/_emulator/files", {{"user", kAccount}, {"files", files}});
    int n = first_id;
    for (const json& f : out["files"]) {
      v1::GetFileRequest req;
      req.mutable_blob()->set_provider(p);
      req.mutable_blob()->set_account(kAccount);
      req.mutable_blob()->set_file_id(f["id"].get<std::string>());
      v1::CloudFile file;
      grpc::Status s = providers_->stub().GetFile(providers_->As(kUser).get(), req, &file);
      ASSERT_TRUE(s.ok()) << s.error_message();
      v1::Document d;
      d.set_id(absl::StrFormat("00000000-0000-4000-8000-%012d", n++));
      d.set_owner(kUser);
      d.set_type(v1::DOCUMENT_TYPE_FILE);
      d.set_title(file.name());
      *d.mutable_blob() = req.blob();
      *d.mutable_blob_metadata() = file.metadata();
      ASSERT_TRUE(store_->Enqueue(d, "created").ok());
      ids_[f["path"].get<std::string>()] = d.id();
    }
  }

  std::string Found(const std::string& query) {
    SearchQuery q;
    q.user = kUser;
    q.text = query;
    auto page = store_->Search(q);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok() || page->hits.size() != 1) return "";
    return page->hits[0].document_id();
  }

  void Drain() {
    for (int i = 0; i < 100; ++i) {
      auto r = workers_->RunOne("emu");
      ASSERT_TRUE(r.ok()) << r.status();
      if (!*r) return;
    }
  }

  static inline EmulatorProcess* emulator_ = nullptr;
  static inline OAuthHarness* oauth_ = nullptr;
  static inline ProvidersHarness* providers_ = nullptr;
  static inline std::string* conninfo_ = nullptr;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<IndexStore> store_;
  std::unique_ptr<GrpcContentSource> source_;
  std::unique_ptr<SandboxedExtractor> extractor_;
  std::unique_ptr<DocumentIndexer> indexer_;
  std::unique_ptr<IndexingWorkers> workers_;
  std::map<std::string, std::string> ids_;
};

json FileOf(const std::string& path, const std::string& fixture, const std::string& mime) {
  return {{"path", path},
          {"content_base64", absl::Base64Escape(Fixture(fixture))},
          {"mime_type", mime}};
}

TEST_F(EmulatorExtractionTest, GoogleDriveFilesAndNativeDocuments) {
  ASSERT_NO_FATAL_FAILURE(Connect("googledrive"));
  json files = json::array(
      {FileOf("/idx/report.pdf", "report.pdf", "application/pdf"),
       FileOf("/idx/budget.docx", "budget.docx",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
       FileOf("/idx/invoice.xlsx", "invoice.xlsx",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
       FileOf("/idx/tides.html", "tides.html", "text/html"),
       FileOf("/idx/notes.txt", "notes-utf16.txt", "text/plain"),
       {{"path", "/idx/Minutes"},
        {"native", true},
        {"content", "Minutes of the walrus appreciation society"}}});
  ASSERT_NO_FATAL_FAILURE(SeedAndQueue("googledrive", files, 1));
  ASSERT_NO_FATAL_FAILURE(Drain());
  EXPECT_EQ(Found("octopus"), ids_["/idx/report.pdf"]);
  EXPECT_EQ(Found("lighthouse"), ids_["/idx/budget.docx"]);
  EXPECT_EQ(Found("marmalade"), ids_["/idx/invoice.xlsx"]);
  EXPECT_EQ(Found("\"moon phases\""), ids_["/idx/tides.html"]);
  EXPECT_EQ(Found("saffron"), ids_["/idx/notes.txt"]);
  EXPECT_EQ(Found("walrus"), ids_["/idx/Minutes"]);
  for (const auto& [path, id] : ids_) {
    auto st = store_->Status(id, kUser, false);
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->document_state(), v1::FULLTEXT_STATE_INDEXED)
        << path << ": " << st->document_reason();
  }
}

TEST_F(EmulatorExtractionTest, GoogleSheetsByTheirCsvAndDrawingsAsMetadataOnly) {
  ASSERT_NO_FATAL_FAILURE(Connect("googledrive"));
  json files = json::array({{{"path", "/idx/Ledger"},
                             {"native", true},
                             {"mime_type", "application/vnd.google-apps.spreadsheet"},
                             {"content", "animal,count\nquokka,3\n"}},
                            {{"path", "/idx/Sketch"},
                             {"native", true},
                             {"mime_type", "application/vnd.google-apps.drawing"},
                             {"content", "a drawing of a tapir"}}});
  ASSERT_NO_FATAL_FAILURE(SeedAndQueue("googledrive", files, 200));
  ASSERT_NO_FATAL_FAILURE(Drain());
  // Drive has no text/plain of a Sheet: its CSV export is what is indexed.
  EXPECT_EQ(Found("quokka"), ids_["/idx/Ledger"]);
  auto sheet = store_->Status(ids_["/idx/Ledger"], kUser, false);
  ASSERT_TRUE(sheet.ok());
  EXPECT_EQ(sheet->document_state(), v1::FULLTEXT_STATE_INDEXED) << sheet->document_reason();
  // A Drawing has no text export at all.
  EXPECT_EQ(Found("tapir"), "");
  auto drawing = store_->Status(ids_["/idx/Sketch"], kUser, false);
  ASSERT_TRUE(drawing.ok());
  EXPECT_EQ(drawing->document_state(), v1::FULLTEXT_STATE_METADATA_ONLY);
  EXPECT_THAT(drawing->document_reason(), ::testing::StartsWith("no text to index: "));
  EXPECT_THAT(drawing->document_reason(),
              ::testing::HasSubstr("a Google Drawing has no text export (Google Drive exports it "
                                   "only as application/pdf"));
}

TEST_F(EmulatorExtractionTest, BoxExtractedTextRepresentation) {
  ASSERT_NO_FATAL_FAILURE(Connect("box"));
  emulator_->Admin("box", "POST", "/_emulator/requests/reset");
  // The emulator's extracted_text representation is the file's own bytes;
  // this PDF's content stream holds its words in clear, so they are found
  // through the representation without any PDF parsing.
  json files =
      json::array({FileOf("/idx/box-report.pdf", "report.pdf", "application/pdf"),
                   {{"path", "/idx/box-notes.txt"}, {"content", "a note about the pangolin"}}});
  ASSERT_NO_FATAL_FAILURE(SeedAndQueue("box", files, 100));
  ASSERT_NO_FATAL_FAILURE(Drain());
  EXPECT_EQ(Found("octopus"), ids_["/idx/box-report.pdf"]);
  EXPECT_EQ(Found("pangolin"), ids_["/idx/box-notes.txt"]);
  const std::string log = emulator_->Admin("box", "GET", "/_emulator/requests?limit=200").dump();
  EXPECT_THAT(log, ::testing::HasSubstr("extracted_text"));
}

}  // namespace
}  // namespace lc::indexer
