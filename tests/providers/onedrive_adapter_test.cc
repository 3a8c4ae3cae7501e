// The OneDrive adapter against the Graph emulator in this process (plain
// http, no oauth service, no database): how it answers what Microsoft Graph
// refuses. Personal drives have no preview action, Graph converts only some
// formats to PDF, refuses versions/{id}/content for the current version and
// drops old versions; business drives carry quickXorHash only. Each test
// fails against the adapter as it was before issue #13.
#include "providers/onedrive_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "provider_server.h"
#include "providers/api_session.h"
#include "util.h"

namespace lc::providers {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kPersonal[] = "alice@example.com";
constexpr char kBusiness[] = "bob@contoso.example";

// The emulator's access token for each account, at the emulator's base URL.
class EmulatorTokens : public TokenSource {
 public:
  void Set(const std::string& account, std::string token, std::string base) {
    tokens_[account] = AccessToken{std::move(token), std::move(base)};
  }
  absl::StatusOr<AccessToken> Get(const AccountKey& key, bool, absl::Time) override {
    auto it = tokens_.find(key.account);
    if (it == tokens_.end()) return absl::NotFoundError("not connected");
    return it->second;
  }

 private:
  std::map<std::string, AccessToken> tokens_;
};

class CollectSink : public ContentSink {
 public:
  absl::Status Begin(const std::string& mime_type, std::optional<int64_t>) override {
    mime = mime_type;
    return absl::OkStatus();
  }
  absl::Status Write(std::string_view data) override {
    bytes.append(data);
    return absl::OkStatus();
  }
  std::string mime, bytes;
};

class OneDriveAdapterTest : public ::testing::Test {
 protected:
  OneDriveAdapterTest()
      : http_(std::make_unique<CurlHttpClient>(
            CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}})),
        state_(ReliabilityOptions{.max_attempts = 2, .initial_backoff = absl::Milliseconds(10)},
               Clock{}) {}

  void SetUp() override {
    server_ = std::make_unique<emulator::ProviderServer>(
        "onedrive", emulator::IdStyle::kGraph,
        emulator::OAuthServer::Options{"EwB", "M.C5", false, false, true}, clock_, 3600, nullptr);
    server_->store().AddUser("", kPersonal, "Alice");
    server_->set_default_user(kPersonal);
    emulator::InstallOneDrive(*server_);
    emulator::InstallAdminApi(*server_);
    const int port = server_->Bind("127.0.0.1", 0);
    ASSERT_GT(port, 0);
    base_ = "http://127.0.0.1:" + std::to_string(port);
    thread_ = std::thread([this] { server_->Listen(); });
    Admin("POST", "users", {{"email", kBusiness}, {"name", "Bob"}, {"account_type", "business"}});
    for (const char* who : {kPersonal, kBusiness}) {
      tokens_.Set(who, Admin("POST", "tokens", {{"user", who}})["access_token"], base_);
    }
  }
  void TearDown() override {
    http_.reset();  // its kept-alive connections would hold the server's workers
    server_->Stop();
    thread_.join();
  }

  json Admin(const std::string& method, const std::string& path, const json& body = nullptr) {
    HttpRequest req;
    req.method = method;
    req.url = base_ + "/_emulator/" + path;
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers = {{"Content-Type", "application/json"}};
    }
    auto r = http_->Send(req);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return json::object();
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body, nullptr, false);
  }
  std::string Seed(const std::string& account, const std::string& path, const json& revisions) {
    json out = Admin("POST", "files",
                     {{"user", account}, {"files", {{{"path", path}, {"revisions", revisions}}}}});
    return out["files"][0]["id"];
  }
  // An outside change: new content for the file.
  void Change(const std::string& id, const std::string& content) {
    Admin("POST", "changes", {{"id", id}, {"action", "content"}, {"content", content}});
  }
  // The Graph calls the emulator answered since the last reset, as
  // "METHOD path" lines.
  std::vector<std::string> GraphCalls() {
    std::vector<std::string> out;
    const json log = Admin("GET", "requests?limit=200");
    for (const json& r : log["requests"]) {
      const std::string path = r.value("path", "");
      if (path.rfind("/v1.0/", 0) == 0) out.push_back(r.value("method", "") + " " + path);
    }
    return out;
  }

  OneDriveAdapter& AdapterFor(const std::string& account) {
    return account == kBusiness ? business_ : personal_;
  }
  std::unique_ptr<ResilientSession> Session(const std::string& account) {
    auto s = ResilientSession::Open(AccountKey{"u1", AdapterFor(account).name(), account},
                                    AdapterFor(account), tokens_, *http_, state_,
                                    absl::Now() + absl::Seconds(30));
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  v1::BlobRef Ref(const std::string& account, const std::string& id,
                  const std::string& revision = "") {
    v1::BlobRef ref;
    ref.set_provider(AdapterFor(account).name());
    ref.set_account(account);
    ref.set_file_id(id);
    ref.set_revision(revision);
    return ref;
  }
  absl::StatusOr<v1::Link> Link(const v1::BlobRef& ref, v1::LinkKind kind) {
    auto s = Session(ref.account());
    return AdapterFor(ref.account()).GetLink(*s, ref, kind);
  }
  absl::StatusOr<CollectSink> Content(const v1::BlobRef& ref, v1::ContentFormat format) {
    auto s = Session(ref.account());
    CollectSink sink;
    absl::Status st = AdapterFor(ref.account()).GetContent(*s, ref, format, 1 << 20, sink);
    if (!st.ok()) return st;
    return sink;
  }
  // GET without a token, as a browser following the link.
  HttpResponse Follow(const std::string& url) {
    HttpRequest req;
    req.url = url;
    auto r = http_->Send(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse{};
  }

  emulator::Clock clock_;
  std::unique_ptr<emulator::ProviderServer> server_;
  std::thread thread_;
  std::string base_;
  std::unique_ptr<CurlHttpClient> http_;
  EmulatorTokens tokens_;
  ReliabilityState state_;
  OneDriveAdapter personal_{"onedrive"};
  OneDriveAdapter business_{"onedrive-business"};
};

TEST_F(OneDriveAdapterTest, PersonalPreviewIsTheItemsWebUrlNeverAShareLink) {
  const std::string id = Seed(kPersonal, "/Docs/plan.docx", {"the plan"});
  Admin("POST", "requests/reset", json::object());
  auto link = Link(Ref(kPersonal, id), v1::LINK_KIND_PREVIEW);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(
      link->url(), base_ + "/personal/" + [&] {
        auto s = Session(kPersonal);
        HttpRequest req;
        req.url = base_ + "/v1.0/me/drive";
        return json::parse(s->Send(req)->body)["id"].get<std::string>();
      }() + "/Documents/Docs/plan.docx");
  // The OneDrive viewer page answers (the emulator needs no sign-in there).
  HttpResponse page = Follow(link->url());
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("plan.docx"));
  // Neither the preview action (absent on personal drives) nor a share link.
  for (const std::string& call : GraphCalls()) {
    EXPECT_THAT(call, ::testing::Not(HasSubstr("/preview"))) << call;
    EXPECT_THAT(call, ::testing::Not(HasSubstr("/createLink"))) << call;
  }
  json item = Admin("GET", "files?id=" + id);
  EXPECT_TRUE(item.value("shared_link", json()).is_null() ||
              item.value("shared_link", std::string()).empty())
      << item.dump();
}

