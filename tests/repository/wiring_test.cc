// The repository's calls to the providers service and the indexer, with
// fakes standing in for them: metadata comes from the provider with the
// caller's own account, links resolve pinned revisions, versions pin at the
// provider, and every write is queued for indexing. The store is in memory:
// no PostgreSQL needed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness.h"
#include "testing/fake_repository_clients.h"
#include "testing/in_memory_document_store.h"

namespace lc::testing {
namespace {

using ::testing::HasSubstr;

using ::lc::testing::FakeCloudFiles;
using ::lc::testing::FakeIndexQueue;

constexpr char kOwnedAccount[] = "owned@example.com";

// What the provider says of a file of alice's connected account.
v1::CloudFile ProviderFile(const std::string& id) {
  v1::CloudFile f;
  f.set_id(id);
  f.set_kind(id == "folder" ? v1::CLOUD_ITEM_KIND_FOLDER : v1::CLOUD_ITEM_KIND_FILE);
  f.set_has_thumbnail(true);
  auto* md = f.mutable_metadata();
  md->set_filename("from-provider.docx");
  md->set_mime_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  md->set_size(777);
  md->set_digest("d41d8cd98f00b204e9800998ecf8427e");
  md->set_digest_algorithm(v1::DIGEST_ALGORITHM_MD5);
  md->set_revision("head-7");
  return f;
}

class WiringTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cloud_ = new FakeCloudFiles;
    cloud_->Connect("alice", kOwnedAccount);
    for (const char* id : {"file-1", "file-v", "file-q", "file-q2", "folder"}) {
      cloud_->PutFile(kOwnedAccount, ProviderFile(id));
    }
    index_ = new FakeIndexQueue;
    harness_ = new RepositoryHarness(std::make_unique<InMemoryDocumentStore>(), cloud_, index_);
  }
  static void TearDownTestSuite() {
    delete harness_;
    delete cloud_;
    delete index_;
  }

  static v1::CreateDocumentRequest Request(const std::string& file_id,
                                           const std::string& account = kOwnedAccount) {
    v1::CreateDocumentRequest req;
    req.mutable_blob()->set_provider("googledrive");
    req.mutable_blob()->set_account(account);
    req.mutable_blob()->set_file_id(file_id);
    req.mutable_blob_metadata()->set_filename("client-says.pdf");  // ignored: provider wins
    req.mutable_blob_metadata()->set_size(1);
    return req;
  }
  grpc::Status Create(const std::string& user, const v1::CreateDocumentRequest& req,
                      v1::Document* out) {
    auto ctx = harness_->As(user);
    return harness_->stub().CreateDocument(ctx.get(), req, out);
  }

  static FakeCloudFiles* cloud_;
  static FakeIndexQueue* index_;
  static RepositoryHarness* harness_;
};

FakeCloudFiles* WiringTest::cloud_ = nullptr;
FakeIndexQueue* WiringTest::index_ = nullptr;
RepositoryHarness* WiringTest::harness_ = nullptr;

TEST_F(WiringTest, MetadataComesFromTheProviderWithTheCallersAccount) {
  v1::Document doc;
  grpc::Status s = Create("alice", Request("file-1"), &doc);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(doc.title(), "from-provider.docx");
  EXPECT_EQ(doc.blob_metadata().size(), 777);
  EXPECT_EQ(doc.blob_metadata().revision(), "head-7");
  EXPECT_EQ(doc.thumbnail_state(), v1::THUMBNAIL_STATE_AVAILABLE);
  EXPECT_EQ(cloud_->get_file_users().back(), "alice");
  EXPECT_THAT(index_->queued(), ::testing::Contains("created:" + doc.id()));
}

TEST_F(WiringTest, ForeignAccountsMissingFilesAndFoldersAreRefused) {
  v1::Document doc;
  grpc::Status s = Create("mallory", Request("file-1"), &doc);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  s = Create("alice", Request("file-1", "someone-else@example.com"), &doc);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  s = Create("alice", Request("missing"), &doc);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("blob.file_id"));
  s = Create("alice", Request("folder"), &doc);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("folder"));
}

TEST_F(WiringTest, VersionsPinAtTheProviderAndLinksResolveThePin) {
  v1::Document doc;
  ASSERT_TRUE(Create("alice", Request("file-v"), &doc).ok());
  v1::CreateVersionRequest vreq;
  vreq.set_document_id(doc.id());
  v1::Version version;
  auto ctx = harness_->As("alice");
  grpc::Status s = harness_->stub().CreateVersion(ctx.get(), vreq, &version);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(version.blob().revision().empty());
  EXPECT_EQ(version.blob().revision(), version.blob_metadata().revision());

  v1::GetBlobLinkRequest lreq;
  lreq.set_document_id(doc.id());
  lreq.set_version_id(version.id());
  lreq.set_kind(v1::LINK_KIND_DOWNLOAD);
  v1::Link link;
  ctx = harness_->As("alice");
  ASSERT_TRUE(harness_->stub().GetBlobLink(ctx.get(), lreq, &link).ok());
  EXPECT_THAT(link.url(), HasSubstr("rev=" + version.blob().revision()));

  lreq.clear_version_id();
  ctx = harness_->As("alice");
  ASSERT_TRUE(harness_->stub().GetBlobLink(ctx.get(), lreq, &link).ok());
  EXPECT_THAT(link.url(), HasSubstr("rev=&"));  // the live file: no revision

  // An admin's request still reads with the owner's account.
  ctx = harness_->As("root", {"admin"});
  ASSERT_TRUE(harness_->stub().GetBlobLink(ctx.get(), lreq, &link).ok());
  EXPECT_THAT(link.url(), HasSubstr("as=alice"));

  const size_t before = cloud_->link_requests().size();
  ctx = harness_->As("bob");
  EXPECT_EQ(harness_->stub().GetBlobLink(ctx.get(), lreq, &link).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(cloud_->link_requests().size(), before);  // never reached the provider
}

TEST_F(WiringTest, WritesAreQueuedAndAnIndexerOutageLosesNoWrite) {
  v1::Document doc;
  ASSERT_TRUE(Create("alice", Request("file-q"), &doc).ok());
  v1::UpdateDocumentRequest up;
  up.mutable_document()->set_id(doc.id());
  up.mutable_document()->set_title("Renamed");
  up.mutable_update_mask()->add_paths("title");
  v1::Document updated;
  auto ctx = harness_->As("alice");
  ASSERT_TRUE(harness_->stub().UpdateDocument(ctx.get(), up, &updated).ok());

  index_->Fail(absl::UnavailableError("indexer down"));
  v1::Document second;
  grpc::Status s = Create("alice", Request("file-q2"), &second);
  index_->Fail(absl::OkStatus());
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(second.fulltext_state(), v1::FULLTEXT_STATE_PENDING);

  v1::DeleteDocumentRequest del;
  del.set_id(doc.id());
  v1::DeleteDocumentResponse dresp;
  ctx = harness_->As("alice");
  ASSERT_TRUE(harness_->stub().DeleteDocument(ctx.get(), del, &dresp).ok());

  EXPECT_THAT(index_->queued(), ::testing::Contains("updated:" + doc.id()));
  EXPECT_THAT(index_->queued(), ::testing::Contains("created:" + second.id()));
  EXPECT_THAT(index_->removed(), ::testing::Contains(doc.id()));
}

}  // namespace
}  // namespace lc::testing
