// The REST mirror and the browser URLs, with the gateway in-process in
// front of fake Repository, Provider, Indexer and Sync services on one
// 127.0.0.1 gRPC port: what the fakes receive is what the HTTP request
// said, and what the client gets is what the fakes answered.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/gateway.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "liveconnect/v1/providers.grpc.pb.h"
#include "liveconnect/v1/repository.grpc.pb.h"
#include "liveconnect/v1/sync.grpc.pb.h"
#include "runtime/log.h"
#include "testing/fake_provider_service.h"

namespace lc::gateway {
namespace {

namespace v1 = liveconnect::v1;
using ::testing::HasSubstr;

constexpr char kSecret[] = "test-secret-test-secret-test-secret!";
constexpr char kPublicUrl[] = "http://lc.test:8080";

std::string Bearer(const grpc::ServerContext& context) {
  const auto& md = context.client_metadata();
  auto it = md.find("authorization");
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

// What every fake shares: the requests it got, by RPC, and the status to answer.
struct Recorder {
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> requests;  // RPC -> text protos
  std::map<std::string, std::string> bearers;                // RPC -> last authorization
  std::map<std::string, grpc::Status> fail;                  // RPC -> status to answer

  grpc::Status Record(const std::string& rpc, const grpc::ServerContext& context,
                      const google::protobuf::Message& request) {
    std::lock_guard<std::mutex> lock(mu);
    requests[rpc].push_back(request.ShortDebugString());
    bearers[rpc] = Bearer(context);
    auto it = fail.find(rpc);
    return it == fail.end() ? grpc::Status::OK : it->second;
  }
  size_t Count(const std::string& rpc) {
    std::lock_guard<std::mutex> lock(mu);
    return requests[rpc].size();
  }
  std::string Last(const std::string& rpc) {
    std::lock_guard<std::mutex> lock(mu);
    return requests[rpc].empty() ? "" : requests[rpc].back();
  }
};

class FakeRepository final : public v1::RepositoryService::Service {
 public:
  explicit FakeRepository(Recorder& r) : r_(r) {}
  v1::Link link;  // what GetBlobLink answers
  std::atomic<int> link_delay_ms{0};
  std::atomic<bool> version_expired{false};  // GetVersion answers REVISION_EXPIRED

  grpc::Status GetDocument(grpc::ServerContext* c, const v1::GetDocumentRequest* req,
                           v1::Document* doc) override {
    auto s = r_.Record("GetDocument", *c, *req);
    doc->set_id(req->id());
    doc->set_title("Quarterly report");
    doc->set_type(v1::DOCUMENT_TYPE_FILE);
    doc->mutable_blob()->set_provider("dropbox");
    doc->mutable_blob()->set_file_id("id:abc");
    doc->mutable_blob_metadata()->set_filename("report été.txt");
    return s;
  }
  grpc::Status CreateDocument(grpc::ServerContext* c, const v1::CreateDocumentRequest* req,
                              v1::Document* doc) override {
    auto s = r_.Record("CreateDocument", *c, *req);
    doc->set_id("new-doc");
    doc->set_title(req->title());
    *doc->mutable_blob() = req->blob();
    return s;
  }
  grpc::Status UpdateDocument(grpc::ServerContext* c, const v1::UpdateDocumentRequest* req,
                              v1::Document* doc) override {
    auto s = r_.Record("UpdateDocument", *c, *req);
    *doc = req->document();
    return s;
  }
  grpc::Status DeleteDocument(grpc::ServerContext* c, const v1::DeleteDocumentRequest* req,
                              v1::DeleteDocumentResponse*) override {
    return r_.Record("DeleteDocument", *c, *req);
  }
  grpc::Status ListDocuments(grpc::ServerContext* c, const v1::ListDocumentsRequest* req,
                             v1::ListDocumentsResponse*) override {
    return r_.Record("ListDocuments", *c, *req);
  }
  grpc::Status GetVersion(grpc::ServerContext* c, const v1::GetVersionRequest* req,
                          v1::Version* v) override {
    auto s = r_.Record("GetVersion", *c, *req);
    v->set_id(req->version_id());
    v->set_document_id(req->document_id());
    v->mutable_blob()->set_provider("googledrive");
    v->mutable_blob()->set_file_id("f1");
    v->mutable_blob()->set_revision("r1");
    v->mutable_blob_metadata()->set_filename("notes.txt");
    v->set_number(3);
    v->set_state(v1::VERSION_STATE_AVAILABLE);
    if (version_expired) {
      v->set_state(v1::VERSION_STATE_REVISION_EXPIRED);
      v->mutable_state_time()->set_seconds(1767225600);  // 2026-01-01T00:00:00Z
      v->set_state_reason("Drive keeps a replaced revision 30 days.");
    }
    return s;
  }
  grpc::Status GetBlobLink(grpc::ServerContext* c, const v1::GetBlobLinkRequest* req,
                           v1::Link* out) override {
    auto s = r_.Record("GetBlobLink", *c, *req);
    std::this_thread::sleep_for(std::chrono::milliseconds(link_delay_ms.load()));
    *out = link;
    out->set_kind(req->kind());
    return s;
  }

 private:
  Recorder& r_;
};

class FakeIndexer final : public v1::IndexerService::Service {
 public:
  explicit FakeIndexer(Recorder& r) : r_(r) {}
  grpc::Status Search(grpc::ServerContext* c, const v1::SearchRequest* req,
                      v1::SearchResponse* resp) override {
    auto s = r_.Record("Search", *c, *req);
    resp->add_hits()->set_document_id("d1");
    resp->set_total_count(1);
    return s;
  }

 private:
  Recorder& r_;
};

class FakeSync final : public v1::SyncService::Service {
 public:
  explicit FakeSync(Recorder& r) : r_(r) {}
  bool fail_midway = false;
  grpc::Status RunNow(grpc::ServerContext* c, const v1::RunNowRequest* req,
                      grpc::ServerWriter<v1::SyncProgress>* writer) override {
    auto s = r_.Record("RunNow", *c, *req);
    if (!s.ok()) return s;
    for (int i = 1; i <= 3; ++i) {
      v1::SyncProgress p;
      p.set_accounts_total(3);
      p.set_accounts_done(i);
      p.set_finished(i == 3);
      writer->Write(p);
      if (fail_midway) return grpc::Status(grpc::StatusCode::INTERNAL, "database exploded");
    }
    return grpc::Status::OK;
  }

 private:
  Recorder& r_;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitLogging("gateway", LogLevel::kError, nullptr);
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&repo_);
    builder.RegisterService(&providers_);
    builder.RegisterService(&indexer_);
    builder.RegisterService(&sync_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    repo_.link.set_url("https://dl.provider.example/file?sig=abc");
    providers_.SetObserver([this](const std::string& rpc, grpc::ServerContext& context,
                                  const google::protobuf::Message& request) {
      return rec_.Record(rpc, context, request);
    });
    providers_.SetDefaultContent([](const v1::GetContentRequest&) {
      return ::lc::testing::FakeProviderService::Content{.chunks = {"hello ", "world"}};
    });
    v1::CloudFile item;
    item.set_id("file-1");
    item.set_name("a.txt");
    providers_.SetFolder({item});
    StartGateway(/*with_sync=*/true);
  }

  void StartGateway(bool with_sync, absl::Duration cache_ttl = absl::Seconds(30)) {
    client_.reset();
    if (gateway_) gateway_->Stop();
    const std::string addr = "127.0.0.1:" + std::to_string(port_);
    Gateway::Options options;
    options.listen_host = "127.0.0.1";
    options.listen_port = 0;
    options.public_url = *PublicUrl::Parse(kPublicUrl);
    options.oauth_addr = addr;
    options.repository_addr = addr;
    options.providers_addr = addr;
    options.indexer_addr = addr;
    options.sync_addr = with_sync ? addr : "";
    options.link_cache.ttl = cache_ttl;
    options.threads = 4;
    registry_ = std::make_unique<prometheus::Registry>();
    gateway_ = std::make_unique<Gateway>(
        options, std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kSecret}),
        *registry_);
    ASSERT_TRUE(gateway_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
    client_->set_follow_location(false);
    client_->set_url_encode(false);  // targets go out as written ("+" stays "+")
  }