TEST_F(OneDriveAdapterTest, BusinessPreviewIsTheShortLivedEmbedPage) {
  const std::string id = Seed(kBusiness, "/Docs/plan.docx", {"the plan"});
  auto link = Link(Ref(kBusiness, id), v1::LINK_KIND_PREVIEW);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_THAT(link->url(), StartsWith(base_ + "/_preview/onedrive/"));
  EXPECT_TRUE(link->has_expire_time());
  HttpResponse page = Follow(link->url());
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("plan.docx"));
}

TEST_F(OneDriveAdapterTest, PdfOnlyFromTheFormatsGraphConverts) {
  for (const char* account : {kPersonal, kBusiness}) {
    SCOPED_TRACE(account);
    const std::string docx = Seed(account, "/pdf/budget.docx", {"budget words"});
    const std::string txt = Seed(account, "/pdf/notes.txt", {"plain notes"});
    const std::string pdf = Seed(account, "/pdf/report.pdf", {"%PDF-1.4 already a pdf"});

    auto converted = Content(Ref(account, docx), v1::CONTENT_FORMAT_PDF);
    ASSERT_TRUE(converted.ok()) << converted.status();
    EXPECT_EQ(converted->mime, "application/pdf");
    EXPECT_THAT(converted->bytes, StartsWith("%PDF-"));
    auto docx_link = Link(Ref(account, docx), v1::LINK_KIND_PDF);
    ASSERT_TRUE(docx_link.ok()) << docx_link.status();
    EXPECT_THAT(Follow(docx_link->url()).body, StartsWith("%PDF-"));

    // A PDF is its own PDF: its bytes, no conversion asked for.
    auto same = Content(Ref(account, pdf), v1::CONTENT_FORMAT_PDF);
    ASSERT_TRUE(same.ok()) << same.status();
    EXPECT_EQ(same->bytes, "%PDF-1.4 already a pdf");
    auto pdf_link = Link(Ref(account, pdf), v1::LINK_KIND_PDF);
    ASSERT_TRUE(pdf_link.ok()) << pdf_link.status();
    EXPECT_EQ(Follow(pdf_link->url()).body, "%PDF-1.4 already a pdf");

    // Anything else: a clear FAILED_PRECONDITION, without asking Graph.
    Admin("POST", "requests/reset", json::object());
    for (absl::Status st : {Content(Ref(account, txt), v1::CONTENT_FORMAT_PDF).status(),
                            Link(Ref(account, txt), v1::LINK_KIND_PDF).status()}) {
      EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
      EXPECT_THAT(st.message(), AllOf(HasSubstr("notes.txt"), HasSubstr("docx")));
    }
    for (const std::string& call : GraphCalls()) {
      EXPECT_THAT(call, ::testing::Not(HasSubstr(txt + "/content"))) << call;
    }
  }
  // The capability says which formats.
  for (const auto& e : personal_.capabilities()) {
    if (e.capability() == v1::CAPABILITY_PDF) {
      EXPECT_THAT(e.note(), AllOf(HasSubstr("docx"), HasSubstr("xlsx"), HasSubstr("pptx")));
    }
  }
}

