// The OAuth server (codes, PKCE, tokens, rotation, revocation) and, at the
// HTTP level, registered clients refused in each provider's dialect.
#include "oauth.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "provider_server.h"
#include "util.h"

namespace lc::emulator {
namespace {

class OAuthTest : public ::testing::Test {
 protected:
  OAuthServer Make(bool rotate) {
    OAuthServer::Options o;
    o.access_prefix = "at.";
    o.refresh_prefix = "rt.";
    o.rotate_refresh_tokens = rotate;
    return OAuthServer(o, clock_, 3600);
  }
  Clock clock_;
};

TEST_F(OAuthTest, PkceS256MatchesRfc7636Example) {
  EXPECT_EQ(PkceS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_F(OAuthTest, CodeExchangeChecksVerifierAndIsSingleUse) {
  OAuthServer server = Make(false);
  std::string verifier = "a-long-enough-verifier-0123456789-abcdefghijklmnop";
  std::string code =
      server.IssueCode("u1", "client", "http://cb", "scope", PkceS256(verifier), "S256", true, "");
  TokenGrant grant;
  OAuthError error;
  EXPECT_FALSE(server.ExchangeCode(code, "client", "http://cb", "wrong", &grant, &error));
  EXPECT_EQ(error.error, "invalid_grant");
  code =
      server.IssueCode("u1", "client", "http://cb", "scope", PkceS256(verifier), "S256", true, "");
  ASSERT_TRUE(server.ExchangeCode(code, "client", "http://cb", verifier, &grant, &error));
  EXPECT_EQ(grant.user_id, "u1");
  EXPECT_FALSE(grant.refresh_token.empty());
  EXPECT_FALSE(server.ExchangeCode(code, "client", "http://cb", verifier, &grant, &error));
}

TEST_F(OAuthTest, AccessTokensExpireWithTheClockAndTtl) {
  OAuthServer server = Make(false);
  server.set_ttl_seconds(60);
  TokenGrant grant = server.IssueTokens("u1", "c", "");
  std::string user;
  EXPECT_EQ(server.Authenticate("Bearer " + grant.access_token, &user), AuthResult::kOk);
  EXPECT_EQ(user, "u1");
  clock_.Advance(61 * 1000);
  EXPECT_EQ(server.Authenticate("Bearer " + grant.access_token, &user), AuthResult::kExpired);
  EXPECT_EQ(server.Authenticate("", &user), AuthResult::kMissing);
  EXPECT_EQ(server.Authenticate("Bearer nope", &user), AuthResult::kInvalid);
}

TEST_F(OAuthTest, RotatingRefreshTokensAreSingleUse) {
  OAuthServer server = Make(true);
  TokenGrant first = server.IssueTokens("u1", "c", "");
  TokenGrant second;
  OAuthError error;
  ASSERT_TRUE(server.Refresh(first.refresh_token, "c", &second, &error));
  EXPECT_NE(second.refresh_token, first.refresh_token);
  TokenGrant third;
  EXPECT_FALSE(server.Refresh(first.refresh_token, "c", &third, &error));
  EXPECT_EQ(error.error, "invalid_grant");
  EXPECT_TRUE(server.Refresh(second.refresh_token, "c", &third, &error));
}

TEST_F(OAuthTest, RevokingAUserInvalidatesAllTokens) {
  OAuthServer server = Make(false);
  TokenGrant grant = server.IssueTokens("u1", "c", "");
  TokenGrant other = server.IssueTokens("u2", "c", "");
  server.RevokeUser("u1");
  std::string user;
  EXPECT_EQ(server.Authenticate("Bearer " + grant.access_token, &user), AuthResult::kInvalid);
  TokenGrant refreshed;
  OAuthError error;
  EXPECT_FALSE(server.Refresh(grant.refresh_token, "c", &refreshed, &error));
  EXPECT_EQ(error.error, "invalid_grant");
  EXPECT_EQ(server.Authenticate("Bearer " + other.access_token, &user), AuthResult::kOk);
}

TEST_F(OAuthTest, ExpireAccessTokensKeepsRefreshWorking) {
  OAuthServer server = Make(false);
  TokenGrant grant = server.IssueTokens("u1", "c", "");
  EXPECT_EQ(server.ExpireAccessTokens("u1"), 1);
  std::string user;
  EXPECT_EQ(server.Authenticate("Bearer " + grant.access_token, &user), AuthResult::kExpired);
  TokenGrant refreshed;
  OAuthError error;
  ASSERT_TRUE(server.Refresh(grant.refresh_token, "c", &refreshed, &error));
  EXPECT_EQ(server.Authenticate("Bearer " + refreshed.access_token, &user), AuthResult::kOk);
}

}  // namespace
}  // namespace lc::emulator

// ---------------------------------------------------------------------------
// Registered clients, at the HTTP level, in each provider's dialect (sources
// in tools/cloud-emulator/README.md, "OAuth clients").

namespace lc::emulator {
namespace {

using nlohmann::json;

// One provider's OAuth endpoints and how it refuses.
struct Dialect {
  std::string name;
  IdStyle style;
  OAuthServer::Options options;
  void (*install)(ProviderServer&);
  std::string authorize, token;
  int unknown_client_page;    // authorize, unknown client_id
  int unknown_client_status;  // token
  std::string unknown_client_error;
  int missing_secret_status;  // token, no secret (no PKCE)
  std::string missing_secret_error;
  int wrong_secret_status;
  std::string redirect_mismatch_error;  // token: "" when the provider takes no redirect_uri
};

void PrintTo(const Dialect& d, std::ostream* os) { *os << d.name; }

std::string PrintDialect(const ::testing::TestParamInfo<Dialect>& info) { return info.param.name; }

const Dialect kGoogle{"googledrive",
                      IdStyle::kDrive,
                      {"ya29.", "1//", false, true, false},
                      InstallGoogleDrive,
                      "/o/oauth2/v2/auth",
                      "/token",
                      401,
                      401,
                      "invalid_client",
                      400,
                      "invalid_request",
                      401,
                      "redirect_uri_mismatch"};
const Dialect kDropbox{"dropbox",
                       IdStyle::kDropbox,
                       {"sl.", "", false, false, false},
                       InstallDropbox,
                       "/oauth2/authorize",
                       "/oauth2/token",
                       400,
                       400,
                       "invalid_client",
                       400,
                       "invalid_client",
                       400,
                       "invalid_grant"};
const Dialect kBox{"box",
                   IdStyle::kBox,
                   {"", "", true, false, false},
                   InstallBox,
                   "/api/oauth2/authorize",
                   "/oauth2/token",
                   400,
                   400,
                   "invalid_client",
                   400,
                   "invalid_client",
                   400,
                   ""};
const Dialect kMicrosoft{"onedrive",
                         IdStyle::kGraph,
                         {"EwB", "M.C5", false, false, true},
                         InstallOneDrive,
                         "/common/oauth2/v2.0/authorize",
                         "/common/oauth2/v2.0/token",
                         400,
                         400,
                         "unauthorized_client",
                         401,
                         "invalid_client",
                         401,
                         "invalid_grant"};

constexpr char kCallback[] = "https://app.example.test/oauth2/callback";
constexpr char kOtherCallback[] = "https://app.example.test/oauth2/other";

class OAuthClientsTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const Dialect& d = GetParam();
    server_ = std::make_unique<ProviderServer>(d.name, d.style, d.options, clock_, 3600, nullptr);
    server_->store().AddUser("", "alice@example.com", "Alice");
    server_->set_default_user("alice@example.com");
    d.install(*server_);
    InstallAdminApi(*server_);
    port_ = server_->Bind("127.0.0.1", 0);
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->Listen(); });
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }
  httplib::Client Client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(5, 0);
    return c;
  }
  httplib::Result Register(const json& client) {
    return Client().Post("/_emulator/clients", client.dump(), "application/json");
  }
  void RegisterApp(const std::string& secret = "s3cret") {
    auto r = Register({{"client_id", "app"},
                       {"client_secret", secret},
                       {"redirect_uris", {kCallback, kOtherCallback}}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  httplib::Result Authorize(const std::string& client_id, const std::string& redirect,
                            const std::string& extra = "") {
    std::string q = GetParam().authorize +
                    "?response_type=code&client_id=" + PercentEncode(client_id) + "&state=st" +
                    extra;
    if (!redirect.empty()) q += "&redirect_uri=" + PercentEncode(redirect);
    return Client().Get(q.c_str());
  }
  // A code for `app` (asserts the redirect).
  std::string Code(const std::string& redirect = kCallback, const std::string& extra = "") {
    auto r = Authorize("app", redirect, extra + "&access_type=offline&token_access_type=offline");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 302) << r->body;
    std::string location = r->get_header_value("Location");
    EXPECT_EQ(location.rfind(redirect + "?", 0), 0u) << location;
    auto q = location.find("code=");
    if (q == std::string::npos) return "";
    auto end = location.find('&', q);
    return PercentDecode(location.substr(q + 5, end == std::string::npos ? end : end - q - 5));
  }
  httplib::Result Token(const httplib::Params& form, const httplib::Headers& headers = {}) {
    return Client().Post(GetParam().token.c_str(), headers, form);
  }
  httplib::Result Exchange(const std::string& code, const std::string& client_id,
                           const std::string& secret, const std::string& redirect = kCallback) {
    httplib::Params form{{"grant_type", "authorization_code"},
                         {"code", code},
                         {"client_id", client_id},
                         {"redirect_uri", redirect}};
    if (!secret.empty()) form.emplace("client_secret", secret);
    return Token(form);
  }
  static json Body(const httplib::Result& r) { return json::parse(r->body, nullptr, false); }

  Clock clock_;
  std::unique_ptr<ProviderServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_P(OAuthClientsTest, WithoutRegisteredClientsAnyClientIsServed) {
  auto r = Authorize("whoever", "https://anything.example/cb");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 302);
  std::string location = r->get_header_value("Location");
  auto code = PercentDecode(location.substr(location.find("code=") + 5,
                                            location.find("&state") - location.find("code=") - 5));
  auto t = Token({{"grant_type", "authorization_code"},
                  {"code", code},
                  {"client_id", "whoever"},
                  {"redirect_uri", "https://anything.example/cb"}});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->status, 200) << t->body;
}

