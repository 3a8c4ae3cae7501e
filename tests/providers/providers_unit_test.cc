// Unit tests of the reliability layer (token refresh, Retry-After, backoff,
// circuit breaker, limiter, deadline), the metadata cache and the response
// parsers, with fakes and an injected clock: nothing waits on wall time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "absl/strings/str_cat.h"
#include "providers/api_session.h"
#include "providers/box_adapter.h"
#include "providers/dropbox_adapter.h"
#include "providers/googledrive_adapter.h"
#include "providers/metadata_cache.h"
#include "providers/onedrive_adapter.h"
#include "providers/provider_http.h"
#include "testing/fake_http_client.h"
#include "testing/fake_token_source.h"

namespace lc::providers {
namespace {

using ::testing::HasSubstr;

struct FakeTime {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  std::vector<absl::Duration> sleeps;
  Clock clock() {
    return Clock{.now = [this] { return now; },
                 .sleep =
                     [this](absl::Duration d) {
                       sleeps.push_back(d);
                       now += d;
                     },
                 .jitter = [] { return 0.0; }};
  }
};

using ::lc::testing::FakeHttpClient;
using ::lc::testing::FakeTokenSource;
using ::lc::testing::HttpAnswer;

class SessionTest : public ::testing::Test {
 protected:
  SessionTest()
      : state_(ReliabilityOptions{.max_attempts = 4,
                                  .initial_backoff = absl::Milliseconds(100),
                                  .max_backoff = absl::Seconds(2),
                                  .breaker_threshold = 2,
                                  .breaker_open_for = absl::Seconds(30)},
               time_.clock()) {
    http_.when_empty = HttpAnswer(200);
    http_.on_send = [this](const HttpRequest&) { sent_at_.push_back(time_.now); };
    tokens_.Disconnect("stranger");
  }