TEST_F(OneDriveAdapterTest, TheCurrentVersionIsServedFromTheItemAnOlderOneFromVersions) {
  for (const char* account : {kPersonal, kBusiness}) {
    SCOPED_TRACE(account);
    const std::string id = Seed(account, "/v/notes.txt", {"first words"});
    auto s = Session(account);
    auto pinned = AdapterFor(account).PinRevision(*s, Ref(account, id));
    ASSERT_TRUE(pinned.ok()) << pinned.status();
    const v1::BlobRef version = pinned->blob();
    ASSERT_EQ(version.revision(), "1.0");

    // Still the current version: Graph refuses versions/1.0/content.
    auto bytes = Content(version, v1::CONTENT_FORMAT_ORIGINAL);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(bytes->bytes, "first words");
    auto text = Content(version, v1::CONTENT_FORMAT_TEXT);
    ASSERT_TRUE(text.ok()) << text.status();
    EXPECT_EQ(text->bytes, "first words");
    auto link = Link(version, v1::LINK_KIND_DOWNLOAD);
    ASSERT_TRUE(link.ok()) << link.status();
    EXPECT_EQ(Follow(link->url()).body, "first words");
    auto meta = AdapterFor(account).GetFile(*s, version);
    ASSERT_TRUE(meta.ok()) << meta.status();
    EXPECT_EQ(meta->metadata().revision(), "1.0");

    // The file changes: version 1.0 is an older one now, from versions/.
    Change(id, "second words!");
    Admin("POST", "requests/reset", json::object());
    bytes = Content(version, v1::CONTENT_FORMAT_ORIGINAL);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(bytes->bytes, "first words");
    EXPECT_THAT(GraphCalls(),
                ::testing::Contains("GET /v1.0/me/drive/items/" + id + "/versions/1.0/content"));
    link = Link(version, v1::LINK_KIND_DOWNLOAD);
    ASSERT_TRUE(link.ok()) << link.status();
    EXPECT_EQ(Follow(link->url()).body, "first words");
    auto live = Content(Ref(account, id), v1::CONTENT_FORMAT_ORIGINAL);
    ASSERT_TRUE(live.ok()) << live.status();
    EXPECT_EQ(live->bytes, "second words!");
  }
}

