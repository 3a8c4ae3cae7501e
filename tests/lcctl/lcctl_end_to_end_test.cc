// Runs lcctl's entry function against an in-process fake RepositoryService
// that records what it receives and checks the bearer token.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lcctl.h"
#include "liveconnect/v1/repository.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace lc::lcctl {
namespace {

namespace v1 = ::liveconnect::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kToken[] = "test-token";
// 2024-05-01T10:00:00Z
constexpr int64_t kMay1 = 1714557600;

class FakeRepository final : public v1::RepositoryService::Service {
 public:
  void AddDocument(v1::Document doc) {
    std::lock_guard<std::mutex> lock(mu_);
    documents_.push_back(std::move(doc));
  }
  // ListDocuments answers this many documents per page.
  void SetPageSize(size_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    page_size_ = size;
  }

  std::vector<v1::CreateDocumentRequest> creates() const { return Locked(creates_); }
  std::vector<v1::UpdateDocumentRequest> updates() const { return Locked(updates_); }
  std::vector<v1::ListDocumentsRequest> lists() const { return Locked(lists_); }
  std::vector<v1::GetBlobLinkRequest> links() const { return Locked(links_); }
  std::vector<v1::DeleteDocumentRequest> deletes() const { return Locked(deletes_); }

  grpc::Status CreateDocument(grpc::ServerContext* context,
                              const v1::CreateDocumentRequest* request,
                              v1::Document* response) override {
    if (grpc::Status status = CheckToken(*context); !status.ok()) return status;
    std::lock_guard<std::mutex> lock(mu_);
    creates_.push_back(*request);
    response->set_id("doc-new");
    response->set_type(request->type());
    response->set_title(request->title());
    *response->mutable_blob() = request->blob();
    *response->mutable_blob_metadata() = request->blob_metadata();
    *response->mutable_properties() = request->properties();
    response->set_etag("e1");
    return grpc::Status::OK;
  }

  grpc::Status GetDocument(grpc::ServerContext* context, const v1::GetDocumentRequest* request,
                           v1::Document* response) override {
    if (grpc::Status status = CheckToken(*context); !status.ok()) return status;
    std::lock_guard<std::mutex> lock(mu_);
    for (const v1::Document& doc : documents_) {
      if (doc.id() == request->id()) {
        *response = doc;
        return grpc::Status::OK;
      }
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "document " + request->id() + " not found");
  }

  grpc::Status UpdateDocument(grpc::ServerContext* context,
                              const v1::UpdateDocumentRequest* request,
                              v1::Document* response) override {
    if (grpc::Status status = CheckToken(*context); !status.ok()) return status;
    std::lock_guard<std::mutex> lock(mu_);
    updates_.push_back(*request);
    *response = request->document();
    return grpc::Status::OK;
  }

  grpc::Status DeleteDocument(grpc::ServerContext* context,
                              const v1::DeleteDocumentRequest* request,
                              v1::DeleteDocumentResponse*) override {
    if (grpc::Status status = CheckToken(*context); !status.ok()) return status;
    std::lock_guard<std::mutex> lock(mu_);
    deletes_.push_back(*request);
    if (!request->etag().empty() && request->etag() != "e1") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "etag mismatch");
    }
    return grpc::Status::OK;
  }

  grpc::Status ListDocuments(grpc::ServerContext* context, const v1::ListDocumentsRequest* request,
                             v1::ListDocumentsResponse* response) override {
    if (grpc::Status status = CheckToken(*context); !status.ok()) return status;
    std::lock_guard<std::mutex> lock(mu_);
    lists_.push_back(*request);
    size_t start = request->page_token().empty() ? 0 : std::stoul(request->page_token());
    size_t end = std::min(documents_.size(), start + page_size_);
    for (size_t i = start; i < end; ++i) *response->add_documents() = documents_[i];
    if (end < documents_.size()) response->set_next_page_token(std::to_string(end));
    return grpc::Status::OK;
  }

  grpc::Status GetHistory(grpc::ServerContext* context, const v1::GetHistoryRequest* request,
                          v1::GetHistoryResponse* response) override {
    if (grpc::Status status = CheckToken(*context); !status.ok()) return status;
    v1::HistoryEvent* created = response->add_events();
    created->set_kind(v1::HISTORY_EVENT_KIND_CREATED);
    created->set_actor("user-1");
    created->mutable_time()->set_seconds(kMay1);
    v1::HistoryEvent* versioned = response->add_events();
    versioned->set_kind(v1::HISTORY_EVENT_KIND_VERSIONED);
    versioned->set_actor("user-1");
    versioned->set_version_id("ver-1");
    versioned->mutable_time()->set_seconds(kMay1 + 60);
    return grpc::Status::OK;
  }

  grpc::Status GetBlobLink(grpc::ServerContext* context, const v1::GetBlobLinkRequest* request,
                           v1::Link* response) override {
    if (grpc::Status status = CheckToken(*context); !status.ok()) return status;
    std::lock_guard<std::mutex> lock(mu_);
    links_.push_back(*request);
    response->set_kind(request->kind());
    response->set_url("https://example.test/f/" + request->document_id());
    return grpc::Status::OK;
  }

 private:
  static grpc::Status CheckToken(const grpc::ServerContext& context) {
    auto it = context.client_metadata().find("authorization");
    if (it == context.client_metadata().end() ||
        std::string(it->second.data(), it->second.size()) != std::string("Bearer ") + kToken) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad token");
    }
    return grpc::Status::OK;
  }

  template <typename T>
  std::vector<T> Locked(const std::vector<T>& list) const {
    std::lock_guard<std::mutex> lock(mu_);
    return list;
  }

  mutable std::mutex mu_;
  std::vector<v1::Document> documents_;
  size_t page_size_ = 100;
  std::vector<v1::CreateDocumentRequest> creates_;
  std::vector<v1::UpdateDocumentRequest> updates_;
  std::vector<v1::ListDocumentsRequest> lists_;
  std::vector<v1::GetBlobLinkRequest> links_;
  std::vector<v1::DeleteDocumentRequest> deletes_;
};

class LcctlEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    addr_ = "127.0.0.1:" + std::to_string(port);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Runs lcctl through its argc/argv entry point with the server's address
  // and the token the fake expects.
  int Run(std::vector<std::string> args, const std::string& token = kToken) {
    std::vector<std::string> argv_storage = {"lcctl", "--addr", addr_, "--token", token};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_storage) argv.push_back(arg.data());
    out_.str("");
    err_.str("");
    return RunLcctl(static_cast<int>(argv.size()), argv.data(), out_, err_);
  }

  static v1::Document Report() {
    v1::Document doc;
    doc.set_id("doc-1");
    doc.set_type(v1::DOCUMENT_TYPE_FILE);
    doc.set_title("Quarterly report");
    doc.mutable_blob()->set_provider("googledrive");
    doc.mutable_blob_metadata()->set_size(2048);
    doc.mutable_modified_time()->set_seconds(kMay1);
    doc.set_reference_state(v1::REFERENCE_STATE_OK);
    return doc;
  }
  static v1::Document Cat() {
    v1::Document doc;
    doc.set_id("doc-22");
    doc.set_type(v1::DOCUMENT_TYPE_PICTURE);
    doc.set_title("Cat");
    doc.mutable_blob()->set_provider("dropbox");
    doc.set_reference_state(v1::REFERENCE_STATE_FILE_DELETED);
    return doc;
  }

  FakeRepository fake_;
  std::unique_ptr<grpc::Server> server_;
  std::string addr_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(LcctlEndToEndTest, CreateSendsEveryFieldAndPrintsTheDocument) {
  ASSERT_EQ(Run({"docs",      "create",  "--provider", "dropbox",  "--account", "a@example.com",
                 "--file-id", "id:abc",  "--type",     "video",    "--title",   "Talk",
                 "--prop",    "k=v",     "--filename", "talk.mp4", "--mime",    "video/mp4",
                 "--size",    "3145728", "--revision", "r9"}),
            0)
      << err_.str();
  auto creates = fake_.creates();
  ASSERT_EQ(creates.size(), 1u);
  const v1::CreateDocumentRequest& sent = creates[0];
  EXPECT_EQ(sent.blob().provider(), "dropbox");
  EXPECT_EQ(sent.blob().account(), "a@example.com");
  EXPECT_EQ(sent.blob().file_id(), "id:abc");
  EXPECT_EQ(sent.type(), v1::DOCUMENT_TYPE_VIDEO);
  EXPECT_EQ(sent.title(), "Talk");
  EXPECT_THAT(sent.properties(), UnorderedElementsAre(Pair("k", "v")));
  EXPECT_EQ(sent.blob_metadata().filename(), "talk.mp4");
  EXPECT_EQ(sent.blob_metadata().mime_type(), "video/mp4");
  EXPECT_EQ(sent.blob_metadata().size(), 3145728);
  EXPECT_EQ(sent.blob_metadata().revision(), "r9");

  EXPECT_THAT(out_.str(), HasSubstr("id:           doc-new\n"));
  EXPECT_THAT(out_.str(), HasSubstr("type:         video\n"));
  EXPECT_THAT(out_.str(), HasSubstr("size:         3.0 MiB\n"));
  EXPECT_THAT(out_.str(), HasSubstr("properties:   k=v\n"));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(LcctlEndToEndTest, ListPrintsAnAlignedTable) {
  fake_.AddDocument(Report());
  fake_.AddDocument(Cat());
  ASSERT_EQ(
      Run({"docs", "list", "--type", "file", "--provider", "googledrive", "--page-size", "10"}), 0)
      << err_.str();
  EXPECT_EQ(out_.str(),
            "ID      TYPE     TITLE             PROVIDER     SIZE     MODIFIED              STATE\n"
            "doc-1   file     Quarterly report  googledrive  2.0 KiB  2024-05-01T10:00:00Z  ok\n"
            "doc-22  picture  Cat               dropbox      -        -                     "
            "file-deleted\n");
  auto lists = fake_.lists();
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(lists[0].type(), v1::DOCUMENT_TYPE_FILE);
  EXPECT_EQ(lists[0].provider(), "googledrive");
  EXPECT_EQ(lists[0].page_size(), 10);
  EXPECT_FALSE(lists[0].all_users());
}

TEST_F(LcctlEndToEndTest, ListAllPagesFollowsTheTokens) {
  fake_.AddDocument(Report());
  fake_.AddDocument(Cat());
  fake_.SetPageSize(1);
  ASSERT_EQ(Run({"docs", "list"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("(more: --page-token 1, or --all-pages)"));

  ASSERT_EQ(Run({"docs", "list", "--all-pages", "--all-users", "--json"}), 0) << err_.str();
  auto lists = fake_.lists();
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[1].page_token(), "");
  EXPECT_EQ(lists[2].page_token(), "1");
  EXPECT_TRUE(lists[2].all_users());
  const nlohmann::json json = nlohmann::json::parse(out_.str());
  ASSERT_EQ(json["documents"].size(), 2u);
  EXPECT_EQ(json["documents"][0]["id"], "doc-1");
  EXPECT_EQ(json["documents"][0]["blobMetadata"]["size"], "2048");
  EXPECT_EQ(json["documents"][1]["type"], "DOCUMENT_TYPE_PICTURE");
  EXPECT_FALSE(json.contains("nextPageToken"));
}

TEST_F(LcctlEndToEndTest, GetPrintsJsonObject) {
  fake_.AddDocument(Report());
  ASSERT_EQ(Run({"docs", "get", "doc-1", "--json"}), 0) << err_.str();
  const nlohmann::json json = nlohmann::json::parse(out_.str());
  EXPECT_EQ(json["id"], "doc-1");
  EXPECT_EQ(json["title"], "Quarterly report");
  EXPECT_EQ(json["modifiedTime"], "2024-05-01T10:00:00Z");
}

TEST_F(LcctlEndToEndTest, NotFoundIsAnRpcError) {
  EXPECT_EQ(Run({"docs", "get", "nope"}), 1);
  EXPECT_EQ(err_.str(), "error: NOT_FOUND: document nope not found\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(LcctlEndToEndTest, WrongTokenIsRefusedByTheServer) {
  fake_.AddDocument(Report());
  EXPECT_EQ(Run({"docs", "get", "doc-1"}, "someone-else"), 1);
  EXPECT_EQ(err_.str(), "error: UNAUTHENTICATED: bad token\n");
}

TEST_F(LcctlEndToEndTest, UpdateSendsTheMaskOfTheGivenFlags) {
  ASSERT_EQ(Run({"docs", "update", "doc-1", "--title", "Renamed", "--prop", "a=1", "--etag", "e1"}),
            0)
      << err_.str();
  auto updates = fake_.updates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].document().id(), "doc-1");
  EXPECT_EQ(updates[0].document().title(), "Renamed");
  EXPECT_THAT(updates[0].document().properties(), UnorderedElementsAre(Pair("a", "1")));
  EXPECT_THAT(updates[0].update_mask().paths(), ElementsAre("title", "properties"));
  EXPECT_EQ(updates[0].etag(), "e1");
}

TEST_F(LcctlEndToEndTest, DeleteWithStaleEtagFails) {
  ASSERT_EQ(Run({"docs", "delete", "doc-1"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "deleted doc-1\n");
  EXPECT_EQ(Run({"docs", "delete", "doc-1", "--etag", "old"}), 1);
  EXPECT_EQ(err_.str(), "error: FAILED_PRECONDITION: etag mismatch\n");
  ASSERT_EQ(fake_.deletes().size(), 2u);
  EXPECT_EQ(fake_.deletes()[1].etag(), "old");
}

TEST_F(LcctlEndToEndTest, HistoryAndLink) {
  ASSERT_EQ(Run({"history", "doc-1"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "TIME                  KIND       ACTOR   SUMMARY\n"
            "2024-05-01T10:00:00Z  created    user-1  -\n"
            "2024-05-01T10:01:00Z  versioned  user-1  (version ver-1)\n");

  setenv("LC_GATEWAY_URL", "https://lc.example/", 1);
  ASSERT_EQ(Run({"link", "doc-1", "--kind", "download", "--version", "ver-1"}), 0) << err_.str();
  unsetenv("LC_GATEWAY_URL");
  EXPECT_EQ(out_.str(),
            "kind:    download\n"
            "url:     https://example.test/f/doc-1\n"
            "expires: never\n"
            "browser: https://lc.example/api/v1/documents/doc-1/versions/ver-1/download\n");
  ASSERT_EQ(fake_.links().size(), 1u);
  EXPECT_EQ(fake_.links()[0].kind(), v1::LINK_KIND_DOWNLOAD);
  EXPECT_EQ(fake_.links()[0].version_id(), "ver-1");
}

TEST_F(LcctlEndToEndTest, UnimplementedRpcReportsItsCode) {
  EXPECT_EQ(Run({"versions", "list", "doc-1"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("error: UNIMPLEMENTED"));
}

}  // namespace
}  // namespace lc::lcctl
