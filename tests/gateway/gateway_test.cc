// The gateway in-process against a fake OAuthService on 127.0.0.1, driven
// by a plain HTTP client that does not follow redirects.
#include "gateway/gateway.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "liveconnect/v1/oauth.grpc.pb.h"
#include "runtime/log.h"
#include "runtime/request_context.h"

namespace lc::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "test-secret-test-secret-test-secret!";
constexpr char kPublicUrl[] = "http://lc.test:8080";
constexpr char kProviderUrl[] =
    "https://accounts.provider.example/o/oauth2/auth?client_id=c&state=STATE123";

// A log sink the gateway's threads write to while the test reads it.
class LogCapture {
 public:
  LogCapture() : stream_(&buffer_) {}
  std::ostream* stream() { return &stream_; }

  // Waits until `count` access-log lines were written (the access log is
  // written after the response, so a client may see the answer first).
  std::vector<nlohmann::json> AccessLines(size_t count) {
    std::unique_lock<std::mutex> lock(buffer_.mu);
    buffer_.cv.wait_for(lock, std::chrono::seconds(10),
                        [&] { return CountAccessLinesLocked() >= count; });
    std::vector<nlohmann::json> out;
    for (const auto& line : LinesLocked()) {
      if (line.value("msg", "") == "http request") out.push_back(line);
    }
    return out;
  }

  std::string Text() {
    std::lock_guard<std::mutex> lock(buffer_.mu);
    return buffer_.text;
  }

 private:
  struct Buffer : std::streambuf {
    std::mutex mu;
    std::condition_variable cv;
    std::string text;
    int overflow(int c) override {
      if (c != EOF) Append(std::string(1, static_cast<char>(c)));
      return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      Append(std::string(s, static_cast<size_t>(n)));
      return n;
    }
    void Append(const std::string& s) {
      {
        std::lock_guard<std::mutex> lock(mu);
        text += s;
      }
      cv.notify_all();
    }
  };

  std::vector<nlohmann::json> LinesLocked() const {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(buffer_.text, '\n', absl::SkipEmpty())) {
      auto parsed = nlohmann::json::parse(std::string(line), nullptr, false);
      if (!parsed.is_discarded()) out.push_back(std::move(parsed));
    }
    return out;
  }
  size_t CountAccessLinesLocked() const {
    size_t n = 0;
    for (const auto& line : LinesLocked()) n += line.value("msg", "") == "http request";
    return n;
  }

  Buffer buffer_;
  std::ostream stream_;
};

// Records every call and the metadata it came with; answers what the test
// set up.
class FakeOAuthService final : public liveconnect::v1::OAuthService::Service {
 public:
  struct Call {
    std::string method;
    std::string authorization;
    std::string request_id;
    std::string traceparent;
    liveconnect::v1::StartAuthorizationRequest start;
    liveconnect::v1::CompleteAuthorizationRequest complete;
  };

  grpc::Status StartAuthorization(grpc::ServerContext* context,
                                  const liveconnect::v1::StartAuthorizationRequest* request,
                                  liveconnect::v1::StartAuthorizationResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    Call call = Record("StartAuthorization", *context);
    call.start = *request;
    calls_.push_back(call);
    if (!start_status_.ok()) return start_status_;
    response->set_authorization_url(authorization_url_);
    return grpc::Status::OK;
  }

  grpc::Status CompleteAuthorization(
      grpc::ServerContext* context, const liveconnect::v1::CompleteAuthorizationRequest* request,
      liveconnect::v1::CompleteAuthorizationResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    Call call = Record("CompleteAuthorization", *context);
    call.complete = *request;
    calls_.push_back(call);
    if (!request->error().empty()) {
      return grpc::Status(
          grpc::StatusCode::PERMISSION_DENIED,
          "the user denied access at the provider: " + request->error_description());
    }
    if (!complete_status_.ok()) return complete_status_;
    response->mutable_account()->set_provider(request->provider());
    response->mutable_account()->set_account(account_);
    response->set_return_to(return_to_);
    return grpc::Status::OK;
  }

