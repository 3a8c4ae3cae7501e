// The oauth service against the cloud emulator (tools/cloud-emulator), for
// all five registry entries: the code flow (the emulator's authorize page
// redirects with a code), refresh before expiry, force_refresh, Box's
// rotating refresh tokens, invalid_grant after the emulator revokes the
// user, concurrency counted in the emulator's request log, and disconnect.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "absl/strings/str_split.h"
#include "harness.h"
#include "runtime/http_client.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kUser[] = "alice@example.com";  // the emulator's default user
constexpr char kGateway[] = "https://gw.example.test";

// The emulator binary as a child process on free loopback ports.
class EmulatorProcess {
 public:
  EmulatorProcess() {
    char dir_template[] = "/tmp/lc-emu-XXXXXX";
    dir_ = mkdtemp(dir_template);
    const std::string ports_file = dir_ + "/ports.json";
    cert_file_ = dir_ + "/cert.pem";
    pid_ = fork();
    // LC_CLOUD_EMULATOR overrides the binary built beside this test.
    const char* override_bin = std::getenv("LC_CLOUD_EMULATOR");
    const std::string bin = override_bin ? override_bin : LC_CLOUD_EMULATOR_BIN;
    if (pid_ == 0) {
      if (freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
      execl(bin.c_str(), "cloud-emulator", "--ports-file", ports_file.c_str(), "--tls-cert-out",
            cert_file_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Start-up, not a test condition: poll for the ports file (at most 20 s).
    for (int i = 0; i < 2000; ++i) {
      std::ifstream in(ports_file);
      if (in) {
        std::stringstream buf;
        buf << in.rdbuf();
        ports_ = json::parse(buf.str(), nullptr, false);
        if (ports_.is_object()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!ports_.is_object()) throw std::runtime_error("the emulator did not start");
    http_ = std::make_unique<CurlHttpClient>(
        CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}, .ca_file = cert_file_});
  }
  ~EmulatorProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

  const std::string& ca_file() const { return cert_file_; }
  // onedrive and onedrive-business share the Graph emulator (TLS only).
  std::string Base(const std::string& provider) const {
    const bool graph = provider.rfind("onedrive", 0) == 0;
    return std::string(graph ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(ports_[graph ? "onedrive" : provider].get<int>());
  }

  absl::StatusOr<HttpResponse> Send(const std::string& method, const std::string& url,
                                    const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    if (!body.empty()) req.headers = {{"Content-Type", "application/json"}};
    return http_->Send(req);
  }
  int64_t TokenCalls(const std::string& provider) {
    auto resp = Send("GET", Base(provider) + "/_emulator/counters");
    if (!resp.ok()) return -1;
    json j = json::parse(resp->body, nullptr, false);
    return j["operations"].value("oauth.token", 0);
  }

 private:
  std::string dir_, cert_file_;
  pid_t pid_ = -1;
  json ports_;
  std::unique_ptr<CurlHttpClient> http_;
};

struct Endpoints {
  std::string auth, token, revoke;
};

Endpoints EndpointsOf(const std::string& provider) {
  if (provider == "googledrive") return {"/o/oauth2/v2/auth", "/token", "/revoke"};
  if (provider == "dropbox") return {"/oauth2/authorize", "/oauth2/token", "/2/auth/token/revoke"};
  if (provider == "box") return {"/api/oauth2/authorize", "/oauth2/token", "/oauth2/revoke"};
  return {"/{tenant}/oauth2/v2.0/authorize", "/{tenant}/oauth2/v2.0/token", ""};
}

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string::npos) return out;
  for (absl::string_view part : absl::StrSplit(url.substr(q + 1), '&')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    std::string v;
    for (size_t i = 0; i < kv.second.size(); ++i) {
      if (kv.second[i] == '%' && i + 2 < kv.second.size()) {
        v += static_cast<char>(std::stoi(kv.second.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        v += kv.second[i] == '+' ? ' ' : kv.second[i];
      }
    }
    out[kv.first] = v;
  }
  return out;
}

class EmulatorOAuthTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (ServerConninfo().empty()) return;
    emulator_ = new EmulatorProcess;
    conninfo_ = new std::string(CreateTestDatabase());
    harness_ = new OAuthHarness(*conninfo_, kKeyK1, emulator_->ca_file());
  }
  static void TearDownTestSuite() {
    delete harness_;
    delete emulator_;
    harness_ = nullptr;
    emulator_ = nullptr;
  }
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    const std::string& p = GetParam();
    const Endpoints e = EndpointsOf(p);
    const std::string base = emulator_->Base(p);
    v1::UpdateServiceProviderRequest req;
    req.mutable_provider()->set_name(p);
    req.mutable_provider()->set_client_id("lc-" + p);
    req.mutable_provider()->set_authorization_url(base + e.auth);
    req.mutable_provider()->set_token_url(base + e.token);
    req.mutable_provider()->set_revoke_url(e.revoke.empty() ? "" : base + e.revoke);
    req.mutable_provider()->set_api_base_url(base);
    req.mutable_provider()->set_enabled(true);
    req.set_client_secret("emulator-client-secret-" + p);
    for (const char* path : {"client_id", "client_secret", "authorization_url", "token_url",
                             "revoke_url", "api_base_url", "enabled"}) {
      req.mutable_update_mask()->add_paths(path);
    }
    v1::ServiceProvider out;
    auto ctx = harness_->AsAdmin();
    grpc::Status s = harness_->stub().UpdateServiceProvider(ctx.get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    emulator_->Send("DELETE", base + "/_emulator/faults").IgnoreError();
  }

  // Start, follow the emulator's authorize page (it consents for its user
  // and redirects to the callback with code and state), complete.
  grpc::Status Connect(const std::string& user, v1::CompleteAuthorizationResponse* out) {
    const std::string& p = GetParam();
    v1::StartAuthorizationRequest start;
    start.set_provider(p);
    start.set_redirect_uri(std::string(kGateway) + "/oauth2/" + p + "/callback");
    start.set_return_to("/accounts");
    start.set_login_hint(kUser);
    v1::StartAuthorizationResponse started;
    auto c1 = harness_->As(user);
    grpc::Status s = harness_->stub().StartAuthorization(c1.get(), start, &started);
    if (!s.ok()) return s;
    auto page = emulator_->Send("GET", started.authorization_url());
    if (!page.ok() || page->status != 302) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "authorize page did not redirect");
    }
    const std::string location = page->Header("location");
    EXPECT_EQ(location.rfind(start.redirect_uri() + "?", 0), 0u) << location;
    auto q = QueryOf(location);
    v1::CompleteAuthorizationRequest done;
    done.set_provider(p);
    done.set_code(q["code"]);
    done.set_state(q["state"]);
    done.set_error(q["error"]);
    auto c2 = harness_->As(user);
    return harness_->stub().CompleteAuthorization(c2.get(), done, out);
  }

