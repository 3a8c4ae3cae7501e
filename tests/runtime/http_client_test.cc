#include "runtime/http_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/log.h"

namespace lc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Time for the client under test: sleeping only advances the clock.
struct FakeClock {
  std::mutex mu;
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  std::vector<absl::Duration> sleeps;

  std::vector<absl::Duration> Sleeps() {
    std::lock_guard<std::mutex> lock(mu);
    return sleeps;
  }
};

class HttpClientTest : public ::testing::Test {
 protected:
  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(release_mu_);
      released_ = true;
    }
    release_cv_.notify_all();
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  // Handlers must be registered before the server starts.
  void Start() {
    server_.set_keep_alive_timeout(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the listen loop runs is ignored by httplib and would
    // leave TearDown joining forever.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  CurlHttpClient::Options FakeTimeOptions() {
    CurlHttpClient::Options options;
    options.now = [clock = clock_] {
      std::lock_guard<std::mutex> lock(clock->mu);
      return clock->now;
    };
    options.sleep = [clock = clock_](absl::Duration d) {
      std::lock_guard<std::mutex> lock(clock->mu);
      clock->sleeps.push_back(d);
      clock->now += d;
    };
    options.jitter = [] { return 0.0; };
    return options;
  }

  // Blocks a handler until the test ends (or 5 s), to play a hung server
  // without the test waiting on it.
  void WaitForRelease() {
    std::unique_lock<std::mutex> lock(release_mu_);
    release_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return released_; });
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::atomic<int> hits_{0};

  std::mutex release_mu_;
  std::condition_variable release_cv_;
  bool released_ = false;
};

TEST_F(HttpClientTest, GetReturnsStatusBodyAndLowerCasedHeaders) {
  std::string seen_trace, seen_agent;
  server_.Get("/hello", [&](const httplib::Request& req, httplib::Response& res) {
    seen_trace = req.get_header_value("X-Trace");
    seen_agent = req.get_header_value("User-Agent");
    res.set_header("X-Custom", "value");
    res.set_header("X-Multi", "one");
    res.set_header("X-Multi", "two");
    res.status = 203;
    res.set_content("hi there", "text/plain");
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.url = Url("/hello");
  request.headers = {{"X-Trace", "abc"}};
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 203);
  EXPECT_EQ(response->body, "hi there");
  EXPECT_EQ(response->attempts, 1);
  EXPECT_EQ(response->Header("X-CUSTOM"), "value");
  EXPECT_EQ(response->Header("content-type"), "text/plain");
  EXPECT_EQ(response->headers.count("x-multi"), 2u);
  EXPECT_EQ(response->headers.count("X-Custom"), 0u);
  EXPECT_EQ(seen_trace, "abc");
  EXPECT_EQ(seen_agent, "liveconnect/1");
}

TEST_F(HttpClientTest, SendsBodiesForEveryMethod) {
  auto echo = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.method + " " + req.get_header_value("Content-Type") + " " + req.body,
                    "text/plain");
  };
  server_.Post("/echo", echo);
  server_.Put("/echo", echo);
  server_.Patch("/echo", echo);
  server_.Delete("/echo", echo);
  Start();
  CurlHttpClient client(FakeTimeOptions());
  for (const std::string method : {"POST", "PUT", "PATCH", "DELETE"}) {
    HttpRequest request;
    request.method = method;
    request.url = Url("/echo");
    request.headers = {{"Content-Type", "application/json"}};
    // Over 1 KiB so curl would otherwise ask for "100 Continue".
    request.body = "{\"data\":\"" + std::string(2000, 'x') + "\"}";
    auto response = client.Send(request);
    ASSERT_TRUE(response.ok()) << method << ": " << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, method + " application/json " + request.body);
  }
}

TEST_F(HttpClientTest, HeadHasNoBody) {
  server_.Get("/doc", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("content", "text/plain");
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.method = "HEAD";
  request.url = Url("/doc");
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(response->Header("content-length"), "7");
}

TEST_F(HttpClientTest, RetryAfterSecondsIsWaitedThenTheRetrySucceeds) {
  server_.Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    if (hits_++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "2");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.url = Url("/limited");
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(response->attempts, 2);
  EXPECT_THAT(clock_->Sleeps(), ElementsAre(absl::Seconds(2)));
}

TEST_F(HttpClientTest, RetryAfterHttpDateIsWaited) {
  const std::string date = absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                                            clock_->now + absl::Seconds(7), absl::UTCTimeZone());
  server_.Get("/busy", [&](const httplib::Request&, httplib::Response& res) {
    if (hits_++ == 0) {
      res.status = 503;
      res.set_header("Retry-After", date);
      return;
    }
    res.set_content("ok", "text/plain");
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.url = Url("/busy");
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(clock_->Sleeps(), ElementsAre(absl::Seconds(7)));
}

TEST_F(HttpClientTest, RetryAfterLongerThanMaxIsReturnedWithoutWaiting) {
  server_.Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    ++hits_;
    res.status = 429;
    res.set_header("Retry-After", "120");
  });
  Start();
  CurlHttpClient::Options options = FakeTimeOptions();
  options.retry.max_retry_after = absl::Seconds(60);
  CurlHttpClient client(options);
  HttpRequest request;
  request.url = Url("/limited");
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(response->Header("retry-after"), "120");
  EXPECT_EQ(response->attempts, 1);
  EXPECT_EQ(hits_, 1);
  EXPECT_THAT(clock_->Sleeps(), IsEmpty());
}