  void SetStartStatus(grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    start_status_ = std::move(s);
  }
  void SetCompleteStatus(grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    complete_status_ = std::move(s);
  }
  void SetAuthorizationUrl(std::string url) {
    std::lock_guard<std::mutex> lock(mu_);
    authorization_url_ = std::move(url);
  }
  void SetReturnTo(std::string r) {
    std::lock_guard<std::mutex> lock(mu_);
    return_to_ = std::move(r);
  }
  void SetAccount(std::string a) {
    std::lock_guard<std::mutex> lock(mu_);
    account_ = std::move(a);
  }
  std::vector<Call> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  static Call Record(const std::string& method, const grpc::ServerContext& context) {
    Call call;
    call.method = method;
    const auto& md = context.client_metadata();
    if (auto it = md.find("authorization"); it != md.end()) {
      call.authorization.assign(it->second.data(), it->second.size());
    }
    if (auto it = md.find("x-request-id"); it != md.end()) {
      call.request_id.assign(it->second.data(), it->second.size());
    }
    if (auto it = md.find("traceparent"); it != md.end()) {
      call.traceparent.assign(it->second.data(), it->second.size());
    }
    return call;
  }

  std::mutex mu_;
  std::vector<Call> calls_;
  grpc::Status start_status_ = grpc::Status::OK;
  grpc::Status complete_status_ = grpc::Status::OK;
  std::string authorization_url_ = kProviderUrl;
  std::string return_to_;
  std::string account_ = "sample@example.com";
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitLogging("gateway", LogLevel::kDebug, log_.stream());
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &oauth_port_);
    builder.RegisterService(&oauth_);
    oauth_server_ = builder.BuildAndStart();
    ASSERT_NE(oauth_server_, nullptr);
    ASSERT_NE(oauth_port_, 0);
    gateway_ = StartGateway(kPublicUrl, "127.0.0.1:" + std::to_string(oauth_port_));
    ASSERT_NE(gateway_, nullptr);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
    client_->set_follow_location(false);
    // Send targets as written, like a browser following a provider redirect.
    client_->set_url_encode(false);
    token_ = Token(kSecret, absl::Hours(1));
  }

  void TearDown() override {
    client_.reset();
    if (gateway_) gateway_->Stop();
    if (oauth_server_) oauth_server_->Shutdown(std::chrono::system_clock::now());
    InitLogging("gateway", LogLevel::kInfo, nullptr);
  }

  std::unique_ptr<Gateway> StartGateway(const std::string& public_url,
                                        const std::string& oauth_addr) {
    auto url = PublicUrl::Parse(public_url);
    EXPECT_TRUE(url.ok()) << url.status();
    if (!url.ok()) return nullptr;
    Gateway::Options options;
    options.listen_host = "127.0.0.1";
    options.listen_port = 0;
    options.public_url = *url;
    options.oauth_addr = oauth_addr;
    options.upstream_timeout = absl::Seconds(5);
    options.threads = 4;
    auto gateway = std::make_unique<Gateway>(
        options, std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kSecret}),
        registry_);
    absl::Status s = gateway->Start();
    EXPECT_TRUE(s.ok()) << s;
    return s.ok() ? std::move(gateway) : nullptr;
  }

  static std::string Token(const std::string& secret, absl::Duration ttl,
                           const std::string& subject = "alice") {
    const absl::Time now = absl::Now();
    return MintHs256(secret, Principal{.subject = subject}, now - absl::Hours(2), now + ttl);
  }

  httplib::Result Get(const std::string& path, httplib::Headers headers = {}) {
    return client_->Get(path.c_str(), headers);
  }
  httplib::Headers Bearer() const { return {{"Authorization", "Bearer " + token_}}; }
  httplib::Headers Cookie() const { return {{"Cookie", "theme=dark; lc_session=" + token_}}; }

  static nlohmann::json Json(const httplib::Result& res) {
    return nlohmann::json::parse(res->body, nullptr, false);
  }

  LogCapture log_;
  prometheus::Registry registry_;
  FakeOAuthService oauth_;
  int oauth_port_ = 0;
  std::unique_ptr<grpc::Server> oauth_server_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
};

TEST_F(GatewayTest, HealthzAndReadyz) {
  auto health = Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(Json(health)["status"], "ok");
  auto ready = Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(Json(ready)["upstreams"]["oauth"], "SERVING");

  gateway_->BeginDrain();
  EXPECT_EQ(Get("/healthz")->status, 503);
}

