// The Box adapter against scripted Box answers through the real session,
// with a fake clock: representations still being made are polled with
// backoff inside a budget and the call's deadline, then UNAVAILABLE with a
// retry-after; nothing waits on wall time.
#include "providers/box_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/api_session.h"
#include "testing/fake_http_client.h"
#include "testing/fake_token_source.h"

namespace lc::providers {
namespace {

using ::lc::testing::FakeHttpClient;
using ::lc::testing::FakeTokenSource;
using ::testing::HasSubstr;

constexpr char kBase[] = "https://api.box.test";

struct FakeTime {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  std::vector<absl::Duration> sleeps;
  double jitter = 0.0;
  Clock clock() {
    return Clock{.now = [this] { return now; },
                 .sleep =
                     [this](absl::Duration d) {
                       sleeps.push_back(d);
                       now += d;
                     },
                 .jitter = [this] { return jitter; }};
  }
};

class StringSink : public ContentSink {
 public:
  absl::Status Begin(const std::string& mime_type, std::optional<int64_t>) override {
    mime = mime_type;
    return absl::OkStatus();
  }
  absl::Status Write(std::string_view data) override {
    bytes.append(data);
    return absl::OkStatus();
  }
  std::string mime;
  std::string bytes;
};

std::string FileJson(const std::string& name) {
  return nlohmann::json{{"type", "file"},
                        {"id", "42"},
                        {"name", name},
                        {"size", 5},
                        {"sha1", "abc"},
                        {"file_version", {{"type", "file_version"}, {"id", "900"}}},
                        {"modified_at", "2024-01-02T03:04:05-00:00"}}
      .dump();
}

std::string InfoUrl(const std::string& rep) {
  return std::string(kBase) + "/2.0/internal_files/42/versions/900/representations/" + rep;
}

nlohmann::json Entry(const std::string& rep, const std::string& state) {
  return {{"representation", rep},
          {"properties", nlohmann::json::object()},
          {"info", {{"url", InfoUrl(rep)}}},
          {"status", {{"state", state}}},
          {"content", {{"url_template", InfoUrl(rep) + "/content/{+asset_path}"}}}};
}

std::string Reps(const nlohmann::json& entries) {
  return nlohmann::json{{"type", "file"}, {"id", "42"}, {"representations", {{"entries", entries}}}}
      .dump();
}

class BoxAdapterTest : public ::testing::Test {
 protected:
  BoxAdapterTest()
      : tokens_(std::string(kBase) + "/"),
        state_(ReliabilityOptions{}, time_.clock()),
        box_(time_.clock(),
             BoxAdapter::RepresentationPolling{.first_interval = absl::Milliseconds(500),
                                               .max_interval = absl::Seconds(4),
                                               .max_wait = absl::Seconds(10)}) {}