TEST_F(HttpClientTest, RetryAfterPastTheDeadlineIsReturnedWithoutWaiting) {
  server_.Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    ++hits_;
    res.status = 503;
    res.set_header("Retry-After", "10");
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.url = Url("/limited");
  request.deadline = clock_->now + absl::Seconds(5);
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(hits_, 1);
  EXPECT_THAT(clock_->Sleeps(), IsEmpty());
}

TEST_F(HttpClientTest, ServerErrorBurstBacksOffExponentiallyThenSucceeds) {
  server_.Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    const int hit = hits_++;
    if (hit == 0) res.status = 500;
    if (hit == 1) res.status = 502;
    if (hit == 2) res.status = 504;
    if (hit >= 3) res.set_content("finally", "text/plain");
  });
  Start();
  CurlHttpClient::Options options = FakeTimeOptions();
  options.retry.initial_backoff = absl::Milliseconds(200);
  CurlHttpClient client(options);
  HttpRequest request;
  request.url = Url("/flaky");
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "finally");
  EXPECT_EQ(response->attempts, 4);
  // Jitter 0 waits half the nominal 200/400/800 ms.
  EXPECT_THAT(clock_->Sleeps(), ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200),
                                            absl::Milliseconds(400)));
}

TEST_F(HttpClientTest, BackoffIsCappedAndAttemptsAreLimited) {
  server_.Get("/down", [&](const httplib::Request&, httplib::Response& res) {
    ++hits_;
    res.status = 500;
  });
  Start();
  CurlHttpClient::Options options = FakeTimeOptions();
  options.retry.max_attempts = 4;
  options.retry.initial_backoff = absl::Seconds(1);
  options.retry.max_backoff = absl::Seconds(2);
  options.jitter = [] { return 1.0; };
  CurlHttpClient client(options);
  HttpRequest request;
  request.url = Url("/down");
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->attempts, 4);
  EXPECT_EQ(hits_, 4);
  EXPECT_THAT(clock_->Sleeps(), ElementsAre(absl::Seconds(1), absl::Seconds(2), absl::Seconds(2)));
}

TEST_F(HttpClientTest, ClientErrorsAreNotRetried) {
  server_.Get("/missing", [&](const httplib::Request&, httplib::Response& res) {
    ++hits_;
    res.status = 404;
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.url = Url("/missing");
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(hits_, 1);
}

TEST_F(HttpClientTest, PostAndPatchAreNotRetriedUnlessIdempotent) {
  auto unavailable = [&](const httplib::Request&, httplib::Response& res) {
    ++hits_;
    res.status = 503;
  };
  server_.Post("/create", unavailable);
  server_.Patch("/create", unavailable);
  Start();
  CurlHttpClient::Options options = FakeTimeOptions();
  options.retry.max_attempts = 3;
  CurlHttpClient client(options);
  for (const char* method : {"POST", "PATCH"}) {
    hits_ = 0;
    HttpRequest request;
    request.method = method;
    request.url = Url("/create");
    request.body = "{}";
    auto response = client.Send(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 503);
    EXPECT_EQ(response->attempts, 1);
    EXPECT_EQ(hits_, 1) << method;
  }
  EXPECT_THAT(clock_->Sleeps(), IsEmpty());

  hits_ = 0;
  HttpRequest request;
  request.method = "POST";
  request.url = Url("/create");
  request.idempotent = true;
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->attempts, 3);
  EXPECT_EQ(hits_, 3);
}

TEST_F(HttpClientTest, ResponseOverTheCapIsResourceExhausted) {
  server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(10000, 'b'), "application/octet-stream");
  });
  // No Content-Length: the cap must also hold while streaming.
  server_.Get("/stream", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/octet-stream",
                                     [](size_t offset, httplib::DataSink& sink) {
                                       if (offset >= 100000) {
                                         sink.done();
                                         return true;
                                       }
                                       const std::string chunk(1000, 's');
                                       sink.write(chunk.data(), chunk.size());
                                       return true;
                                     });
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  for (const char* path : {"/big", "/stream"}) {
    HttpRequest request;
    request.url = Url(path);
    request.max_response_bytes = 5000;
    auto response = client.Send(request);
    ASSERT_FALSE(response.ok()) << path;
    EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted) << response.status();
  }
  EXPECT_THAT(clock_->Sleeps(), IsEmpty());

  HttpRequest fits;
  fits.url = Url("/big");
  fits.max_response_bytes = 10000;
  auto response = client.Send(fits);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body.size(), 10000u);
}