TEST_F(GatewayTest, AuthorizeWithBearerRedirectsAndSetsSessionCookie) {
  auto res = Get("/oauth2/googledrive/authorize?return_to=%2Fapp%2Fconnected%3Fx%3D1", Bearer());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302) << res->body;
  EXPECT_EQ(res->get_header_value("Location"), kProviderUrl);
  const std::string cookie = res->get_header_value("Set-Cookie");
  EXPECT_EQ(cookie, "lc_session=" + token_ + "; Path=/; HttpOnly; SameSite=Lax");
  EXPECT_EQ(res->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");

  auto calls = oauth_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "StartAuthorization");
  EXPECT_EQ(calls[0].authorization, "Bearer " + token_);
  EXPECT_EQ(calls[0].start.provider(), "googledrive");
  EXPECT_EQ(calls[0].start.return_to(), "/app/connected?x=1");
  EXPECT_EQ(calls[0].start.redirect_uri(), "http://lc.test:8080/oauth2/googledrive/callback");
  EXPECT_FALSE(calls[0].request_id.empty());
  EXPECT_EQ(calls[0].request_id, res->get_header_value("X-Request-Id"));
}

TEST_F(GatewayTest, AuthorizeWithCookieAndLoginHint) {
  auto res = Get("/oauth2/onedrive-business/authorize?login_hint=bob%40corp.example", Cookie());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302) << res->body;
  EXPECT_EQ(res->get_header_value("Location"), kProviderUrl);
  EXPECT_FALSE(res->has_header("Set-Cookie"));
  auto calls = oauth_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].authorization, "Bearer " + token_);
  EXPECT_EQ(calls[0].start.provider(), "onedrive-business");
  EXPECT_EQ(calls[0].start.login_hint(), "bob@corp.example");
  EXPECT_EQ(calls[0].start.return_to(), "");
  EXPECT_EQ(calls[0].start.redirect_uri(), "http://lc.test:8080/oauth2/onedrive-business/callback");
}

TEST_F(GatewayTest, AuthorizeOnHttpsPublicUrlSetsSecureCookie) {
  auto secure = StartGateway("https://lc.example.com", "127.0.0.1:" + std::to_string(oauth_port_));
  ASSERT_NE(secure, nullptr);
  httplib::Client client("127.0.0.1", secure->port());
  auto res = client.Get("/oauth2/box/authorize", Bearer());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302);
  EXPECT_THAT(res->get_header_value("Set-Cookie"), HasSubstr("; Secure"));
  EXPECT_EQ(oauth_.calls().at(0).start.redirect_uri(),
            "https://lc.example.com/oauth2/box/callback");
}

TEST_F(GatewayTest, RefusesMissingExpiredAndForgedTokens) {
  const std::vector<std::pair<std::string, httplib::Headers>> cases = {
      {"missing", {}},
      {"expired bearer", {{"Authorization", "Bearer " + Token(kSecret, -absl::Minutes(5))}}},
      {"forged bearer",
       {{"Authorization", "Bearer " + Token("another-secret-another-secret-!!", absl::Hours(1))}}},
      {"forged cookie",
       {{"Cookie", "lc_session=" + Token("another-secret-another-secret-!!", absl::Hours(1))}}},
      {"garbage", {{"Authorization", "Bearer not.a.jwt"}}},
  };
  for (const auto& [name, headers] : cases) {
    auto res = Get("/oauth2/googledrive/authorize", headers);
    ASSERT_TRUE(res) << name;
    EXPECT_EQ(res->status, 401) << name;
    EXPECT_EQ(Json(res)["error"]["code"], "UNAUTHENTICATED") << name << ": " << res->body;
    EXPECT_FALSE(res->has_header("Set-Cookie")) << name;
  }
  EXPECT_TRUE(oauth_.calls().empty());

  // A browser navigation gets a page instead of JSON.
  auto page = Get("/oauth2/googledrive/authorize", {{"Accept", "text/html"}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 401);
  EXPECT_THAT(page->get_header_value("Content-Type"), HasSubstr("text/html"));
}

TEST_F(GatewayTest, AuthorizeRefusesExternalReturnTo) {
  for (const char* target :
       {"https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)",
        "http://lc.test:8081/", "https://lc.test:8080/", "/\t/evil.example"}) {
    auto res = Get("/oauth2/googledrive/authorize?" +
                       httplib::detail::params_to_query_str({{"return_to", target}}),
                   Bearer());
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->status, 400) << target;
    EXPECT_EQ(Json(res)["error"]["code"], "INVALID_ARGUMENT") << target;
    EXPECT_FALSE(res->has_header("Location")) << target;
  }
  EXPECT_TRUE(oauth_.calls().empty());

  // The gateway's own absolute origin is fine.
  auto own =
      Get("/oauth2/googledrive/authorize?return_to=http%3A%2F%2Flc.test%3A8080%2Fapp", Bearer());
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 302);
}