TEST_F(OneDriveAdapterTest, APdfOfThePinnedCurrentVersionIsTheItemsPdf) {
  const std::string id = Seed(kBusiness, "/v/deck.pptx", {"slide text"});
  auto s = Session(kBusiness);
  auto pinned = business_.PinRevision(*s, Ref(kBusiness, id));
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  auto pdf = Content(pinned->blob(), v1::CONTENT_FORMAT_PDF);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_THAT(pdf->bytes, StartsWith("%PDF-"));
  Change(id, "new slide text");
  auto refused = Content(pinned->blob(), v1::CONTENT_FORMAT_PDF);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
}

TEST_F(OneDriveAdapterTest, AVersionOneDriveDroppedIsNotFoundNamingIt) {
  Admin("POST", "users", {{"email", kPersonal}, {"max_versions", 2}});
  const std::string id = Seed(kPersonal, "/kept.txt", {"v1"});
  auto s = Session(kPersonal);
  auto pinned = personal_.PinRevision(*s, Ref(kPersonal, id));
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  Change(id, "v2");
  // Still kept: two versions.
  auto old = Content(pinned->blob(), v1::CONTENT_FORMAT_ORIGINAL);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->bytes, "v1");
  Change(id, "v3");
  auto versions = personal_.ListRevisions(*s, Ref(kPersonal, id));
  ASSERT_TRUE(versions.ok()) << versions.status();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ(versions->front().id(), "2.0");

  const absl::Status statuses[] = {
      Content(pinned->blob(), v1::CONTENT_FORMAT_ORIGINAL).status(),
      Link(pinned->blob(), v1::LINK_KIND_DOWNLOAD).status(),
      personal_.GetFile(*s, pinned->blob()).status(),
      personal_.PinRevision(*s, pinned->blob()).status(),
  };
  for (const absl::Status& st : statuses) {
    EXPECT_EQ(st.code(), absl::StatusCode::kNotFound) << st;
    EXPECT_THAT(st.message(), AllOf(HasSubstr("version 1.0"), HasSubstr(id))) << st;
  }
  // The file itself is fine.
  auto live = Content(Ref(kPersonal, id), v1::CONTENT_FORMAT_ORIGINAL);
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->bytes, "v3");
}

TEST_F(OneDriveAdapterTest, BusinessFilesHaveTheQuickXorHashDigest) {
  const std::string id = Seed(kBusiness, "/hash.txt", {"hash me"});
  auto s = Session(kBusiness);
  auto file = business_.GetFile(*s, Ref(kBusiness, id));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->metadata().digest_algorithm(), v1::DIGEST_ALGORITHM_QUICK_XOR_HASH);
  EXPECT_EQ(file->metadata().digest(), emulator::QuickXorHashBase64("hash me"));
  EXPECT_EQ(file->metadata().size(), 7);
}

TEST_F(OneDriveAdapterTest, CallsArePacedAtGraphsPublishedRate) {
  // 20 requests a second with a burst of 20, per account: 30 calls take at
  // least half a second.
  EXPECT_EQ(business_.rate_limit().per_second, 20.0);
  EXPECT_EQ(business_.rate_limit().burst, 20);
  const std::string id = Seed(kBusiness, "/paced.txt", {"x"});
  auto s = Session(kBusiness);
  const absl::Time start = absl::Now();
  for (int i = 0; i < 30; ++i) {
    auto file = business_.GetFile(*s, Ref(kBusiness, id));
    ASSERT_TRUE(file.ok()) << file.status();
  }
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(450));
}

}  // namespace
}  // namespace lc::providers