  std::unique_ptr<ResilientSession> Open(const std::string& provider = "box",
                                         absl::Duration deadline = absl::Seconds(60)) {
    auto s = ResilientSession::Open(AccountKey{"u1", provider, "a@example.com"}, *adapter(provider),
                                    tokens_, http_, state_, time_.now + deadline);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  ProviderAdapter* adapter(const std::string& provider) {
    if (provider == "googledrive") return &drive_;
    return &box_;
  }
  absl::StatusOr<HttpResponse> Get(ResilientSession& s) {
    HttpRequest req;
    req.url = s.base_url() + "/2.0/files/1";
    return s.Send(req);
  }

  FakeTime time_;
  FakeHttpClient http_;
  std::vector<absl::Time> sent_at_;  // the fake time each request went out
  FakeTokenSource tokens_;
  ReliabilityState state_;
  BoxAdapter box_;
  GoogleDriveAdapter drive_;
};

TEST_F(SessionTest, AddsTheTokenAndTrimsTheBaseUrl) {
  auto s = Open();
  EXPECT_EQ(s->base_url(), "https://api.example.test");
  ASSERT_TRUE(Get(*s).ok());
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_THAT(http_.requests[0].headers,
              ::testing::Contains(
                  std::make_pair(std::string("Authorization"), std::string("Bearer tok1"))));
  EXPECT_EQ(http_.requests[0].deadline, time_.now + absl::Seconds(60));
}

TEST_F(SessionTest, UnknownAccountIsNotFoundBeforeAnyRequest) {
  auto s = ResilientSession::Open(AccountKey{"stranger", "box", "a@example.com"}, box_, tokens_,
                                  http_, state_, time_.now + absl::Seconds(5));
  EXPECT_TRUE(absl::IsNotFound(s.status()));
  EXPECT_TRUE(http_.requests.empty());
}

TEST_F(SessionTest, A401RefreshesOnceThenGivesUp) {
  auto s = Open();
  http_.answers = {HttpAnswer(401), HttpAnswer(200, R"({"id":"1"})")};
  auto r = Get(*s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(tokens_.forced(), 1);
  EXPECT_EQ(http_.requests[1].headers.back().second, "Bearer tok2");
  http_.answers = {HttpAnswer(401), HttpAnswer(401)};
  r = Get(*s);
  // The session, not each adapter, says what a 401 after a refresh means.
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("rejected the account's token even after a refresh: reconnect"));
  EXPECT_EQ(tokens_.forced(), 1);
}

TEST_F(SessionTest, CallMapsErrorAnswersAndCallJsonRefusesGarbage) {
  auto s = Open();
  HttpRequest req;
  req.url = s->base_url() + "/2.0/files/1";
  std::vector<std::string> mapped;
  ErrorMapper mapper = [&](const HttpResponse& r, std::string_view what) {
    mapped.push_back(absl::StrCat(std::string(what), " ", r.status));
    return absl::NotFoundError("mapped");
  };
  http_.answers = {HttpAnswer(404, R"({"code":"not_found"})")};
  EXPECT_EQ(Call(*s, req, "files/get", mapper).status().message(), "mapped");
  EXPECT_EQ(mapped, std::vector<std::string>{"files/get 404"});
  http_.answers = {HttpAnswer(200, R"({"id":"7"})")};
  auto j = CallJson(*s, req, "box", "files/get", mapper);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["id"], "7");
  http_.answers = {HttpAnswer(200, "<html>proxy error</html>")};
  EXPECT_EQ(CallJson(*s, req, "box", "files/get", mapper).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(mapped.size(), 1u) << "a 2xx is never handed to the error mapper";
}

TEST_F(SessionTest, TheLimiterUsesTheAdaptersPublishedRate) {
  // Box publishes 16 requests a second (burst 16): the 17th call of a burst
  // waits 1/16 s; Drive's burst of 50 lets the same 17 through at once.
  for (const std::string provider : {"box", "googledrive"}) {
    auto s = Open(provider);
    const absl::Time start = time_.now;
    for (int i = 0; i < 17; ++i) ASSERT_TRUE(Get(*s).ok());
    if (provider == "box") {
      EXPECT_GE(time_.now - start, absl::Milliseconds(62)) << provider;
    } else {
      EXPECT_EQ(time_.now, start) << provider;
    }
  }
}

TEST_F(SessionTest, RetryAfterIsHonouredForTheWholeAccount) {
  auto s = Open();
  http_.answers = {HttpAnswer(429, "{}", {{"retry-after", "3"}}), HttpAnswer(200)};
  const absl::Time start = time_.now;
  auto r = Get(*s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(sent_at_.size(), 2u);
  EXPECT_GE(sent_at_[1] - start, absl::Seconds(3));
  // Another call on the same account right after is not held (the instant passed)...
  auto other = Open();
  ASSERT_TRUE(Get(*other).ok());
  // ...but one that lands inside a new Retry-After window waits it out.
  http_.answers = {HttpAnswer(429, "{}", {{"retry-after", "5"}})};
  auto blocked = Open("box", absl::Seconds(2));
  auto r2 = Get(*blocked);
  EXPECT_TRUE(absl::IsUnavailable(r2.status())) << r2.status();
  EXPECT_THAT(std::string(r2.status().message()), HasSubstr("retry after 5000 ms"));
  EXPECT_EQ(RetryAfterMs(r2.status()).value_or(0), 5000);
  const size_t sent = http_.requests.size();
  auto third = Open("box", absl::Seconds(2));
  EXPECT_TRUE(absl::IsUnavailable(Get(*third).status()));
  EXPECT_EQ(http_.requests.size(), sent) << "a request went out inside Retry-After";
}

TEST_F(SessionTest, DriveRateLimit403IsThrottling) {
  auto s = Open("googledrive");
  http_.answers = {
      HttpAnswer(
          403,
          R"({"error":{"code":403,"message":"Rate","errors":[{"reason":"userRateLimitExceeded"}]}})"),
      HttpAnswer(200)};
  auto r = Get(*s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(http_.requests.size(), 2u);
}

TEST_F(SessionTest, ServerErrorsBackOffExponentiallyWithJitter) {
  auto s = Open();
  http_.answers = {HttpAnswer(500), HttpAnswer(502), absl::UnavailableError("reset"),
                   HttpAnswer(200)};
  auto r = Get(*s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  // jitter 0: half of 100, 200, 400 ms.
  EXPECT_THAT(time_.sleeps, ::testing::ElementsAre(absl::Milliseconds(50), absl::Milliseconds(100),
                                                   absl::Milliseconds(200)));
}

TEST_F(SessionTest, CircuitOpensAfterRepeatedFailuresAndRecovers) {
  for (int call = 0; call < 2; ++call) {
    auto s = Open();
    http_.answers = {HttpAnswer(500), HttpAnswer(500), HttpAnswer(500), HttpAnswer(500)};
    auto r = Get(*s);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 500);
  }
  const size_t sent = http_.requests.size();
  auto s = Open();
  auto r = Get(*s);
  EXPECT_TRUE(absl::IsUnavailable(r.status()));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("calls paused"));
  EXPECT_EQ(http_.requests.size(), sent);
  // Other providers are not affected.
  auto drive = Open("googledrive");
  EXPECT_TRUE(Get(*drive).ok());
  time_.now += absl::Seconds(31);
  auto trial = Open();
  auto ok = Get(*trial);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
}

TEST_F(SessionTest, AThrottledCallThatSendsNothingLeavesTheBreakerAlone) {
  CircuitBreaker breaker(1, absl::Seconds(10));
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  ASSERT_TRUE(breaker.Allow(t0).ok());
  breaker.RecordFailure(t0);
  EXPECT_FALSE(breaker.Allow(t0 + absl::Seconds(1)).ok());
  // Half-open: one trial; releasing it without a verdict keeps the circuit
  // open for the next caller's trial, it does not close it.
  ASSERT_TRUE(breaker.Allow(t0 + absl::Seconds(11)).ok());
  EXPECT_FALSE(breaker.Allow(t0 + absl::Seconds(11)).ok());
  breaker.Release();
  ASSERT_TRUE(breaker.Allow(t0 + absl::Seconds(11)).ok());
  breaker.RecordFailure(t0 + absl::Seconds(11));
  EXPECT_FALSE(breaker.Allow(t0 + absl::Seconds(12)).ok());
  ASSERT_TRUE(breaker.Allow(t0 + absl::Seconds(22)).ok());
  breaker.RecordSuccess();
  EXPECT_TRUE(breaker.Allow(t0 + absl::Seconds(22)).ok());
}

TEST_F(SessionTest, DeadlineBoundsRetries) {
  auto s = Open("box", absl::Milliseconds(120));
  http_.answers = {HttpAnswer(500), HttpAnswer(500), HttpAnswer(500), HttpAnswer(500)};
  auto r = Get(*s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_LE(http_.requests.size(), 3u);
  http_.answers = {absl::DeadlineExceededError("timeout")};
  time_.now += absl::Seconds(1);
  auto late = Get(*s);
  EXPECT_TRUE(absl::IsUnavailable(late.status()) || absl::IsDeadlineExceeded(late.status()));
}

TEST(AccountLimiterTest, PacesToThePublishedRateAfterTheBurst) {
  AccountLimiter limiter(10.0, 5);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.Reserve(t0), t0) << i;
  EXPECT_EQ(limiter.Reserve(t0), t0 + absl::Milliseconds(100));
  EXPECT_EQ(limiter.Reserve(t0), t0 + absl::Milliseconds(200));
  limiter.BlockUntil(t0 + absl::Seconds(10));
  EXPECT_GE(limiter.Reserve(t0), t0 + absl::Seconds(10));
}

TEST(MetadataCacheTest, ExpiresAndKeepsUsersApart) {
  absl::Time now = absl::FromUnixSeconds(1000);
  MetadataCache cache(absl::Seconds(30), 2, [&] { return now; });
  v1::BlobRef ref;
  ref.set_provider("box");
  ref.set_account("a");
  ref.set_file_id("1");
  v1::CloudFile f;
  f.set_name("x");
  cache.Put(MetadataCache::Key("u1", ref), f);
  EXPECT_TRUE(cache.Get(MetadataCache::Key("u1", ref)).has_value());
  EXPECT_FALSE(cache.Get(MetadataCache::Key("u2", ref)).has_value());
  now += absl::Seconds(31);
  EXPECT_FALSE(cache.Get(MetadataCache::Key("u1", ref)).has_value());
  // Bounded size: the oldest entry goes.
  for (const char* id : {"1", "2", "3"}) {
    ref.set_file_id(id);
    cache.Put(MetadataCache::Key("u1", ref), f);
  }
  ref.set_file_id("1");
  EXPECT_FALSE(cache.Get(MetadataCache::Key("u1", ref)).has_value());
  ref.set_file_id("3");
  EXPECT_TRUE(cache.Get(MetadataCache::Key("u1", ref)).has_value());
  // Crafted ids cannot collide with other keys.
  v1::BlobRef a, b;
  a.set_file_id("x|1:y");
  b.set_file_id("x");
  b.set_revision("y");
  EXPECT_NE(MetadataCache::Key("u", a), MetadataCache::Key("u", b));
}

TEST(ParserTest, MalformedBodiesAreErrorsNotDocuments) {
  for (const char* body : {"", "{", "[]", "null", R"({"files": 3})", "{\"changes\":[{\"fileId\""}) {
    EXPECT_FALSE(googledrive::ParseFileList(body).ok()) << body;
    EXPECT_FALSE(googledrive::ParseChanges(body).ok()) << body;
    EXPECT_FALSE(dropbox::ParseListFolder(body).ok()) << body;
    EXPECT_FALSE(box::ParseItems(body).ok()) << body;
    EXPECT_FALSE(box::ParseEvents(body, 10).ok()) << body;
    EXPECT_FALSE(graph::ParsePage(body).ok()) << body;
  }
}

TEST(ParserTest, NormalisesEachProvidersMetadata) {
  auto drive = googledrive::ParseFile(nlohmann::json::parse(
      R"({"id":"1a","name":"Plan","mimeType":"application/vnd.google-apps.document","version":"7",
          "modifiedTime":"2024-05-01T10:00:00.000Z","size":"0"})"));
  EXPECT_TRUE(drive.metadata().native_document());
  EXPECT_FALSE(drive.metadata().has_size());
  EXPECT_EQ(drive.metadata().revision(), "7");
  EXPECT_EQ(drive.metadata().modified_time().seconds(), 1714557600);

  auto dbx = dropbox::ParseMetadata(nlohmann::json::parse(
      R"({".tag":"file","id":"id:abc","name":"a.pdf","rev":"5f","size":12,"content_hash":"ff",
          "server_modified":"2024-05-01T10:00:00Z"})"));
  EXPECT_EQ(dbx.id(), "id:abc");
  EXPECT_EQ(dbx.metadata().digest_algorithm(), v1::DIGEST_ALGORITHM_DROPBOX_CONTENT_HASH);
  EXPECT_EQ(dbx.metadata().mime_type(), "application/pdf");

  auto deleted = dropbox::ParseListFolder(
      R"({"entries":[{".tag":"deleted","name":"x.txt","path_display":"/A/x.txt"}],"cursor":"c","has_more":false})");
  ASSERT_TRUE(deleted.ok());
  ASSERT_EQ(deleted->changes.size(), 1u);
  EXPECT_EQ(deleted->changes[0].kind(), v1::CHANGE_KIND_DELETED);
  EXPECT_EQ(deleted->changes[0].deleted_path(), "/A/x.txt");

  auto events = box::ParseEvents(
      R"({"chunk_size":2,"next_stream_position":42,"entries":[
          {"event_type":"ITEM_UPLOAD","source":{"type":"file","id":"7","name":"a.txt"}},
          {"event_type":"ITEM_RENAME","source":{"type":"file","id":"7","name":"b.txt"}}]})",
      500);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->changes.size(), 1u);  // one change per file, latest state
  EXPECT_EQ(events->changes[0].kind(), v1::CHANGE_KIND_RENAMED);
  EXPECT_EQ(events->changes[0].file().name(), "b.txt");
  EXPECT_EQ(events->next_cursor, "42");

