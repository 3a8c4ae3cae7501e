// The Google Drive adapter with the real session against the cloud emulator
// (no oauth service, no database: tokens come from the emulator's admin
// API). What the strict emulator refuses, the adapter must not ask for:
// exports a native type does not have, anonymous thumbnails, keepForever
// past 200 revisions; and a version of a native document pins a real
// revision that keeps its text after renames and edits.
#include "providers/googledrive_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "providers/api_session.h"
#include "testing/emulator_process.h"

namespace lc::providers {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;

constexpr char kUser[] = "drive-adapter@example.com";

// Tokens straight from the emulator: a new one on every call (a refresh).
class EmulatorTokens : public TokenSource {
 public:
  explicit EmulatorTokens(testing::EmulatorProcess& emulator) : emulator_(emulator) {}
  absl::StatusOr<AccessToken> Get(const AccountKey&, bool, absl::Time) override {
    json t = emulator_.Admin("googledrive", "POST", "/_emulator/tokens", {{"user", kUser}});
    return AccessToken{t["access_token"].get<std::string>(), emulator_.Base("googledrive")};
  }

 private:
  testing::EmulatorProcess& emulator_;
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
  std::string mime, bytes;
};

class GoogleDriveAdapterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    emulator_ = new testing::EmulatorProcess(LC_CLOUD_EMULATOR_BIN);
    emulator_->Admin("googledrive", "POST", "/_emulator/users", {{"email", kUser}});
  }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }

  void SetUp() override {
    tokens_ = std::make_unique<EmulatorTokens>(*emulator_);
    http_ = std::make_unique<CurlHttpClient>(CurlHttpClient::Options{});
    ReliabilityOptions o;
    o.initial_backoff = absl::Milliseconds(10);
    state_ = std::make_unique<ReliabilityState>(o, Clock{});
    auto session =
        ResilientSession::Open(AccountKey{"user-1", "googledrive", kUser}, adapter_, *tokens_,
                               *http_, *state_, absl::Now() + absl::Seconds(60));
    ASSERT_TRUE(session.ok()) << session.status();
    session_ = std::move(*session);
    prefix_ = "/" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    emulator_->Admin("googledrive", "POST", "/_emulator/users",
                     {{"email", kUser}, {"max_versions", 100}});
  }

  std::string Seed(const std::string& name, json file) {
    file["path"] = prefix_ + "/" + name;
    json out = emulator_->Admin("googledrive", "POST", "/_emulator/files",
                                {{"user", kUser}, {"files", {file}}});
    return out["files"][0]["id"].get<std::string>();
  }
  std::string SeedNative(const std::string& name, const std::string& type,
                         const std::string& text) {
    return Seed(name, {{"native", true},
                       {"mime_type", "application/vnd.google-apps." + type},
                       {"content", text}});
  }
  void Outside(const json& change) {
    emulator_->Admin("googledrive", "POST", "/_emulator/changes", change);
  }
  static v1::BlobRef Ref(const std::string& id, const std::string& revision = "") {
    v1::BlobRef ref;
    ref.set_provider("googledrive");
    ref.set_account(kUser);
    ref.set_file_id(id);
    ref.set_revision(revision);
    return ref;
  }
  absl::Status Content(const v1::BlobRef& ref, v1::ContentFormat format, StringSink& sink) {
    return adapter_.GetContent(*session_, ref, format, 1 << 20, sink);
  }

  static inline testing::EmulatorProcess* emulator_ = nullptr;
  GoogleDriveAdapter adapter_;
  std::unique_ptr<EmulatorTokens> tokens_;
  std::unique_ptr<CurlHttpClient> http_;
  std::unique_ptr<ReliabilityState> state_;
  std::unique_ptr<ResilientSession> session_;
  std::string prefix_;
};

TEST_F(GoogleDriveAdapterTest, EachNativeTypeIsReadThroughTheExportItHas) {
  const std::string sheet =
      SeedNative("Budget", "spreadsheet", "item,word\nfirst,lynx\n\f\nother,sheet");
  const std::string doc = SeedNative("Plan", "document", "the plan: marten");
  const std::string slides = SeedNative("Deck", "presentation", "a slide: stoat");
  const std::string drawing = SeedNative("Sketch", "drawing", "boxes");

  StringSink csv;
  ASSERT_TRUE(Content(Ref(sheet), v1::CONTENT_FORMAT_TEXT, csv).ok());
  EXPECT_EQ(csv.bytes, "item,word\nfirst,lynx");  // the first sheet only
  EXPECT_EQ(csv.mime, "text/csv");
  StringSink text;
  ASSERT_TRUE(Content(Ref(doc), v1::CONTENT_FORMAT_TEXT, text).ok());
  EXPECT_EQ(text.bytes, "the plan: marten");
  EXPECT_EQ(text.mime, "text/plain");
  StringSink slide_text;
  ASSERT_TRUE(Content(Ref(slides), v1::CONTENT_FORMAT_TEXT, slide_text).ok());
  EXPECT_EQ(slide_text.bytes, "a slide: stoat");

  // A Drawing has no text: a refusal that says so, not Drive's 400.
  StringSink none;
  absl::Status s = Content(Ref(drawing), v1::CONTENT_FORMAT_TEXT, none);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(s.message(), HasSubstr("a Google Drawing has no text export"));
  EXPECT_THAT(s.message(), HasSubstr("image/png"));
  EXPECT_TRUE(none.bytes.empty());
  for (const std::string& id : {sheet, slides, drawing}) {
    StringSink pdf;
    ASSERT_TRUE(Content(Ref(id), v1::CONTENT_FORMAT_PDF, pdf).ok()) << id;
    EXPECT_THAT(pdf.bytes, StartsWith("%PDF-"));
  }
  // A Form exports to nothing at all.
  const std::string form = SeedNative("Survey", "form", "a question");
  auto link = adapter_.GetLink(*session_, Ref(form), v1::LINK_KIND_PDF);
  EXPECT_EQ(link.status().code(), absl::StatusCode::kFailedPrecondition) << link.status();
  EXPECT_THAT(link.status().message(), HasSubstr("a Google Form has no PDF export"));
}