  grpc::Status Token(const std::string& user, v1::GetAccessTokenResponse* out, bool force = false) {
    v1::GetAccessTokenRequest req;
    req.set_user(user);
    req.set_provider(GetParam());
    req.set_account(kUser);
    req.set_force_refresh(force);
    auto ctx = harness_->AsService();
    return harness_->stub().GetAccessToken(ctx.get(), req, out);
  }

  // Calls the provider's account endpoint with the token (is it live?).
  int ApiStatus(const std::string& token) {
    const std::string& p = GetParam();
    const std::string base = emulator_->Base(p);
    HttpRequest req;
    req.headers = {{"Authorization", "Bearer " + token}};
    if (p == "googledrive") {
      req.url = base + "/drive/v3/about?fields=user";
    } else if (p == "dropbox") {
      req.method = "POST";
      req.url = base + "/2/users/get_current_account";
    } else if (p == "box") {
      req.url = base + "/2.0/users/me";
    } else {
      req.url = base + "/v1.0/me";
    }
    CurlHttpClient http(CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1},
                                                .ca_file = emulator_->ca_file()});
    auto resp = http.Send(req);
    return resp.ok() ? resp->status : -1;
  }

  static inline EmulatorProcess* emulator_ = nullptr;
  static inline OAuthHarness* harness_ = nullptr;
  static inline std::string* conninfo_ = nullptr;
};

