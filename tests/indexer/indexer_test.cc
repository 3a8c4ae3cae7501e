// The indexer against PostgreSQL: queue, extraction through the sandbox,
// search semantics, access checks and hostile files. Content comes from a
// fake ContentSource; the RPCs go through a real in-process gRPC server.
#include "indexer/indexer.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fixture_files.h"
#include "indexer/content_source.h"
#include "indexer/document_indexer.h"
#include "indexer/index_store.h"
#include "indexer/indexer_service.h"
#include "indexer/indexing_workers.h"
#include "indexer/migrations.h"
#include "indexer/sandboxed_extractor.h"
#include "indexer_commands.h"
#include "lcctl.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "runtime/jwt.h"
#include "runtime/pg.h"
#include "runtime/server.h"
#include "testing/fake_content_source.h"
#include "testing/pg_fixture.h"
#include "testing/wait.h"

namespace lc::indexer {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::lc::indexer::testing::Fixture;
using ::lc::indexer::testing::ManyPagePdf;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr char kSecret[] = "test-secret-test-secret-test-secret-0123";

using ::lc::testing::FakeContentSource;

std::string Uuid(int n) {
  char buf[40];
  snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

v1::Document Doc(int n, const std::string& owner, const std::string& title,
                 const std::string& filename, const std::string& mime,
                 const std::string& provider = "dropbox") {
  v1::Document d;
  d.set_id(Uuid(n));
  d.set_owner(owner);
  d.set_title(title);
  d.set_type(v1::DOCUMENT_TYPE_FILE);
  d.mutable_blob()->set_provider(provider);
  d.mutable_blob()->set_account(owner + "@example.com");
  d.mutable_blob()->set_file_id(absl::StrCat("f", n));
  d.mutable_blob_metadata()->set_filename(filename);
  d.mutable_blob_metadata()->set_mime_type(mime);
  *d.mutable_blob_metadata()->mutable_modified_time() =
      TimeUtil::SecondsToTimestamp(1700000000 + n * 60);
  return d;
}

class IndexerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (lc::testing::ServerConninfo().empty()) return;
    conninfo_ = new std::string(lc::testing::CreateTestDatabase());
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
    store_ = std::make_unique<IndexStore>(
        *pool_, std::vector<std::string>{"english", "simple"},
        QueueSettings{.max_attempts = 3, .backoff_base = absl::ZeroDuration()});
    ASSERT_TRUE(store_->CheckConfigs().ok());
    SandboxLimits limits;
    limits.timeout = absl::Milliseconds(1500);
    limits.extract.max_chars = 200000;
    limits.extract.max_unzipped_bytes = 8 << 20;
    extractor_ = std::make_unique<SandboxedExtractor>(LC_EXTRACT_HELPER, limits);
    doc_indexer_ = std::make_unique<DocumentIndexer>(
        source_, *extractor_,
        IndexCaps{
            .max_fetch_bytes = 1 << 20, .max_chars = 200000, .fetch_timeout = absl::Seconds(5)},
        std::set<std::string>{"box"});
    workers_ = std::make_unique<IndexingWorkers>(
        *store_, *doc_indexer_,
        WorkerSettings{.workers = 2,
                       .lease = absl::Seconds(30),
                       .poll_interval = absl::Milliseconds(20),
                       .max_attempts = 3,
                       .name = "test",
                       .report = [this](const v1::Document& d, const IndexedText& r) {
                         std::lock_guard<std::mutex> l(reported_mu_);
                         reported_[d.id()] = r.state;
                         return absl::OkStatus();
                       }});
    indexer_ = std::make_unique<Indexer>(*store_, nullptr, absl::Milliseconds(20));
    edge_ = std::make_unique<RpcEdge>(
        std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kSecret}));
    service_ = std::make_unique<IndexerServiceImpl>(*indexer_, *edge_);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::IndexerService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                          std::vector<std::string> roles = {}) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    absl::Time now = absl::Now();
    ctx->AddMetadata("authorization", "Bearer " + MintHs256(kSecret, Principal{user, roles}, now,
                                                            now + absl::Minutes(5)));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  grpc::Status Enqueue(const v1::Document& d, const std::string& reason = "created") {
    v1::EnqueueIndexingRequest req;
    req.set_document_id(d.id());
    req.set_reason(reason);
    *req.mutable_document() = d;
    v1::EnqueueIndexingResponse resp;
    return stub_->EnqueueIndexing(As("service:repository", {"service"}).get(), req, &resp);
  }

  // Adds a file to the fake and queues its document.
  void Add(const v1::Document& d, FakeContentSource::File f) {
    source_.Put(d.blob().file_id(), std::move(f));
    ASSERT_TRUE(Enqueue(d).ok());
  }

  // Runs queued jobs until none is ready.
  int Drain() {
    int ran = 0;
    while (true) {
      auto r = workers_->RunOne("drain");
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok() || !*r) return ran;
      ++ran;
    }
  }

  // A running job's lease has run out by the database's clock (its worker
  // vanished), so another worker may take it over.
  bool LeaseExpired() {
    bool expired = false;
    EXPECT_TRUE(pool_
                    ->Run([&](pqxx::work& tx) {
                      expired = tx.exec1(
                                      "SELECT count(*) FROM jobs WHERE state = 'running' "
                                      "AND lease_expires < now()")[0]
                                    .as<int>() > 0;
                      return absl::OkStatus();
                    })
                    .ok());
    return expired;
  }

  v1::SearchResponse Search(const std::string& user, v1::SearchRequest req,
                            std::vector<std::string> roles = {}) {
    v1::SearchResponse resp;
    grpc::Status s = stub_->Search(As(user, roles).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  std::vector<std::string> Ids(const std::string& user, const std::string& query,
                               std::vector<std::string> roles = {}) {
    v1::SearchRequest req;
    req.set_query(query);
    req.set_page_size(100);
    std::vector<std::string> ids;
    const v1::SearchResponse resp = Search(user, req, roles);
    for (const auto& h : resp.hits()) ids.push_back(h.document_id());
    return ids;
  }

  v1::IndexStatusResponse Status(const std::string& id, const std::string& user = "admin",
                                 std::vector<std::string> roles = {"admin"}) {
    v1::IndexStatusRequest req;
    req.set_document_id(id);
    v1::IndexStatusResponse resp;
    grpc::Status s = stub_->IndexStatus(As(user, roles).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // Runs lcctl against this server; returns the exit code.
  int Lcctl(std::vector<std::string> args, const std::string& user, std::vector<std::string> roles,
            std::string* out) {
    absl::Time now = absl::Now();
    std::string token = MintHs256(kSecret, Principal{user, roles}, now, now + absl::Minutes(5));
    auto env = [&](const std::string& name) -> std::optional<std::string> {
      if (name == "LC_INDEXER_ADDR") return absl::StrCat("127.0.0.1:", port_);
      if (name == "LC_TOKEN") return token;
      return std::nullopt;
    };
    std::ostringstream o, e;
    int code = ::lc::lcctl::RunLcctl(args, env, o, e);
    *out = o.str() + e.str();
    return code;
  }

  static std::string* conninfo_;
  int port_ = 0;
  FakeContentSource source_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<IndexStore> store_;
  std::unique_ptr<SandboxedExtractor> extractor_;
  std::unique_ptr<DocumentIndexer> doc_indexer_;
  std::unique_ptr<IndexingWorkers> workers_;
  // What the workers told the repository, by document id.
  std::mutex reported_mu_;
  std::map<std::string, v1::FulltextState> reported_;
  std::unique_ptr<Indexer> indexer_;
  std::unique_ptr<RpcEdge> edge_;
  std::unique_ptr<IndexerServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::IndexerService::Stub> stub_;
};

std::string* IndexerTest::conninfo_ = nullptr;

TEST_F(IndexerTest, EveryFormatIsExtractedAndFound) {
  const char* kDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  Add(Doc(1, "alice", "Report", "report.pdf", "application/pdf"),
      {Fixture("report.pdf"), "application/pdf"});
  Add(Doc(2, "alice", "Budget", "budget.docx", kDocx), {Fixture("budget.docx"), kDocx});
  Add(Doc(3, "alice", "Invoice", "invoice.xlsx", kXlsx), {Fixture("invoice.xlsx"), kXlsx});
  Add(Doc(4, "alice", "Tides", "tides.html", "text/html"), {Fixture("tides.html"), "text/html"});
  Add(Doc(5, "alice", "Notes", "notes-utf16.txt", "text/plain"),
      {Fixture("notes-utf16.txt"), "text/plain"});
  // A native Google document: no bytes, only the TEXT export.
  v1::Document gdoc =
      Doc(6, "alice", "Minutes", "Minutes", "application/vnd.google-apps.document", "googledrive");
  gdoc.mutable_blob_metadata()->set_native_document(true);
  Add(gdoc, {"", "", std::string("Minutes of the walrus appreciation society"), absl::OkStatus()});
  // Box: the extracted_text representation is asked first.
  Add(Doc(7, "alice", "Scan", "scan.tiff", "image/tiff", "box"),
      {"II*\0", "image/tiff", std::string("OCR text mentions a narwhal"), absl::OkStatus()});
  Add(Doc(8, "alice", "Slides", "slides.pptx",
          "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
      {Fixture("slides.pptx"), ""});
  Add(Doc(9, "alice", "Log", "log.odt", "application/vnd.oasis.opendocument.text"),
      {Fixture("log.odt"), ""});
  EXPECT_EQ(Drain(), 9);

  EXPECT_EQ(Ids("alice", "octopus"), std::vector<std::string>{Uuid(1)});
  EXPECT_EQ(Ids("alice", "lighthouse"), std::vector<std::string>{Uuid(2)});
  EXPECT_EQ(Ids("alice", "marmalade"), std::vector<std::string>{Uuid(3)});
  EXPECT_EQ(Ids("alice", "moon phases"), std::vector<std::string>{Uuid(4)});
  EXPECT_EQ(Ids("alice", "hiddenscriptword"), std::vector<std::string>{});
  EXPECT_EQ(Ids("alice", "saffron"), std::vector<std::string>{Uuid(5)});
  EXPECT_EQ(Ids("alice", "brûlée"), std::vector<std::string>{Uuid(5)});
  EXPECT_EQ(Ids("alice", "walrus"), std::vector<std::string>{Uuid(6)});
  EXPECT_EQ(Ids("alice", "narwhal"), std::vector<std::string>{Uuid(7)});
  EXPECT_EQ(Ids("alice", "pelican"), std::vector<std::string>{Uuid(8)});
  EXPECT_EQ(Ids("alice", "glacier"), std::vector<std::string>{Uuid(9)});
  EXPECT_EQ(source_.Fetches("f6"), 1);  // the export only
  EXPECT_EQ(source_.last_user(), "alice");
  for (int i = 1; i <= 9; ++i) {
    EXPECT_EQ(Status(Uuid(i)).document_state(), v1::FULLTEXT_STATE_INDEXED) << i;
  }
}

TEST_F(IndexerTest, BoxWithoutTextExportFallsBackToTheBytes) {
  Add(Doc(1, "alice", "Memo", "memo.txt", "text/plain", "box"),
      {"memo about the albatross", "text/plain"});
  Drain();
  EXPECT_EQ(Ids("alice", "albatross"), std::vector<std::string>{Uuid(1)});
  EXPECT_EQ(source_.Fetches("f1"), 2);
}

class SearchTest : public IndexerTest {
 protected:
  void SetUp() override {
    IndexerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto text = [&](int n, const std::string& owner, const std::string& title,
                    const std::string& body, const std::string& provider = "dropbox",
                    const std::string& mime = "text/plain",
                    v1::DocumentType type = v1::DOCUMENT_TYPE_FILE) {
      v1::Document d = Doc(n, owner, title, absl::StrCat("file", n, ".txt"), mime, provider);
      d.set_type(type);
      Add(d, {body, mime});
    };
    text(1, "alice", "Sailing notes", "the quick brown fox jumps over the lazy dog");
    text(2, "alice", "Zoo", "brown bears and a quick lazy fox", "box");
    text(3, "alice", "Kitchen", "the fox is quick; brown bread in the oven", "googledrive",
         "text/markdown");
    text(4, "alice", "Photo caption", "a red fox at dawn", "onedrive", "text/plain",
         v1::DOCUMENT_TYPE_PICTURE);
    text(5, "bob", "Bob's fox", "the quick brown fox belongs to bob");
    text(6, "alice", "Cats", "cats are running everywhere");
    Drain();
  }
};

TEST_F(SearchTest, WordsPhrasesOrAndExclusion) {
  EXPECT_THAT(Ids("alice", "fox"), UnorderedElementsAreArray({Uuid(1), Uuid(2), Uuid(3), Uuid(4)}));
  EXPECT_THAT(Ids("alice", "quick fox"), UnorderedElementsAreArray({Uuid(1), Uuid(2), Uuid(3)}));
  EXPECT_THAT(Ids("alice", "\"quick brown fox\""), UnorderedElementsAreArray({Uuid(1)}));
  EXPECT_THAT(Ids("alice", "\"brown fox\""), UnorderedElementsAreArray({Uuid(1)}));
  EXPECT_THAT(Ids("alice", "bears OR bread"), UnorderedElementsAreArray({Uuid(2), Uuid(3)}));
  EXPECT_THAT(Ids("alice", "fox -lazy"), UnorderedElementsAreArray({Uuid(3), Uuid(4)}));
  EXPECT_THAT(Ids("alice", "fox -\"lazy dog\""),
              UnorderedElementsAreArray({Uuid(2), Uuid(3), Uuid(4)}));
  // english stems "running" as "run"; simple keeps exact words.
  EXPECT_THAT(Ids("alice", "run"), UnorderedElementsAreArray({Uuid(6)}));
  EXPECT_THAT(Ids("alice", "cat"), UnorderedElementsAreArray({Uuid(6)}));
  // Title and file name are indexed too.
  EXPECT_THAT(Ids("alice", "sailing"), UnorderedElementsAreArray({Uuid(1)}));
  EXPECT_THAT(Ids("alice", "file3"), UnorderedElementsAreArray({Uuid(3)}));
}

TEST_F(SearchTest, TitleOutranksContent) {
  v1::SearchRequest req;
  req.set_query("zoo OR bears");
  auto resp = Search("alice", req);
  ASSERT_EQ(resp.hits_size(), 1);
  req.set_query("kitchen OR bread OR oven OR sailing");
  resp = Search("alice", req);
  ASSERT_EQ(resp.hits_size(), 2);
  EXPECT_GE(resp.hits(0).score(), resp.hits(1).score());
}

TEST_F(SearchTest, UsersSeeTheirOwnAdminsSeeAll) {
  EXPECT_THAT(Ids("bob", "fox"), UnorderedElementsAreArray({Uuid(5)}));
  EXPECT_THAT(Ids("carol", "fox"), UnorderedElementsAreArray(std::vector<std::string>{}));
  EXPECT_THAT(Ids("root", "fox", {"admin"}),
              UnorderedElementsAreArray({Uuid(1), Uuid(2), Uuid(3), Uuid(4), Uuid(5)}));
  // Status of someone else's document is NOT_FOUND, like an unknown id.
  v1::IndexStatusRequest req;
  req.set_document_id(Uuid(1));
  v1::IndexStatusResponse resp;
  EXPECT_EQ(stub_->IndexStatus(As("bob").get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(stub_->IndexStatus(As("alice").get(), req, &resp).ok());
}

TEST_F(SearchTest, EveryFilter) {
  auto ids = [&](const std::function<void(v1::SearchFilter*)>& set, std::string q = "fox") {
    v1::SearchRequest req;
    req.set_query(q);
    set(req.mutable_filter());
    std::vector<std::string> out;
    const v1::SearchResponse resp = Search("alice", req);
    for (const auto& h : resp.hits()) out.push_back(h.document_id());
    return out;
  };
  EXPECT_THAT(ids([](auto* f) { f->add_types(v1::DOCUMENT_TYPE_PICTURE); }),
              UnorderedElementsAreArray({Uuid(4)}));
  EXPECT_THAT(ids([](auto* f) {
                f->add_providers("box");
                f->add_providers("googledrive");
              }),
              UnorderedElementsAreArray({Uuid(2), Uuid(3)}));
  EXPECT_THAT(ids([](auto* f) { f->add_mime_types("text/markdown"); }),
              UnorderedElementsAreArray({Uuid(3)}));
  // Modified times are 1700000000 + n*60.
  EXPECT_THAT(ids([](auto* f) {
                *f->mutable_modified_after() = TimeUtil::SecondsToTimestamp(1700000000 + 120);
              }),
              UnorderedElementsAreArray({Uuid(2), Uuid(3), Uuid(4)}));
  EXPECT_THAT(ids([](auto* f) {
                *f->mutable_modified_before() = TimeUtil::SecondsToTimestamp(1700000000 + 180);
              }),
              UnorderedElementsAreArray({Uuid(1), Uuid(2)}));
  // Filters alone, without a query.
  EXPECT_THAT(ids([](auto* f) { f->add_providers("onedrive"); }, ""),
              UnorderedElementsAreArray({Uuid(4)}));
}

TEST_F(SearchTest, DateOrderSnippetsAndCounts) {
  v1::SearchRequest req;
  req.set_query("fox");
  req.set_order(v1::SEARCH_ORDER_MODIFIED_DESC);
  auto resp = Search("alice", req);
  ASSERT_EQ(resp.hits_size(), 4);
  EXPECT_EQ(resp.hits(0).document_id(), Uuid(4));
  EXPECT_EQ(resp.hits(3).document_id(), Uuid(1));
  EXPECT_EQ(resp.total_count(), 4);
  EXPECT_FALSE(resp.total_is_estimate());
  EXPECT_THAT(resp.hits(3).snippet(), HasSubstr("<b>fox</b>"));
  EXPECT_EQ(resp.hits(3).title(), "Sailing notes");
  EXPECT_EQ(resp.hits(3).provider(), "dropbox");
  EXPECT_EQ(resp.hits(3).modified_time().seconds(), 1700000060);
}

TEST_F(SearchTest, SnippetsEscapeHtml) {
  Add(Doc(40, "alice", "Markup", "m.txt", "text/plain"), {"<i>tapir</i> & friends", "text/plain"});
  Drain();
  v1::SearchRequest req;
  req.set_query("tapir");
  auto resp = Search("alice", req);
  ASSERT_EQ(resp.hits_size(), 1);
  // ts_headline drops the markup of the text; what stays is escaped.
  EXPECT_THAT(resp.hits(0).snippet(), HasSubstr("<b>tapir</b>"));
  EXPECT_THAT(resp.hits(0).snippet(), HasSubstr("&amp; friends"));
  EXPECT_THAT(resp.hits(0).snippet(), ::testing::Not(HasSubstr("<i>")));
}

TEST_F(SearchTest, BadRequests) {
  v1::SearchRequest req;
  v1::SearchResponse resp;
  req.set_page_size(-1);
  EXPECT_EQ(stub_->Search(As("alice").get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  req.set_page_size(10);
  req.set_page_token("garbage");
  EXPECT_EQ(stub_->Search(As("alice").get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // A token of another query is refused.
  req.clear_page_token();
  req.set_query("fox");
  req.set_page_size(1);
  ASSERT_TRUE(stub_->Search(As("alice").get(), req, &resp).ok());
  ASSERT_FALSE(resp.next_page_token().empty());
  req.set_query("brown");
  req.set_page_token(resp.next_page_token());
  EXPECT_EQ(stub_->Search(As("alice").get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Only services queue jobs.
  v1::EnqueueIndexingRequest enqueue;
  enqueue.set_document_id(Uuid(1));
  *enqueue.mutable_document() = Doc(1, "alice", "t", "f", "text/plain");
  v1::EnqueueIndexingResponse eresp;
  EXPECT_EQ(stub_->EnqueueIndexing(As("alice").get(), enqueue, &eresp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  enqueue.clear_document();
  EXPECT_EQ(
      stub_->EnqueueIndexing(As("service:sync", {"service"}).get(), enqueue, &eresp).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

// Pages through every match while other documents are being added; each
// document that existed before the first page is seen exactly once.
void PageWhileAdding(IndexerTest* t, const std::function<void(int)>& add,
                     const std::function<v1::SearchResponse(const std::string&)>& page,
                     int existing, std::set<std::string>& seen) {
  std::string token;
  int added = 1000;
  int pages = 0;
  do {
    v1::SearchResponse resp = page(token);
    for (const auto& h : resp.hits()) {
      EXPECT_TRUE(seen.insert(h.document_id()).second) << "duplicate " << h.document_id();
    }
    token = resp.next_page_token();
    add(added++);
    add(added++);
    ++pages;
  } while (!token.empty() && pages < 200);
  for (int i = 0; i < existing; ++i) EXPECT_EQ(seen.count(Uuid(100 + i)), 1u) << "gap " << i;
}

TEST_F(IndexerTest, PaginationHasNoDuplicatesOrGapsWhileDocumentsAreAdded) {
  const int kExisting = 57;
  for (int i = 0; i < kExisting; ++i) {
    // Several documents share a modified time and a score: ties break by id.
    v1::Document d = Doc(100 + i, "alice", "Ledger", absl::StrCat("l", i, ".txt"), "text/plain");
    *d.mutable_blob_metadata()->mutable_modified_time() =
        TimeUtil::SecondsToTimestamp(1700000000 + (i / 5) * 60);
    Add(d, {i % 3 == 0 ? "ledger ledger ledger entry" : "ledger entry", "text/plain"});
  }
  Drain();
  auto add = [&](int n) {
    v1::Document d = Doc(n, "alice", "Ledger new", "new.txt", "text/plain");
    *d.mutable_blob_metadata()->mutable_modified_time() =
        TimeUtil::SecondsToTimestamp(1700000000 + (n % 13) * 60);
    Add(d, {"ledger entry added later", "text/plain"});
    Drain();
  };
  for (v1::SearchOrder order : {v1::SEARCH_ORDER_RELEVANCE, v1::SEARCH_ORDER_MODIFIED_DESC}) {
    std::set<std::string> seen;
    PageWhileAdding(
        this, add,
        [&](const std::string& token) {
          v1::SearchRequest req;
          req.set_query("ledger");
          req.set_order(order);
          req.set_page_size(7);
          req.set_page_token(token);
          return Search("alice", req);
        },
        kExisting, seen);
  }
}

TEST_F(IndexerTest, CountIsExactUpToTheBoundThenEstimated) {
  for (int i = 0; i < 30; ++i) {
    Add(Doc(200 + i, "alice", "Heron", absl::StrCat("h", i, ".txt"), "text/plain"),
        {"heron", "text/plain"});
  }
  Drain();
  SearchQuery q;
  q.user = "alice";
  q.text = "heron";
  q.count_bound = 10;
  auto page = store_->Search(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->total_is_estimate);
  EXPECT_GT(page->total, 10);
  q.count_bound = 100;
  page = store_->Search(q);
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->total_is_estimate);
  EXPECT_EQ(page->total, 30);
}

TEST_F(IndexerTest, HostileFilesAreCappedAndMarkedAndTheQueueMoves) {
  const char* kDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  Add(Doc(1, "alice", "Bomb", "bomb.docx", kDocx), {Fixture("bomb.docx"), kDocx});
  Add(Doc(2, "alice", "Garbage", "garbage.pdf", "application/pdf"),
      {Fixture("garbage.pdf"), "application/pdf"});
  Add(Doc(3, "alice", "Slow", "slow.pdf", "application/pdf"),
      {ManyPagePdf(6000), "application/pdf"});
  v1::Document big = Doc(4, "alice", "Huge", "huge.txt", "text/plain");
  big.mutable_blob_metadata()->set_size(int64_t{5} << 30);
  Add(big, {"", "text/plain"});
  // Size unknown in the metadata; the stream runs over the cap.
  Add(Doc(5, "alice", "Huge stream", "stream.txt", "text/plain"),
      {std::string(3 << 20, 'a'), "text/plain"});
  Add(Doc(6, "alice", "Fine", "fine.txt", "text/plain"), {"a well behaved ibis", "text/plain"});
  Add(Doc(7, "alice", "Photo", "p.png", "image/png"), {"\x89PNG", "image/png"});
  absl::Time start = absl::Now();
  EXPECT_EQ(Drain(), 7);
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));

  auto expect = [&](int n, const std::string& reason_part) {
    auto st = Status(Uuid(n));
    EXPECT_EQ(st.document_state(), v1::FULLTEXT_STATE_METADATA_ONLY) << n;
    EXPECT_THAT(st.document_reason(), HasSubstr(reason_part)) << n;
  };
  expect(1, "zip bomb");
  expect(2, "not a PDF");
  expect(3, "took more than");
  expect(4, "over the 1048576 byte cap");
  expect(5, "larger than the 1048576 byte cap");
  expect(7, "no text extractor for image/png");
  EXPECT_EQ(source_.Fetches("f4"), 0);
  EXPECT_EQ(source_.Fetches("f7"), 0);
  EXPECT_EQ(Status(Uuid(6)).document_state(), v1::FULLTEXT_STATE_INDEXED);
  EXPECT_EQ(Ids("alice", "ibis"), std::vector<std::string>{Uuid(6)});
  // Metadata-only documents are still found by title.
  EXPECT_EQ(Ids("alice", "garbage"), std::vector<std::string>{Uuid(2)});
  auto totals = Status("");
  EXPECT_EQ(totals.pending_jobs(), 0);
  EXPECT_EQ(totals.metadata_only_documents(), 6);
  EXPECT_EQ(totals.indexed_documents(), 1);
  // The repository is told each outcome, so documents show it too.
  std::lock_guard<std::mutex> lock(reported_mu_);
  EXPECT_EQ(reported_.size(), 7u);
  EXPECT_EQ(reported_[Uuid(6)], v1::FULLTEXT_STATE_INDEXED);
  EXPECT_EQ(reported_[Uuid(1)], v1::FULLTEXT_STATE_METADATA_ONLY);
}

TEST_F(IndexerTest, NewerJobSupersedesPendingOne) {
  v1::Document d = Doc(1, "alice", "First title", "a.txt", "text/plain");
  Add(d, {"koala", "text/plain"});
  d.set_title("Second title");
  ASSERT_TRUE(Enqueue(d, "updated").ok());
  auto st = Status("");
  EXPECT_EQ(st.pending_jobs(), 1);
  // Found by its new title before any worker ran.
  EXPECT_EQ(Ids("alice", "second"), std::vector<std::string>{Uuid(1)});
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(source_.Fetches("f1"), 1);
  EXPECT_EQ(Ids("alice", "second koala"), std::vector<std::string>{Uuid(1)});
  EXPECT_TRUE(Ids("alice", "first").empty());
}

TEST_F(IndexerTest, OlderJobNeverOverwritesNewerResult) {
  v1::Document d = Doc(1, "alice", "Old", "a.txt", "text/plain");
  source_.Put("f1", {"oldword", "text/plain"});
  ASSERT_TRUE(Enqueue(d).ok());
  auto old_job = store_->Lease("w1", absl::Seconds(30));
  ASSERT_TRUE(old_job.ok() && old_job->has_value());
  d.set_title("New");
  source_.Put("f1", {"newword", "text/plain"});
  ASSERT_TRUE(Enqueue(d).ok());
  // The new job waits while the old one is leased...
  auto none = store_->Lease("w2", absl::Seconds(30));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto old_result = doc_indexer_->Index((*old_job)->document);
  ASSERT_TRUE(old_result.ok());
  ASSERT_TRUE(*store_->Complete(**old_job, "w1", *old_result));
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(Ids("alice", "newword"), std::vector<std::string>{Uuid(1)});
  // ...and a result written late by the old job is ignored.
  auto late = store_->Complete(**old_job, "w1", *old_result);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
  EXPECT_TRUE(Ids("alice", "oldword").empty());
}

TEST_F(IndexerTest, TransientFailuresRetryThenDeadLetterWithTheError) {
  Add(Doc(1, "alice", "Flaky otter", "a.txt", "text/plain"),
      {"", "text/plain", std::nullopt, absl::UnavailableError("provider rate limited")});
  Add(Doc(2, "alice", "Gone", "b.txt", "text/plain"),
      {"", "text/plain", std::nullopt, absl::NotFoundError("file deleted")});
  EXPECT_EQ(Drain(), 4);  // 3 attempts of f1, 1 of f2 (not retried)
  EXPECT_EQ(source_.Fetches("f1"), 3);
  EXPECT_EQ(source_.Fetches("f2"), 1);
  auto st = Status(Uuid(1));
  EXPECT_EQ(st.dead_jobs(), 1);
  EXPECT_EQ(st.document_attempts(), 3);
  EXPECT_THAT(st.document_last_error(), HasSubstr("provider rate limited"));
  EXPECT_EQ(st.document_state(), v1::FULLTEXT_STATE_METADATA_ONLY);
  EXPECT_THAT(st.document_reason(), HasSubstr("indexing failed 3 times"));
  ASSERT_EQ(st.dead_letters_size(), 1);
  EXPECT_EQ(st.dead_letters(0).document_id(), Uuid(1));
  EXPECT_EQ(Ids("alice", "otter"), std::vector<std::string>{Uuid(1)});
  EXPECT_THAT(Status(Uuid(2)).document_reason(), HasSubstr("file deleted"));
}

TEST_F(IndexerTest, ExpiredLeaseIsTakenOverAndPoisonJobsDie) {
  Add(Doc(1, "alice", "Crashy", "a.txt", "text/plain"), {"wombat", "text/plain"});
  // A worker leases and vanishes, three times.
  for (int i = 0; i < 3; ++i) {
    auto j = store_->Lease(absl::StrCat("ghost", i), absl::Milliseconds(1));
    ASSERT_TRUE(j.ok() && j->has_value());
    EXPECT_EQ((*j)->attempts, i + 1);
    ASSERT_TRUE(lc::testing::WaitFor([&] { return LeaseExpired(); }, absl::Seconds(10)));
  }
  EXPECT_EQ(Drain(), 1);
  auto st = Status(Uuid(1));
  EXPECT_EQ(st.dead_jobs(), 1);
  EXPECT_THAT(st.document_last_error(), HasSubstr("worker stopped"));

  Add(Doc(2, "alice", "Recovers", "b.txt", "text/plain"), {"quokka", "text/plain"});
  auto j = store_->Lease("ghost", absl::Milliseconds(1));
  ASSERT_TRUE(j.ok() && j->has_value());
  ASSERT_TRUE(lc::testing::WaitFor([&] { return LeaseExpired(); }, absl::Seconds(10)));
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(Ids("alice", "quokka"), std::vector<std::string>{Uuid(2)});
}

TEST_F(IndexerTest, RemoveDropsTheDocumentAndARunningJobCannotBringItBack) {
  Add(Doc(1, "alice", "Doomed", "a.txt", "text/plain"), {"platypus", "text/plain"});
  auto j = store_->Lease("w", absl::Seconds(30));
  ASSERT_TRUE(j.ok() && j->has_value());
  v1::RemoveFromIndexRequest req;
  req.set_document_id(Uuid(1));
  v1::RemoveFromIndexResponse resp;
  ASSERT_TRUE(stub_->RemoveFromIndex(As("service:repository", {"service"}).get(), req, &resp).ok());
  auto result = doc_indexer_->Index((*j)->document);
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(store_->Complete(**j, "w", *result).ok());
  EXPECT_TRUE(Ids("alice", "platypus").empty());
  EXPECT_TRUE(Ids("alice", "doomed").empty());
}

TEST_F(IndexerTest, TwoWorkerProcessesDoEachJobOnce) {
  // Two worker pools with their own connection pools, as two replicas.
  PgPool other_pool(PgOptions{.conninfo = *conninfo_, .schema = "search"});
  IndexStore other_store(other_pool, {"english", "simple"}, QueueSettings{});
  const int kDocs = 120;
  for (int i = 0; i < kDocs; ++i) {
    Add(Doc(300 + i, "alice", "Batch", absl::StrCat("b", i, ".txt"), "text/plain"),
        {absl::StrCat("batchword doc", i), "text/plain"});
  }
  IndexingWorkers a(
      *store_, *doc_indexer_,
      WorkerSettings{.workers = 3, .poll_interval = absl::Milliseconds(10), .name = "replica-a"});
  IndexingWorkers b(
      other_store, *doc_indexer_,
      WorkerSettings{.workers = 3, .poll_interval = absl::Milliseconds(10), .name = "replica-b"});
  a.Start();
  b.Start();
  EXPECT_TRUE(lc::testing::WaitFor(
      [&] {
        const auto st = Status("");
        return st.pending_jobs() + st.running_jobs() == 0;
      },
      absl::Seconds(60), absl::Milliseconds(20)));
  a.Stop();
  b.Stop();
  for (int i = 0; i < kDocs; ++i) EXPECT_EQ(source_.Fetches(absl::StrCat("f", 300 + i)), 1) << i;
  std::map<std::string, int> by_replica;
  ASSERT_TRUE(pool_
                  ->Run([&](pqxx::work& tx) {
                    for (const auto& row :
                         tx.exec("SELECT split_part(done_by, ':', 1), count(*), max(attempts) "
                                 "FROM jobs WHERE state = 'done' GROUP BY 1")) {
                      by_replica[row[0].as<std::string>()] = row[1].as<int>();
                      EXPECT_EQ(row[2].as<int>(), 1);
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(by_replica["replica-a"] + by_replica["replica-b"], kDocs);
  EXPECT_GT(by_replica["replica-a"], 0);
  EXPECT_GT(by_replica["replica-b"], 0);
  v1::SearchRequest req;
  req.set_query("batchword");
  EXPECT_EQ(Search("alice", req).total_count(), kDocs);
}

TEST_F(IndexerTest, ReindexStreamsProgressUntilDone) {
  for (int i = 0; i < 10; ++i) {
    Add(Doc(400 + i, "alice", "Re", absl::StrCat("r", i, ".txt"), "text/plain",
            i < 4 ? "box" : "dropbox"),
        {"reindexme", "text/plain"});
  }
  Drain();
  workers_->Start();
  v1::ReindexRequest req;
  req.mutable_filter()->add_providers("dropbox");
  auto ctx = As("root", {"admin"});
  auto reader = stub_->Reindex(ctx.get(), req);
  v1::ReindexProgress p, last;
  int messages = 0;
  while (reader->Read(&p)) {
    last = p;
    ++messages;
  }
  ASSERT_TRUE(reader->Finish().ok());
  workers_->Stop();
  EXPECT_GE(messages, 1);
  EXPECT_EQ(last.queued(), 6);
  EXPECT_EQ(last.done(), 6);
  EXPECT_EQ(last.failed(), 0);
  EXPECT_TRUE(last.finished());
  EXPECT_EQ(source_.Fetches("f404"), 2);
  EXPECT_EQ(source_.Fetches("f400"), 2);  // box: export tried, then the bytes, once
  // Users may not reindex.
  auto user_ctx = As("alice");
  auto denied = stub_->Reindex(user_ctx.get(), req);
  while (denied->Read(&p)) {
  }
  EXPECT_EQ(denied->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SearchTest, LcctlSearchStatusAndReindex) {
  std::string out;
  ASSERT_EQ(
      Lcctl({"search", "fox", "--provider", "box", "--provider", "googledrive", "--order", "date"},
            "alice", {}, &out),
      0)
      << out;
  EXPECT_THAT(out, HasSubstr("2 matches"));
  EXPECT_THAT(out, HasSubstr("Kitchen  (" + Uuid(3) + ")"));
  EXPECT_LT(out.find("Kitchen"), out.find("Zoo"));
  EXPECT_THAT(out, HasSubstr("<b>fox</b>"));
  ASSERT_EQ(Lcctl({"search", "fox", "--page-size", "1"}, "alice", {}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("more: --page-token "));
  ASSERT_EQ(Lcctl({"index", "status", Uuid(1)}, "alice", {}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("indexed"));
  EXPECT_EQ(Lcctl({"index", "status", Uuid(1)}, "bob", {}, &out), 1);
  EXPECT_THAT(out, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(Lcctl({"search", "fox", "--type", "spreadsheet"}, "alice", {}, &out), 2);
  EXPECT_THAT(out, HasSubstr("--type"));
  EXPECT_EQ(Lcctl({"search", "fox", "--after", "yesterday"}, "alice", {}, &out), 2);
  EXPECT_THAT(out, HasSubstr("--after"));
  workers_->Start();
  ASSERT_EQ(Lcctl({"reindex", "--provider", "dropbox"}, "root", {"admin"}, &out), 0) << out;
  workers_->Stop();
  EXPECT_THAT(out, HasSubstr("3/3 done (finished)"));
  EXPECT_EQ(Lcctl({"reindex"}, "alice", {}, &out), 1);
  EXPECT_THAT(out, HasSubstr("PERMISSION_DENIED"));
}

TEST(LcctlIndexer, ProgressBar) {
  v1::ReindexProgress p;
  p.set_queued(10);
  p.set_done(4);
  p.set_failed(1);
  EXPECT_EQ(::lc::lcctl::ProgressBar(p, 10), "[#####-----] 5/10 done, 1 failed");
  p.set_done(9);
  p.set_finished(true);
  EXPECT_EQ(::lc::lcctl::ProgressBar(p, 10), "[##########] 10/10 done, 1 failed (finished)");
  EXPECT_EQ(::lc::lcctl::ProgressBar(v1::ReindexProgress(), 4), "[####] 0/0 done");
}

}  // namespace
}  // namespace lc::indexer