TEST_F(GoogleDriveAdapterTest, ThumbnailsAreFetchedWithTheAccountsToken) {
  const std::string id = Seed("photo.txt", {{"content", "pixels"}});
  auto link = adapter_.GetLink(*session_, Ref(id), v1::LINK_KIND_THUMBNAIL);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_TRUE(link->requires_token()) << "a browser cannot fetch a private file's thumbnail";
  auto anonymous = emulator_->Fetch(link->url());
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 403);
  StringSink image;
  absl::Status s = Content(Ref(id), v1::CONTENT_FORMAT_THUMBNAIL, image);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(image.mime, "image/png");
  EXPECT_EQ(image.bytes.substr(1, 3), "PNG");
}

TEST_F(GoogleDriveAdapterTest, AVersionOfADocPinsARevisionThatSurvivesRenamesAndEdits) {
  const std::string doc = SeedNative("Minutes", "document", "old minutes: heron");
  auto before = adapter_.GetFile(*session_, Ref(doc));
  ASSERT_TRUE(before.ok()) << before.status();
  auto pinned = adapter_.PinRevision(*session_, Ref(doc));
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  auto revisions = adapter_.ListRevisions(*session_, Ref(doc));
  ASSERT_TRUE(revisions.ok()) << revisions.status();
  ASSERT_EQ(revisions->size(), 1u);
  // The pin is the id revisions.list gives, not the file's change counter.
  EXPECT_EQ(pinned->blob().revision(), revisions->back().id());
  EXPECT_EQ(pinned->metadata().revision(), revisions->back().id());
  EXPECT_TRUE(pinned->metadata().native_document());

  Outside({{"id", doc}, {"action", "rename"}, {"name", "Minutes (final)"}});
  Outside({{"id", doc}, {"action", "content"}, {"content", "new minutes: egret"}});

  StringSink old_text;
  absl::Status s = Content(pinned->blob(), v1::CONTENT_FORMAT_TEXT, old_text);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(old_text.bytes, "old minutes: heron");
  StringSink old_pdf;
  ASSERT_TRUE(Content(pinned->blob(), v1::CONTENT_FORMAT_PDF, old_pdf).ok());
  EXPECT_THAT(old_pdf.bytes, StartsWith("%PDF-"));
  StringSink live;
  ASSERT_TRUE(Content(Ref(doc), v1::CONTENT_FORMAT_TEXT, live).ok());
  EXPECT_EQ(live.bytes, "new minutes: egret");
  auto file = adapter_.GetFile(*session_, pinned->blob());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->metadata().revision(), pinned->blob().revision());
  auto link = adapter_.GetLink(*session_, pinned->blob(), v1::LINK_KIND_PDF);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_THAT(link->url(), HasSubstr("revision=" + pinned->blob().revision()));
  // Pinning again pins the newest revision.
  auto again = adapter_.PinRevision(*session_, Ref(doc));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->blob().revision(), pinned->blob().revision());
}

TEST_F(GoogleDriveAdapterTest, ARevisionDriveNoLongerHasIsNotFoundNamingIt) {
  emulator_->Admin("googledrive", "POST", "/_emulator/users",
                   {{"email", kUser}, {"max_versions", 1}});
  const std::string id = Seed("short.txt", {{"revisions", {"first", "second"}}});
  json item = emulator_->Admin("googledrive", "GET",
                               "/_emulator/files?user=" + std::string(kUser) + "&id=" + id);
  const std::string gone = item["revisions"][0]["id"].get<std::string>();
  StringSink bytes;
  absl::Status s = Content(Ref(id, gone), v1::CONTENT_FORMAT_ORIGINAL, bytes);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(s.message(), HasSubstr("revision " + gone));
  auto file = adapter_.GetFile(*session_, Ref(id, gone));
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound) << file.status();
  EXPECT_THAT(file.status().message(), HasSubstr(gone));
}

TEST_F(GoogleDriveAdapterTest, KeepForeverPastTwoHundredRevisionsIsAClearRefusal) {
  // Unpinned revisions past 100 are purged; this is about pinning.
  emulator_->Admin("googledrive", "POST", "/_emulator/users",
                   {{"email", kUser}, {"max_versions", 0}});
  json revisions = json::array();
  for (int i = 0; i < 201; ++i) revisions.push_back("revision " + std::to_string(i));
  const std::string id = Seed("busy.txt", {{"revisions", revisions}});
  auto listed = adapter_.ListRevisions(*session_, Ref(id));
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 201u);
  for (int i = 0; i < 200; ++i) {
    auto pinned = adapter_.PinRevision(*session_, Ref(id, (*listed)[i].id()));
    ASSERT_TRUE(pinned.ok()) << i << ": " << pinned.status();
  }
  auto full = adapter_.PinRevision(*session_, Ref(id));
  EXPECT_EQ(full.status().code(), absl::StatusCode::kFailedPrecondition) << full.status();
  EXPECT_THAT(full.status().message(), HasSubstr("at most 200 revisions"));
  // A revision already kept pins again without asking Drive for more.
  auto kept = adapter_.PinRevision(*session_, Ref(id, (*listed)[3].id()));
  EXPECT_TRUE(kept.ok()) << kept.status();
}

}  // namespace
}  // namespace lc::providers