TEST_F(GatewayTest, CallbackCompletesWithTheCookieTokenAndRedirects) {
  oauth_.SetReturnTo("/app/connected?x=1");
  auto res = Get("/oauth2/googledrive/callback?code=CODE-abc&state=STATE-xyz", Cookie());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302) << res->body;
  EXPECT_EQ(res->get_header_value("Location"), "/app/connected?x=1");
  auto calls = oauth_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "CompleteAuthorization");
  EXPECT_EQ(calls[0].authorization, "Bearer " + token_);
  EXPECT_EQ(calls[0].complete.provider(), "googledrive");
  EXPECT_EQ(calls[0].complete.code(), "CODE-abc");
  EXPECT_EQ(calls[0].complete.state(), "STATE-xyz");
  EXPECT_EQ(calls[0].complete.error(), "");

  oauth_.SetReturnTo("http://lc.test:8080/app");
  auto absolute = Get("/oauth2/googledrive/callback?code=c&state=s", Cookie());
  ASSERT_TRUE(absolute);
  EXPECT_EQ(absolute->status, 302);
  EXPECT_EQ(absolute->get_header_value("Location"), "http://lc.test:8080/app");
}

TEST_F(GatewayTest, CallbackWithoutReturnToShowsResultPage) {
  oauth_.SetAccount("<b>sample</b>@example.com");
  auto res = Get("/oauth2/dropbox/callback?code=c&state=s", Cookie());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->has_header("Location"));
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(res->body, HasSubstr("Connected &lt;b&gt;sample&lt;/b&gt;@example.com on dropbox"));
  EXPECT_THAT(res->body, Not(HasSubstr("<b>sample")));
  EXPECT_EQ(res->get_header_value("Content-Security-Policy"), "default-src 'none'");
}

TEST_F(GatewayTest, CallbackNeverRedirectsOffOrigin) {
  for (const char* target : {"https://evil.example/", "//evil.example", "/\\evil.example",
                             "javascript:alert(1)", "http://lc.test:8080@evil.example/"}) {
    oauth_.SetReturnTo(target);
    auto res = Get("/oauth2/box/callback?code=c&state=s", Cookie());
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->status, 200) << target;
    EXPECT_FALSE(res->has_header("Location")) << target;
    EXPECT_THAT(res->body, HasSubstr("Connected sample@example.com on box")) << target;
  }
}

TEST_F(GatewayTest, CallbackAccessDeniedIsPassedOnAndShown) {
  auto res =
      Get("/oauth2/googledrive/callback?error=access_denied&error_description=The+user+said+no&"
          "state=STATE-1",
          Cookie());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(res->body, HasSubstr("Could not connect googledrive"));
  EXPECT_THAT(res->body, HasSubstr("the user denied access at the provider: The user said no"));
  auto calls = oauth_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].complete.error(), "access_denied");
  EXPECT_EQ(calls[0].complete.error_description(), "The user said no");
  EXPECT_EQ(calls[0].complete.state(), "STATE-1");
}

TEST_F(GatewayTest, CallbackWithoutSessionOrCodeIsRefused) {
  auto anonymous = Get("/oauth2/googledrive/callback?code=c&state=s");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_THAT(anonymous->get_header_value("Content-Type"), HasSubstr("text/html"));
  auto empty = Get("/oauth2/googledrive/callback?state=s", Cookie());
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  EXPECT_TRUE(oauth_.calls().empty());
}

