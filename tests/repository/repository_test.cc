// RepositoryService through a real gRPC channel against a real PostgreSQL
// and against the in-memory store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "harness.h"
#include "testing/in_memory_document_store.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

using ::testing::HasSubstr;

// Every test runs against PostgreSQL (PgDocumentStore's SQL) and against the
// in-memory store the logic tests use (so that fake keeps the same contract).
class RepositoryTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    for (auto& [store, harness] : harnesses_) delete harness;
    harnesses_.clear();
  }
  void SetUp() override {
    if (GetParam() == "postgres") LC_REQUIRE_POSTGRES();
    RepositoryHarness*& harness = harnesses_[GetParam()];
    if (harness == nullptr) {
      harness = GetParam() == "postgres"
                    ? new RepositoryHarness(CreateTestDatabase())
                    : new RepositoryHarness(std::make_unique<InMemoryDocumentStore>());
    }
    harness_ = harness;
  }

  v1::RepositoryService::Stub& stub() { return harness_->stub(); }

  v1::CreateDocumentRequest NewRequest(const std::string& file_id,
                                       const std::string& provider = "googledrive") {
    v1::CreateDocumentRequest req;
    req.mutable_blob()->set_provider(provider);
    req.mutable_blob()->set_account("alice@example.com");
    req.mutable_blob()->set_file_id(file_id);
    auto* md = req.mutable_blob_metadata();
    md->set_filename(file_id + ".pdf");
    md->set_mime_type("application/pdf");
    md->set_size(1234);
    md->set_digest("abc123");
    md->set_digest_algorithm(v1::DIGEST_ALGORITHM_MD5);
    md->set_revision("rev-1");
    return req;
  }

  v1::Document Create(const std::string& user, const v1::CreateDocumentRequest& req) {
    v1::Document doc;
    auto ctx = harness_->As(user);
    grpc::Status s = stub().CreateDocument(ctx.get(), req, &doc);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return doc;
  }

  grpc::Status Get(const std::string& user, const std::string& id, v1::Document* out,
                   std::vector<std::string> roles = {}) {
    v1::GetDocumentRequest req;
    req.set_id(id);
    auto ctx = harness_->As(user, std::move(roles));
    return stub().GetDocument(ctx.get(), req, out);
  }

  grpc::Status Update(const std::string& user, const v1::Document& doc,
                      std::vector<std::string> paths, const std::string& etag, v1::Document* out) {
    v1::UpdateDocumentRequest req;
    *req.mutable_document() = doc;
    for (auto& p : paths) req.mutable_update_mask()->add_paths(p);
    req.set_etag(etag);
    auto ctx = harness_->As(user);
    return stub().UpdateDocument(ctx.get(), req, out);
  }

  std::vector<v1::HistoryEvent> History(const std::string& user, const std::string& id) {
    v1::GetHistoryRequest req;
    req.set_document_id(id);
    v1::GetHistoryResponse resp;
    auto ctx = harness_->As(user);
    grpc::Status s = stub().GetHistory(ctx.get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.events().begin(), resp.events().end()};
  }

  static inline std::map<std::string, RepositoryHarness*> harnesses_;
  RepositoryHarness* harness_ = nullptr;
};

TEST_P(RepositoryTest, CreateStoresEverythingAndDefaultsFromTheFile) {
  auto req = NewRequest("file-create");
  (*req.mutable_properties())["dc:source"] = "upload";
  v1::Document doc = Create("alice", req);
  EXPECT_EQ(doc.id().size(), 36u);
  EXPECT_EQ(doc.title(), "file-create.pdf");  // no title given: the file name
  EXPECT_FALSE(doc.title_locked());
  EXPECT_EQ(doc.type(), v1::DOCUMENT_TYPE_FILE);
  EXPECT_EQ(doc.owner(), "alice");
  EXPECT_EQ(doc.blob().file_id(), "file-create");
  EXPECT_EQ(doc.blob_metadata().size(), 1234);
  EXPECT_EQ(doc.reference_state(), v1::REFERENCE_STATE_OK);
  EXPECT_EQ(doc.fulltext_state(), v1::FULLTEXT_STATE_PENDING);
  EXPECT_FALSE(doc.etag().empty());

  v1::Document got;
  ASSERT_TRUE(Get("alice", doc.id(), &got).ok());
  EXPECT_EQ(got.SerializeAsString(), doc.SerializeAsString());

  auto events = History("alice", doc.id());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), v1::HISTORY_EVENT_KIND_CREATED);
  EXPECT_EQ(events[0].actor(), "alice");
}