  std::unique_ptr<ResilientSession> Open(absl::Duration deadline = absl::Seconds(60)) {
    auto s = ResilientSession::Open(AccountKey{"u1", "box", "a@example.com"}, box_, tokens_, http_,
                                    state_, time_.now + deadline);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  v1::BlobRef Ref() {
    v1::BlobRef ref;
    ref.set_provider("box");
    ref.set_account("a@example.com");
    ref.set_file_id("42");
    return ref;
  }
  absl::Status Pdf(ResilientSession& s, StringSink& sink) {
    return box_.GetContent(s, Ref(), v1::CONTENT_FORMAT_PDF, 1 << 20, sink);
  }
  // The URLs asked for after the first `skip` requests.
  std::vector<std::string> Urls(size_t skip = 0) {
    std::vector<std::string> out;
    for (size_t i = skip; i < http_.requests.size(); ++i) out.push_back(http_.requests[i].url);
    return out;
  }

  FakeTime time_;
  FakeHttpClient http_;
  FakeTokenSource tokens_;
  ReliabilityState state_;
  BoxAdapter box_;
};

TEST_F(BoxAdapterTest, APendingRepresentationIsPolledWithGrowingPausesUntilReady) {
  http_.Answer(200, FileJson("report.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("pdf", "pending")})));
  http_.Answer(200, Entry("pdf", "pending").dump());
  http_.Answer(200, Entry("pdf", "pending").dump());
  http_.Answer(200, Entry("pdf", "success").dump());
  http_.Answer(200, "%PDF-1.4 bytes");
  auto s = Open();
  StringSink sink;
  ASSERT_TRUE(Pdf(*s, sink).ok());
  EXPECT_EQ(sink.bytes, "%PDF-1.4 bytes");
  EXPECT_EQ(sink.mime, "application/pdf");
  // Representations asked with the hint, then info.url polled, then the
  // content from url_template with an empty asset path.
  ASSERT_EQ(http_.requests.size(), 6u);
  EXPECT_THAT(http_.requests[1].url, HasSubstr("fields=representations"));
  EXPECT_THAT(http_.requests[1].headers,
              ::testing::Contains(std::pair<std::string, std::string>("X-Rep-Hints", "[pdf]")));
  EXPECT_EQ(http_.requests[2].url, InfoUrl("pdf"));
  EXPECT_EQ(http_.requests[4].url, InfoUrl("pdf"));
  EXPECT_EQ(http_.requests[5].url, InfoUrl("pdf") + "/content/");
  // Equal jitter with jitter 0: half of 0.5 s, 1 s, 2 s.
  EXPECT_EQ(time_.sleeps, (std::vector<absl::Duration>{absl::Milliseconds(250),
                                                       absl::Milliseconds(500), absl::Seconds(1)}));
}

TEST_F(BoxAdapterTest, JitterSpreadsThePauses) {
  time_.jitter = 0.5;
  http_.Answer(200, FileJson("report.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("extracted_text", "pending")})));
  http_.Answer(200, Entry("extracted_text", "success").dump());
  http_.Answer(200, "words");
  auto s = Open();
  StringSink sink;
  ASSERT_TRUE(box_.GetContent(*s, Ref(), v1::CONTENT_FORMAT_TEXT, 1 << 20, sink).ok());
  EXPECT_EQ(sink.bytes, "words");
  EXPECT_EQ(time_.sleeps, (std::vector<absl::Duration>{absl::Milliseconds(375)}));
}

TEST_F(BoxAdapterTest, StillPendingAfterTheBudgetIsUnavailableWithARetryAfter) {
  http_.Answer(200, FileJson("report.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("pdf", "pending")})));
  http_.when_empty = lc::testing::HttpAnswer(200, Entry("pdf", "pending").dump());
  auto s = Open();
  StringSink sink;
  const absl::Time start = time_.now;
  absl::Status st = Pdf(*s, sink);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_THAT(st.message(), HasSubstr("still making the pdf"));
  ASSERT_TRUE(RetryAfterMs(st).has_value());
  EXPECT_GE(*RetryAfterMs(st), 1000);
  EXPECT_LE(time_.now - start, absl::Seconds(10)) << "never waits past the budget";
  // A handful of polls, not 20 back to back.
  EXPECT_LE(http_.requests.size(), 10u);
  EXPECT_TRUE(sink.bytes.empty());
}

TEST_F(BoxAdapterTest, TheCallsDeadlineBoundsTheWait) {
  http_.Answer(200, FileJson("report.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("pdf", "pending")})));
  http_.when_empty = lc::testing::HttpAnswer(200, Entry("pdf", "pending").dump());
  auto s = Open(/*deadline=*/absl::Seconds(3));
  const absl::Time deadline = time_.now + absl::Seconds(3);
  StringSink sink;
  absl::Status st = Pdf(*s, sink);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_TRUE(RetryAfterMs(st).has_value());
  EXPECT_LT(time_.now, deadline) << "gives up before the caller stops waiting";
}

TEST_F(BoxAdapterTest, NoneIsAskedForAtOnceAndErrorIsFinal) {
  // "none": made when info.url is requested, so it is requested at once.
  http_.Answer(200, FileJson("report.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("pdf", "none")})));
  http_.Answer(200, Entry("pdf", "success").dump());
  http_.Answer(200, "%PDF-");
  auto s = Open();
  StringSink sink;
  ASSERT_TRUE(Pdf(*s, sink).ok());
  EXPECT_TRUE(time_.sleeps.empty());

  http_.Answer(200, FileJson("budget.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("extracted_text", "error")})));
  StringSink text;
  absl::Status st = box_.GetContent(*s, Ref(), v1::CONTENT_FORMAT_TEXT, 1 << 20, text);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_THAT(st.message(), HasSubstr("could not make"));
}

TEST_F(BoxAdapterTest, ARepresentationStuckInNoneIsPolledWithPausesToo) {
  http_.Answer(200, FileJson("report.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("pdf", "none")})));
  http_.when_empty = lc::testing::HttpAnswer(200, Entry("pdf", "none").dump());
  auto s = Open();
  StringSink sink;
  absl::Status st = Pdf(*s, sink);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_TRUE(RetryAfterMs(st).has_value());
  EXPECT_LE(http_.requests.size(), 11u);
  EXPECT_FALSE(time_.sleeps.empty());
}

TEST_F(BoxAdapterTest, ATypeWithoutTheRepresentationIsFailedPrecondition) {
  http_.Answer(200, FileJson("archive.zip"));
  http_.Answer(200, Reps(nlohmann::json::array()));
  auto s = Open();
  StringSink sink;
  absl::Status st = Pdf(*s, sink);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_THAT(st.message(), HasSubstr("no pdf of this file type"));
}

TEST_F(BoxAdapterTest, ContentStillAcceptedIsUnavailableWithBoxsRetryAfter) {
  http_.Answer(200, FileJson("report.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("pdf", "success")})));
  http_.Answer(202, "", {{"retry-after", "7"}});
  auto s = Open();
  StringSink sink;
  absl::Status st = Pdf(*s, sink);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_EQ(RetryAfterMs(st), 7000);
}

TEST_F(BoxAdapterTest, APdfLinkDoesNotWaitForThePendingRepresentation) {
  http_.Answer(200, FileJson("report.docx"));
  http_.Answer(200, Reps(nlohmann::json::array({Entry("pdf", "pending")})));
  auto s = Open();
  auto link = box_.GetLink(*s, Ref(), v1::LINK_KIND_PDF);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_TRUE(link->requires_token());
  EXPECT_EQ(link->url(), InfoUrl("pdf") + "/content/");
  EXPECT_TRUE(time_.sleeps.empty());
  EXPECT_EQ(http_.requests.size(), 2u);

  http_.Answer(200, FileJson("archive.zip"));
  http_.Answer(200, Reps(nlohmann::json::array()));
  auto none = box_.GetLink(*s, Ref(), v1::LINK_KIND_PDF);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition) << none.status();
}

TEST_F(BoxAdapterTest, APinnedVersionBoxNoLongerKeepsIsNotFoundNamingIt) {
  v1::BlobRef pinned = Ref();
  pinned.set_revision("800");
  // Free plan: the versions list is empty.
  http_.Answer(200, FileJson("plan.txt"));
  http_.Answer(200, FileJson("plan.txt"));
  http_.Answer(200, R"({"total_count":0,"entries":[],"offset":0,"limit":1000})");
  auto s = Open();
  auto file = box_.GetFile(*s, pinned);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound) << file.status();
  EXPECT_THAT(file.status().message(), HasSubstr("version 800 of file 42"));

  // Listed a moment ago, gone when the bytes are asked for.
  http_.Answer(200, FileJson("plan.txt"));
  http_.Answer(200, FileJson("plan.txt"));
  http_.Answer(200, R"({"total_count":1,"entries":[{"type":"file_version","id":"800","size":3}]})");
  http_.Answer(200, FileJson("plan.txt"));
  http_.Answer(404, R"({"type":"error","status":404,"code":"not_found"})");
  StringSink sink;
  absl::Status st = box_.GetContent(*s, pinned, v1::CONTENT_FORMAT_ORIGINAL, 1 << 20, sink);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound) << st;
  EXPECT_THAT(st.message(), HasSubstr("version 800 of file 42"));
}

TEST_F(BoxAdapterTest, ThumbnailsFollowBoxsTypesAndItsPlaceholders) {
  auto s = Open();
  // A text file has no Box thumbnail: no link, and the placeholder Box
  // redirects to is never served as one.
  http_.Answer(200, FileJson("notes.txt"));
  auto link = box_.GetLink(*s, Ref(), v1::LINK_KIND_THUMBNAIL);
  EXPECT_EQ(link.status().code(), absl::StatusCode::kFailedPrecondition) << link.status();
  http_.Answer(200, FileJson("notes.txt"));
  http_.Answer(302, "", {{"location", "https://cdn.box.test/icons/txt.png"}});
  StringSink sink;
  absl::Status st = box_.GetContent(*s, Ref(), v1::CONTENT_FORMAT_THUMBNAIL, 1 << 20, sink);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_TRUE(sink.bytes.empty());
  // An image still being thumbnailed: Box's Retry-After.
  http_.Answer(200, FileJson("photo.png"));
  http_.Answer(202, "", {{"location", "https://cdn.box.test/icons/png.png"}, {"retry-after", "3"}});
  st = box_.GetContent(*s, Ref(), v1::CONTENT_FORMAT_THUMBNAIL, 1 << 20, sink);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_EQ(RetryAfterMs(st), 3000);
  http_.Answer(200, FileJson("photo.png"));
  auto image = box_.GetLink(*s, Ref(), v1::LINK_KIND_THUMBNAIL);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_TRUE(image->requires_token());
}

}  // namespace
}  // namespace lc::providers