TEST_F(GatewayTest, MapsUpstreamErrorsToHttp) {
  struct Case {
    grpc::StatusCode code;
    int http;
    const char* name;
  };
  const Case cases[] = {
      {grpc::StatusCode::INVALID_ARGUMENT, 400, "INVALID_ARGUMENT"},
      {grpc::StatusCode::UNAUTHENTICATED, 401, "UNAUTHENTICATED"},
      {grpc::StatusCode::PERMISSION_DENIED, 403, "PERMISSION_DENIED"},
      {grpc::StatusCode::NOT_FOUND, 404, "NOT_FOUND"},
      {grpc::StatusCode::FAILED_PRECONDITION, 412, "FAILED_PRECONDITION"},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429, "RESOURCE_EXHAUSTED"},
      {grpc::StatusCode::UNAVAILABLE, 503, "UNAVAILABLE"},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504, "DEADLINE_EXCEEDED"},
      {grpc::StatusCode::INTERNAL, 500, "INTERNAL"},
      {grpc::StatusCode::UNKNOWN, 500, "UNKNOWN"},
  };
  for (const Case& c : cases) {
    oauth_.SetStartStatus(grpc::Status(c.code, "provider box is disabled"));
    auto res = Get("/oauth2/box/authorize", Bearer());
    ASSERT_TRUE(res) << c.name;
    EXPECT_EQ(res->status, c.http) << c.name;
    auto body = Json(res);
    EXPECT_EQ(body["error"]["code"], c.name) << res->body;
    EXPECT_FALSE(res->has_header("Location")) << c.name;
    EXPECT_FALSE(res->has_header("Set-Cookie")) << c.name;
    if (c.http < 500) {
      EXPECT_EQ(body["error"]["message"], "provider box is disabled");
    }
  }

  // The callback shows the same mapping as a page.
  oauth_.SetCompleteStatus(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "state expired"));
  auto page = Get("/oauth2/box/callback?code=c&state=s", Cookie());
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 400);
  EXPECT_THAT(page->body, HasSubstr("state expired"));
}

TEST_F(GatewayTest, UnreachableOAuthServiceIs503) {
  // A port nobody listens on: bind and release one.
  int free_port = 0;
  {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &free_port);
    auto server = builder.BuildAndStart();
    server->Shutdown();
  }
  auto gateway = StartGateway(kPublicUrl, "127.0.0.1:" + std::to_string(free_port));
  ASSERT_NE(gateway, nullptr);
  httplib::Client client("127.0.0.1", gateway->port());
  auto res = client.Get("/oauth2/box/authorize", Bearer());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(Json(res)["error"]["message"], "the oauth service is unavailable; try again shortly");
  EXPECT_EQ(client.Get("/readyz")->status, 503);
  EXPECT_EQ(client.Get("/healthz")->status, 200);
}

TEST_F(GatewayTest, UnknownPathsAndProvidersAreJson404) {
  for (const char* path : {"/nope", "/oauth2/bad%20name/authorize", "/oauth2//authorize"}) {
    auto res = Get(path, Bearer());
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(Json(res)["error"]["code"], "NOT_FOUND") << path;
  }
}