  void TearDown() override {
    client_.reset();
    if (gateway_) gateway_->Stop();
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    InitLogging("gateway", LogLevel::kInfo, nullptr);
  }

  static std::string Token(const std::string& subject) {
    const absl::Time now = absl::Now();
    return MintHs256(kSecret, Principal{.subject = subject}, now, now + absl::Hours(1));
  }
  static httplib::Headers As(const std::string& subject) {
    return {{"Authorization", "Bearer " + Token(subject)}};
  }
  static nlohmann::json Json(const httplib::Result& res) {
    return nlohmann::json::parse(res->body, nullptr, false);
  }
  double CacheCounter(const std::string& result) {
    for (const auto& family : registry_->Collect()) {
      if (family.name != "lc_gateway_link_cache_total") continue;
      for (const auto& metric : family.metric) {
        for (const auto& label : metric.label) {
          if (label.value == result) return metric.counter.value;
        }
      }
    }
    return -1;
  }

  Recorder rec_;
  FakeRepository repo_{rec_};
  ::lc::testing::FakeProviderService providers_;
  FakeIndexer indexer_{rec_};
  FakeSync sync_{rec_};
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiTest, GetDocumentFillsThePathAndForwardsTheUsersToken) {
  const std::string token = Token("alice");
  auto res = client_->Get("/api/v1/documents/doc-42", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto body = Json(res);
  EXPECT_EQ(body["id"], "doc-42");
  EXPECT_EQ(body["title"], "Quarterly report");
  EXPECT_EQ(body["type"], "DOCUMENT_TYPE_FILE");  // enums by name
  EXPECT_EQ(body["description"], "");             // defaults are printed
  EXPECT_EQ(rec_.Last("GetDocument"), "id: \"doc-42\"");
  EXPECT_EQ(rec_.bearers["GetDocument"], "Bearer " + token);
}

TEST_F(ApiTest, CreateTakesTheJsonBodyAndAnswers201) {
  auto res = client_->Post(
      "/api/v1/documents", As("alice"),
      R"({"type":"DOCUMENT_TYPE_FILE","title":"Plan","blob":{"provider":"box","account":"a@b.c","file_id":"123"}})",
      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(Json(res)["id"], "new-doc");
  EXPECT_EQ(Json(res)["blob"]["fileId"], "123");
  EXPECT_THAT(rec_.Last("CreateDocument"), HasSubstr("file_id: \"123\""));
  EXPECT_THAT(rec_.Last("CreateDocument"), HasSubstr("title: \"Plan\""));
}

TEST_F(ApiTest, QueryParametersFillScalarsEnumsAndNestedRepeatedFields) {
  auto res = client_->Get("/api/v1/documents?pageSize=5&type=file&all_users=true&pageToken=p+2",
                          As("alice"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Json(res)["documents"], nlohmann::json::array());  // empty lists are printed
  EXPECT_EQ(rec_.Last("ListDocuments"),
            "page_size: 5 page_token: \"p 2\" type: DOCUMENT_TYPE_FILE all_users: true");

  res = client_->Get(
      "/api/v1/search?q=annual%20plan&filter.providers=box&filter.providers=dropbox"
      "&filter.modifiedAfter=2026-01-02T03:04:05Z&order=modified_desc",
      As("alice"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Json(res)["hits"][0]["documentId"], "d1");
  const std::string search = rec_.Last("Search");
  EXPECT_THAT(search, HasSubstr("query: \"annual plan\""));
  EXPECT_THAT(search, HasSubstr("providers: \"box\" providers: \"dropbox\""));
  EXPECT_THAT(search, HasSubstr("modified_after { seconds: 1767323045 }"));
  EXPECT_THAT(search, HasSubstr("order: SEARCH_ORDER_MODIFIED_DESC"));
}

TEST_F(ApiTest, MalformedRequestsAre400AndNeverReachTheService) {
  struct Case {
    std::string method, path, body, want;
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/documents?pageSize=many", "", "not a number"},
      {"GET", "/api/v1/documents?pagesize=5", "", "parameter pagesize: unknown parameter"},
      {"GET", "/api/v1/documents?type=SPREADSHEET", "", "unknown value SPREADSHEET"},
      {"GET", "/api/v1/documents?allUsers=maybe", "", "expected true or false"},
      {"POST", "/api/v1/documents", R"({"title":"x","colour":"red"})", "colour"},
      {"POST", "/api/v1/documents", "{not json", "not a valid CreateDocumentRequest"},
  };
  for (const Case& c : cases) {
    auto res = c.method == "GET"
                   ? client_->Get(c.path.c_str(), As("alice"))
                   : client_->Post(c.path.c_str(), As("alice"), c.body, "application/json");
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, 400) << c.path << " " << c.body;
    EXPECT_EQ(Json(res)["error"]["code"], "INVALID_ARGUMENT") << c.path;
    EXPECT_THAT(Json(res)["error"]["message"].get<std::string>(), HasSubstr(c.want)) << c.path;
  }
  auto form = client_->Post("/api/v1/documents", As("alice"), "title=x",
                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 400);
  EXPECT_EQ(rec_.Count("ListDocuments"), 0u);
  EXPECT_EQ(rec_.Count("CreateDocument"), 0u);
}

TEST_F(ApiTest, UpdateTakesTheIdFromThePathAndTheEtagFromIfMatch) {
  auto res =
      client_->Patch("/api/v1/documents/doc-7",
                     {{"Authorization", "Bearer " + Token("alice")}, {"If-Match", "\"e-3\""}},
                     R"({"document":{"id":"someone-elses","title":"New"},"updateMask":"title"})",
                     "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(rec_.Last("UpdateDocument"),
            "document { id: \"doc-7\" title: \"New\" } update_mask { paths: \"title\" } etag: "
            "\"e-3\"");
  auto del = client_->Delete("/api/v1/documents/doc-7",
                             {{"Authorization", "Bearer " + Token("alice")}, {"If-Match", "e-4"}});
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  EXPECT_EQ(rec_.Last("DeleteDocument"), "id: \"doc-7\" etag: \"e-4\"");
}

TEST_F(ApiTest, ServiceErrorsKeepTheirCodeAndMessage) {
  const std::vector<std::pair<grpc::StatusCode, int>> cases = {
      {grpc::StatusCode::NOT_FOUND, 404},           {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::FAILED_PRECONDITION, 412}, {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},  {grpc::StatusCode::UNAVAILABLE, 503}};
  for (const auto& [code, http] : cases) {
    {
      std::lock_guard<std::mutex> lock(rec_.mu);
      rec_.fail["GetDocument"] = grpc::Status(code, "document doc-1 says no");
    }
    auto res = client_->Get("/api/v1/documents/doc-1", As("alice"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, http) << code;
    EXPECT_EQ(Json(res)["error"]["code"].get<std::string>().empty(), false);
    if (code != grpc::StatusCode::UNAVAILABLE) {  // transport errors are replaced
      EXPECT_EQ(Json(res)["error"]["message"], "document doc-1 says no");
    }
  }
}

TEST_F(ApiTest, NoTokenIs401AndNothingIsCalled) {
  auto res = client_->Get("/api/v1/documents/doc-1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Json(res)["error"]["code"], "UNAUTHENTICATED");
  res = client_->Get("/api/v1/documents/doc-1/download");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(rec_.Count("GetDocument") + rec_.Count("GetBlobLink"), 0u);
}

TEST_F(ApiTest, BrowserUrlRedirectsAndReusesTheLinkForTheSameUserOnly) {
  for (int i = 0; i < 3; ++i) {
    auto res = client_->Get("/api/v1/documents/doc-1/download", As("alice"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 302);
    EXPECT_EQ(res->get_header_value("Location"), "https://dl.provider.example/file?sig=abc");
  }
  EXPECT_EQ(rec_.Count("GetBlobLink"), 1u);
  EXPECT_EQ(rec_.Last("GetBlobLink"), "document_id: \"doc-1\" kind: LINK_KIND_DOWNLOAD");
  EXPECT_EQ(CacheCounter("hit"), 2);
  // Another user asks the repository, which decides what that user may see.
  {
    std::lock_guard<std::mutex> lock(rec_.mu);
    rec_.fail["GetBlobLink"] = grpc::Status(grpc::StatusCode::NOT_FOUND, "no document doc-1");
  }
  auto bob = client_->Get("/api/v1/documents/doc-1/download", As("bob"));
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->status, 404);
  EXPECT_EQ(rec_.Count("GetBlobLink"), 2u);
  // Another kind and a version are other links.
  {
    std::lock_guard<std::mutex> lock(rec_.mu);
    rec_.fail.clear();
  }
  auto preview = client_->Get("/api/v1/documents/doc-1/versions/v-2/preview", As("alice"));
  ASSERT_TRUE(preview);
  EXPECT_EQ(preview->status, 302);
  EXPECT_EQ(rec_.Last("GetBlobLink"),
            "document_id: \"doc-1\" version_id: \"v-2\" kind: LINK_KIND_PREVIEW");
}

TEST_F(ApiTest, ConcurrentMissesAskTheRepositoryOnce) {
  repo_.link_delay_ms = 300;
  std::vector<std::thread> clients;
  std::atomic<int> redirects{0};
  for (int i = 0; i < 4; ++i) {  // the gateway under test has 4 workers
    clients.emplace_back([this, &redirects] {
      httplib::Client client("127.0.0.1", gateway_->port());
      auto res = client.Get("/api/v1/documents/doc-1/download", As("alice"));
      if (res && res->status == 302 &&
          res->get_header_value("Location") == "https://dl.provider.example/file?sig=abc") {
        ++redirects;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(redirects.load(), 4);
  EXPECT_EQ(rec_.Count("GetBlobLink"), 1u);
}

TEST_F(ApiTest, LinksAboutToExpireAndADisabledCacheAreNeverReused) {
  const absl::Time soon = absl::Now() + absl::Seconds(5);  // inside the 10 s margin
  repo_.link.mutable_expire_time()->set_seconds(absl::ToUnixSeconds(soon));
  for (int i = 0; i < 2; ++i) {
    auto res = client_->Get("/api/v1/documents/doc-1/thumbnail", As("alice"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 302);
  }
  EXPECT_EQ(rec_.Count("GetBlobLink"), 2u);

  repo_.link.clear_expire_time();
  StartGateway(true, /*cache_ttl=*/absl::ZeroDuration());
  for (int i = 0; i < 2; ++i) {
    auto res = client_->Get("/api/v1/documents/doc-1/thumbnail", As("alice"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 302);
  }
  EXPECT_EQ(rec_.Count("GetBlobLink"), 4u);
}

TEST_F(ApiTest, TokenOnlyLinksAreStreamedNotRedirected) {
  repo_.link.set_url("https://www.googleapis.com/drive/v3/files/f1/revisions/r1?alt=media");
  repo_.link.set_requires_token(true);
  const std::string token = Token("alice");
  auto res = client_->Get("/api/v1/documents/doc-1/versions/v-1/download",
                          {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello world");
  EXPECT_FALSE(res->has_header("Location"));
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain");
  EXPECT_EQ(res->get_header_value("Content-Disposition"),
            "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt");
  // The version's pinned revision, read with the user's own token.
  EXPECT_EQ(rec_.Last("GetContent"),
            "blob { provider: \"googledrive\" file_id: \"f1\" revision: \"r1\" } format: "
            "CONTENT_FORMAT_ORIGINAL");
  EXPECT_EQ(rec_.bearers["GetContent"], "Bearer " + token);

  // A PDF rendition of the document: inline, named after the file.
  auto pdf = client_->Get("/api/v1/documents/doc-1/pdf", As("alice"));
  ASSERT_TRUE(pdf);
  EXPECT_EQ(pdf->status, 200);
  EXPECT_THAT(rec_.Last("GetContent"), HasSubstr("format: CONTENT_FORMAT_PDF"));
  // httplib 0.11's client percent-decodes header values: the wire form is
  // filename*=UTF-8''report%20%C3%A9t%C3%A9.txt.pdf.
  EXPECT_EQ(pdf->get_header_value("Content-Disposition"),
            "inline; filename=\"report __t__.txt.pdf\"; filename*=UTF-8''report "
            "\xC3\xA9t\xC3\xA9.txt.pdf");
  // An edit link cannot be streamed.
  auto edit = client_->Get("/api/v1/documents/doc-1/edit", As("alice"));
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->status, 412);
}

TEST_F(ApiTest, ARenditionNotReadyYetIs503WithRetryAfterAndABrowserPageThatRetries) {
  repo_.link.set_requires_token(true);
  // The provider is still making the PDF (Box representations are
  // generated asynchronously): UNAVAILABLE with a retry-after trailer.
  providers_.SetObserver(
      [](const std::string& rpc, grpc::ServerContext& context, const google::protobuf::Message&) {
        if (rpc != "GetContent") return grpc::Status::OK;
        context.AddTrailingMetadata("retry-after-ms", "2500");
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "box: the pdf is still being made");
      });
  auto api = client_->Get("/api/v1/documents/doc-1/pdf", As("alice"));
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 503);
  EXPECT_EQ(api->get_header_value("Retry-After"), "3");
  EXPECT_EQ(Json(api)["error"]["code"], "UNAVAILABLE");
  EXPECT_THAT(Json(api)["error"]["message"].get<std::string>(), HasSubstr("retry in 3 seconds"));

  httplib::Headers browser = As("alice");
  browser.emplace("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
  auto page = client_->Get("/api/v1/documents/doc-1/preview", browser);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 503);
  EXPECT_EQ(page->get_header_value("Retry-After"), "3");
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(page->body, HasSubstr("<meta http-equiv=\"refresh\" content=\"3\">"));
  EXPECT_THAT(page->body, HasSubstr("tries again in 3 seconds"));
  EXPECT_EQ(page->body.find("<script"), std::string::npos);
  EXPECT_EQ(page->get_header_value("Content-Security-Policy"), "default-src 'none'");

  // Without a retry-after, UNAVAILABLE stays the generic 503 with no header.
  providers_.SetObserver(
      [](const std::string& rpc, grpc::ServerContext&, const google::protobuf::Message&) {
        if (rpc != "GetContent") return grpc::Status::OK;
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused");
      });
  auto down = client_->Get("/api/v1/documents/doc-1/pdf", As("alice"));
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_FALSE(down->has_header("Retry-After"));
}

TEST_F(ApiTest, LinksOfAVersionWhoseRevisionExpiredAre410Gone) {
  repo_.version_expired = true;
  {
    std::lock_guard<std::mutex> lock(rec_.mu);
    rec_.fail["GetBlobLink"] = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                            "version 3 of document doc-1 is no longer available");
  }
  for (const std::string kind : {"download", "preview", "pdf"}) {
    SCOPED_TRACE(kind);
    auto res = client_->Get("/api/v1/documents/doc-1/versions/v-3/" + kind, As("alice"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 410);
    EXPECT_FALSE(res->has_header("Location"));
    const auto body = Json(res);
    EXPECT_EQ(body["error"]["code"], "FAILED_PRECONDITION") << res->body;
    EXPECT_EQ(body["error"]["reason"], "REVISION_EXPIRED") << res->body;
    const std::string message = body["error"]["message"];
    EXPECT_THAT(message, HasSubstr("Version 3 of this document is no longer available"));
    EXPECT_THAT(message, HasSubstr("googledrive no longer keeps the revision it pinned (found "
                                   "2026-01-01 00:00 UTC)"));
    EXPECT_THAT(message, HasSubstr("Drive keeps a replaced revision 30 days."));
  }
  EXPECT_THAT(rec_.Last("GetVersion"), HasSubstr("version_id: \"v-3\""));
  // A browser following the link gets a short page.
  httplib::Headers browser = As("alice");
  browser.emplace("Sec-Fetch-Mode", "navigate");
  auto page = client_->Get("/api/v1/documents/doc-1/versions/v-3/download", browser);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 410);
  EXPECT_THAT(page->get_header_value("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(page->body, HasSubstr("This version is no longer available"));
  // The JSON link route says the same.
  auto api = client_->Get("/api/v1/documents/doc-1/versions/v-3/links/download", As("alice"));
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 410);
  EXPECT_EQ(Json(api)["error"]["reason"], "REVISION_EXPIRED") << api->body;

  // Any other refusal stays 412, for a version that is not expired and for
  // the live document (which has no version to ask about).
  repo_.version_expired = false;
  auto other = client_->Get("/api/v1/documents/doc-1/versions/v-3/download", As("alice"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 412);
  auto links = client_->Get("/api/v1/documents/doc-1/versions/v-3/links/pdf", As("alice"));
  ASSERT_TRUE(links);
  EXPECT_EQ(links->status, 412);
  const size_t asked = rec_.Count("GetVersion");
  auto live = client_->Get("/api/v1/documents/doc-1/download", As("alice"));
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 412);
  EXPECT_EQ(rec_.Count("GetVersion"), asked);
}

TEST_F(ApiTest, AVersionFoundExpiredWhenStreamingIs410AndNothingIsStreamed) {
  repo_.link.set_requires_token(true);
  repo_.version_expired = true;
  auto res = client_->Get("/api/v1/documents/doc-1/versions/v-3/download", As("alice"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 410);
  EXPECT_EQ(Json(res)["error"]["reason"], "REVISION_EXPIRED") << res->body;
  EXPECT_EQ(rec_.Count("GetContent"), 0u);
}

TEST_F(ApiTest, AThumbnailThatNeedsTheTokenIsStreamedNeverRedirected) {
  // Google Drive: a private file's thumbnailLink answers only a credentialed
  // request, so the browser gets the image from the gateway.
  repo_.link.set_kind(v1::LINK_KIND_THUMBNAIL);
  repo_.link.set_url("https://lh3.googleusercontent.com/drive-storage/abc=s220");
  repo_.link.set_requires_token(true);
  providers_.SetDefaultContent([](const v1::GetContentRequest&) {
    return ::lc::testing::FakeProviderService::Content{.mime_type = "image/png",
                                                       .chunks = {"\x89PNG..."}};
  });
  const std::string token = Token("alice");
  for (int i = 0; i < 2; ++i) {
    auto res =
        client_->Get("/api/v1/documents/doc-1/thumbnail", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_FALSE(res->has_header("Location"));
    EXPECT_EQ(res->get_header_value("Content-Type"), "image/png");
    EXPECT_EQ(res->get_header_value("Content-Disposition"), "inline");
    EXPECT_EQ(res->body, "\x89PNG...");
  }
  EXPECT_THAT(rec_.Last("GetContent"), HasSubstr("format: CONTENT_FORMAT_THUMBNAIL"));
  EXPECT_EQ(rec_.bearers["GetContent"], "Bearer " + token);
  // A token-only link is never cached as a redirect.
  EXPECT_EQ(rec_.Count("GetBlobLink"), 2u);
}

TEST_F(ApiTest, AStreamThatFailsMidwayIsCutShort) {
  repo_.link.set_requires_token(true);
  // The first 64 KiB of 128, then the provider is gone.
  providers_.SetDefaultContent([](const v1::GetContentRequest&) {
    return ::lc::testing::FakeProviderService::Content{
        .chunks = {std::string(64 * 1024, 'a')},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "provider gone")};
  });
  auto res = client_->Get("/api/v1/documents/doc-1/download", As("alice"));
  // Either the client sees the truncated chunked body as an error, or it
  // never got the whole file: never the complete 128 KiB.
  if (res) {
    EXPECT_LT(res->body.size(), 128u * 1024);
  }
}

TEST_F(ApiTest, SyncRunStreamsNdjsonProgress) {
  auto res = client_->Post("/api/v1/sync/run", As("admin"), "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-ndjson");
  std::vector<std::string> lines = absl::StrSplit(res->body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << res->body;
  EXPECT_EQ(nlohmann::json::parse(lines[0])["accountsDone"], 1);
  EXPECT_EQ(nlohmann::json::parse(lines[2])["finished"], true);

  sync_.fail_midway = true;
  res = client_->Post("/api/v1/sync/run", As("admin"), "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);  // sent with the first line
  lines = absl::StrSplit(res->body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << res->body;
  EXPECT_EQ(nlohmann::json::parse(lines[1])["error"]["code"], "INTERNAL");

  {
    std::lock_guard<std::mutex> lock(rec_.mu);
    rec_.fail["RunNow"] = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "admins only");
  }
  res = client_->Post("/api/v1/sync/run", As("alice"), "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(Json(res)["error"]["message"], "admins only");
}

TEST_F(ApiTest, CookieChangesFromAnotherOriginAreRefused) {
  const std::string cookie = "lc_session=" + Token("alice");
  auto evil =
      client_->Post("/api/v1/documents", {{"Cookie", cookie}, {"Origin", "https://evil.example"}},
                    R"({"title":"x"})", "application/json");
  ASSERT_TRUE(evil);
  EXPECT_EQ(evil->status, 403);
  EXPECT_EQ(rec_.Count("CreateDocument"), 0u);
  auto own = client_->Post("/api/v1/documents", {{"Cookie", cookie}, {"Origin", kPublicUrl}},
                           R"({"title":"x"})", "application/json");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 201);
  // Reading with the cookie from anywhere is fine (no change is made).
  auto read =
      client_->Get("/api/v1/documents/d", {{"Cookie", cookie}, {"Origin", "https://x.example"}});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
}

TEST_F(ApiTest, BrowsingAFolderNamesTheAccountFromThePath) {
  auto res = client_->Get("/api/v1/accounts/onedrive/me%40example.com/folders/F!12?pageSize=10",
                          As("alice"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Json(res)["items"][0]["name"], "a.txt");
  EXPECT_EQ(rec_.Last("ListFolder"),
            "account { provider: \"onedrive\" account: \"me@example.com\" } folder_id: \"F!12\" "
            "page_size: 10");
}

TEST_F(ApiTest, AServiceTheGatewayWasNotGivenIs503) {
  StartGateway(/*with_sync=*/false);
  auto res = client_->Get("/api/v1/sync/status", As("alice"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_THAT(Json(res)["error"]["message"].get<std::string>(), HasSubstr("sync"));
  auto ready = client_->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_FALSE(Json(ready)["upstreams"].contains("sync"));
}

}  // namespace
}  // namespace lc::gateway

namespace lc::gateway {
namespace {

TEST(BrowserLinksParseTest, TakesOnlyTheBrowserUrls) {
  auto doc = BrowserLinks::Parse("/api/v1/documents/d-1/thumbnail");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->document_id, "d-1");
  EXPECT_EQ(doc->version_id, "");
  EXPECT_EQ(doc->kind, liveconnect::v1::LINK_KIND_THUMBNAIL);
  auto version = BrowserLinks::Parse("/api/v1/documents/d-1/versions/v-2/edit");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->version_id, "v-2");
  EXPECT_EQ(version->kind, liveconnect::v1::LINK_KIND_EDIT);
  for (const char* other :
       {"/api/v1/documents/d-1", "/api/v1/documents/d-1/history", "/api/v1/documents/d-1/app",
        "/api/v1/documents/d-1/download/", "/api/v1/documents//download",
        "/api/v1/documents/d-1/links/download", "/api/v1/documents/d-1/versions/v-2",
        "/api/v1/documents/d-1/versions/v-2/links/pdf", "/api/v1/documentsX/d/pdf",
        "/api/v1/documents/d-1/other/v-2/pdf"}) {
    EXPECT_FALSE(BrowserLinks::Parse(other)) << other;
  }
}

}  // namespace
}  // namespace lc::gateway