TEST_P(RepositoryTest, TypeFollowsMimeTypeWhenNotGiven) {
  auto req = NewRequest("photo");
  req.mutable_blob_metadata()->set_mime_type("image/jpeg");
  EXPECT_EQ(Create("alice", req).type(), v1::DOCUMENT_TYPE_PICTURE);
  req.set_type(v1::DOCUMENT_TYPE_AUDIO);
  EXPECT_EQ(Create("alice", req).type(), v1::DOCUMENT_TYPE_AUDIO);
}

TEST_P(RepositoryTest, RetriedCreateWithSameRequestIdReturnsTheSameDocument) {
  auto req = NewRequest("idempotent");
  req.set_request_id("req-42");
  v1::Document first = Create("alice", req);
  v1::Document second = Create("alice", req);
  EXPECT_EQ(first.id(), second.id());
  // Another user's key space is separate.
  EXPECT_NE(Create("bob", req).id(), first.id());
}

TEST_P(RepositoryTest, BadInputNamesTheField) {
  struct Case {
    std::string name;
    std::function<void(v1::CreateDocumentRequest&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {"empty title and filename", [](auto& r) { r.mutable_blob_metadata()->clear_filename(); },
       "title"},
      {"blank title", [](auto& r) { r.set_title("   "); }, "title"},
      {"oversize title", [](auto& r) { r.set_title(std::string(513, 'x')); }, "title"},
      {"control char title", [](auto& r) { r.set_title("a\nb"); }, "title"},
      {"unknown type", [](auto& r) { r.set_type(static_cast<v1::DocumentType>(99)); }, "type"},
      {"missing provider", [](auto& r) { r.mutable_blob()->clear_provider(); }, "blob.provider"},
      {"bad provider", [](auto& r) { r.mutable_blob()->set_provider("Google Drive"); },
       "blob.provider"},
      {"missing account", [](auto& r) { r.mutable_blob()->clear_account(); }, "blob.account"},
      {"missing file id", [](auto& r) { r.mutable_blob()->clear_file_id(); }, "blob.file_id"},
      {"revision on a document", [](auto& r) { r.mutable_blob()->set_revision("r1"); },
       "blob.revision"},
      {"oversize description", [](auto& r) { r.set_description(std::string(8193, 'd')); },
       "description"},
      {"too many properties",
       [](auto& r) {
         for (int i = 0; i < 65; ++i) (*r.mutable_properties())["k" + std::to_string(i)] = "v";
       },
       "properties"},
      {"bad property key", [](auto& r) { (*r.mutable_properties())["bad key"] = "v"; },
       "properties"},
      {"oversize property value",
       [](auto& r) { (*r.mutable_properties())["k"] = std::string(4097, 'v'); }, "properties"},
  };
  for (const auto& c : cases) {
    auto req = NewRequest("bad-input");
    c.mutate(req);
    v1::Document doc;
    auto ctx = harness_->As("alice");
    grpc::Status s = stub().CreateDocument(ctx.get(), req, &doc);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.name;
    EXPECT_THAT(s.error_message(), HasSubstr(c.field)) << c.name;
  }
  // Nothing was half-written.
  v1::ListDocumentsRequest list;
  list.set_page_size(500);
  v1::ListDocumentsResponse resp;
  auto ctx = harness_->As("alice");
  ASSERT_TRUE(stub().ListDocuments(ctx.get(), list, &resp).ok());
  for (const auto& d : resp.documents()) EXPECT_NE(d.blob().file_id(), "bad-input");
}

TEST_P(RepositoryTest, MalformedAndUnknownIds) {
  v1::Document doc;
  grpc::Status s = Get("alice", "not-a-uuid", &doc);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("id"));
  s = Get("alice", "00000000-0000-4000-8000-000000000000", &doc);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(RepositoryTest, UsersAreIsolatedAndAdminsSeeAll) {
  v1::Document mine = Create("alice", NewRequest("isolated"));
  v1::Document got;
  grpc::Status s = Get("bob", mine.id(), &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  // The answer is the same as for an id that does not exist.
  EXPECT_THAT(s.error_message(), HasSubstr("not found"));

  v1::Document changed = mine;
  changed.set_title("stolen");
  EXPECT_EQ(Update("bob", changed, {"title"}, "", &got).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::DeleteDocumentRequest del;
  del.set_id(mine.id());
  v1::DeleteDocumentResponse dresp;
  auto ctx = harness_->As("bob");
  EXPECT_EQ(stub().DeleteDocument(ctx.get(), del, &dresp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::CreateVersionRequest vreq;
  vreq.set_document_id(mine.id());
  v1::Version v;
  ctx = harness_->As("bob");
  EXPECT_EQ(stub().CreateVersion(ctx.get(), vreq, &v).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetHistoryRequest hreq;
  hreq.set_document_id(mine.id());
  v1::GetHistoryResponse hresp;
  ctx = harness_->As("bob");
  EXPECT_EQ(stub().GetHistory(ctx.get(), hreq, &hresp).error_code(), grpc::StatusCode::NOT_FOUND);

  // bob's listing never shows it; an admin can read it.
  v1::ListDocumentsRequest list;
  list.set_page_size(500);
  v1::ListDocumentsResponse resp;
  ctx = harness_->As("bob");
  ASSERT_TRUE(stub().ListDocuments(ctx.get(), list, &resp).ok());
  for (const auto& d : resp.documents()) EXPECT_EQ(d.owner(), "bob");
  EXPECT_TRUE(Get("root", mine.id(), &got, {"admin"}).ok());
  EXPECT_EQ(got.title(), mine.title());

  list.set_all_users(true);
  ctx = harness_->As("bob");
  EXPECT_EQ(stub().ListDocuments(ctx.get(), list, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_P(RepositoryTest, UpdateAppliesOnlyTheMaskAndLocksTheTitle) {
  auto req = NewRequest("update-mask");
  req.set_description("before");
  v1::Document doc = Create("alice", req);
  v1::Document in;
  in.set_id(doc.id());
  in.set_title("New title");
  in.set_description("ignored: not in the mask");
  v1::Document out;
  ASSERT_TRUE(Update("alice", in, {"title"}, "", &out).ok());
  EXPECT_EQ(out.title(), "New title");
  EXPECT_TRUE(out.title_locked());
  EXPECT_EQ(out.description(), "before");
  EXPECT_NE(out.etag(), doc.etag());

  grpc::Status s = Update("alice", in, {"owner"}, "", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("update_mask"));
  EXPECT_EQ(Update("alice", in, {}, "", &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  in.set_title("");
  s = Update("alice", in, {"title"}, "", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("document.title"));

  auto events = History("alice", doc.id());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind(), v1::HISTORY_EVENT_KIND_UPDATED);
  EXPECT_THAT(std::vector<std::string>(events[1].changed_fields().begin(),
                                       events[1].changed_fields().end()),
              ::testing::ElementsAre("title"));
}

TEST_P(RepositoryTest, StaleEtagIsRefused) {
  v1::Document doc = Create("alice", NewRequest("etag"));
  v1::Document in;
  in.set_id(doc.id());
  in.set_description("first");
  v1::Document out;
  ASSERT_TRUE(Update("alice", in, {"description"}, doc.etag(), &out).ok());
  in.set_description("second, from a stale read");
  grpc::Status s = Update("alice", in, {"description"}, doc.etag(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::Document got;
  ASSERT_TRUE(Get("alice", doc.id(), &got).ok());
  EXPECT_EQ(got.description(), "first");

  v1::DeleteDocumentRequest del;
  del.set_id(doc.id());
  del.set_etag(doc.etag());
  v1::DeleteDocumentResponse dresp;
  auto ctx = harness_->As("alice");
  EXPECT_EQ(stub().DeleteDocument(ctx.get(), del, &dresp).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Get("alice", doc.id(), &got).ok());
}

TEST_P(RepositoryTest, ConcurrentUpdatesNeverLoseAWrite) {
  v1::Document doc = Create("alice", NewRequest("concurrent"));
  constexpr int kWriters = 16;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      // Read-modify-write of the properties map with the etag: a conflict is
      // retried from a fresh read, as a client should.
      for (;;) {
        v1::Document cur;
        if (!Get("alice", doc.id(), &cur).ok()) return;
        (*cur.mutable_properties())["writer" + std::to_string(i)] = "done";
        v1::Document out;
        grpc::Status s = Update("alice", cur, {"properties"}, cur.etag(), &out);
        if (s.ok()) return;
        if (s.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
          ADD_FAILURE() << s.error_message();
          return;
        }
        conflicts++;
      }
    });
  }
  for (auto& t : threads) t.join();
  v1::Document final_doc;
  ASSERT_TRUE(Get("alice", doc.id(), &final_doc).ok());
  EXPECT_EQ(final_doc.properties().size(), static_cast<size_t>(kWriters));
  EXPECT_EQ(History("alice", doc.id()).size(), static_cast<size_t>(kWriters + 1));
}

TEST_P(RepositoryTest, DeleteKeepsHistory) {
  v1::Document doc = Create("alice", NewRequest("delete"));
  v1::DeleteDocumentRequest del;
  del.set_id(doc.id());
  v1::DeleteDocumentResponse dresp;
  auto ctx = harness_->As("alice");
  ASSERT_TRUE(stub().DeleteDocument(ctx.get(), del, &dresp).ok());
  v1::Document got;
  EXPECT_EQ(Get("alice", doc.id(), &got).error_code(), grpc::StatusCode::NOT_FOUND);
  ctx = harness_->As("alice");
  EXPECT_EQ(stub().DeleteDocument(ctx.get(), del, &dresp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  auto events = History("alice", doc.id());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind(), v1::HISTORY_EVENT_KIND_DELETED);
}

TEST_P(RepositoryTest, ListPaginatesWithoutGapsAndFilters) {
  const std::string user = "lister";
  std::set<std::string> created;
  for (int i = 0; i < 23; ++i) {
    auto req = NewRequest("list-" + std::to_string(i), i % 2 ? "dropbox" : "box");
    if (i % 3 == 0) req.set_type(v1::DOCUMENT_TYPE_VIDEO);
    created.insert(Create(user, req).id());
  }
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListDocumentsRequest req;
    req.set_page_size(5);
    req.set_page_token(token);
    v1::ListDocumentsResponse resp;
    auto ctx = harness_->As(user);
    grpc::Status s = stub().ListDocuments(ctx.get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LE(resp.documents_size(), 5);
    for (const auto& d : resp.documents()) EXPECT_TRUE(seen.insert(d.id()).second) << "duplicate";
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, created);
  EXPECT_EQ(pages, 5);

  v1::ListDocumentsRequest req;
  req.set_provider("dropbox");
  req.set_type(v1::DOCUMENT_TYPE_VIDEO);
  v1::ListDocumentsResponse resp;
  auto ctx = harness_->As(user);
  ASSERT_TRUE(stub().ListDocuments(ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.documents_size(), 4);  // i in {3, 9, 15, 21}
  for (const auto& d : resp.documents()) {
    EXPECT_EQ(d.blob().provider(), "dropbox");
    EXPECT_EQ(d.type(), v1::DOCUMENT_TYPE_VIDEO);
  }

  req.set_page_token("garbage!");
  ctx = harness_->As(user);
  grpc::Status s = stub().ListDocuments(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
  req.set_page_token("");
  req.set_page_size(-1);
  ctx = harness_->As(user);
  EXPECT_EQ(stub().ListDocuments(ctx.get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(RepositoryTest, VersionsAreImmutableSnapshotsWithAPinnedRevision) {
  v1::Document doc = Create("alice", NewRequest("versioned"));
  v1::CreateVersionRequest vreq;
  vreq.set_document_id(doc.id());
  vreq.set_label("approved");
  v1::Version v1_;
  auto ctx = harness_->As("alice");
  ASSERT_TRUE(stub().CreateVersion(ctx.get(), vreq, &v1_).ok());
  EXPECT_EQ(v1_.number(), 1);
  EXPECT_EQ(v1_.blob().revision(), "rev-1");
  EXPECT_EQ(v1_.title(), doc.title());

  v1::Document in;
  in.set_id(doc.id());
  in.set_title("Renamed after the version");
  v1::Document out;
  ASSERT_TRUE(Update("alice", in, {"title"}, "", &out).ok());
  EXPECT_EQ(out.version_count(), 1);

  vreq.set_label("second");
  v1::Version v2_;
  ctx = harness_->As("alice");
  ASSERT_TRUE(stub().CreateVersion(ctx.get(), vreq, &v2_).ok());
  EXPECT_EQ(v2_.number(), 2);
  EXPECT_EQ(v2_.title(), "Renamed after the version");

  v1::GetVersionRequest greq;
  greq.set_document_id(doc.id());
  greq.set_version_id(v1_.id());
  v1::Version got;
  ctx = harness_->As("alice");
  ASSERT_TRUE(stub().GetVersion(ctx.get(), greq, &got).ok());
  EXPECT_EQ(got.title(), doc.title());  // the snapshot did not follow the rename
  EXPECT_EQ(got.SerializeAsString(), v1_.SerializeAsString());

  v1::ListVersionsRequest lreq;
  lreq.set_document_id(doc.id());
  lreq.set_page_size(1);
  v1::ListVersionsResponse lresp;
  ctx = harness_->As("alice");
  ASSERT_TRUE(stub().ListVersions(ctx.get(), lreq, &lresp).ok());
  ASSERT_EQ(lresp.versions_size(), 1);
  EXPECT_EQ(lresp.versions(0).id(), v1_.id());
  lreq.set_page_token(lresp.next_page_token());
  ctx = harness_->As("alice");
  ASSERT_TRUE(stub().ListVersions(ctx.get(), lreq, &lresp).ok());
  ASSERT_EQ(lresp.versions_size(), 1);
  EXPECT_EQ(lresp.versions(0).id(), v2_.id());
  EXPECT_TRUE(lresp.next_page_token().empty());

  if (harness_->has_pool()) {
    // Even a direct UPDATE is refused by the database.
    absl::Status s = harness_->pool().Run([&](pqxx::work& tx) {
      tx.exec_params("UPDATE versions SET number = 99 WHERE id = $1", v1_.id());
      return absl::OkStatus();
    });
    EXPECT_FALSE(s.ok());
  }

  auto events = History("alice", doc.id());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].kind(), v1::HISTORY_EVENT_KIND_VERSIONED);
  EXPECT_EQ(events[1].version_id(), v1_.id());
}

TEST_P(RepositoryTest, VersionNeedsAKnownRevision) {
  auto req = NewRequest("no-revision");
  req.mutable_blob_metadata()->clear_revision();
  v1::Document doc = Create("alice", req);
  v1::CreateVersionRequest vreq;
  vreq.set_document_id(doc.id());
  v1::Version v;
  auto ctx = harness_->As("alice");
  grpc::Status s = stub().CreateVersion(ctx.get(), vreq, &v);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::Document got;
  ASSERT_TRUE(Get("alice", doc.id(), &got).ok());
  EXPECT_EQ(got.version_count(), 0);
  EXPECT_EQ(got.etag(), doc.etag());
  v1::GetVersionRequest greq;
  greq.set_document_id(doc.id());
  greq.set_version_id("00000000-0000-4000-8000-000000000000");
  ctx = harness_->As("alice");
  EXPECT_EQ(stub().GetVersion(ctx.get(), greq, &v).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(RepositoryTest, BlobLinkWaitsForTheProvidersService) {
  v1::Document doc = Create("alice", NewRequest("link"));
  v1::GetBlobLinkRequest req;
  req.set_document_id(doc.id());
  req.set_kind(v1::LINK_KIND_DOWNLOAD);
  v1::Link link;
  auto ctx = harness_->As("alice");
  EXPECT_EQ(stub().GetBlobLink(ctx.get(), req, &link).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ctx = harness_->As("bob");
  EXPECT_EQ(stub().GetBlobLink(ctx.get(), req, &link).error_code(), grpc::StatusCode::NOT_FOUND);
  req.set_kind(v1::LINK_KIND_UNSPECIFIED);
  ctx = harness_->As("alice");
  EXPECT_EQ(stub().GetBlobLink(ctx.get(), req, &link).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(RepositoryTest, CallsWithoutAValidTokenAreRejected) {
  v1::ListDocumentsRequest req;
  v1::ListDocumentsResponse resp;
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(stub().ListDocuments(&ctx, req, &resp).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    absl::Time now = absl::Now();
    ctx.AddMetadata("authorization",
                    "Bearer " + MintHs256("another-secret-another-secret-another-secret",
                                          Principal{"alice", {}}, now, now + absl::Minutes(1)));
    EXPECT_EQ(stub().ListDocuments(&ctx, req, &resp).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    absl::Time past = absl::Now() - absl::Hours(2);
    ctx.AddMetadata("authorization", "Bearer " + MintHs256(kJwtSecret, Principal{"alice", {}}, past,
                                                           past + absl::Minutes(5)));
    EXPECT_EQ(stub().ListDocuments(&ctx, req, &resp).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // Internal RPCs refuse a user token.
  v1::ApplyFileChangeRequest change;
  v1::ApplyFileChangeResponse cresp;
  auto ctx = harness_->As("alice", {"admin"});
  EXPECT_EQ(stub().ApplyFileChange(ctx.get(), change, &cresp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

v1::ApplyFileChangeRequest Change(const std::string& user, const std::string& file_id,
                                  v1::ChangeKind kind) {
  v1::ApplyFileChangeRequest req;
  req.set_user(user);
  req.set_provider("googledrive");
  req.set_account("alice@example.com");
  req.set_file_id(file_id);
  req.set_kind(kind);
  return req;
}

TEST_P(RepositoryTest, SyncAppliesAContentOnlyEditOnceAndReplaysHarmlessly) {
  auto create = NewRequest("sync-content");
  v1::Document doc = Create("carol", create);
  v1::Document other = Create("dave", create);  // same file, another user's document

  auto change = Change("carol", "sync-content", v1::CHANGE_KIND_MODIFIED);
  *change.mutable_metadata() = create.blob_metadata();
  change.mutable_metadata()->set_digest("new-digest");  // same name, same size: content only
  change.mutable_metadata()->set_revision("rev-2");
  change.set_has_thumbnail(true);
  v1::ApplyFileChangeResponse resp;
  auto ctx = harness_->As("service:sync", {"service"});
  grpc::Status s = stub().ApplyFileChange(ctx.get(), change, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.updated_document_ids_size(), 1);
  EXPECT_EQ(resp.updated_document_ids(0), doc.id());

  v1::Document got;
  ASSERT_TRUE(Get("carol", doc.id(), &got).ok());
  EXPECT_EQ(got.blob_metadata().digest(), "new-digest");
  EXPECT_EQ(got.blob_metadata().revision(), "rev-2");
  EXPECT_EQ(got.title(), doc.title());
  EXPECT_EQ(got.fulltext_state(), v1::FULLTEXT_STATE_PENDING);
  EXPECT_EQ(got.thumbnail_state(), v1::THUMBNAIL_STATE_AVAILABLE);
  EXPECT_NE(got.etag(), doc.etag());
  auto events = History("carol", doc.id());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind(), v1::HISTORY_EVENT_KIND_SYNCED);
  EXPECT_EQ(events[1].actor(), "service:sync");
  EXPECT_THAT(std::vector<std::string>(events[1].changed_fields().begin(),
                                       events[1].changed_fields().end()),
              ::testing::IsSupersetOf({"blob_metadata.digest", "blob_metadata.revision"}));

  // A replay (crash before the cursor was saved) changes nothing.
  ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().ApplyFileChange(ctx.get(), change, &resp).ok());
  EXPECT_EQ(resp.updated_document_ids_size(), 0);
  EXPECT_EQ(resp.unchanged_count(), 1);
  EXPECT_EQ(History("carol", doc.id()).size(), 2u);

  // dave's document was read with dave's account only: untouched.
  ASSERT_TRUE(Get("dave", other.id(), &got).ok());
  EXPECT_EQ(got.blob_metadata().digest(), "abc123");
}

TEST_P(RepositoryTest, SyncRenameFollowsTheFileNameUnlessTheTitleIsLocked) {
  auto create = NewRequest("sync-rename");
  v1::Document follows = Create("erin", create);
  create.set_title("My own title");
  v1::Document locked = Create("erin", create);

  auto change = Change("erin", "sync-rename", v1::CHANGE_KIND_RENAMED);
  *change.mutable_metadata() = create.blob_metadata();
  change.mutable_metadata()->set_filename("renamed.pdf");
  v1::ApplyFileChangeResponse resp;
  auto ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().ApplyFileChange(ctx.get(), change, &resp).ok());
  EXPECT_EQ(resp.updated_document_ids_size(), 2);
  v1::Document got;
  ASSERT_TRUE(Get("erin", follows.id(), &got).ok());
  EXPECT_EQ(got.title(), "renamed.pdf");
  EXPECT_EQ(got.blob_metadata().filename(), "renamed.pdf");
  ASSERT_TRUE(Get("erin", locked.id(), &got).ok());
  EXPECT_EQ(got.title(), "My own title");
  EXPECT_EQ(got.blob_metadata().filename(), "renamed.pdf");
}

TEST_P(RepositoryTest, SyncMarksADeletedFileAndKeepsTheDocument) {
  auto create = NewRequest("sync-delete");
  v1::Document doc = Create("frank", create);
  auto change = Change("frank", "sync-delete", v1::CHANGE_KIND_DELETED);
  v1::ApplyFileChangeResponse resp;
  auto ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().ApplyFileChange(ctx.get(), change, &resp).ok());
  EXPECT_EQ(resp.updated_document_ids_size(), 1);
  v1::Document got;
  ASSERT_TRUE(Get("frank", doc.id(), &got).ok());
  EXPECT_EQ(got.reference_state(), v1::REFERENCE_STATE_FILE_DELETED);
  EXPECT_THAT(got.reference_reason(), HasSubstr("deleted"));
  auto events = History("frank", doc.id());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind(), v1::HISTORY_EVENT_KIND_REFERENCE_LOST);
  ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().ApplyFileChange(ctx.get(), change, &resp).ok());
  EXPECT_EQ(resp.unchanged_count(), 1);
  EXPECT_EQ(History("frank", doc.id()).size(), 2u);
  // A version of a file that can no longer be read is refused.
  v1::CreateVersionRequest vreq;
  vreq.set_document_id(doc.id());
  v1::Version v;
  ctx = harness_->As("frank");
  EXPECT_EQ(stub().CreateVersion(ctx.get(), vreq, &v).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  auto bad = Change("frank", "sync-delete", v1::CHANGE_KIND_MODIFIED);  // no metadata
  ctx = harness_->As("service:sync", {"service"});
  grpc::Status s = stub().ApplyFileChange(ctx.get(), bad, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("metadata"));
}

TEST_P(RepositoryTest, SyncFindsReferencedAccountsAndDocumentsByFile) {
  for (int i = 0; i < 3; ++i) Create("gina", NewRequest("gina-" + std::to_string(i), "box"));
  Create("gina", NewRequest("gina-d", "dropbox"));
  std::map<std::string, int64_t> counts;
  std::string token;
  do {
    v1::ListReferencedAccountsRequest req;
    req.set_page_size(2);
    req.set_page_token(token);
    v1::ListReferencedAccountsResponse resp;
    auto ctx = harness_->As("service:sync", {"service"});
    ASSERT_TRUE(stub().ListReferencedAccounts(ctx.get(), req, &resp).ok());
    for (const auto& a : resp.accounts()) {
      EXPECT_TRUE(counts.emplace(a.user() + "/" + a.provider(), a.document_count()).second);
    }
    token = resp.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(counts["gina/box"], 3);
  EXPECT_EQ(counts["gina/dropbox"], 1);

  v1::FindDocumentsByFilesRequest find;
  find.set_user("gina");
  find.set_provider("box");
  find.set_account("alice@example.com");
  find.add_file_ids("gina-1");
  find.add_file_ids("gina-2");
  find.add_file_ids("not-referenced");
  v1::FindDocumentsByFilesResponse found;
  auto ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().FindDocumentsByFiles(ctx.get(), find, &found).ok());
  std::set<std::string> files;
  for (const auto& d : found.documents()) files.insert(d.blob().file_id());
  EXPECT_EQ(files, (std::set<std::string>{"gina-1", "gina-2"}));

  // Without file ids: every referenced file of the account, paged.
  find.clear_file_ids();
  find.set_page_size(2);
  ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().FindDocumentsByFiles(ctx.get(), find, &found).ok());
  EXPECT_EQ(found.documents_size(), 2);
  find.set_page_token(found.next_page_token());
  ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().FindDocumentsByFiles(ctx.get(), find, &found).ok());
  EXPECT_EQ(found.documents_size(), 1);
  EXPECT_TRUE(found.next_page_token().empty());
}

TEST_P(RepositoryTest, IndexerRecordsTheFulltextStateWithoutANewEtag) {
  v1::Document doc = Create("hana", NewRequest("fulltext"));
  v1::RecordFulltextStateRequest req;
  req.set_document_id(doc.id());
  req.set_state(v1::FULLTEXT_STATE_METADATA_ONLY);
  req.set_reason("unsupported format: application/x-foo");
  v1::RecordFulltextStateResponse resp;
  auto ctx = harness_->As("hana");
  EXPECT_EQ(stub().RecordFulltextState(ctx.get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ctx = harness_->As("service:indexer", {"service"});
  ASSERT_TRUE(stub().RecordFulltextState(ctx.get(), req, &resp).ok());
  v1::Document got;
  ASSERT_TRUE(Get("hana", doc.id(), &got).ok());
  EXPECT_EQ(got.fulltext_state(), v1::FULLTEXT_STATE_METADATA_ONLY);
  EXPECT_EQ(got.fulltext_reason(), "unsupported format: application/x-foo");
  EXPECT_EQ(got.etag(), doc.etag());
  EXPECT_EQ(History("hana", doc.id()).size(), 1u);
  req.set_document_id("00000000-0000-4000-8000-000000000000");
  ctx = harness_->As("service:indexer", {"service"});
  EXPECT_EQ(stub().RecordFulltextState(ctx.get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(RepositoryTest, SyncMarksVersionsOfGoneRevisionsOnceAndHistoryShowsIt) {
  auto create = NewRequest("retention");
  v1::Document doc = Create("ivy", create);
  v1::Document other = Create("jack", create);  // same file, another user's document
  auto version = [&](const std::string& user, const std::string& doc_id) {
    v1::CreateVersionRequest req;
    req.set_document_id(doc_id);
    v1::Version v;
    auto ctx = harness_->As(user);
    grpc::Status s = stub().CreateVersion(ctx.get(), req, &v);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return v;
  };
  const v1::Version first = version("ivy", doc.id());  // pins rev-1
  const v1::Version jacks = version("jack", other.id());
  auto change = Change("ivy", "retention", v1::CHANGE_KIND_MODIFIED);
  *change.mutable_metadata() = create.blob_metadata();
  change.mutable_metadata()->set_revision("rev-2");
  change.mutable_metadata()->set_digest("digest-2");
  change.set_account("alice@example.com");
  v1::ApplyFileChangeResponse applied;
  auto ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().ApplyFileChange(ctx.get(), change, &applied).ok());
  const v1::Version second = version("ivy", doc.id());  // pins rev-2
  EXPECT_EQ(second.blob().revision(), "rev-2");
  v1::Document before_mark;
  ASSERT_TRUE(Get("ivy", doc.id(), &before_mark).ok());

  // Sync reads the pins still believed available: service identity only.
  v1::ListPinnedRevisionsRequest list;
  list.set_user("ivy");
  list.set_provider("googledrive");
  list.set_account("alice@example.com");
  list.add_file_ids("retention");
  v1::ListPinnedRevisionsResponse pins;
  ctx = harness_->As("ivy");
  EXPECT_EQ(stub().ListPinnedRevisions(ctx.get(), list, &pins).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().ListPinnedRevisions(ctx.get(), list, &pins).ok());
  std::map<std::string, std::string> pinned;  // version id -> revision
  for (const auto& p : pins.pins()) {
    EXPECT_EQ(p.file_id(), "retention");
    EXPECT_EQ(p.document_id(), doc.id());
    pinned[p.version_id()] = p.revision();
  }
  EXPECT_EQ(pinned,
            (std::map<std::string, std::string>{{first.id(), "rev-1"}, {second.id(), "rev-2"}}));

  // The provider no longer has rev-1.
  v1::MarkRevisionsExpiredRequest mark;
  mark.set_user("ivy");
  mark.set_provider("googledrive");
  mark.set_account("alice@example.com");
  mark.set_file_id("retention");
  mark.add_revisions("rev-1");
  mark.set_reason("Drive keeps a replaced revision 30 days.");
  mark.mutable_observed_time()->set_seconds(1767225600);  // 2026-01-01T00:00:00Z
  mark.mutable_observed_time()->set_nanos(123456789);
  v1::MarkRevisionsExpiredResponse marked;
  ctx = harness_->As("ivy");
  EXPECT_EQ(stub().MarkRevisionsExpired(ctx.get(), mark, &marked).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().MarkRevisionsExpired(ctx.get(), mark, &marked).ok());
  ASSERT_EQ(marked.expired_version_ids_size(), 1);
  EXPECT_EQ(marked.expired_version_ids(0), first.id());

  v1::ListVersionsRequest lv;
  lv.set_document_id(doc.id());
  v1::ListVersionsResponse versions;
  ctx = harness_->As("ivy");
  ASSERT_TRUE(stub().ListVersions(ctx.get(), lv, &versions).ok());
  ASSERT_EQ(versions.versions_size(), 2);
  const v1::Version& gone = versions.versions(0);
  EXPECT_EQ(gone.state(), v1::VERSION_STATE_REVISION_EXPIRED);
  EXPECT_EQ(gone.state_time().seconds(), 1767225600);
  EXPECT_EQ(gone.state_time().nanos(), 123456000);  // stored with microseconds
  EXPECT_EQ(gone.state_reason(), "Drive keeps a replaced revision 30 days.");
  EXPECT_EQ(gone.blob().revision(), "rev-1");  // the snapshot itself is unchanged
  EXPECT_EQ(gone.title(), first.title());
  EXPECT_EQ(versions.versions(1).state(), v1::VERSION_STATE_AVAILABLE);
  EXPECT_FALSE(versions.versions(1).has_state_time());
  v1::GetVersionRequest gv;
  gv.set_document_id(doc.id());
  gv.set_version_id(first.id());
  v1::Version got;
  ctx = harness_->As("ivy");
  ASSERT_TRUE(stub().GetVersion(ctx.get(), gv, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), gone.SerializeAsString());

  auto events = History("ivy", doc.id());
  ASSERT_FALSE(events.empty());
  const v1::HistoryEvent& e = events.back();
  EXPECT_EQ(e.kind(), v1::HISTORY_EVENT_KIND_REVISION_EXPIRED);
  EXPECT_EQ(e.version_id(), first.id());
  EXPECT_EQ(e.actor(), "service:sync");
  EXPECT_THAT(e.summary(), HasSubstr("version 1"));
  EXPECT_THAT(e.summary(), HasSubstr("rev-1"));
  // Not an edit of the document: its etag stays.
  v1::Document now;
  ASSERT_TRUE(Get("ivy", doc.id(), &now).ok());
  EXPECT_EQ(now.etag(), before_mark.etag());
  EXPECT_EQ(now.version_count(), 2);

  // A replay marks nothing and logs nothing; the pin leaves sync's list.
  const size_t logged = events.size();
  ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().MarkRevisionsExpired(ctx.get(), mark, &marked).ok());
  EXPECT_EQ(marked.expired_version_ids_size(), 0);
  EXPECT_EQ(History("ivy", doc.id()).size(), logged);
  ctx = harness_->As("service:sync", {"service"});
  ASSERT_TRUE(stub().ListPinnedRevisions(ctx.get(), list, &pins).ok());
  ASSERT_EQ(pins.pins_size(), 1);
  EXPECT_EQ(pins.pins(0).version_id(), second.id());

  // Another user's version of the same file is that user's sync's business.
  gv.set_document_id(other.id());
  gv.set_version_id(jacks.id());
  ctx = harness_->As("jack");
  ASSERT_TRUE(stub().GetVersion(ctx.get(), gv, &got).ok());
  EXPECT_EQ(got.state(), v1::VERSION_STATE_AVAILABLE);

  // Bad input names the field.
  mark.clear_revisions();
  ctx = harness_->As("service:sync", {"service"});
  grpc::Status s = stub().MarkRevisionsExpired(ctx.get(), mark, &marked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("revisions"));
  list.clear_file_ids();
  ctx = harness_->As("service:sync", {"service"});
  s = stub().ListPinnedRevisions(ctx.get(), list, &pins);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("file_ids"));
}

INSTANTIATE_TEST_SUITE_P(Stores, RepositoryTest, ::testing::Values("postgres", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lc::testing