TEST_F(GatewayTest, OversizedRequestIsRefused) {
  auto res = client_->Post("/healthz", std::string(2 << 20, 'x'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST_F(GatewayTest, RequestIdIsEchoedAndForwarded) {
  auto res = Get("/oauth2/box/authorize",
                 {{"Authorization", "Bearer " + token_}, {"X-Request-Id", "req-42"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "req-42");
  EXPECT_EQ(oauth_.calls().at(0).request_id, "req-42");
  auto odd = Get("/healthz", {{"X-Request-Id", "bad id\"<>"}});
  ASSERT_TRUE(odd);
  EXPECT_NE(odd->get_header_value("X-Request-Id"), "bad id\"<>");
  EXPECT_FALSE(odd->get_header_value("X-Request-Id").empty());
}

TEST_F(GatewayTest, TraceContextIsContinuedAndForwarded) {
  const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto res = Get("/oauth2/box/authorize",
                 {{"Authorization", "Bearer " + token_}, {"traceparent", parent}});
  ASSERT_TRUE(res);
  auto forwarded = ParseTraceparent(oauth_.calls().at(0).traceparent);
  ASSERT_TRUE(forwarded.has_value()) << oauth_.calls().at(0).traceparent;
  EXPECT_EQ(forwarded->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(forwarded->parent_id, "00f067aa0ba902b7");  // the gateway's own span

  // No (or an invalid) traceparent: the gateway starts a trace.
  auto fresh = Get("/oauth2/box/authorize",
                   {{"Authorization", "Bearer " + token_}, {"traceparent", "00-garbage"}});
  ASSERT_TRUE(fresh);
  auto started = ParseTraceparent(oauth_.calls().at(1).traceparent);
  ASSERT_TRUE(started.has_value()) << oauth_.calls().at(1).traceparent;
  EXPECT_NE(started->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(oauth_.calls().at(1).request_id, fresh->get_header_value("X-Request-Id"));
}

TEST_F(GatewayTest, AccessLogHasNoSecrets) {
  oauth_.SetReturnTo("/app");
  // Each line is awaited before the next request: the access log is written
  // after the response, so lines of concurrent requests could interleave.
  const std::string requests[][2] = {
      {"/oauth2/googledrive/authorize?return_to=%2Fapp", "bearer"},
      {"/oauth2/googledrive/callback?code=SECRET-CODE-123&state=SECRET-STATE-456", "cookie"},
      {"/oauth2/googledrive/callback?error=access_denied&state=SECRET-STATE-789", "cookie"},
      {"/oauth2/googledrive/authorize?access_token=SECRET-QUERY-TOKEN", ""},
  };
  size_t sent = 0;
  for (const auto& [path, auth] : requests) {
    httplib::Headers headers = auth == "bearer"   ? Bearer()
                               : auth == "cookie" ? Cookie()
                                                  : httplib::Headers{};
    ASSERT_TRUE(Get(path, headers)) << path;
    ASSERT_EQ(log_.AccessLines(++sent).size(), sent) << log_.Text();
  }
  auto lines = log_.AccessLines(4);
  ASSERT_EQ(lines.size(), 4u) << log_.Text();
  EXPECT_EQ(lines[0]["method"], "GET");
  EXPECT_EQ(lines[0]["path"], "/oauth2/googledrive/authorize");
  EXPECT_EQ(lines[0]["route"], "/oauth2/{provider}/authorize");
  EXPECT_EQ(lines[0]["status"], 302);
  EXPECT_EQ(lines[0]["user"], "alice");
  EXPECT_EQ(lines[0]["query"]["return_to"], "/app");
  EXPECT_TRUE(lines[0]["duration_ms"].is_number());
  EXPECT_FALSE(lines[0].value("request_id", "").empty());
  EXPECT_EQ(lines[1]["path"], "/oauth2/googledrive/callback");
  EXPECT_EQ(lines[1]["query"]["code"], "[redacted]");
  EXPECT_EQ(lines[1]["query"]["state"], "[redacted]");
  EXPECT_EQ(lines[2]["query"]["error"], "access_denied");
  EXPECT_EQ(lines[3]["status"], 401);

  const std::string text = log_.Text();
  for (const std::string& secret :
       {std::string("SECRET-CODE-123"), std::string("SECRET-STATE-456"),
        std::string("SECRET-STATE-789"), std::string("SECRET-QUERY-TOKEN"), token_,
        std::string("STATE123")}) {
    EXPECT_THAT(text, Not(HasSubstr(secret))) << secret;
  }
}

TEST_F(GatewayTest, RecordsRequestMetrics) {
  ASSERT_TRUE(Get("/oauth2/box/authorize", Bearer()));
  ASSERT_TRUE(Get("/nope"));
  log_.AccessLines(2);  // metrics are recorded with the access log line
  const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_THAT(text, HasSubstr("lc_http_server_requests_total{method=\"GET\",route=\"/oauth2/"
                              "{provider}/authorize\",status=\"302\"} 1"));
  EXPECT_THAT(text, HasSubstr("route=\"unmatched\",status=\"404\"} 1"));
  EXPECT_THAT(text, HasSubstr("lc_http_server_request_seconds_count{route=\"/oauth2/{provider}/"
                              "authorize\"} 1"));
}

}  // namespace
}  // namespace lc::gateway
