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
    for (const char* id : {"file-1", "file-v", "file-q", "file-q2", "file-x", "file-y", "folder"}) {
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

// The version's pin, through GetBlobLink as alice.
grpc::Status VersionLink(RepositoryHarness& h, const v1::Version& v, v1::Link* link) {
  v1::GetBlobLinkRequest req;
  req.set_document_id(v.document_id());
  req.set_version_id(v.id());
  req.set_kind(v1::LINK_KIND_DOWNLOAD);
  auto ctx = h.As("alice");
  return h.stub().GetBlobLink(ctx.get(), req, link);
}

v1::Version NewVersion(RepositoryHarness& h, const std::string& document_id) {
  v1::CreateVersionRequest req;
  req.set_document_id(document_id);
  v1::Version version;
  auto ctx = h.As("alice");
  grpc::Status s = h.stub().CreateVersion(ctx.get(), req, &version);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return version;
}

TEST_F(WiringTest, AVersionWhoseRevisionTheProviderDroppedIsMarkedWhenItsLinkIsAsked) {
  v1::Document doc;
  ASSERT_TRUE(Create("alice", Request("file-x"), &doc).ok());
  const v1::Version version = NewVersion(*harness_, doc.id());
  EXPECT_EQ(version.state(), v1::VERSION_STATE_AVAILABLE);
  // The file changed since, and the provider's history dropped the pin.
  cloud_->ExpireRevision(kOwnedAccount, "file-x", version.blob().revision());

  v1::Link link;
  grpc::Status s = VersionLink(*harness_, version, &link);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(),
              HasSubstr("version 1 of document " + doc.id() + " is no longer available"));
  EXPECT_THAT(s.error_message(), HasSubstr("no longer keeps revision head-7"));

  v1::GetVersionRequest get;
  get.set_document_id(doc.id());
  get.set_version_id(version.id());
  v1::Version got;
  auto ctx = harness_->As("alice");
  ASSERT_TRUE(harness_->stub().GetVersion(ctx.get(), get, &got).ok());
  EXPECT_EQ(got.state(), v1::VERSION_STATE_REVISION_EXPIRED);
  EXPECT_TRUE(got.has_state_time());
  EXPECT_THAT(got.state_reason(), HasSubstr("revision head-7 of file file-x is gone"));

  v1::GetHistoryRequest hreq;
  hreq.set_document_id(doc.id());
  v1::GetHistoryResponse history;
  ctx = harness_->As("alice");
  ASSERT_TRUE(harness_->stub().GetHistory(ctx.get(), hreq, &history).ok());
  ASSERT_EQ(history.events_size(), 3);  // created, versioned, revision expired
  EXPECT_EQ(history.events(2).kind(), v1::HISTORY_EVENT_KIND_REVISION_EXPIRED);
  EXPECT_EQ(history.events(2).version_id(), version.id());
  EXPECT_EQ(history.events(2).actor(), "service:repository");

  // Marked once: the next ask answers from the state, without the provider,
  // and writes no second entry.
  const size_t asked = cloud_->link_requests().size();
  s = VersionLink(*harness_, version, &link);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("no longer available"));
  EXPECT_EQ(cloud_->link_requests().size(), asked);
  ctx = harness_->As("alice");
  ASSERT_TRUE(harness_->stub().GetHistory(ctx.get(), hreq, &history).ok());
  EXPECT_EQ(history.events_size(), 3);
}

TEST_F(WiringTest, AVersionOfAFileThatIsGoneIsNotMarkedExpired) {
  v1::Document doc;
  ASSERT_TRUE(Create("alice", Request("file-y"), &doc).ok());
  const v1::Version version = NewVersion(*harness_, doc.id());
  cloud_->RemoveFile(kOwnedAccount, "file-y");  // the whole file, not one revision
  v1::Link link;
  EXPECT_EQ(VersionLink(*harness_, version, &link).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetVersionRequest get;
  get.set_document_id(doc.id());
  get.set_version_id(version.id());
  v1::Version got;
  auto ctx = harness_->As("alice");
  ASSERT_TRUE(harness_->stub().GetVersion(ctx.get(), get, &got).ok());
  EXPECT_EQ(got.state(), v1::VERSION_STATE_AVAILABLE);  // sync marks the document instead
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