  auto graph_item = graph::ParseItem(nlohmann::json::parse(
      R"({"id":"01X","name":"a.txt","size":3,"cTag":"\"c:1\"","file":{"mimeType":"text/plain",
          "hashes":{"quickXorHash":"AAA="}}})"));
  EXPECT_EQ(graph_item.metadata().digest_algorithm(), v1::DIGEST_ALGORITHM_QUICK_XOR_HASH);
  EXPECT_EQ(graph_item.metadata().revision(), "\"c:1\"");
}

TEST(PinDurabilityTest, EachAdapterSaysHowLongAPinLasts) {
  EXPECT_EQ(GoogleDriveAdapter().pin_durability().kind(), v1::PIN_DURABILITY_KIND_FOREVER);
  EXPECT_EQ(GoogleDriveAdapter().pin_durability().max_pinned_per_file(), 200);
  EXPECT_EQ(DropboxAdapter().pin_durability().kind(), v1::PIN_DURABILITY_KIND_DAYS);
  EXPECT_EQ(DropboxAdapter().pin_durability().days(), 30);
  EXPECT_THAT(DropboxAdapter().pin_durability().note(), HasSubstr("180 days"));
  EXPECT_EQ(BoxAdapter().pin_durability().kind(), v1::PIN_DURABILITY_KIND_PLAN_DEPENDENT);
  EXPECT_THAT(BoxAdapter().pin_durability().note(), HasSubstr("paid plans only"));
  EXPECT_EQ(OneDriveAdapter("onedrive").pin_durability().kind(),
            v1::PIN_DURABILITY_KIND_VERSION_COUNT);
  EXPECT_EQ(OneDriveAdapter("onedrive").pin_durability().max_versions(), 25);
  EXPECT_EQ(OneDriveAdapter("onedrive-business").pin_durability().max_versions(), 500);
}

}  // namespace
}  // namespace lc::providers