TEST_P(OAuthClientsTest, AuthorizeShowsAnErrorPageForAnUnknownClient) {
  RegisterApp();
  auto r = Authorize("not-registered", kCallback);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, GetParam().unknown_client_page) << r->body;
  EXPECT_EQ(r->get_header_value("Location"), "");
  EXPECT_NE(r->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(r->body.find("not-registered"), std::string::npos) << r->body;
  // No client_id at all is the same refusal.
  r = Authorize("", kCallback);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Location"), "");
}

TEST_P(OAuthClientsTest, AuthorizeNeverRedirectsToAnUnregisteredUri) {
  RegisterApp();
  for (const std::string uri :
       {"https://evil.example/cb", "https://app.example.test/oauth2/callback/",
        "https://app.example.test/OAUTH2/callback", "https://app.example.test/oauth2/callback?x=1",
        "http://app.example.test/oauth2/callback"}) {
    auto r = Authorize("app", uri);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << uri << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Location"), "") << uri;
    EXPECT_NE(r->get_header_value("Content-Type").find("text/html"), std::string::npos);
  }
  EXPECT_FALSE(Code().empty());
  EXPECT_FALSE(Code(kOtherCallback).empty());
}

TEST_P(OAuthClientsTest, TokenEndpointRefusesUnknownClientsAndWrongSecrets) {
  const Dialect& d = GetParam();
  RegisterApp();
  std::string code = Code();

  auto r = Exchange(code, "not-registered", "s3cret");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, d.unknown_client_status) << r->body;
  EXPECT_EQ(Body(r).value("error", ""), d.unknown_client_error) << r->body;

  r = Exchange(code, "app", "wrong");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, d.wrong_secret_status) << r->body;
  EXPECT_EQ(Body(r).value("error", ""), "invalid_client") << r->body;

  r = Exchange(code, "app", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, d.missing_secret_status) << r->body;
  EXPECT_EQ(Body(r).value("error", ""), d.missing_secret_error) << r->body;

  // HTTP Basic with the wrong secret is the same refusal.
  r = Token({{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", kCallback}},
            {{"Authorization", "Basic " + Base64Encode("app:wrong")}});
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r).value("error", ""), "invalid_client") << r->body;

  // A refused client does not use the code up: the right secret still works.
  r = Exchange(code, "app", "s3cret");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  std::string refresh = Body(r).value("refresh_token", "");
  ASSERT_FALSE(refresh.empty()) << r->body;

  // The refresh grant checks the client too, in the form body and in Basic.
  r = Token({{"grant_type", "refresh_token"},
             {"refresh_token", refresh},
             {"client_id", "app"},
             {"client_secret", "wrong"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, d.wrong_secret_status) << r->body;
  EXPECT_EQ(Body(r).value("error", ""), "invalid_client") << r->body;
  r = Token({{"grant_type", "refresh_token"}, {"refresh_token", refresh}},
            {{"Authorization", "Basic " + Base64Encode("app:wrong")}});
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r).value("error", ""), "invalid_client") << r->body;
  r = Token({{"grant_type", "refresh_token"}, {"refresh_token", refresh}},
            {{"Authorization", "Basic " + Base64Encode("app:s3cret")}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_P(OAuthClientsTest, TokenRedirectUriMustBeTheAuthorizeOne) {
  const Dialect& d = GetParam();
  RegisterApp();
  std::string code = Code();
  auto r = Exchange(code, "app", "s3cret", kOtherCallback);
  ASSERT_TRUE(r);
  if (d.redirect_mismatch_error.empty()) {
    EXPECT_EQ(r->status, 200) << "this provider's token endpoint takes no redirect_uri";
    return;
  }
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Body(r).value("error", ""), d.redirect_mismatch_error) << r->body;
}

TEST_P(OAuthClientsTest, ReRegisteringReplacesTheSecretAndUris) {
  RegisterApp("first");
  RegisterApp("second");
  std::string code = Code();
  auto r = Exchange(code, "app", "first");
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r).value("error", ""), "invalid_client") << r->body;
  r = Exchange(code, "app", "second");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;

  auto only = Register(
      {{"client_id", "app"}, {"client_secret", "second"}, {"redirect_uris", {kOtherCallback}}});
  ASSERT_TRUE(only && only->status == 200);
  r = Authorize("app", kCallback);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << "the first URI is no longer registered";
  auto listed = Client().Get("/_emulator/clients");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->body.find("second"), std::string::npos) << "never the secret";
  EXPECT_EQ(Body(listed)["clients"][0]["redirect_uris"], json::array({kOtherCallback}));
}

