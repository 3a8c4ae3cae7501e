// OAuthService through a real gRPC channel against a real PostgreSQL, with a
// fake OAuth provider (fake_provider.h) in the test process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "fake_provider.h"
#include "harness.h"
#include "runtime/log.h"
#include "testing/emulator_process.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kGateway[] = "https://gw.example.test";
const char* const kProviders[] = {"googledrive", "dropbox", "box", "onedrive", "onedrive-business"};

std::string RevokePath(const std::string& provider) {
  if (provider == "googledrive") return "/revoke";
  if (provider == "dropbox") return "/2/auth/token/revoke";
  if (provider == "box") return "/oauth2/revoke";
  return "";
}

struct Started {
  grpc::Status status;
  std::string url, state, challenge, redirect_uri;
};

class OAuthTestBase : public ::testing::Test {
 protected:
  static std::ostringstream& LogSink() {
    static auto* sink = new std::ostringstream;
    return *sink;
  }
  static void InitSuite() {
    static bool done = false;
    if (done) return;
    done = true;
    InitLogging("oauth", LogLevel::kDebug, &LogSink());
    fake_ = new FakeProvider;
  }

  static grpc::Status Configure(OAuthHarness& h, const std::string& name,
                                v1::ServiceProvider* out = nullptr) {
    v1::UpdateServiceProviderRequest req;
    auto* p = req.mutable_provider();
    p->set_name(name);
    p->set_client_id(FakeProvider::kClientId);
    p->set_authorization_url(fake_->base_url() + "/" +
                             (name == "onedrive-business" ? "{tenant}/" : "") + "authorize");
    p->set_token_url(fake_->base_url() + "/token");
    p->set_revoke_url(RevokePath(name).empty() ? "" : fake_->base_url() + RevokePath(name));
    p->set_api_base_url(fake_->base_url());
    p->set_enabled(true);
    req.set_client_secret(FakeProvider::kClientSecret);
    for (const char* path : {"client_id", "client_secret", "authorization_url", "token_url",
                             "revoke_url", "api_base_url", "enabled"}) {
      req.mutable_update_mask()->add_paths(path);
    }
    v1::ServiceProvider resp;
    auto ctx = h.AsAdmin();
    grpc::Status s = h.stub().UpdateServiceProvider(ctx.get(), req, &resp);
    if (out) *out = resp;
    return s;
  }

  static Started Start(OAuthHarness& h, const std::string& user, const std::string& provider,
                       const std::string& return_to = "/done") {
    v1::StartAuthorizationRequest req;
    req.set_provider(provider);
    req.set_return_to(return_to);
    req.set_redirect_uri(std::string(kGateway) + "/oauth2/" + provider + "/callback");
    v1::StartAuthorizationResponse resp;
    auto ctx = h.As(user);
    Started out;
    out.status = h.stub().StartAuthorization(ctx.get(), req, &resp);
    out.url = resp.authorization_url();
    auto q = QueryOf(out.url);
    out.state = q["state"];
    out.challenge = q["code_challenge"];
    out.redirect_uri = q["redirect_uri"];
    return out;
  }

  static grpc::Status Complete(OAuthHarness& h, const std::string& user,
                               const std::string& provider, const std::string& code,
                               const std::string& state, v1::CompleteAuthorizationResponse* out,
                               const std::string& error = "") {
    v1::CompleteAuthorizationRequest req;
    req.set_provider(provider);
    req.set_code(code);
    req.set_state(state);
    req.set_error(error);
    auto ctx = h.As(user);
    return h.stub().CompleteAuthorization(ctx.get(), req, out);
  }

  // The whole browser round trip: start, consent at the fake, complete.
  static grpc::Status Connect(OAuthHarness& h, const std::string& user, const std::string& provider,
                              const std::string& account,
                              v1::CompleteAuthorizationResponse* out = nullptr) {
    Started st = Start(h, user, provider);
    if (!st.status.ok()) return st.status;
    std::string code = fake_->ApproveCode(st.redirect_uri, st.challenge, account);
    v1::CompleteAuthorizationResponse resp;
    grpc::Status s = Complete(h, user, provider, code, st.state, &resp);
    if (out) *out = resp;
    return s;
  }

  static grpc::Status Token(OAuthHarness& h, const std::string& user, const std::string& provider,
                            const std::string& account, v1::GetAccessTokenResponse* out,
                            bool force = false) {
    v1::GetAccessTokenRequest req;
    req.set_user(user);
    req.set_provider(provider);
    req.set_account(account);
    req.set_force_refresh(force);
    auto ctx = h.AsService();
    return h.stub().GetAccessToken(ctx.get(), req, out);
  }

