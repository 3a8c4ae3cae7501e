// The Box adapter through a Prism validating proxy (@stoplight/prism-cli
// 5.14.2, --errors) built from Box's official OpenAPI document, between the
// providers service and the emulator: every request the adapter makes and
// every response it reads is checked against the document. prism/patch-spec.js
// first fixes the schemas Prism cannot compile (allOf with a bare nullable),
// which Prism would otherwise count as valid.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "../oauth/harness.h"
#include "providers_harness.h"
#include "testing/emulator_process.h"
#include "testing/pg_fixture.h"
#include "testing/wait.h"

namespace lc::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kAccount[] = "alice@example.com";
constexpr char kUser[] = "prism-user";

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Prism as a child process; its log tells which requests it refused.
class PrismProcess {
 public:
  PrismProcess(const std::string& upstream) {
    const std::string dir = std::string(LC_SOURCE_DIR) + "/tests/providers/prism";
    char tmp[] = "/tmp/lc-prism-XXXXXX";
    tmp_ = mkdtemp(tmp);
    spec_ = tmp_ + "/box-openapi.patched.json";
    log_ = tmp_ + "/prism.log";
    const std::string patch = "node " + dir + "/patch-spec.js " + dir + "/spec/box-openapi.json " +
                              spec_ + " 2>" + tmp_ + "/patch.log";
    if (std::system(patch.c_str()) != 0) throw std::runtime_error("patch-spec.js failed");
    port_ = FreeLoopbackPort();
    const std::string bin = dir + "/node_modules/.bin/prism";
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (freopen(log_.c_str(), "w", stdout) == nullptr) _exit(126);
      dup2(fileno(stdout), 2);
      const std::string port = std::to_string(port_);
      execl(bin.c_str(), "prism", "proxy", spec_.c_str(), upstream.c_str(), "--errors", "--host",
            "127.0.0.1", "--port", port.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Prism compiles Box's 1.2 MB document first (about 15 s here).
    bool exited = false;
    const bool listening = WaitFor(
        [&] {
          if (Slurp(log_).find("Prism is listening") != std::string::npos) return true;
          exited = waitpid(pid_, nullptr, WNOHANG) == pid_;
          return exited;
        },
        absl::Minutes(2), absl::Milliseconds(100));
    if (listening && !exited) return;
    if (!exited) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    throw std::runtime_error("prism did not start: " + Slurp(log_));
  }
  ~PrismProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return Slurp(log_); }
  std::string patch_log() const { return Slurp(tmp_ + "/patch.log"); }

 private:
  std::string tmp_, spec_, log_;
  int port_ = 0;
  pid_t pid_ = -1;
};

class PrismBoxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (ServerConninfo().empty()) return;
    const std::string prism = std::string(LC_SOURCE_DIR) + "/tests/providers/prism/node_modules";
    if (access(prism.c_str(), F_OK) != 0) return;  // SetUp reports it
    emulator_ = new EmulatorProcess(LC_CLOUD_EMULATOR_BIN);
    prism_ = new PrismProcess(emulator_->Base("box"));
    conninfo_ = new std::string(CreateTestDatabase());
    oauth_ = new OAuthHarness(*conninfo_, kKeyK1, emulator_->ca_file());
    ProvidersHarness::Options o;
    o.ca_file = emulator_->ca_file();
    o.reliability.initial_backoff = absl::Milliseconds(10);
    o.reliability.max_attempts = 1;  // a violation is an answer, not a hiccup
    o.reliability.breaker_threshold = 1000;
    providers_ = new ProvidersHarness(oauth_->port(), kJwtSecret, o);
  }
  static void TearDownTestSuite() {
    delete providers_;
    delete oauth_;
    delete prism_;
    delete emulator_;
  }
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    if (prism_ == nullptr) {
      FAIL() << "tests/providers/prism/node_modules is missing: run ./scripts/test (npm ci)";
    }
    const std::string base = emulator_->Base("box");
    v1::UpdateServiceProviderRequest req;
    req.mutable_provider()->set_name("box");
    req.mutable_provider()->set_client_id("lc-box");
    req.mutable_provider()->set_authorization_url(base + "/api/oauth2/authorize");
    req.mutable_provider()->set_token_url(base + "/oauth2/token");
    // Connect against the emulator (oauth's own account lookup is not under
    // test here), then point the API at Prism.
    req.mutable_provider()->set_api_base_url(base);
    req.mutable_provider()->set_enabled(true);
    req.set_client_secret("emulator-client-secret-box");
    for (const char* path : {"client_id", "client_secret", "authorization_url", "token_url",
                             "api_base_url", "enabled"}) {
      req.mutable_update_mask()->add_paths(path);
    }
    v1::ServiceProvider out;
    auto ctx = oauth_->AsAdmin();
    ASSERT_TRUE(oauth_->stub().UpdateServiceProvider(ctx.get(), req, &out).ok());
    v1::StartAuthorizationRequest start;
    start.set_provider("box");
    start.set_redirect_uri("https://gw.example.test/oauth2/box/callback");
    start.set_return_to("/");
    start.set_login_hint(kAccount);
    v1::StartAuthorizationResponse started;
    auto c1 = oauth_->As(kUser);
    ASSERT_TRUE(oauth_->stub().StartAuthorization(c1.get(), start, &started).ok());
    auto page = emulator_->Send("GET", started.authorization_url());
    ASSERT_TRUE(page.ok() && page->status == 302);
    const std::string location = page->Header("location");
    auto q = QueryOf(location);
    v1::CompleteAuthorizationRequest done;
    done.set_provider("box");
    done.set_code(q["code"]);
    done.set_state(q["state"]);
    v1::CompleteAuthorizationResponse completed;
    auto c2 = oauth_->As(kUser);
    grpc::Status s = oauth_->stub().CompleteAuthorization(c2.get(), done, &completed);
    ASSERT_TRUE(s.ok()) << s.error_message() << " " << location;
    v1::UpdateServiceProviderRequest via_prism;
    via_prism.mutable_provider()->set_name("box");
    via_prism.mutable_provider()->set_api_base_url(prism_->url());
    via_prism.mutable_update_mask()->add_paths("api_base_url");
    auto c3 = oauth_->AsAdmin();
    s = oauth_->stub().UpdateServiceProvider(c3.get(), via_prism, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  v1::BlobRef Ref(const std::string& id, const std::string& rev = "") {
    v1::BlobRef ref;
    ref.set_provider("box");
    ref.set_account(kAccount);
    ref.set_file_id(id);
    ref.set_revision(rev);
    return ref;
  }
  // Prism's own verdict on one raw request (for reporting).
  std::string Violations(const std::string& path) {
    HttpRequest req;
    req.url = prism_->url() + path;
    json tokens = emulator_->Admin("box", "POST", "/_emulator/tokens", {{"user", kAccount}});
    req.headers = {{"Authorization", "Bearer " + tokens["access_token"].get<std::string>()}};
    CurlHttpClient http(CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}});
    auto r = http.Send(req);
    if (!r.ok()) return r.status().ToString();
    json body = json::parse(r->body, nullptr, false);
    return body.contains("validation") ? body["validation"].dump() : "";
  }

  static inline EmulatorProcess* emulator_ = nullptr;
  static inline PrismProcess* prism_ = nullptr;
  static inline OAuthHarness* oauth_ = nullptr;
  static inline ProvidersHarness* providers_ = nullptr;
  static inline std::string* conninfo_ = nullptr;
};