TEST_P(OAuthClientsTest, AdminRefusesMalformedClients) {
  for (const json& bad :
       {json{{"client_secret", "x"}, {"redirect_uris", json::array()}},
        json{{"client_id", ""}, {"redirect_uris", json::array()}},
        json{{"client_id", "a"}, {"redirect_uris", "https://x/cb"}},
        json{{"client_id", "a"}, {"redirect_uris", {"not-a-uri"}}},
        json{{"client_id", "a"}, {"client_secret", 7}, {"redirect_uris", json::array()}},
        json("text")}) {
    auto r = Register(bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad.dump();
  }
  EXPECT_FALSE(server_->oauth().strict()) << "nothing was registered";
}

INSTANTIATE_TEST_SUITE_P(Providers, OAuthClientsTest,
                         ::testing::Values(kGoogle, kDropbox, kBox, kMicrosoft), PrintDialect);

// Provider-specific rules.

class GoogleOAuthTest : public OAuthClientsTest {};
class DropboxOAuthTest : public OAuthClientsTest {};
class BoxOAuthTest : public OAuthClientsTest {};
class MicrosoftOAuthTest : public OAuthClientsTest {};

TEST_P(GoogleOAuthTest, RefusalsCarryGooglesWording) {
  RegisterApp();
  auto page = Authorize("app", "https://evil.example/cb");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("Error 400: redirect_uri_mismatch"), std::string::npos) << page->body;
  page = Authorize("ghost", kCallback);
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("Error 401: invalid_client"), std::string::npos) << page->body;
  auto r = Exchange(Code(), "ghost", "x");
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r).value("error_description", ""), "The OAuth client was not found.");
  // Google requires the redirect_uri at the token endpoint.
  r = Token({{"grant_type", "authorization_code"},
             {"code", Code()},
             {"client_id", "app"},
             {"client_secret", "s3cret"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Body(r).value("error", ""), "invalid_request") << r->body;
}

TEST_P(DropboxOAuthTest, PkceNeedsNoSecret) {
  RegisterApp();
  const std::string verifier = "a-long-enough-verifier-0123456789-abcdefghijklmnop";
  std::string code = Code(
      kCallback, "&code_challenge_method=S256&code_challenge=" + PercentEncode(PkceS256(verifier)));
  auto r = Token({{"grant_type", "authorization_code"},
                  {"code", code},
                  {"client_id", "app"},
                  {"code_verifier", verifier},
                  {"redirect_uri", kCallback}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  std::string refresh = Body(r).value("refresh_token", "");
  ASSERT_FALSE(refresh.empty());
  // The refresh token of a PKCE grant refreshes with the client id alone.
  r = Token({{"grant_type", "refresh_token"}, {"refresh_token", refresh}, {"client_id", "app"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  // A wrong secret is still refused, PKCE or not.
  r = Token({{"grant_type", "refresh_token"},
             {"refresh_token", refresh},
             {"client_id", "app"},
             {"client_secret", "wrong"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r).value("error", ""), "invalid_client") << r->body;
  auto page = Authorize("app", "https://evil.example/cb");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("Invalid redirect_uri"), std::string::npos) << page->body;
}

TEST_P(BoxOAuthTest, DefaultsToTheOnlyRegisteredRedirect) {
  auto r =
      Register({{"client_id", "app"}, {"client_secret", "s3cret"}, {"redirect_uris", {kCallback}}});
  ASSERT_TRUE(r && r->status == 200);
  auto page = Authorize("app", "");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 302);
  EXPECT_EQ(page->get_header_value("Location").rfind(std::string(kCallback) + "?code=", 0), 0u)
      << page->get_header_value("Location");
  r = Exchange(Code(), "app", "wrong");
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r).value("error_description", ""), "The client credentials are invalid");
}

TEST_P(MicrosoftOAuthTest, AnswersWithAadstsCodes) {
  auto r = Register({{"client_id", "app"},
                     {"client_secret", "s3cret"},
                     {"redirect_uris", {kCallback, "http://localhost/callback"}}});
  ASSERT_TRUE(r && r->status == 200);
  // Loopback redirect URIs match whatever their port.
  EXPECT_FALSE(Code("http://localhost:53682/callback").empty());
  auto page = Authorize("app", "http://localhost:53682/other");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("AADSTS50011"), std::string::npos) << page->body;
  page = Authorize("ghost", kCallback);
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("AADSTS700016"), std::string::npos) << page->body;

  r = Exchange(Code(), "app", "wrong");
  ASSERT_TRUE(r);
  json body = Body(r);
  EXPECT_EQ(body["error_codes"], json::array({7000215})) << r->body;
  EXPECT_EQ(body.value("error_description", "").rfind("AADSTS7000215: Invalid client secret", 0),
            0u)
      << r->body;
  EXPECT_EQ(body.value("error_uri", ""), "https://login.microsoftonline.com/error?code=7000215");
  r = Exchange(Code(), "ghost", "s3cret");
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r)["error_codes"], json::array({700016})) << r->body;
  r = Exchange(Code(), "app", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r)["error_codes"], json::array({7000218})) << r->body;
}