TEST_P(EmulatorOAuthTest, CodeFlowRefreshRotationReconnectDisconnect) {
  const std::string& p = GetParam();
  const std::string user = "emu-" + p;
  v1::CompleteAuthorizationResponse done;
  grpc::Status s = Connect(user, &done);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(done.account().account(), kUser);
  EXPECT_EQ(done.return_to(), "/accounts");

  v1::GetAccessTokenResponse t1, t2, t3, t4;
  ASSERT_TRUE(Token(user, &t1).ok());
  EXPECT_EQ(ApiStatus(t1.access_token()), 200);
  const int64_t calls = emulator_->TokenCalls(p);

  // Refresh before expiry: 56 minutes later the token has 4 minutes left.
  harness_->Advance(absl::Minutes(56));
  s = Token(user, &t2);
  harness_->Advance(-absl::Minutes(56));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(t2.access_token(), t1.access_token());
  EXPECT_EQ(ApiStatus(t2.access_token()), 200);
  EXPECT_EQ(emulator_->TokenCalls(p), calls + 1);

  // force_refresh, twice: with Box's single-use refresh tokens the second
  // works only if the first saved the rotated one.
  ASSERT_TRUE(Token(user, &t3, /*force=*/true).ok());
  s = Token(user, &t4, /*force=*/true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(t4.access_token(), t3.access_token());
  EXPECT_EQ(ApiStatus(t4.access_token()), 200);
  EXPECT_EQ(emulator_->TokenCalls(p), calls + 3);

  // Concurrency: 50 callers on an expired credential, one token call.
  auto delay =
      emulator_->Send("POST", emulator_->Base(p) + "/_emulator/faults",
                      json{{"kind", "delay"}, {"path", "token$"}, {"delay_ms", 300}}.dump());
  ASSERT_TRUE(delay.ok() && delay->status == 200) << (delay.ok() ? delay->body : "");
  harness_->Advance(absl::Hours(2));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      v1::GetAccessTokenResponse t;
      if (Token(user, &t).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  harness_->Advance(-absl::Hours(2));
  emulator_->Send("DELETE", emulator_->Base(p) + "/_emulator/faults").IgnoreError();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(emulator_->TokenCalls(p), calls + 4);
  std::cout << "[ measured ] " << p << ": 50 concurrent GetAccessToken -> "
            << emulator_->TokenCalls(p) - calls - 3 << " token call(s) in the emulator log\n";

  // The emulator revokes the user's grants: invalid_grant -> needs_reconnect.
  auto revoked = emulator_->Send(
      "POST", emulator_->Base(p) + "/_emulator/users/" + std::string(kUser) + "/revoke");
  ASSERT_TRUE(revoked.ok() && revoked->status == 200);
  s = Token(user, &t1, /*force=*/true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("reconnect"));
  v1::ListAccountsResponse list;
  auto lc = harness_->As(user);
  ASSERT_TRUE(harness_->stub().ListAccounts(lc.get(), {}, &list).ok());
  ASSERT_EQ(list.accounts_size(), 1);
  EXPECT_EQ(list.accounts(0).status(), v1::ACCOUNT_STATUS_NEEDS_RECONNECT);

  // Reconnecting heals it; disconnect revokes where the provider can.
  ASSERT_TRUE(Connect(user, &done).ok());
  ASSERT_TRUE(Token(user, &t1).ok());
  v1::DisconnectRequest dr;
  dr.set_provider(p);
  dr.set_account(kUser);
  v1::DisconnectResponse dresp;
  auto dc = harness_->As(user);
  ASSERT_TRUE(harness_->stub().Disconnect(dc.get(), dr, &dresp).ok());
  const bool has_revoke = !EndpointsOf(p).revoke.empty();
  EXPECT_EQ(dresp.revoked_at_provider(), has_revoke);
  if (has_revoke) {
    EXPECT_EQ(ApiStatus(t1.access_token()), 401);
  }
  EXPECT_EQ(Token(user, &t1).error_code(), grpc::StatusCode::NOT_FOUND);
}

INSTANTIATE_TEST_SUITE_P(AllProviders, EmulatorOAuthTest,
                         ::testing::Values("googledrive", "dropbox", "box", "onedrive",
                                           "onedrive-business"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace lc::testing
