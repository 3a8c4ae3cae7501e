// The providers service against the cloud emulator, through the real oauth
// service: every operation for every registry entry (browse, paging,
// metadata, native Google documents, content, links, revisions and pinned
// references, change feeds with outside changes and expired cursors,
// ownership), and the emulator's faults (429 with Retry-After checked in its
// request log, bursts of 500 and 503, timeouts, truncated bodies, expired
// tokens).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "../oauth/harness.h"
#include "lcctl.h"
#include "providers_harness.h"
#include "testing/emulator_process.h"
#include "testing/pg_fixture.h"
#include "testing/wait.h"

namespace lc::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

// The connected cloud account: a personal one, and for onedrive-business a
// work account (its drive is a business drive, as with a real Microsoft 365
// account; the organizations tenant signs in work accounts only).
constexpr char kAccount[] = "alice@example.com";
constexpr char kWorkAccount[] = "alice@contoso.example";

class EmulatorProvidersTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (ServerConninfo().empty()) return;
    emulator_ = new EmulatorProcess(LC_CLOUD_EMULATOR_BIN);
    conninfo_ = new std::string(CreateTestDatabase());
    oauth_ = new OAuthHarness(*conninfo_, kKeyK1, emulator_->ca_file());
    ProvidersHarness::Options o;
    o.ca_file = emulator_->ca_file();
    o.reliability.initial_backoff = absl::Milliseconds(20);
    o.reliability.max_backoff = absl::Milliseconds(200);
    o.reliability.http_timeout = absl::Seconds(2);
    o.reliability.breaker_threshold = 1000;  // breaker behaviour is unit-tested
    o.providers.max_content_bytes = 1 << 20;
    providers_ = new ProvidersHarness(oauth_->port(), kJwtSecret, o);
  }
  static void TearDownTestSuite() {
    delete providers_;
    delete oauth_;
    delete emulator_;
    providers_ = nullptr;
    oauth_ = nullptr;
    emulator_ = nullptr;
  }

  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    const std::string& p = GetParam();
    user_ = "user-" + p;
    account_ = p == "onedrive-business" ? kWorkAccount : kAccount;
    grpc::Status s = ConfigureEmulatorProvider(*oauth_, *emulator_, p);
    ASSERT_TRUE(s.ok()) << s.error_message();
    emulator_->Send("DELETE", emulator_->Base(p) + "/_emulator/faults").IgnoreError();
    if (p == "onedrive-business") {
      emulator_->Admin(p, "POST", "/_emulator/users",
                       {{"email", account_}, {"account_type", "business"}});
    }
    s = ConnectEmulatorAccount(*oauth_, *emulator_, user_, p, account_);
    ASSERT_TRUE(s.ok()) << s.error_message();
    // Each test works in its own folder.
    prefix_ = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (char& c : prefix_) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    }
    prefix_ = "/" + prefix_;
  }

  // Seeds files under the test's folder; answers path -> id.
  std::map<std::string, std::string> Seed(const json& files) {
    json list = json::array();
    for (json f : files) {
      f["path"] = prefix_ + f["path"].get<std::string>();
      list.push_back(f);
    }
    json out = emulator_->Admin(GetParam(), "POST", "/_emulator/files",
                                {{"user", account_}, {"files", list}});
    std::map<std::string, std::string> ids;
    for (const json& f : out["files"]) {
      std::string path = f["path"].get<std::string>().substr(prefix_.size());
      ids[path] = f["id"].get<std::string>();
    }
    return ids;
  }
  std::string FolderId(const std::string& path) {
    json item = emulator_->Admin(GetParam(), "GET",
                                 "/_emulator/files?user=" + account_ + "&path=" + prefix_ + path);
    return item["id"].get<std::string>();
  }
  void Outside(const json& change) {
    emulator_->Admin(GetParam(), "POST", "/_emulator/changes", change);
  }
  void Fault(const json& fault) {
    emulator_->Admin(GetParam(), "POST", "/_emulator/faults", fault);
  }
  json Requests() { return emulator_->Admin(GetParam(), "GET", "/_emulator/requests?limit=200"); }
  void ResetRequests() { emulator_->Admin(GetParam(), "POST", "/_emulator/requests/reset"); }

  v1::BlobRef Ref(const std::string& id, const std::string& revision = "") {
    v1::BlobRef ref;
    ref.set_provider(GetParam());
    ref.set_account(account_);
    ref.set_file_id(id);
    ref.set_revision(revision);
    return ref;
  }
  v1::AccountRef Account() {
    v1::AccountRef a;
    a.set_provider(GetParam());
    a.set_account(account_);
    return a;
  }

  grpc::Status GetFile(const v1::BlobRef& ref, v1::CloudFile* out, bool no_cache = true) {
    v1::GetFileRequest req;
    *req.mutable_blob() = ref;
    req.set_no_cache(no_cache);
    auto ctx = providers_->As(user_);
    return providers_->stub().GetFile(ctx.get(), req, out);
  }
  grpc::Status Content(const v1::BlobRef& ref, v1::ContentFormat format, std::string* bytes,
                       std::string* mime = nullptr, int64_t max_bytes = 0) {
    v1::GetContentRequest req;
    *req.mutable_blob() = ref;
    req.set_format(format);
    req.set_max_bytes(max_bytes);
    auto ctx = providers_->As(user_);
    auto reader = providers_->stub().GetContent(ctx.get(), req);
    v1::ContentChunk chunk;
    bytes->clear();
    bool first = true;
    while (reader->Read(&chunk)) {
      if (first && mime) *mime = chunk.mime_type();
      first = false;
      *bytes += chunk.data();
    }
    return reader->Finish();
  }
  grpc::Status Link(const v1::BlobRef& ref, v1::LinkKind kind, v1::Link* out) {
    v1::GetLinkRequest req;
    *req.mutable_blob() = ref;
    req.set_kind(kind);
    auto ctx = providers_->As(user_);
    return providers_->stub().GetLink(ctx.get(), req, out);
  }
  // Follows a link: anonymously, or with the account's token when it says so.
  std::string Follow(const v1::Link& link) {
    if (link.requires_token()) return "<requires token>";
    auto r = emulator_->Fetch(link.url());
    if (!r.ok()) return "<" + r.status().ToString() + ">";
    if (r->status != 200) return "<HTTP " + std::to_string(r->status) + ">";
    return r->body;
  }
  std::vector<v1::Change> Drain(std::string* cursor, bool* reset = nullptr) {
    std::vector<v1::Change> all;
    for (int i = 0; i < 50; ++i) {
      v1::ListChangesRequest req;
      *req.mutable_account() = Account();
      req.set_cursor(*cursor);
      v1::ListChangesResponse resp;
      auto ctx = providers_->AsService();
      req.set_on_behalf_of(user_);
      grpc::Status s = providers_->stub().ListChanges(ctx.get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      if (resp.reset()) {
        if (reset) *reset = true;
        break;
      }
      all.insert(all.end(), resp.changes().begin(), resp.changes().end());
      *cursor = resp.next_cursor();
      if (!resp.has_more()) break;
    }
    return all;
  }
  std::string StartCursor() {
    v1::GetStartCursorRequest req;
    *req.mutable_account() = Account();
    v1::GetStartCursorResponse resp;
    auto ctx = providers_->As(user_);
    grpc::Status s = providers_->stub().GetStartCursor(ctx.get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.cursor();
  }
  bool Native(v1::Capability c) {
    v1::GetCapabilitiesRequest req;
    req.set_provider(GetParam());
    v1::GetCapabilitiesResponse resp;
    auto ctx = providers_->As(user_);
    EXPECT_TRUE(providers_->stub().GetCapabilities(ctx.get(), req, &resp).ok());
    for (const auto& e : resp.capabilities()) {
      if (e.capability() == c) return e.support() == v1::CAPABILITY_SUPPORT_NATIVE;
    }
    return false;
  }

  static inline EmulatorProcess* emulator_ = nullptr;
  static inline OAuthHarness* oauth_ = nullptr;
  static inline ProvidersHarness* providers_ = nullptr;
  static inline std::string* conninfo_ = nullptr;
  std::string user_;
  std::string account_;
  std::string prefix_;
};

TEST_P(EmulatorProvidersTest, CapabilitiesCoverEveryFeature) {
  v1::GetCapabilitiesRequest req;
  req.set_provider(GetParam());
  v1::GetCapabilitiesResponse resp;
  auto ctx = providers_->As(user_);
  ASSERT_TRUE(providers_->stub().GetCapabilities(ctx.get(), req, &resp).ok());
  std::set<int> seen;
  for (const auto& e : resp.capabilities()) seen.insert(e.capability());
  EXPECT_EQ(seen.size(), 11u);
  EXPECT_NE(resp.pin_durability().kind(), v1::PIN_DURABILITY_KIND_UNSPECIFIED);
  EXPECT_FALSE(resp.pin_durability().note().empty());
  EXPECT_TRUE(Native(v1::CAPABILITY_REVISIONS));
  EXPECT_TRUE(Native(v1::CAPABILITY_CHANGE_FEED));
}

TEST_P(EmulatorProvidersTest, BrowseMetadataAndPaging) {
  auto ids = Seed({{{"path", "/docs/a.txt"}, {"content", "hello"}},
                   {{"path", "/docs/sub/b.txt"}, {"content", "bee"}}});
  emulator_->Admin(GetParam(), "POST", "/_emulator/files",
                   {{"user", account_},
                    {"files", json::array()},
                    {"generate", {{"folder", prefix_ + "/many"}, {"count", 25}, {"size", 10}}}});
  const std::string docs = FolderId("/docs");

  v1::ListFolderRequest req;
  *req.mutable_account() = Account();
  req.set_folder_id(docs);
  v1::ListFolderResponse resp;
  auto ctx = providers_->As(user_);
  grpc::Status s = providers_->stub().ListFolder(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::map<std::string, v1::CloudFile> by_name;
  for (const auto& item : resp.items()) by_name[item.name()] = item;
  ASSERT_EQ(by_name.size(), 2u);
  EXPECT_EQ(by_name["sub"].kind(), v1::CLOUD_ITEM_KIND_FOLDER);
  EXPECT_EQ(by_name["a.txt"].kind(), v1::CLOUD_ITEM_KIND_FILE);
  EXPECT_EQ(by_name["a.txt"].id(), ids["/docs/a.txt"]);
  EXPECT_EQ(by_name["a.txt"].metadata().size(), 5);

  // The root lists the test folder.
  v1::ListFolderRequest root;
  *root.mutable_account() = Account();
  root.set_page_size(1000);
  bool found = false;
  for (int page = 0; page < 20; ++page) {
    v1::ListFolderResponse r;
    auto c = providers_->As(user_);
    ASSERT_TRUE(providers_->stub().ListFolder(c.get(), root, &r).ok());
    for (const auto& item : r.items()) found |= "/" + item.name() == prefix_;
    if (r.next_page_token().empty()) break;
    root.set_page_token(r.next_page_token());
  }
  EXPECT_TRUE(found);

  // Paging: 25 files, 10 a page, each exactly once.
  v1::ListFolderRequest paged;
  *paged.mutable_account() = Account();
  paged.set_folder_id(FolderId("/many"));
  paged.set_page_size(10);
  std::set<std::string> seen;
  int pages = 0;
  for (; pages < 10; ++pages) {
    v1::ListFolderResponse r;
    auto c = providers_->As(user_);
    s = providers_->stub().ListFolder(c.get(), paged, &r);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LE(r.items_size(), 10);
    for (const auto& item : r.items()) EXPECT_TRUE(seen.insert(item.id()).second) << item.name();
    if (r.next_page_token().empty()) break;
    paged.set_page_token(r.next_page_token());
  }
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_GE(pages, 2);

  v1::CloudFile file;
  s = GetFile(Ref(ids["/docs/a.txt"]), &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.name(), "a.txt");
  EXPECT_EQ(file.metadata().filename(), "a.txt");
  EXPECT_EQ(file.metadata().size(), 5);
  EXPECT_FALSE(file.metadata().digest().empty());
  EXPECT_NE(file.metadata().digest_algorithm(), v1::DIGEST_ALGORITHM_UNSPECIFIED);
  EXPECT_FALSE(file.metadata().revision().empty());
  EXPECT_GT(file.metadata().modified_time().seconds(), 0);
  EXPECT_FALSE(file.metadata().native_document());
  EXPECT_EQ(file.metadata().mime_type(), "text/plain");
}

TEST_P(EmulatorProvidersTest, ContentLinksAndErrors) {
  auto ids = Seed({{{"path", "/a.txt"}, {"content", "hello world"}},
                   {{"path", "/report.docx"}, {"content", "quarterly numbers"}}});
  const v1::BlobRef a = Ref(ids["/a.txt"]);
  std::string bytes, mime;
  grpc::Status s = Content(a, v1::CONTENT_FORMAT_ORIGINAL, &bytes, &mime);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "hello world");
  s = Content(a, v1::CONTENT_FORMAT_TEXT, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "hello world");
  s = Content(a, v1::CONTENT_FORMAT_ORIGINAL, &bytes, nullptr, 4);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();

  v1::Link link;
  s = Link(a, v1::LINK_KIND_DOWNLOAD, &link);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(link.kind(), v1::LINK_KIND_DOWNLOAD);
  if (GetParam() != "googledrive") {  // Drive's webContentLink is a browser page
    EXPECT_EQ(Follow(link), "hello world") << link.url();
    EXPECT_TRUE(link.has_expire_time());
  }
  for (v1::LinkKind kind : {v1::LINK_KIND_PREVIEW, v1::LINK_KIND_THUMBNAIL, v1::LINK_KIND_EDIT}) {
    s = Link(a, kind, &link);
    const bool supported = Native(kind == v1::LINK_KIND_PREVIEW     ? v1::CAPABILITY_PREVIEW
                                  : kind == v1::LINK_KIND_THUMBNAIL ? v1::CAPABILITY_THUMBNAIL
                                                                    : v1::CAPABILITY_EDIT);
    // Dropbox and Box make no thumbnails of .txt files.
    const bool no_thumbnail = GetParam() == "dropbox" || GetParam() == "box";
    if (supported && !(no_thumbnail && kind == v1::LINK_KIND_THUMBNAIL)) {
      EXPECT_TRUE(s.ok()) << v1::LinkKind_Name(kind) << ": " << s.error_message();
      EXPECT_FALSE(link.url().empty());
    } else if (!supported) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << v1::LinkKind_Name(kind);
    }
  }
  // Thumbnail bytes, for the links that need the account's token.
  if (GetParam() != "dropbox" && GetParam() != "box") {  // no thumbnails of .txt files there
    s = Content(a, v1::CONTENT_FORMAT_THUMBNAIL, &bytes, &mime);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(bytes.empty());
    EXPECT_EQ(mime.rfind("image/", 0), 0u) << mime;
  }
  if (GetParam() == "box") {
    s = Content(a, v1::CONTENT_FORMAT_THUMBNAIL, &bytes, &mime);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    s = Link(a, v1::LINK_KIND_THUMBNAIL, &link);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  }
  // PDF of an office file where the provider renders one.
  if (GetParam() != "googledrive") {
    s = Content(Ref(ids["/report.docx"]), v1::CONTENT_FORMAT_PDF, &bytes, &mime);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(bytes.substr(0, 5), "%PDF-");
    EXPECT_EQ(mime, "application/pdf");
    if (GetParam() == "dropbox") {  // get_thumbnail_v2 converts images only
      s = Content(Ref(ids["/report.docx"]), v1::CONTENT_FORMAT_THUMBNAIL, &bytes, &mime);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    }
    s = Link(Ref(ids["/report.docx"]), v1::LINK_KIND_PDF, &link);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (!link.requires_token()) {
      EXPECT_EQ(Follow(link).substr(0, 5), "%PDF-");
    }
  }
  // No link and no read created a public share.
  json item = emulator_->Admin(GetParam(), "GET",
                               "/_emulator/files?user=" + account_ + "&id=" + ids["/a.txt"]);
  EXPECT_TRUE(item.value("shared_link", json()).is_null() ||
              item.value("shared_link", std::string()).empty())
      << item.dump();

  // A deleted file is NOT_FOUND, a bad id INVALID_ARGUMENT or NOT_FOUND.
  Outside({{"id", ids["/a.txt"]}, {"action", "delete"}});
  v1::CloudFile file;
  s = GetFile(a, &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  s = Content(a, v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
}

TEST_P(EmulatorProvidersTest, OwnershipAndServiceCalls) {
  auto ids = Seed({{{"path", "/mine.txt"}, {"content", "secret"}}});
  v1::GetFileRequest req;
  *req.mutable_blob() = Ref(ids["/mine.txt"]);
  v1::CloudFile file;
  // Another user naming this account gets nothing.
  auto c1 = providers_->As("mallory");
  grpc::Status s = providers_->stub().GetFile(c1.get(), req, &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("not one of your connected accounts"));
  // A user may not act on behalf of another.
  req.set_on_behalf_of(user_);
  auto c2 = providers_->As("mallory");
  s = providers_->stub().GetFile(c2.get(), req, &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A service may, and a service without on_behalf_of is refused.
  auto c3 = providers_->AsService();
  s = providers_->stub().GetFile(c3.get(), req, &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.name(), "mine.txt");
  req.clear_on_behalf_of();
  auto c4 = providers_->AsService();
  EXPECT_EQ(providers_->stub().GetFile(c4.get(), req, &file).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(EmulatorProvidersTest, MetadataCacheServesUsersOnlyNeverServices) {
  auto ids = Seed({{{"path", "/cached.txt"}, {"content", "one"}}});
  v1::CloudFile file;
  ASSERT_TRUE(GetFile(Ref(ids["/cached.txt"]), &file, /*no_cache=*/false).ok());
  Outside({{"id", ids["/cached.txt"]}, {"action", "rename"}, {"name", "renamed.txt"}});
  ASSERT_TRUE(GetFile(Ref(ids["/cached.txt"]), &file, /*no_cache=*/false).ok());
  EXPECT_EQ(file.name(), "cached.txt");  // the user's read path may be a little stale
  v1::GetFileRequest req;
  *req.mutable_blob() = Ref(ids["/cached.txt"]);
  req.set_on_behalf_of(user_);
  auto ctx = providers_->AsService();
  ASSERT_TRUE(providers_->stub().GetFile(ctx.get(), req, &file).ok());
  EXPECT_EQ(file.name(), "renamed.txt");  // sync never is
  ASSERT_TRUE(GetFile(Ref(ids["/cached.txt"]), &file, /*no_cache=*/true).ok());
  EXPECT_EQ(file.name(), "renamed.txt");
}

TEST_P(EmulatorProvidersTest, RevisionsAndPinnedReferences) {
  auto ids = Seed({{{"path", "/r.txt"}, {"revisions", {"version one", "version two"}}}});
  const v1::BlobRef live = Ref(ids["/r.txt"]);
  v1::ListRevisionsRequest lr;
  *lr.mutable_blob() = live;
  v1::ListRevisionsResponse revs;
  auto c1 = providers_->As(user_);
  grpc::Status s = providers_->stub().ListRevisions(c1.get(), lr, &revs);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(revs.revisions_size(), 2);
  EXPECT_EQ(revs.revisions(1).size(), 11);  // oldest first: "version two" last
  EXPECT_EQ(revs.revisions(0).size(), 11);

  v1::PinRevisionRequest pr;
  *pr.mutable_blob() = live;
  v1::PinRevisionResponse pinned;
  auto c2 = providers_->As(user_);
  s = providers_->stub().PinRevision(c2.get(), pr, &pinned);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(pinned.blob().revision().empty());
  EXPECT_EQ(pinned.blob().revision(), revs.revisions(1).id());
  EXPECT_EQ(pinned.metadata().size(), 11);
  if (GetParam() == "googledrive") {
    json item = emulator_->Admin(GetParam(), "GET",
                                 "/_emulator/files?user=" + account_ + "&id=" + live.file_id());
    bool kept = false;
    for (const json& r : item["revisions"]) {
      if (r["id"] == pinned.blob().revision()) kept = r.value("keep_forever", false);
    }
    EXPECT_TRUE(kept) << item.dump();
  }

  {
    // Pinning the current revision reports the live metadata, so a document
    // pinned now does not look changed to sync.
    v1::CloudFile now;
    ASSERT_TRUE(GetFile(live, &now).ok());
    EXPECT_EQ(now.metadata().revision(), pinned.metadata().revision());
    EXPECT_EQ(now.metadata().digest(), pinned.metadata().digest());
  }
  // The file changes outside; the pinned reference keeps resolving to v2.
  Outside({{"id", live.file_id()}, {"action", "content"}, {"content", "version three!"}});
  std::string bytes;
  s = Content(pinned.blob(), v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "version two");
  s = Content(pinned.blob(), v1::CONTENT_FORMAT_TEXT, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "version two");
  s = Content(live, v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "version three!");
  v1::CloudFile file;
  s = GetFile(pinned.blob(), &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.metadata().revision(), pinned.blob().revision());
  EXPECT_EQ(file.metadata().size(), 11);

  v1::Link link;
  s = Link(pinned.blob(), v1::LINK_KIND_DOWNLOAD, &link);
  ASSERT_TRUE(s.ok()) << s.error_message();
  if (link.requires_token()) {
    EXPECT_EQ(GetParam(), "googledrive");
  } else {
    EXPECT_EQ(Follow(link), "version two") << link.url();
  }
  // An older revision, named explicitly.
  v1::BlobRef first = live;
  first.set_revision(revs.revisions(0).id());
  s = Content(first, v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "version one");
  // A revision that does not exist is NOT_FOUND, never the live bytes.
  v1::BlobRef bogus = live;
  bogus.set_revision(GetParam() == "box" ? "999999999" : "bogus-revision");
  s = Content(bogus, v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  EXPECT_TRUE(s.error_code() == grpc::StatusCode::NOT_FOUND ||
              s.error_code() == grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_code() << " " << s.error_message() << " bytes=" << bytes;
}

TEST_P(EmulatorProvidersTest, ChangeFeedSeesOutsideChangesAndExpiredCursors) {
  auto ids = Seed({{{"path", "/feed/keep.txt"}, {"content", "k"}},
                   {{"path", "/feed/rename.txt"}, {"content", "r"}},
                   {{"path", "/feed/edit.txt"}, {"content", "e"}},
                   {{"path", "/feed/gone.txt"}, {"content", "g"}}});
  std::string cursor = StartCursor();
  ASSERT_FALSE(cursor.empty());
  Outside({{"id", ids["/feed/rename.txt"]}, {"action", "rename"}, {"name", "renamed.txt"}});
  Outside({{"id", ids["/feed/edit.txt"]}, {"action", "content"}, {"content", "edited"}});
  Outside({{"id", ids["/feed/gone.txt"]}, {"action", "delete"}});
  std::vector<v1::Change> changes = Drain(&cursor);
  std::map<std::string, v1::Change> by_id;
  std::vector<std::string> deleted_paths;
  for (const auto& c : changes) {
    if (c.file_id().empty()) {
      deleted_paths.push_back(c.deleted_path());
    } else {
      by_id[c.file_id()] = c;
    }
  }
  EXPECT_EQ(by_id.count(ids["/feed/keep.txt"]), 0u);
  ASSERT_EQ(by_id.count(ids["/feed/rename.txt"]), 1u);
  EXPECT_EQ(by_id[ids["/feed/rename.txt"]].file().name(), "renamed.txt");
  EXPECT_NE(by_id[ids["/feed/rename.txt"]].kind(), v1::CHANGE_KIND_DELETED);
  ASSERT_EQ(by_id.count(ids["/feed/edit.txt"]), 1u);
  EXPECT_EQ(by_id[ids["/feed/edit.txt"]].file().metadata().size(), 6);
  if (GetParam() == "dropbox") {
    // Dropbox reports deletions by path only.
    EXPECT_THAT(deleted_paths, ::testing::Contains(HasSubstr("gone.txt")));
  } else {
    ASSERT_EQ(by_id.count(ids["/feed/gone.txt"]), 1u);
    EXPECT_EQ(by_id[ids["/feed/gone.txt"]].kind(), v1::CHANGE_KIND_DELETED);
  }
  // Nothing new: an empty page with a cursor to keep.
  std::string again = cursor;
  EXPECT_TRUE(Drain(&again).empty());

  // Paging through a burst of changes.
  emulator_->Admin(GetParam(), "POST", "/_emulator/files",
                   {{"user", account_},
                    {"files", json::array()},
                    {"generate", {{"folder", prefix_ + "/burst"}, {"count", 1200}, {"size", 4}}}});
  std::vector<v1::Change> burst = Drain(&cursor);
  std::set<std::string> burst_ids;
  for (const auto& c : burst) {
    if (c.has_file() && c.file().name().rfind("file-", 0) == 0) burst_ids.insert(c.file_id());
  }
  EXPECT_EQ(burst_ids.size(), 1200u);

  // The provider expires every cursor: an explicit reset (Box clamps
  // expired stream positions instead, as Box does).
  emulator_->Admin(GetParam(), "POST", "/_emulator/cursors/expire");
  bool reset = false;
  std::string old = cursor;
  Drain(&old, &reset);
  if (GetParam() == "box") {
    EXPECT_FALSE(reset);
  } else {
    EXPECT_TRUE(reset);
  }
  EXPECT_FALSE(StartCursor().empty());
}

TEST_P(EmulatorProvidersTest, ThrottledCallWaitsForRetryAfter) {
  auto ids = Seed({{{"path", "/t.txt"}, {"content", "throttled"}}});
  ResetRequests();
  Fault({{"kind", "status"}, {"status", 429}, {"retry_after", 1}, {"count", 1}});
  v1::CloudFile file;
  grpc::Status s = GetFile(Ref(ids["/t.txt"]), &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.name(), "t.txt");
  json log = Requests()["requests"];
  int64_t throttled_at = -1;
  for (const json& r : log) {
    if (r["status"] == 429) {
      throttled_at = r["time_ms"].get<int64_t>();
      continue;
    }
    if (throttled_at < 0) continue;
    const double started = r["time_ms"].get<int64_t>() - r["duration_ms"].get<double>();
    EXPECT_GE(started, throttled_at + 1000 - 2)
        << "a request reached the provider " << (started - throttled_at)
        << " ms after the 429 (Retry-After: 1 s)";
  }
  EXPECT_GE(throttled_at, 0) << log.dump();

  // A Retry-After beyond the caller's deadline: UNAVAILABLE at once with
  // the delay, and no request until it passes.
  ResetRequests();
  Fault({{"kind", "status"}, {"status", 429}, {"retry_after", 4}, {"count", 1}});
  v1::GetFileRequest req;
  *req.mutable_blob() = Ref(ids["/t.txt"]);
  req.set_no_cache(true);
  auto ctx = providers_->As(user_, {}, absl::Seconds(2));
  s = providers_->stub().GetFile(ctx.get(), req, &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("retry after"));
  auto trailer = ctx->GetServerTrailingMetadata().find("retry-after-ms");
  ASSERT_NE(trailer, ctx->GetServerTrailingMetadata().end());
  EXPECT_GT(std::stoll(std::string(trailer->second.data(), trailer->second.size())), 3000);
  // The account stays paced: the next call is refused without a request.
  auto ctx2 = providers_->As(user_, {}, absl::Seconds(2));
  s = providers_->stub().GetFile(ctx2.get(), req, &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Requests()["requests"].size(), 1u) << Requests().dump();
}

TEST_P(EmulatorProvidersTest, ConcurrentCallsShareTheAccountsRetryAfter) {
  auto ids = Seed({{{"path", "/c.txt"}, {"content", "shared"}}});
  ResetRequests();
  Fault({{"kind", "status"}, {"status", 429}, {"retry_after", 1}, {"count", 1}});
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  auto call = [&] {
    v1::CloudFile file;
    if (GetFile(Ref(ids["/c.txt"]), &file).ok() && file.name() == "c.txt") ++ok;
  };
  // The first call meets the 429; the others start once it has paced the
  // account, so every one of them is issued after the 429 reached the service.
  providers::AccountLimiter& limiter = providers_->reliability().Limiter(
      GetParam(), account_, providers::AdapterRegistry().Find(GetParam())->rate_limit());
  const absl::Time paced_before = limiter.blocked_until();
  threads.emplace_back(call);
  EXPECT_TRUE(WaitFor([&] { return limiter.blocked_until() > paced_before; }, absl::Seconds(10)))
      << "the 429 did not pace the account";
  for (int i = 0; i < 7; ++i) threads.emplace_back(call);
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  json log = Requests()["requests"];
  int64_t throttled_at = -1;
  int after = 0;
  for (const json& r : log) {
    if (r["status"] == 429) throttled_at = r["time_ms"].get<int64_t>();
  }
  ASSERT_GE(throttled_at, 0) << log.dump();
  for (const json& r : log) {
    if (r["status"] == 429) continue;
    const double started = r["time_ms"].get<int64_t>() - r["duration_ms"].get<double>();
    if (started > throttled_at) {
      ++after;
      EXPECT_GE(started, throttled_at + 1000 - 2)
          << "a request started " << (started - throttled_at) << " ms after the 429";
    }
  }
  std::cout << "[ measured ] " << GetParam()
            << ": 8 concurrent calls, one 429 (Retry-After 1 s): " << after
            << " requests after it, all >= 1 s later; total "
            << absl::ToInt64Milliseconds(absl::Now() - start) << " ms\n";
}

TEST_P(EmulatorProvidersTest, BurstsOf500And503AreRetried) {
  auto ids = Seed({{{"path", "/b.txt"}, {"content", "burst"}}});
  v1::CloudFile file;
  Fault({{"kind", "status"}, {"status", 500}, {"count", 3}});
  grpc::Status s = GetFile(Ref(ids["/b.txt"]), &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.name(), "b.txt");
  Fault({{"kind", "status"}, {"status", 503}, {"count", 2}, {"retry_after", 0}});
  std::string bytes;
  s = Content(Ref(ids["/b.txt"]), v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "burst");
  // A provider that keeps failing: UNAVAILABLE, never a wrong answer.
  Fault({{"kind", "status"}, {"status", 500}});
  s = GetFile(Ref(ids["/b.txt"]), &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  emulator_->Admin(GetParam(), "DELETE", "/_emulator/faults");
}

TEST_P(EmulatorProvidersTest, TimeoutsAndTruncatedBodies) {
  auto ids = Seed({{{"path", "/slow.txt"}, {"content", "slow but right"}}});
  v1::CloudFile file;
  // One attempt outlives the 2 s HTTP timeout; the retry answers.
  Fault({{"kind", "delay"}, {"delay_ms", 3000}, {"count", 1}});
  grpc::Status s = GetFile(Ref(ids["/slow.txt"]), &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.name(), "slow.txt");
  // The caller's deadline bounds everything.
  Fault({{"kind", "delay"}, {"delay_ms", 3000}});
  v1::GetFileRequest req;
  *req.mutable_blob() = Ref(ids["/slow.txt"]);
  req.set_no_cache(true);
  auto ctx = providers_->As(user_, {}, absl::Milliseconds(1500));
  absl::Time start = absl::Now();
  s = providers_->stub().GetFile(ctx.get(), req, &file);
  EXPECT_TRUE(s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
              s.error_code() == grpc::StatusCode::UNAVAILABLE)
      << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  emulator_->Admin(GetParam(), "DELETE", "/_emulator/faults");
  // Truncated JSON and bodies: retried once, then right.
  Fault({{"kind", "truncate"}, {"count", 1}});
  s = GetFile(Ref(ids["/slow.txt"]), &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.name(), "slow.txt");
  Fault({{"kind", "truncate"}, {"count", 1}, {"path", "_dl|_content|alt=media|download|content"}});
  std::string bytes;
  s = Content(Ref(ids["/slow.txt"]), v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "slow but right");
  // Always truncated: an error, never half a document.
  Fault({{"kind", "truncate"}});
  s = GetFile(Ref(ids["/slow.txt"]), &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  s = Content(Ref(ids["/slow.txt"]), v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  EXPECT_NE(s.error_code(), grpc::StatusCode::OK);
  EXPECT_TRUE(bytes.empty()) << bytes;
  emulator_->Admin(GetParam(), "DELETE", "/_emulator/faults");
}

TEST_P(EmulatorProvidersTest, ExpiredTokenIsRefreshedOnce) {
  auto ids = Seed({{{"path", "/tok.txt"}, {"content", "token"}}});
  v1::CloudFile file;
  ASSERT_TRUE(GetFile(Ref(ids["/tok.txt"]), &file).ok());
  emulator_->Admin(GetParam(), "POST", "/_emulator/tokens/expire", json::object());
  ResetRequests();
  grpc::Status s = GetFile(Ref(ids["/tok.txt"]), &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.name(), "tok.txt");
  json counters = emulator_->Admin(GetParam(), "GET", "/_emulator/counters");
  EXPECT_EQ(counters["operations"].value("oauth.token", 0), 1) << counters.dump();
  EXPECT_EQ(counters["statuses"].value("401", 0), 1) << counters.dump();
}

// Box makes representations after an upload: a PDF still being made past
// the call's deadline is UNAVAILABLE with a retry-after (the gateway's 503 +
// Retry-After), and is served once Box has made it.
TEST_P(EmulatorProvidersTest, BoxRepresentationStillBeingMadeIsUnavailableWithRetryAfter) {
  if (GetParam() != "box") GTEST_SKIP() << "Box representations";
  emulator_->Admin("box", "POST", "/_emulator/settings", {{"box_representation_delay_ms", 600000}});
  auto ids = Seed({{{"path", "/slow.docx"}, {"content", "slowly rendered"}}});
  v1::GetContentRequest req;
  *req.mutable_blob() = Ref(ids["/slow.docx"]);
  req.set_format(v1::CONTENT_FORMAT_PDF);
  auto ctx = providers_->As(user_, {}, absl::Seconds(4));
  auto reader = providers_->stub().GetContent(ctx.get(), req);
  v1::ContentChunk chunk;
  while (reader->Read(&chunk)) {
  }
  grpc::Status s = reader->Finish();
  emulator_->Admin("box", "POST", "/_emulator/settings", {{"box_representation_delay_ms", 0}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("still making the pdf"));
  auto trailers = ctx->GetServerTrailingMetadata();
  auto it = trailers.find("retry-after-ms");
  ASSERT_NE(it, trailers.end()) << "the retry-after reaches the caller";
  EXPECT_GE(std::stoll(std::string(it->second.data(), it->second.size())), 1000);

  std::string bytes, mime;
  s = Content(Ref(ids["/slow.docx"]), v1::CONTENT_FORMAT_PDF, &bytes, &mime);
  emulator_->Admin("box", "POST", "/_emulator/settings", {{"box_representation_delay_ms", 2000}});
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes.substr(0, 5), "%PDF-");
}

// Box keeps versions on paid plans only: once the account is free, a pinned
// older version is NOT_FOUND naming it, and only the current one is listed.
TEST_P(EmulatorProvidersTest, BoxPinnedVersionGoneOnAFreeAccountIsNotFoundNamingIt) {
  if (GetParam() != "box") GTEST_SKIP() << "Box plans";
  auto ids = Seed({{{"path", "/plan.txt"}, {"revisions", {"version one", "version two"}}}});
  const v1::BlobRef live = Ref(ids["/plan.txt"]);
  v1::PinRevisionRequest pr;
  *pr.mutable_blob() = live;
  v1::PinRevisionResponse pinned;
  auto c = providers_->As(user_);
  grpc::Status s = providers_->stub().PinRevision(c.get(), pr, &pinned);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string version = pinned.blob().revision();
  Outside({{"id", live.file_id()}, {"action", "content"}, {"content", "version three"}});
  std::string bytes;
  s = Content(pinned.blob(), v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "version two");

  struct PaidAgain {
    EmulatorProcess* emulator;
    ~PaidAgain() {
      emulator->Admin("box", "POST", "/_emulator/users", {{"email", kAccount}, {"paid", true}});
    }
  } paid_again{emulator_};
  emulator_->Admin("box", "POST", "/_emulator/users", {{"email", kAccount}, {"paid", false}});
  v1::CloudFile file;
  s = GetFile(pinned.blob(), &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr(version));
  s = Content(pinned.blob(), v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr(version));
  v1::Link link;
  s = Link(pinned.blob(), v1::LINK_KIND_DOWNLOAD, &link);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  v1::ListRevisionsRequest lr;
  *lr.mutable_blob() = live;
  v1::ListRevisionsResponse revs;
  c = providers_->As(user_);
  s = providers_->stub().ListRevisions(c.get(), lr, &revs);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(revs.revisions_size(), 1) << "the current version only";
  EXPECT_NE(revs.revisions(0).id(), version);
  s = Content(live, v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "version three");
}

TEST_P(EmulatorProvidersTest, NativeGoogleDocuments) {
  if (GetParam() != "googledrive") GTEST_SKIP() << "native documents are Google's";
  auto ids = Seed({{{"path", "/Plan"}, {"native", true}, {"content", "the plan text"}}});
  v1::CloudFile file;
  grpc::Status s = GetFile(Ref(ids["/Plan"]), &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(file.metadata().native_document());
  EXPECT_FALSE(file.metadata().has_size());
  EXPECT_EQ(file.metadata().mime_type(), "application/vnd.google-apps.document");
  std::string bytes, mime;
  s = Content(Ref(ids["/Plan"]), v1::CONTENT_FORMAT_TEXT, &bytes, &mime);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes, "the plan text");
  EXPECT_EQ(mime, "text/plain");
  s = Content(Ref(ids["/Plan"]), v1::CONTENT_FORMAT_PDF, &bytes, &mime);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(bytes.substr(0, 5), "%PDF-");
  s = Content(Ref(ids["/Plan"]), v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::Link link;
  ASSERT_TRUE(Link(Ref(ids["/Plan"]), v1::LINK_KIND_PDF, &link).ok());
  // Drive's exportLinks: a web URL a signed-in browser opens, not the API.
  EXPECT_THAT(link.url(), HasSubstr("/feeds/download/export?id="));
  EXPECT_THAT(link.url(), HasSubstr("exportFormat=pdf"));
  EXPECT_FALSE(link.requires_token());
  ASSERT_TRUE(Link(Ref(ids["/Plan"]), v1::LINK_KIND_EDIT, &link).ok());
  EXPECT_FALSE(link.url().empty());
  v1::PinRevisionRequest pr;
  *pr.mutable_blob() = Ref(ids["/Plan"]);
  v1::PinRevisionResponse pinned;
  auto ctx = providers_->As(user_);
  s = providers_->stub().PinRevision(ctx.get(), pr, &pinned);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(pinned.blob().revision().empty());
}

TEST_P(EmulatorProvidersTest, DropboxAnswersWhereDropboxRefuses) {
  if (GetParam() != "dropbox") GTEST_SKIP() << "Dropbox's thumbnail, preview and rev rules";
  auto ids = Seed({{{"path", "/photo.png"}, {"content", "png"}},
                   {{"path", "/report.docx"}, {"content", "words"}},
                   {{"path", "/sheet.xlsx"}, {"content", "a,b"}},
                   {{"path", "/notes.txt"}, {"content", "text"}},
                   {{"path", "/paper.pdf"}, {"content", "%PDF-1.4 paper"}},
                   {{"path", "/Résumé #1?.docx"}, {"content", "cv"}},
                   {{"path", "/kept.txt"}, {"revisions", {"old bytes", "new bytes"}}}});
  // Thumbnails: images only, as get_thumbnail_v2 converts.
  for (const auto& [path, has] : std::map<std::string, bool>{
           {"/photo.png", true}, {"/report.docx", false}, {"/paper.pdf", false}}) {
    v1::CloudFile file;
    grpc::Status s = GetFile(Ref(ids[path]), &file);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(file.has_thumbnail(), has) << path;
    std::string bytes, mime;
    s = Content(Ref(ids[path]), v1::CONTENT_FORMAT_THUMBNAIL, &bytes, &mime);
    if (has) {
      ASSERT_TRUE(s.ok()) << path << ": " << s.error_message();
      EXPECT_EQ(mime, "image/jpeg");
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << path;
    }
  }
  // PDF: get_preview's PDF types, a .pdf itself; HTML types and others refused.
  std::string bytes, mime;
  for (const char* path : {"/report.docx", "/paper.pdf"}) {
    grpc::Status s = Content(Ref(ids[path]), v1::CONTENT_FORMAT_PDF, &bytes, &mime);
    ASSERT_TRUE(s.ok()) << path << ": " << s.error_message();
    EXPECT_EQ(bytes.substr(0, 5), "%PDF-") << path;
    EXPECT_EQ(mime, "application/pdf");
  }
  grpc::Status s = Content(Ref(ids["/sheet.xlsx"]), v1::CONTENT_FORMAT_PDF, &bytes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("as HTML, not PDF"));
  s = Content(Ref(ids["/notes.txt"]), v1::CONTENT_FORMAT_PDF, &bytes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // The web preview page of a name with a space, '#', '?' and non-ASCII.
  v1::Link link;
  s = Link(Ref(ids["/Résumé #1?.docx"]), v1::LINK_KIND_PREVIEW, &link);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(Follow(link), HasSubstr("Résumé #1?.docx")) << link.url();

  // Revisions last 30 days (Basic): a version pinned to the old rev then
  // answers NOT_FOUND naming it.
  v1::ListRevisionsRequest lr;
  *lr.mutable_blob() = Ref(ids["/kept.txt"]);
  v1::ListRevisionsResponse revs;
  auto c1 = providers_->As(user_);
  s = providers_->stub().ListRevisions(c1.get(), lr, &revs);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(revs.revisions_size(), 2);
  const v1::BlobRef old = Ref(ids["/kept.txt"], revs.revisions(0).id());
  ASSERT_TRUE(Content(old, v1::CONTENT_FORMAT_ORIGINAL, &bytes).ok());
  EXPECT_EQ(bytes, "old bytes");
  emulator_->Admin(GetParam(), "POST", "/_emulator/clock", {{"advance_seconds", 31 * 24 * 3600}});
  s = Content(old, v1::CONTENT_FORMAT_ORIGINAL, &bytes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("revision " + old.revision()));
  v1::CloudFile file;
  s = GetFile(old, &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  auto c2 = providers_->As(user_);
  s = providers_->stub().ListRevisions(c2.get(), lr, &revs);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(revs.revisions_size(), 1);
}

TEST_P(EmulatorProvidersTest, LcctlBrowsesAndShowsFiles) {
  auto ids = Seed({{{"path", "/cli/notes.txt"}, {"revisions", {"one", "two"}}}});
  const std::string addr = "127.0.0.1:" + std::to_string(providers_->port());
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "LC_PROVIDERS_ADDR") return addr;
    return std::nullopt;
  };
  absl::Time now = absl::Now();
  const std::string token =
      MintHs256(kJwtSecret, Principal{user_, {}}, now, now + absl::Minutes(5));
  auto run = [&](std::vector<std::string> args, std::string* out_text) {
    std::ostringstream out, err;
    args.insert(args.begin(), {"--token", token});
    int code = lc::lcctl::RunLcctl(args, env, out, err);
    *out_text = out.str() + err.str();
    return code;
  };
  const std::string& p = GetParam();
  std::string out;
  ASSERT_EQ(run({"browse", p, account_, FolderId("/cli")}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("notes.txt"));
  EXPECT_THAT(out, HasSubstr(ids["/cli/notes.txt"]));
  ASSERT_EQ(run({"file", "get", p, account_, ids["/cli/notes.txt"]}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("notes.txt"));
  ASSERT_EQ(run({"file", "link", p, account_, ids["/cli/notes.txt"], "--kind", "download"}, &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("http"));
  ASSERT_EQ(run({"revisions", "list", p, account_, ids["/cli/notes.txt"]}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("REVISION"));
  EXPECT_EQ(run({"file", "link", p, account_, ids["/cli/notes.txt"], "--kind", "bogus"}, &out), 2);
  EXPECT_EQ(run({"file", "get", p, "someone-else@example.com", ids["/cli/notes.txt"]}, &out), 1);
  EXPECT_THAT(out, HasSubstr("not one of your connected accounts"));
}

INSTANTIATE_TEST_SUITE_P(Providers, EmulatorProvidersTest,
                         ::testing::Values("googledrive", "dropbox", "box", "onedrive",
                                           "onedrive-business"),
                         ProviderParamName());

}  // namespace
}  // namespace lc::testing