  static std::vector<v1::Account> Accounts(OAuthHarness& h, const std::string& user) {
    v1::ListAccountsResponse resp;
    auto ctx = h.As(user);
    grpc::Status s = h.stub().ListAccounts(ctx.get(), v1::ListAccountsRequest(), &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.accounts().begin(), resp.accounts().end()};
  }

  // Every row of every table of the oauth schema, as PostgreSQL prints it.
  static std::string DumpSchema(OAuthHarness& h) {
    std::string dump;
    auto s = h.pool().RunReadOnly([&](pqxx::work& tx) {
      for (const auto& t : tx.exec("SELECT table_name FROM information_schema.tables "
                                   "WHERE table_schema = 'oauth'")) {
        std::string table = t[0].as<std::string>();
        for (const auto& row :
             tx.exec("SELECT t::text FROM oauth." + tx.quote_name(table) + " t")) {
          dump += row[0].as<std::string>() + "\n";
        }
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return dump;
  }

  static inline FakeProvider* fake_ = nullptr;
};

class OAuthTest : public OAuthTestBase {
 protected:
  static void SetUpTestSuite() {
    if (ServerConninfo().empty()) return;
    InitSuite();
    conninfo_ = new std::string(CreateTestDatabase());
    harness_ = new OAuthHarness(*conninfo_);
    for (const char* name : kProviders) {
      grpc::Status s = Configure(*harness_, name);
      ASSERT_TRUE(s.ok()) << name << ": " << s.error_message();
    }
  }
  static void TearDownTestSuite() {
    delete harness_;
    harness_ = nullptr;
  }
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    fake_->ResetCounters();
    fake_->rotate_refresh = false;
    fake_->issue_refresh = true;
    fake_->refresh_http_status = 200;
    fake_->expires_in = 3600;
    fake_->token_delay_ms = 0;
  }
  OAuthHarness& h() { return *harness_; }

  static inline OAuthHarness* harness_ = nullptr;
  static inline std::string* conninfo_ = nullptr;
};

// ---- registry (a database of its own: it checks the seeded rows) ----

class RegistryTest : public OAuthTestBase {
 protected:
  void SetUp() override {
    LC_REQUIRE_POSTGRES();
    InitSuite();
    harness_ = std::make_unique<OAuthHarness>(CreateTestDatabase());
  }
  std::unique_ptr<OAuthHarness> harness_;
};

TEST_F(RegistryTest, SeedsTheFiveProvidersDisabledWithoutCredentials) {
  v1::ListServiceProvidersResponse resp;
  auto ctx = harness_->AsAdmin();
  ASSERT_TRUE(harness_->stub().ListServiceProviders(ctx.get(), {}, &resp).ok());
  std::map<std::string, v1::ServiceProvider> by_name;
  for (const auto& p : resp.providers()) by_name[p.name()] = p;
  ASSERT_EQ(by_name.size(), 5u);
  for (const auto& [name, p] : by_name) {
    EXPECT_FALSE(p.enabled()) << name;
    EXPECT_FALSE(p.usable()) << name;
    EXPECT_TRUE(p.client_id().empty()) << name;
    EXPECT_FALSE(p.client_secret_set()) << name;
    EXPECT_THAT(p.token_url(), HasSubstr("https://")) << name;
    EXPECT_THAT(p.unusable_reason(),
                AllOf(HasSubstr("disabled"), HasSubstr("client id"), HasSubstr("client secret")));
  }
  const auto& drive = by_name["googledrive"];
  EXPECT_EQ(drive.authorization_url(), "https://accounts.google.com/o/oauth2/v2/auth");
  EXPECT_EQ(drive.token_url(), "https://oauth2.googleapis.com/token");
  EXPECT_EQ(drive.extra_authorization_params().at("access_type"), "offline");
  EXPECT_EQ(drive.extra_authorization_params().at("prompt"), "consent");
  EXPECT_EQ(by_name["dropbox"].extra_authorization_params().at("token_access_type"), "offline");
  EXPECT_EQ(by_name["box"].token_url(), "https://api.box.com/oauth2/token");
  EXPECT_EQ(by_name["onedrive"].tenant(), "common");
  EXPECT_EQ(by_name["onedrive-business"].tenant(), "organizations");
  EXPECT_THAT(by_name["onedrive"].authorization_url(),
              HasSubstr("login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"));
  EXPECT_TRUE(by_name["onedrive"].revoke_url().empty());
  EXPECT_THAT(std::vector<std::string>(by_name["onedrive"].scopes().begin(),
                                       by_name["onedrive"].scopes().end()),
              ::testing::Contains("offline_access"));
}

TEST_F(RegistryTest, OnlyAdminsManageTheRegistry) {
  v1::ListServiceProvidersResponse list;
  auto user = harness_->As("alice");
  EXPECT_EQ(harness_->stub().ListServiceProviders(user.get(), {}, &list).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::SetServiceProviderEnabledRequest en;
  en.set_name("box");
  en.set_enabled(true);
  v1::ServiceProvider p;
  auto user2 = harness_->As("alice");
  EXPECT_EQ(harness_->stub().SetServiceProviderEnabled(user2.get(), en, &p).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto svc = harness_->AsService();
  EXPECT_EQ(harness_->stub().ListServiceProviders(svc.get(), {}, &list).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RegistryTest, SecretIsWriteOnlyAndSealed) {
  std::vector<std::string> responses;
  v1::ServiceProvider updated;
  ASSERT_TRUE(Configure(*harness_, "box", &updated).ok());
  responses.push_back(updated.SerializeAsString());
  EXPECT_TRUE(updated.client_secret_set());
  EXPECT_TRUE(updated.usable());
  EXPECT_TRUE(updated.unusable_reason().empty());

  v1::ServiceProvider got;
  auto c1 = harness_->AsAdmin();
  v1::GetServiceProviderRequest get;
  get.set_name("box");
  ASSERT_TRUE(harness_->stub().GetServiceProvider(c1.get(), get, &got).ok());
  responses.push_back(got.SerializeAsString());
  v1::ListServiceProvidersResponse list;
  auto c2 = harness_->AsAdmin();
  ASSERT_TRUE(harness_->stub().ListServiceProviders(c2.get(), {}, &list).ok());
  responses.push_back(list.SerializeAsString());
  v1::SetServiceProviderEnabledRequest en;
  en.set_name("box");
  en.set_enabled(false);
  v1::ServiceProvider disabled;
  auto c3 = harness_->AsAdmin();
  ASSERT_TRUE(harness_->stub().SetServiceProviderEnabled(c3.get(), en, &disabled).ok());
  responses.push_back(disabled.SerializeAsString());
  EXPECT_FALSE(disabled.usable());
  EXPECT_TRUE(disabled.client_secret_set());
  for (const auto& bytes : responses) {
    EXPECT_EQ(bytes.find(FakeProvider::kClientSecret), std::string::npos);
  }
  EXPECT_THAT(DumpSchema(*harness_), Not(HasSubstr(FakeProvider::kClientSecret)));

  // Naming client_secret with an empty value clears it.
  v1::UpdateServiceProviderRequest clear;
  clear.mutable_provider()->set_name("box");
  clear.mutable_update_mask()->add_paths("client_secret");
  auto c4 = harness_->AsAdmin();
  v1::ServiceProvider cleared;
  ASSERT_TRUE(harness_->stub().UpdateServiceProvider(c4.get(), clear, &cleared).ok());
  EXPECT_FALSE(cleared.client_secret_set());
}

TEST_F(RegistryTest, UpdateValidatesTheMaskAndValues) {
  auto update = [&](const std::string& path, const std::function<void(v1::ServiceProvider*)>& set) {
    v1::UpdateServiceProviderRequest req;
    req.mutable_provider()->set_name("onedrive");
    set(req.mutable_provider());
    req.mutable_update_mask()->add_paths(path);
    v1::ServiceProvider resp;
    auto ctx = harness_->AsAdmin();
    return harness_->stub().UpdateServiceProvider(ctx.get(), req, &resp);
  };
  EXPECT_EQ(update("name", [](auto*) {}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(update("usable", [](auto*) {}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(update("token_url", [](auto* p) { p->set_token_url("ftp://x"); }).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(update("tenant", [](auto* p) { p->set_tenant("a/b"); }).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(update("extra_authorization_params",
                   [](auto* p) { (*p->mutable_extra_authorization_params())["state"] = "x"; })
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(update("tenant", [](auto* p) { p->set_tenant("contoso.onmicrosoft.com"); }).ok());
  v1::UpdateServiceProviderRequest unknown;
  unknown.mutable_provider()->set_name("nope");
  unknown.mutable_update_mask()->add_paths("description");
  v1::ServiceProvider resp;
  auto ctx = harness_->AsAdmin();
  EXPECT_EQ(harness_->stub().UpdateServiceProvider(ctx.get(), unknown, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RegistryTest, UnusableProviderSaysWhatIsMissing) {
  Started st = Start(*harness_, "alice", "dropbox");
  EXPECT_EQ(st.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.status.error_message(),
              AllOf(HasSubstr("dropbox"), HasSubstr("disabled"), HasSubstr("no client id"),
                    HasSubstr("no client secret")));
  // Only the secret missing: only the secret is named.
  v1::UpdateServiceProviderRequest req;
  req.mutable_provider()->set_name("dropbox");
  req.mutable_provider()->set_client_id("id");
  req.mutable_provider()->set_enabled(true);
  req.mutable_update_mask()->add_paths("client_id");
  req.mutable_update_mask()->add_paths("enabled");
  v1::ServiceProvider resp;
  auto ctx = harness_->AsAdmin();
  ASSERT_TRUE(harness_->stub().UpdateServiceProvider(ctx.get(), req, &resp).ok());
  st = Start(*harness_, "alice", "dropbox");
  EXPECT_EQ(st.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.status.error_message(), HasSubstr("no client secret"));
  EXPECT_THAT(st.status.error_message(), Not(HasSubstr("disabled")));
  v1::GetAccessTokenResponse tok;
  EXPECT_EQ(Token(*harness_, "alice", "dropbox", "a@x", &tok).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// ---- the authorization flow ----

TEST_F(OAuthTest, StartBuildsAnAuthorizationUrlWithPkceAndExtraParams) {
  Started st = Start(h(), "u-start", "googledrive");
  ASSERT_TRUE(st.status.ok()) << st.status.error_message();
  auto q = QueryOf(st.url);
  EXPECT_EQ(st.url.rfind(fake_->base_url() + "/authorize?", 0), 0u) << st.url;
  EXPECT_EQ(q["response_type"], "code");
  EXPECT_EQ(q["client_id"], FakeProvider::kClientId);
  EXPECT_EQ(q["code_challenge_method"], "S256");
  EXPECT_EQ(q["code_challenge"].size(), 43u);
  EXPECT_GE(q["state"].size(), 43u);
  EXPECT_EQ(q["access_type"], "offline");
  EXPECT_EQ(q["prompt"], "consent");
  EXPECT_EQ(q["scope"], "https://www.googleapis.com/auth/drive");
  EXPECT_EQ(q["redirect_uri"], std::string(kGateway) + "/oauth2/googledrive/callback");
  EXPECT_EQ(QueryOf(Start(h(), "u-start", "dropbox").url)["token_access_type"], "offline");
  // The tenant fills the Microsoft URL template.
  EXPECT_THAT(Start(h(), "u-start", "onedrive-business").url,
              HasSubstr("/organizations/authorize?"));
  // The state is stored only as a hash.
  EXPECT_THAT(DumpSchema(h()), Not(HasSubstr(st.state)));
  // Two starts give two states.
  EXPECT_NE(Start(h(), "u-start", "googledrive").state, st.state);
}

TEST_F(OAuthTest, StartRefusesOpenRedirects) {
  for (const char* bad : {"https://evil.example/x", "//evil.example/x", "javascript:alert(1)",
                          "https://gw.example.test.evil.example/", "/a b"}) {
    EXPECT_EQ(Start(h(), "u-redir", "box", bad).status.error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << bad;
  }
  EXPECT_TRUE(Start(h(), "u-redir", "box", "https://gw.example.test/docs?x=1").status.ok());
  EXPECT_TRUE(Start(h(), "u-redir", "box", "/docs").status.ok());
}

TEST_F(OAuthTest, FullFlowForEveryProvider) {
  for (const char* provider : kProviders) {
    SCOPED_TRACE(provider);
    const std::string account = std::string("carol@") + provider + ".example";
    v1::CompleteAuthorizationResponse done;
    grpc::Status s = Connect(h(), "carol", provider, account, &done);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(done.return_to(), "/done");
    EXPECT_EQ(done.account().account(), account);
    EXPECT_EQ(done.account().status(), v1::ACCOUNT_STATUS_OK);
    EXPECT_EQ(done.account().user(), "carol");
    EXPECT_FALSE(done.account().display_name().empty());

    v1::GetAccessTokenResponse tok;
    ASSERT_TRUE(Token(h(), "carol", provider, account, &tok).ok());
    EXPECT_TRUE(fake_->AccessTokenValid(tok.access_token()));
    EXPECT_EQ(tok.api_base_url(), fake_->base_url());

    v1::GetAccountRequest ga;
    ga.set_user("carol");
    ga.set_provider(provider);
    ga.set_account(account);
    v1::Account acc;
    auto ctx = h().AsService();
    EXPECT_TRUE(h().stub().GetAccount(ctx.get(), ga, &acc).ok());
    ga.set_user("mallory");
    auto ctx2 = h().AsService();
    EXPECT_EQ(h().stub().GetAccount(ctx2.get(), ga, &acc).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(Accounts(h(), "carol").size(), 5u);
  EXPECT_TRUE(Accounts(h(), "mallory").empty());
  EXPECT_EQ(fake_->refresh_calls(), 0);
}

TEST_F(OAuthTest, InternalRpcsNeedAServiceIdentity) {
  v1::GetAccessTokenRequest req;
  req.set_user("carol");
  req.set_provider("box");
  req.set_account("carol@box.example");
  v1::GetAccessTokenResponse resp;
  for (auto roles : {std::vector<std::string>{}, std::vector<std::string>{"admin"}}) {
    auto ctx = h().As("carol", roles);
    EXPECT_EQ(h().stub().GetAccessToken(ctx.get(), req, &resp).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  v1::GetAccountRequest ga;
  v1::Account acc;
  auto ctx = h().As("carol");
  EXPECT_EQ(h().stub().GetAccount(ctx.get(), ga, &acc).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(OAuthTest, StateIsSingleUse) {
  Started st = Start(h(), "dave", "dropbox");
  std::string code = fake_->ApproveCode(st.redirect_uri, st.challenge, "dave@x");
  v1::CompleteAuthorizationResponse out;
  ASSERT_TRUE(Complete(h(), "dave", "dropbox", code, st.state, &out).ok());
  grpc::Status replay = Complete(h(), "dave", "dropbox", code, st.state, &out);
  EXPECT_EQ(replay.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(replay.error_message(), HasSubstr("already"));
  EXPECT_EQ(fake_->code_calls(), 1);
}

TEST_F(OAuthTest, AnotherUsersStateIsRefusedAndStaysUsableByItsOwner) {
  Started st = Start(h(), "erin", "box");
  std::string code = fake_->ApproveCode(st.redirect_uri, st.challenge, "erin@x");
  v1::CompleteAuthorizationResponse out;
  grpc::Status s = Complete(h(), "mallory", "box", code, st.state, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("another user"));
  EXPECT_TRUE(Accounts(h(), "mallory").empty());
  EXPECT_TRUE(Complete(h(), "erin", "box", code, st.state, &out).ok());
}

TEST_F(OAuthTest, StateOfAnotherProviderIsRefused) {
  Started st = Start(h(), "frank", "box");
  std::string code = fake_->ApproveCode(st.redirect_uri, st.challenge, "frank@x");
  v1::CompleteAuthorizationResponse out;
  grpc::Status s = Complete(h(), "frank", "dropbox", code, st.state, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("issued for provider box"));
}

TEST_F(OAuthTest, TamperedOrUnknownStateIsRefused) {
  Started st = Start(h(), "gina", "box");
  std::string code = fake_->ApproveCode(st.redirect_uri, st.challenge, "gina@x");
  std::string tampered = st.state;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  v1::CompleteAuthorizationResponse out;
  grpc::Status s = Complete(h(), "gina", "box", code, tampered, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("unknown state"));
  EXPECT_EQ(Complete(h(), "gina", "box", code, "", &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(fake_->code_calls(), 0);
}

TEST_F(OAuthTest, ExpiredStateIsRefused) {
  Started st = Start(h(), "hank", "box");
  std::string code = fake_->ApproveCode(st.redirect_uri, st.challenge, "hank@x");
  h().Advance(absl::Minutes(10) + absl::Seconds(1));
  v1::CompleteAuthorizationResponse out;
  grpc::Status s = Complete(h(), "hank", "box", code, st.state, &out);
  h().Advance(-(absl::Minutes(10) + absl::Seconds(1)));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("expired"));
  EXPECT_EQ(fake_->code_calls(), 0);
}

TEST_F(OAuthTest, AccessDeniedIsAClearErrorAndConsumesTheState) {
  Started st = Start(h(), "ivy", "googledrive");
  v1::CompleteAuthorizationResponse out;
  grpc::Status s = Complete(h(), "ivy", "googledrive", "", st.state, &out, "access_denied");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("declined"));
  std::string code = fake_->ApproveCode(st.redirect_uri, st.challenge, "ivy@x");
  EXPECT_EQ(Complete(h(), "ivy", "googledrive", code, st.state, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Accounts(h(), "ivy").empty());
}

TEST_F(OAuthTest, WrongPkceVerifierIsRefusedByTheProvider) {
  Started st = Start(h(), "jack", "box");
  // A code approved for another challenge: the service's verifier won't match.
  std::string code = fake_->ApproveCode(st.redirect_uri, "not-the-challenge", "jack@x");
  v1::CompleteAuthorizationResponse out;
  grpc::Status s = Complete(h(), "jack", "box", code, st.state, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("rejected the authorization code"));
  EXPECT_TRUE(Accounts(h(), "jack").empty());
}

TEST_F(OAuthTest, MissingRefreshTokenIsRefusedAndNothingStored) {
  fake_->issue_refresh = false;
  grpc::Status s = Connect(h(), "kate", "googledrive", "kate@x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("no refresh token"));
  EXPECT_TRUE(Accounts(h(), "kate").empty());
}

// ---- the token store ----

TEST_F(OAuthTest, NoTokenInClearInTheDatabase) {
  ASSERT_TRUE(Connect(h(), "leo", "box", "leo@x").ok());
  ASSERT_TRUE(Connect(h(), "leo", "dropbox", "leo@y").ok());
  v1::GetAccessTokenResponse tok;
  ASSERT_TRUE(Token(h(), "leo", "box", "leo@x", &tok, /*force=*/true).ok());
  const std::string dump = DumpSchema(h());
  ASSERT_THAT(dump, HasSubstr("leo@x"));  // the scan does see the rows
  auto secrets = fake_->AllSecrets();
  ASSERT_GT(secrets.size(), 4u);
  for (const auto& secret : secrets) EXPECT_THAT(dump, Not(HasSubstr(secret)));
  EXPECT_THAT(dump, Not(HasSubstr(FakeProvider::kClientSecret)));
}

TEST_F(OAuthTest, RefreshesOnlyWithinTheMargin) {
  ASSERT_TRUE(Connect(h(), "mia", "dropbox", "mia@x").ok());
  v1::GetAccessTokenResponse first, second, third;
  ASSERT_TRUE(Token(h(), "mia", "dropbox", "mia@x", &first).ok());
  h().Advance(absl::Minutes(50));  // 10 minutes left: still fresh
  ASSERT_TRUE(Token(h(), "mia", "dropbox", "mia@x", &second).ok());
  EXPECT_EQ(second.access_token(), first.access_token());
  EXPECT_EQ(fake_->refresh_calls(), 0);
  h().Advance(absl::Minutes(6));  // 4 minutes left: inside the 5-minute margin
  ASSERT_TRUE(Token(h(), "mia", "dropbox", "mia@x", &third).ok());
  h().Advance(-absl::Minutes(56));
  EXPECT_NE(third.access_token(), first.access_token());
  EXPECT_TRUE(fake_->AccessTokenValid(third.access_token()));
  EXPECT_EQ(fake_->refresh_calls(), 1);
}

TEST_F(OAuthTest, ForceRefreshRefreshesAValidToken) {
  ASSERT_TRUE(Connect(h(), "ned", "googledrive", "ned@x").ok());
  v1::GetAccessTokenResponse a, b;
  ASSERT_TRUE(Token(h(), "ned", "googledrive", "ned@x", &a).ok());
  ASSERT_TRUE(Token(h(), "ned", "googledrive", "ned@x", &b, /*force=*/true).ok());
  EXPECT_NE(a.access_token(), b.access_token());
  EXPECT_EQ(fake_->refresh_calls(), 1);
}

TEST_F(OAuthTest, RotatedRefreshTokenIsSaved) {
  fake_->rotate_refresh = true;
  ASSERT_TRUE(Connect(h(), "olga", "box", "olga@x").ok());
  const std::string original = fake_->RefreshTokenOf("olga@x");
  std::string last;
  for (int i = 0; i < 3; ++i) {
    v1::GetAccessTokenResponse tok;
    grpc::Status s = Token(h(), "olga", "box", "olga@x", &tok, /*force=*/true);
    ASSERT_TRUE(s.ok()) << "refresh " << i << ": " << s.error_message();
    EXPECT_NE(tok.access_token(), last);
    last = tok.access_token();
  }
  // Each refresh used the token the previous one rotated in (the fake
  // refuses a used one), and the latest is the one the provider holds.
  EXPECT_EQ(fake_->refresh_calls(), 3);
  EXPECT_NE(fake_->RefreshTokenOf("olga@x"), original);
  EXPECT_EQ(Accounts(h(), "olga")[0].status(), v1::ACCOUNT_STATUS_OK);
}

TEST_F(OAuthTest, InvalidGrantMarksNeedsReconnect) {
  ASSERT_TRUE(Connect(h(), "pia", "onedrive", "pia@x").ok());
  fake_->RevokeGrantsOf("pia@x");
  v1::GetAccessTokenResponse tok;
  grpc::Status s = Token(h(), "pia", "onedrive", "pia@x", &tok, /*force=*/true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("reconnect"));
  auto accounts = Accounts(h(), "pia");
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0].status(), v1::ACCOUNT_STATUS_NEEDS_RECONNECT);
  EXPECT_THAT(accounts[0].status_reason(), HasSubstr("invalid_grant"));
  // Later calls fail without bothering the provider.
  EXPECT_EQ(Token(h(), "pia", "onedrive", "pia@x", &tok).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(fake_->refresh_calls(), 1);
  // Connecting again heals it.
  ASSERT_TRUE(Connect(h(), "pia", "onedrive", "pia@x").ok());
  EXPECT_EQ(Accounts(h(), "pia")[0].status(), v1::ACCOUNT_STATUS_OK);
  EXPECT_TRUE(Token(h(), "pia", "onedrive", "pia@x", &tok).ok());
}

// A secret the provider refuses (invalid_client) is the administrator's
// problem: the error names the provider's configuration, and the user's
// account is not marked for reconnection (reconnecting could not help);
// once the configuration is fixed the same credential works again.
TEST_F(OAuthTest, RefusedClientCredentialsAreAnAdminErrorNotTheAccounts) {
  ASSERT_TRUE(Connect(h(), "rex", "dropbox", "rex@x").ok());
  ASSERT_TRUE(SetClientSecret(h(), "dropbox", "not-the-secret").ok());
  struct Restore {
    OAuthHarness& h;
    ~Restore() { EXPECT_TRUE(Configure(h, "dropbox").ok()); }
  } restore{h()};

  v1::GetAccessTokenResponse tok;
  grpc::Status s = Token(h(), "rex", "dropbox", "rex@x", &tok, /*force=*/true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(),
              HasSubstr("the client id/secret configured for dropbox is refused"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("reconnect")));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("not-the-secret")));
  auto accounts = Accounts(h(), "rex");
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0].status(), v1::ACCOUNT_STATUS_OK) << accounts[0].status_reason();

  // Connecting is refused the same way, and nothing is stored.
  s = Connect(h(), "rex", "dropbox", "rex-other@x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(),
              HasSubstr("the client id/secret configured for dropbox is refused"));
  EXPECT_EQ(Accounts(h(), "rex").size(), 1u);

  ASSERT_TRUE(Configure(h(), "dropbox").ok());
  EXPECT_TRUE(Token(h(), "rex", "dropbox", "rex@x", &tok, /*force=*/true).ok());
}

TEST_F(OAuthTest, ProviderOutageIsUnavailableAndLeavesTheCredential) {
  ASSERT_TRUE(Connect(h(), "quinn", "box", "quinn@x").ok());
  fake_->rotate_refresh = true;
  fake_->refresh_http_status = 503;
  v1::GetAccessTokenResponse tok;
  grpc::Status s = Token(h(), "quinn", "box", "quinn@x", &tok, /*force=*/true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Accounts(h(), "quinn")[0].status(), v1::ACCOUNT_STATUS_OK);
  fake_->refresh_http_status = 200;
  EXPECT_TRUE(Token(h(), "quinn", "box", "quinn@x", &tok, /*force=*/true).ok());
}

TEST_F(OAuthTest, FiftyConcurrentCallersCauseOneRefresh) {
  fake_->rotate_refresh = true;  // a second refresh would also fail with invalid_grant
  ASSERT_TRUE(Connect(h(), "rita", "box", "rita@x").ok());
  h().Advance(absl::Hours(2));  // the access token has expired
  fake_->token_delay_ms = 200;
  std::atomic<int> ok{0};
  std::set<std::string> tokens;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      v1::GetAccessTokenResponse tok;
      grpc::Status s = Token(h(), "rita", "box", "rita@x", &tok);
      if (s.ok()) ++ok;
      std::lock_guard<std::mutex> lock(mu);
      tokens.insert(s.ok() ? tok.access_token() : s.error_message());
    });
  }
  for (auto& t : threads) t.join();
  h().Advance(-absl::Hours(2));
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(tokens.size(), 1u);
  EXPECT_EQ(fake_->refresh_calls(), 1);
  std::cout << "[ measured ] 50 concurrent GetAccessToken -> " << fake_->refresh_calls()
            << " token-endpoint refresh call(s)\n";
}

TEST_F(OAuthTest, TwoReplicasOnOneDatabaseCauseOneRefresh) {
  fake_->rotate_refresh = true;
  ASSERT_TRUE(Connect(h(), "sam", "box", "sam@x").ok());
  OAuthHarness replica(*conninfo_);
  h().Advance(absl::Hours(2));
  replica.Advance(absl::Hours(2));
  fake_->token_delay_ms = 300;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    OAuthHarness& target = i % 2 == 0 ? h() : replica;
    threads.emplace_back([&, i, target_ptr = &target] {
      v1::GetAccessTokenResponse tok;
      grpc::Status s = Token(*target_ptr, "sam", "box", "sam@x", &tok, /*force=*/false);
      if (s.ok()) ++ok;
      (void)i;
    });
  }
  for (auto& t : threads) t.join();
  h().Advance(-absl::Hours(2));
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(fake_->refresh_calls(), 1);
  std::cout << "[ measured ] 2 replicas x 25 concurrent GetAccessToken -> "
            << fake_->refresh_calls() << " token-endpoint refresh call(s)\n";
}

TEST_F(OAuthTest, ConcurrentForceRefreshAfterOne401RefreshesOnce) {
  ASSERT_TRUE(Connect(h(), "tia", "dropbox", "tia@x").ok());
  fake_->token_delay_ms = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      v1::GetAccessTokenResponse tok;
      if (Token(h(), "tia", "dropbox", "tia@x", &tok, /*force=*/true).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  // Callers that saw the old token all wait for the one refresh; a caller
  // that only looked after it finished may refresh once more.
  EXPECT_GE(fake_->refresh_calls(), 1);
  EXPECT_LE(fake_->refresh_calls(), 2);
}

TEST_F(OAuthTest, KeyRotationKeepsOldRowsReadable) {
  ASSERT_TRUE(Connect(h(), "uma", "box", "uma@x").ok());
  OAuthHarness rotated(*conninfo_, std::string(kKeyK2) + "," + kKeyK1);
  v1::GetAccessTokenResponse tok;
  ASSERT_TRUE(Token(rotated, "uma", "box", "uma@x", &tok).ok());  // sealed with k1
  ASSERT_TRUE(Token(rotated, "uma", "box", "uma@x", &tok, /*force=*/true).ok());
  std::string kid;
  ASSERT_TRUE(rotated.pool()
                  .RunReadOnly([&](pqxx::work& tx) {
                    kid = tx.exec1("SELECT key_id FROM credentials WHERE user_id = 'uma'")[0]
                              .as<std::string>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(kid, "k2");
  // A replica without k2 says which key it lacks.
  grpc::Status s = Token(h(), "uma", "box", "uma@x", &tok);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("\"k2\""));
}

TEST_F(OAuthTest, DisconnectRevokesWhereItCanThenDeletes) {
  for (const char* provider : kProviders) {
    SCOPED_TRACE(provider);
    const std::string account = std::string("vic@") + provider;
    ASSERT_TRUE(Connect(h(), "vic", provider, account).ok());
    v1::GetAccessTokenResponse tok;
    ASSERT_TRUE(Token(h(), "vic", provider, account, &tok).ok());
    const size_t revokes_before = fake_->revoke_requests().size();
    v1::DisconnectRequest req;
    req.set_provider(provider);
    req.set_account(account);
    v1::DisconnectResponse resp;
    // Another user cannot disconnect it.
    auto other = h().As("mallory");
    EXPECT_EQ(h().stub().Disconnect(other.get(), req, &resp).error_code(),
              grpc::StatusCode::NOT_FOUND);
    auto ctx = h().As("vic");
    ASSERT_TRUE(h().stub().Disconnect(ctx.get(), req, &resp).ok());
    const bool has_revoke = !RevokePath(provider).empty();
    EXPECT_EQ(resp.revoked_at_provider(), has_revoke);
    EXPECT_EQ(fake_->revoke_requests().size(), revokes_before + (has_revoke ? 1 : 0));
    if (has_revoke) {
      EXPECT_FALSE(fake_->AccessTokenValid(tok.access_token()));
    }
    EXPECT_EQ(Token(h(), "vic", provider, account, &tok).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_TRUE(Accounts(h(), "vic").empty());
}

// Runs last in this file: the log holds every flow above.
TEST_F(OAuthTest, SecretsAreAbsentFromLogs) {
  fake_->rotate_refresh = true;
  ASSERT_TRUE(Connect(h(), "wes", "box", "wes@x").ok());
  v1::GetAccessTokenResponse tok;
  ASSERT_TRUE(Token(h(), "wes", "box", "wes@x", &tok, /*force=*/true).ok());
  fake_->RevokeGrantsOf("wes@x");
  EXPECT_FALSE(Token(h(), "wes", "box", "wes@x", &tok, /*force=*/true).ok());
  const std::string log = LogSink().str();
  ASSERT_THAT(log, HasSubstr("credential refreshed"));  // the sink is the real one
  for (const auto& secret : fake_->AllSecrets()) EXPECT_THAT(log, Not(HasSubstr(secret)));
  EXPECT_THAT(log, Not(HasSubstr(FakeProvider::kClientSecret)));
  EXPECT_THAT(log, Not(HasSubstr("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY")));
}

}  // namespace
}  // namespace lc::testing