TEST_F(PrismBoxTest, EveryAdapterCallConformsToBoxOpenApi) {
  EXPECT_THAT(prism_->patch_log(), HasSubstr("schemas with a bare nullable patched"));
  json seeded = emulator_->Admin("box", "POST", "/_emulator/files",
                                 {{"user", kAccount},
                                  {"files",
                                   {{{"path", "/prism/a.txt"}, {"revisions", {"first", "second"}}},
                                    {{"path", "/prism/b.docx"}, {"content", "a document"}}}}});
  const std::string a = seeded["files"][0]["id"];
  const std::string b = seeded["files"][1]["id"];
  json folder =
      emulator_->Admin("box", "GET", "/_emulator/files?user=alice@example.com&path=/prism");
  auto& stub = providers_->stub();
  grpc::Status s;

  v1::ListFolderRequest lf;
  lf.mutable_account()->set_provider("box");
  lf.mutable_account()->set_account(kAccount);
  lf.set_folder_id(folder["id"]);
  lf.set_page_size(1);
  v1::ListFolderResponse page;
  auto c = providers_->As(kUser);
  s = stub.ListFolder(c.get(), lf, &page);
  ASSERT_TRUE(s.ok()) << s.error_message() << prism_->log();
  ASSERT_EQ(page.items_size(), 1);
  lf.set_page_token(page.next_page_token());
  c = providers_->As(kUser);
  s = stub.ListFolder(c.get(), lf, &page);
  ASSERT_TRUE(s.ok()) << s.error_message();

  v1::GetFileRequest gf;
  *gf.mutable_blob() = Ref(a);
  gf.set_no_cache(true);
  v1::CloudFile file;
  c = providers_->As(kUser);
  s = stub.GetFile(c.get(), gf, &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(file.name(), "a.txt");

  for (v1::LinkKind kind : {v1::LINK_KIND_PREVIEW, v1::LINK_KIND_EDIT, v1::LINK_KIND_THUMBNAIL}) {
    v1::GetLinkRequest gl;
    // Box makes no thumbnail of a .txt; the .docx has one.
    *gl.mutable_blob() = Ref(kind == v1::LINK_KIND_THUMBNAIL ? b : a);
    gl.set_kind(kind);
    v1::Link link;
    c = providers_->As(kUser);
    s = stub.GetLink(c.get(), gl, &link);
    EXPECT_TRUE(s.ok()) << v1::LinkKind_Name(kind) << ": " << s.error_message();
  }

  auto content = [&](const v1::BlobRef& ref, v1::ContentFormat format) {
    v1::GetContentRequest req;
    *req.mutable_blob() = ref;
    req.set_format(format);
    auto ctx = providers_->As(kUser);
    auto reader = stub.GetContent(ctx.get(), req);
    std::string bytes;
    v1::ContentChunk chunk;
    while (reader->Read(&chunk)) bytes += chunk.data();
    grpc::Status st = reader->Finish();
    return st.ok() ? bytes : "<" + st.error_message() + ">";
  };
  EXPECT_EQ(content(Ref(a), v1::CONTENT_FORMAT_ORIGINAL), "second");
  EXPECT_EQ(content(Ref(b), v1::CONTENT_FORMAT_PDF).substr(0, 5), "%PDF-");
  EXPECT_EQ(content(Ref(b), v1::CONTENT_FORMAT_TEXT), "a document");

  v1::PinRevisionRequest pr;
  *pr.mutable_blob() = Ref(a);
  v1::PinRevisionResponse pinned;
  c = providers_->As(kUser);
  s = stub.PinRevision(c.get(), pr, &pinned);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(content(pinned.blob(), v1::CONTENT_FORMAT_ORIGINAL), "second");

  v1::GetStartCursorRequest sc;
  sc.mutable_account()->set_provider("box");
  sc.mutable_account()->set_account(kAccount);
  v1::GetStartCursorResponse cursor;
  c = providers_->As(kUser);
  s = stub.GetStartCursor(c.get(), sc, &cursor);
  ASSERT_TRUE(s.ok()) << s.error_message();
  emulator_->Admin("box", "POST", "/_emulator/changes",
                   {{"id", a}, {"action", "rename"}, {"name", "renamed.txt"}});
  v1::ListChangesRequest lc;
  *lc.mutable_account() = sc.account();
  lc.set_cursor(cursor.cursor());
  v1::ListChangesResponse changes;
  c = providers_->As(kUser);
  s = stub.ListChanges(c.get(), lc, &changes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(changes.changes_size(), 1);
  EXPECT_EQ(changes.changes(0).file().name(), "renamed.txt");

  // ListRevisions reads GET /files/{id}/versions.
  v1::ListRevisionsRequest lr;
  *lr.mutable_blob() = Ref(a);
  v1::ListRevisionsResponse revs;
  c = providers_->As(kUser);
  s = stub.ListRevisions(c.get(), lr, &revs);
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n"
                      << Violations("/2.0/files/" + a + "/versions?limit=1000&offset=0");
  EXPECT_EQ(revs.revisions_size(), 2);

  // Prism refused nothing.
  const std::string log = prism_->log();
  size_t refused = 0;
  for (size_t at = log.find("Request terminated with error"); at != std::string::npos;
       at = log.find("Request terminated with error", at + 1)) {
    size_t line = log.rfind('\n', at);
    const std::string text = log.substr(line + 1, log.find('\n', at) - line - 1);
    ADD_FAILURE() << "prism refused: " << text;
    ++refused;
  }
  std::cout << "[ measured ] prism refused " << refused << " request(s)\n";
  // Prism does not know the short-lived download host; the adapter never
  // sent a request Prism could not route.
  EXPECT_EQ(log.find("NO_PATH_MATCHED_ERROR"), std::string::npos) << log.substr(0, 2000);
}

}  // namespace
}  // namespace lc::testing