TEST_F(HttpClientTest, SlowServerTimesOutWithDeadlineExceeded) {
  server_.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    WaitForRelease();
    res.set_content("late", "text/plain");
  });
  Start();
  CurlHttpClient::Options options;  // real clock: the timeout is curl's
  options.retry.max_attempts = 1;
  CurlHttpClient client(options);
  HttpRequest request;
  request.url = Url("/slow");
  request.timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  auto response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(HttpClientTest, AttemptTimeoutIsCappedByTheDeadline) {
  server_.Get("/slow", [&](const httplib::Request&, httplib::Response& res) { WaitForRelease(); });
  Start();
  CurlHttpClient client(CurlHttpClient::Options{});
  HttpRequest request;
  request.url = Url("/slow");
  request.timeout = absl::Seconds(30);
  request.deadline = absl::Now() + absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  auto response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

// A port nothing listens on: bound, read, closed.
int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(HttpClientTest, ConnectionRefusedIsUnavailableAfterRetries) {
  CurlHttpClient::Options options = FakeTimeOptions();
  options.retry.max_attempts = 3;
  CurlHttpClient client(options);
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(UnusedPort()) + "/x";
  auto response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_EQ(clock_->Sleeps().size(), 2u);
}

TEST_F(HttpClientTest, TruncatedBodyIsUnavailable) {
  server_.Get("/cut", [&](const httplib::Request&, httplib::Response& res) {
    ++hits_;
    // Promises 1000 bytes, sends 10, then drops the connection.
    res.set_content_provider(1000, "text/plain",
                             [](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset > 0) return false;
                               sink.write("0123456789", 10);
                               return true;
                             });
  });
  Start();
  CurlHttpClient::Options options = FakeTimeOptions();
  options.retry.max_attempts = 2;
  CurlHttpClient client(options);
  HttpRequest request;
  request.url = Url("/cut");
  auto response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_EQ(hits_, 2);
}

TEST_F(HttpClientTest, DeadlineStopsRetries) {
  server_.Get("/down", [&](const httplib::Request&, httplib::Response& res) {
    ++hits_;
    res.status = 500;
  });
  Start();
  CurlHttpClient::Options options = FakeTimeOptions();
  options.retry.max_attempts = 10;
  options.retry.initial_backoff = absl::Seconds(1);
  CurlHttpClient client(options);
  HttpRequest request;
  request.url = Url("/down");
  request.deadline = clock_->now + absl::Milliseconds(2500);
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 500);
  // Waits of 0.5 s and 1 s fit; the next 2 s wait would end past the deadline.
  EXPECT_EQ(response->attempts, 3);
  EXPECT_EQ(hits_, 3);
  EXPECT_THAT(clock_->Sleeps(), ElementsAre(absl::Milliseconds(500), absl::Seconds(1)));
}

TEST_F(HttpClientTest, PassedDeadlineSendsNothing) {
  server_.Get("/x", [&](const httplib::Request&, httplib::Response&) { ++hits_; });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.url = Url("/x");
  request.deadline = clock_->now - absl::Seconds(1);
  auto response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(hits_, 0);
}

TEST_F(HttpClientTest, ConnectionsAreReused) {
  std::mutex mu;
  std::vector<int> ports;
  server_.Get("/ping", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    ports.push_back(req.remote_port);
    res.set_content("pong", "text/plain");
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.url = Url("/ping");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.Send(request).ok());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0], ports[1]);
  EXPECT_EQ(ports[1], ports[2]);
}

TEST_F(HttpClientTest, RetryLogsNeitherAuthorizationNorQuery) {
  std::ostringstream log;
  InitLogging("test", LogLevel::kDebug, &log);
  server_.Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    res.status = hits_++ == 0 ? 502 : 200;
  });
  Start();
  CurlHttpClient client(FakeTimeOptions());
  HttpRequest request;
  request.url = Url("/flaky?key=query-secret");
  request.headers = {{"Authorization", "Bearer header-secret"}};
  auto response = client.Send(request);
  InitLogging("", LogLevel::kInfo, nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->attempts, 2);
  EXPECT_THAT(log.str(), HasSubstr("/flaky"));
  EXPECT_THAT(log.str(), Not(HasSubstr("header-secret")));
  EXPECT_THAT(log.str(), Not(HasSubstr("query-secret")));
}

TEST(ParseRetryAfterTest, ParsesSecondsAndHttpDates) {
  const absl::Time now = absl::FromUnixSeconds(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfter("2", now), absl::Seconds(2));
  EXPECT_EQ(ParseRetryAfter(" 120 ", now), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter("0", now), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), absl::Seconds(10));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:50:37 GMT", now), absl::Seconds(60));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:40 1994", now), absl::Seconds(3));
  // A date in the past means "now".
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", now), std::nullopt);
}

}  // namespace
}  // namespace lc