INSTANTIATE_TEST_SUITE_P(Google, GoogleOAuthTest, ::testing::Values(kGoogle), PrintDialect);
INSTANTIATE_TEST_SUITE_P(Dropbox, DropboxOAuthTest, ::testing::Values(kDropbox), PrintDialect);
INSTANTIATE_TEST_SUITE_P(Box, BoxOAuthTest, ::testing::Values(kBox), PrintDialect);
INSTANTIATE_TEST_SUITE_P(Microsoft, MicrosoftOAuthTest, ::testing::Values(kMicrosoft),
                         PrintDialect);

}  // namespace
}  // namespace lc::emulator

// Microsoft tenants: organizations signs in work or school accounts only,
// consumers personal accounts only, common both; an unknown login_hint
// signs up the tenant's kind of account.
namespace lc::emulator {
namespace {

class MicrosoftTenantTest : public OAuthClientsTest {
 protected:
  httplib::Result AuthorizeAt(const std::string& tenant, const std::string& login_hint) {
    std::string q = "/" + tenant +
                    "/oauth2/v2.0/authorize?response_type=code&client_id=app&state=st"
                    "&redirect_uri=" +
                    PercentEncode(kCallback) + "&login_hint=" + PercentEncode(login_hint);
    return Client().Get(q.c_str());
  }
  void AddBusinessUser(const std::string& email) {
    auto r = Client().Post("/_emulator/users",
                           json{{"email", email}, {"account_type", "business"}}.dump(),
                           "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  static void ExpectRefused(const httplib::Result& r, const std::string& text) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_EQ(r->get_header_value("Location"), "");
    EXPECT_NE(r->body.find(text), std::string::npos) << r->body;
  }
  static void ExpectSignedIn(const httplib::Result& r) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 302) << r->body;
    EXPECT_EQ(r->get_header_value("Location").rfind(std::string(kCallback) + "?code=", 0), 0u);
  }
};

TEST_P(MicrosoftTenantTest, EachTenantSignsInItsAccountsOnly) {
  AddBusinessUser("bob@contoso.example");
  ExpectSignedIn(AuthorizeAt("common", "alice@example.com"));
  ExpectSignedIn(AuthorizeAt("common", "bob@contoso.example"));
  ExpectSignedIn(AuthorizeAt("consumers", "alice@example.com"));
  ExpectRefused(AuthorizeAt("consumers", "bob@contoso.example"), "That Microsoft account");
  ExpectSignedIn(AuthorizeAt("organizations", "bob@contoso.example"));
  ExpectRefused(AuthorizeAt("organizations", "alice@example.com"), "AADSTS500200");
  ExpectSignedIn(AuthorizeAt("contoso.onmicrosoft.com", "bob@contoso.example"));
  ExpectRefused(AuthorizeAt("contoso.onmicrosoft.com", "alice@example.com"), "AADSTS50020");
  // Without login_hint the default user (personal) signs in: refused too.
  auto r = Client().Get(("/organizations/oauth2/v2.0/authorize?response_type=code&client_id=app"
                         "&redirect_uri=" +
                         PercentEncode(kCallback))
                            .c_str());
  ExpectRefused(r, "AADSTS500200");
}

TEST_P(MicrosoftTenantTest, AnUnknownLoginHintSignsUpTheTenantsKindOfAccount) {
  ExpectSignedIn(AuthorizeAt("organizations", "carol@fabrikam.example"));
  ExpectSignedIn(AuthorizeAt("consumers", "dave@outlook.example"));
  ExpectSignedIn(AuthorizeAt("common", "erin@example.org"));
  EXPECT_EQ(server_->store().FindUser("carol@fabrikam.example")->account_type, "business");
  EXPECT_EQ(server_->store().FindUser("dave@outlook.example")->account_type, "personal");
  EXPECT_EQ(server_->store().FindUser("erin@example.org")->account_type, "personal");
  // And the new work account is then refused where work accounts are.
  ExpectRefused(AuthorizeAt("consumers", "carol@fabrikam.example"), "That Microsoft account");
}

TEST_P(MicrosoftTenantTest, AGrantCarriedToAnotherTenantIsRefused) {
  RegisterApp();
  std::string code = Code();  // alice, personal, through common
  auto r = Client().Post("/organizations/oauth2/v2.0/token",
                         httplib::Params{{"grant_type", "authorization_code"},
                                         {"code", code},
                                         {"client_id", "app"},
                                         {"client_secret", "s3cret"},
                                         {"redirect_uri", kCallback}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Body(r).value("error", ""), "invalid_grant") << r->body;
  EXPECT_EQ(Body(r)["error_codes"], json::array({500200})) << r->body;
  // At its own tenant the same code still works.
  r = Exchange(code, "app", "s3cret");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  r = Client().Post("/organizations/oauth2/v2.0/token",
                    httplib::Params{{"grant_type", "refresh_token"},
                                    {"refresh_token", Body(r).value("refresh_token", "")},
                                    {"client_id", "app"},
                                    {"client_secret", "s3cret"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r)["error_codes"], json::array({500200})) << r->body;
  // A wrong client is told so first.
  r = Client().Post("/organizations/oauth2/v2.0/token",
                    httplib::Params{{"grant_type", "authorization_code"},
                                    {"code", Code()},
                                    {"client_id", "app"},
                                    {"client_secret", "wrong"},
                                    {"redirect_uri", kCallback}});
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r)["error_codes"], json::array({7000215})) << r->body;
}

INSTANTIATE_TEST_SUITE_P(Microsoft, MicrosoftTenantTest, ::testing::Values(kMicrosoft),
                         PrintDialect);

}  // namespace
}  // namespace lc::emulator
