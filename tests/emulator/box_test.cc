// Box on a loopback port, at the HTTP level: representations generated
// asynchronously (pending, then success, on the emulator's clock), file types
// without a representation, content that is not ready (202 + Retry-After),
// and version history by plan.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "box_representations.h"
#include "provider_server.h"
#include "provider_server_test_base.h"
#include "util.h"

namespace lc::emulator {
namespace {

using nlohmann::json;

class BoxTest : public ProviderServerTestBase {
 protected:
  void SetUp() override {
    StartServer("box", IdStyle::kBox, OAuthServer::Options{"", "", true, false, false}, InstallBox,
                "alice@example.com", "Alice");
    ASSERT_FALSE(HasFatalFailure());
    token_ = TokenOf("alice@example.com");
  }
  httplib::Headers Auth(httplib::Headers extra = {}) {
    extra.emplace("Authorization", "Bearer " + token_);
    return extra;
  }
  // Seeds one file; answers its id.
  std::string Seed(const std::string& path, const std::string& content) {
    json out = AdminPost("files", {{"user", "alice@example.com"},
                                   {"files", {{{"path", path}, {"content", content}}}}});
    return out["files"][0]["id"];
  }
  // GET /2.0/files/{id}?fields=representations with x-rep-hints.
  json Representations(const std::string& id, const std::string& hints) {
    auto res = Client().Get(("/2.0/files/" + id + "?fields=representations").c_str(),
                            Auth({{"X-Rep-Hints", hints}}));
    EXPECT_TRUE(res);
    if (!res) return json::array();
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body)["representations"]["entries"];
  }
  // A URL the emulator handed out, as a path on this port.
  static std::string PathOf(const std::string& url) { return url.substr(url.find('/', 8)); }
  void Advance(double seconds) { AdminPost("clock", {{"advance_seconds", seconds}}); }

  std::string token_;
};

TEST_F(BoxTest, RepresentationsArePendingForTheDelayThenSucceed) {
  const std::string id = Seed("/report.docx", "quarterly numbers");
  json entries = Representations(id, "[pdf]");
  ASSERT_EQ(entries.size(), 1u) << entries;
  json pdf = entries[0];
  EXPECT_EQ(pdf["representation"], "pdf");
  EXPECT_EQ(pdf["status"]["state"], "pending") << "Box generates representations after upload";
  const std::string info = pdf["info"]["url"];
  const std::string content = PathOf(pdf["content"]["url_template"]);
  ASSERT_NE(content.find("{+asset_path}"), std::string::npos);
  const std::string content_path = content.substr(0, content.find("{+asset_path}"));

  // Its content is not ready: 202 with the seconds left.
  auto early = Client().Get(content_path.c_str(), Auth());
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 202);
  EXPECT_EQ(early->get_header_value("Retry-After"), "2");
  EXPECT_TRUE(early->body.empty());

  // info.url reports the same state until the delay (default 2 s) passes.
  Advance(1.5);
  auto polled = Client().Get(PathOf(info).c_str(), Auth());
  ASSERT_TRUE(polled);
  ASSERT_EQ(polled->status, 200) << polled->body;
  EXPECT_EQ(json::parse(polled->body)["status"]["state"], "pending");
  auto later = Client().Get(content_path.c_str(), Auth());
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 202);
  EXPECT_EQ(later->get_header_value("Retry-After"), "1");

  Advance(0.5);
  polled = Client().Get(PathOf(info).c_str(), Auth());
  ASSERT_TRUE(polled);
  json ready = json::parse(polled->body);
  EXPECT_EQ(ready["status"]["state"], "success");
  EXPECT_EQ(ready["content"]["url_template"], pdf["content"]["url_template"]);
  EXPECT_EQ(Representations(id, "[pdf]")[0]["status"]["state"], "success");
  auto bytes = Client().Get(content_path.c_str(), Auth());
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->status, 200);
  EXPECT_EQ(bytes->body.substr(0, 5), "%PDF-");
  EXPECT_EQ(bytes->get_header_value("Content-Type"), "application/pdf");
}

TEST_F(BoxTest, ANewVersionIsPendingAgain) {
  const std::string id = Seed("/notes.txt", "first");
  Advance(3);
  EXPECT_EQ(Representations(id, "[extracted_text]")[0]["status"]["state"], "success");
  AdminPost("changes", {{"id", id}, {"action", "content"}, {"content", "second"}});
  json text = Representations(id, "[extracted_text]")[0];
  EXPECT_EQ(text["status"]["state"], "pending");
  Advance(2);
  auto bytes = Client().Get(
      PathOf(text["content"]["url_template"].get<std::string>().substr(
                 0, text["content"]["url_template"].get<std::string>().find("{+asset_path}")))
          .c_str(),
      Auth());
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->status, 200);
  EXPECT_EQ(bytes->body, "second");
}

TEST_F(BoxTest, TheDelayIsASetting) {
  auto get = Client().Get("/_emulator/settings");
  ASSERT_TRUE(get);
  EXPECT_EQ(json::parse(get->body)["box_representation_delay_ms"], 2000);
  EXPECT_EQ(
      AdminPost("settings", {{"box_representation_delay_ms", 0}})["box_representation_delay_ms"],
      0);
  const std::string id = Seed("/now.txt", "ready at once");
  EXPECT_EQ(Representations(id, "[pdf]")[0]["status"]["state"], "success");
  AdminPost("settings", {{"box_representation_delay_ms", 60000}});
  EXPECT_EQ(Representations(id, "[pdf]")[0]["status"]["state"], "pending");
  auto bad = Client().Post("/_emulator/settings", R"({"box_representation_delay_ms":-1})",
                           "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(BoxTest, FileTypesWithoutARepresentationLeaveItOut) {
  const std::string zip = Seed("/archive.zip", "PK\x03\x04 not really");
  const std::string png = Seed("/photo.png", "not really a png");
  const std::string txt = Seed("/readme.txt", "plain words");
  Advance(3);
  // A ZIP has none of them; a PNG has thumbnails only; a .txt has PDF and
  // text but no thumbnail (Box's supported file types).
  EXPECT_EQ(Representations(zip, "[pdf][extracted_text][jpg?dimensions=32x32]").size(), 0u);
  json png_reps = Representations(png, "[pdf][extracted_text][jpg?dimensions=320x320]");
  ASSERT_EQ(png_reps.size(), 1u) << png_reps;
  EXPECT_EQ(png_reps[0]["representation"], "jpg");
  json txt_reps = Representations(txt, "[pdf][extracted_text][jpg?dimensions=320x320][png]");
  ASSERT_EQ(txt_reps.size(), 2u) << txt_reps;
  EXPECT_EQ(txt_reps[0]["representation"], "pdf");
  EXPECT_EQ(txt_reps[1]["representation"], "extracted_text");
  // Without hints: every representation the type has.
  EXPECT_EQ(Representations(txt, "").size(), 2u);

  // A crafted representation URL for a type Box does not render is a 404.
  json file = json::parse(
      Client().Get(("/2.0/files/" + zip + "?fields=file_version").c_str(), Auth())->body);
  const std::string version = file["file_version"]["id"];
  auto res = Client().Get(
      ("/2.0/internal_files/" + zip + "/versions/" + version + "/representations/pdf").c_str(),
      Auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["code"], "not_found");
}

TEST_F(BoxTest, TextOfABinaryOfficeFileFailsToGenerate) {
  const std::string id = Seed("/budget.docx", std::string("PK\x03\x04\x14\0\0\0", 8));
  json text = Representations(id, "[extracted_text]");
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0]["status"]["state"], "pending");
  Advance(3);
  text = Representations(id, "[extracted_text]");
  EXPECT_EQ(text[0]["status"]["state"], "error");
  EXPECT_EQ(Representations(id, "[pdf]")[0]["status"]["state"], "success");
}

TEST_F(BoxTest, IfNoneMatchWithTheCurrentEtagIs304) {
  const std::string id = Seed("/etag.txt", "one");
  auto file = Client().Get(("/2.0/files/" + id).c_str(), Auth());
  ASSERT_TRUE(file);
  const std::string etag = json::parse(file->body)["etag"];
  auto same = Client().Get(("/2.0/files/" + id).c_str(), Auth({{"If-None-Match", etag}}));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 304);
  EXPECT_TRUE(same->body.empty());
  AdminPost("changes", {{"id", id}, {"action", "content"}, {"content", "two"}});
  auto changed = Client().Get(("/2.0/files/" + id).c_str(), Auth({{"If-None-Match", etag}}));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
  EXPECT_NE(json::parse(changed->body)["etag"], etag);
}

TEST_F(BoxTest, FreeAccountsKeepNoVersionHistory) {
  json seeded =
      AdminPost("files", {{"user", "alice@example.com"},
                          {"files", {{{"path", "/v.txt"}, {"revisions", {"one", "two"}}}}}});
  const std::string id = seeded["files"][0]["id"];
  auto versions = [&] {
    auto res = Client().Get(("/2.0/files/" + id + "/versions").c_str(), Auth());
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body);
  };
  json paid = versions();
  ASSERT_EQ(paid["total_count"], 1) << paid;
  const std::string old = paid["entries"][0]["id"];
  auto download = [&](const std::string& version) {
    auto res = Client().Get(("/2.0/files/" + id + "/content?version=" + version).c_str(), Auth());
    EXPECT_TRUE(res);
    return res ? res->status : 0;
  };
  EXPECT_EQ(download(old), 302);

  // A free account: no history, the old version cannot be fetched.
  AdminPost("users", {{"email", "alice@example.com"}, {"paid", false}});
  json free = versions();
  EXPECT_EQ(free["total_count"], 0) << free;
  EXPECT_TRUE(free["entries"].empty());
  EXPECT_EQ(download(old), 404);
  auto promote =
      Client().Post(("/2.0/files/" + id + "/versions/current").c_str(), Auth(),
                    json{{"type", "file_version"}, {"id", old}}.dump(), "application/json");
  ASSERT_TRUE(promote);
  EXPECT_EQ(promote->status, 404);
  EXPECT_EQ(json::parse(promote->body)["code"], "not_found");
  auto rep = Client().Get(
      ("/2.0/internal_files/" + id + "/versions/" + old + "/representations/pdf").c_str(), Auth());
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, 404);
  // The current version is still there.
  auto current = Client().Get(("/2.0/files/" + id + "?fields=file_version").c_str(), Auth());
  EXPECT_EQ(download(json::parse(current->body)["file_version"]["id"]), 302);
}

TEST_F(BoxTest, APlanKeepsItsNumberOfVersions) {
  // Personal Pro keeps 10 prior versions; here 2 (max_versions counts the
  // current one too).
  AdminPost("users", {{"email", "alice@example.com"}, {"max_versions", 3}});
  json seeded = AdminPost(
      "files", {{"user", "alice@example.com"},
                {"files", {{{"path", "/many.txt"}, {"revisions", {"1", "2", "3", "4", "5"}}}}}});
  const std::string id = seeded["files"][0]["id"];
  auto res = Client().Get(("/2.0/files/" + id + "/versions").c_str(), Auth());
  ASSERT_TRUE(res);
  json body = json::parse(res->body);
  EXPECT_EQ(body["total_count"], 2) << body;
  ASSERT_EQ(body["entries"].size(), 2u);
  EXPECT_EQ(body["entries"][0]["version_number"], "4") << "newest first";
  EXPECT_EQ(body["entries"][1]["version_number"], "3");
  auto deep = Client().Get(("/2.0/files/" + id + "/versions?offset=10001").c_str(), Auth());
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->status, 400);
}

TEST_F(BoxTest, ThumbnailsArePendingThenReadyAndPlaceholdersForOtherTypes) {
  const std::string png = Seed("/photo.png", "image bytes");
  const std::string txt = Seed("/words.txt", "no thumbnail");
  auto thumb = [&](const std::string& id, const std::string& query) {
    auto res = Client().Get(("/2.0/files/" + id + "/thumbnail.png" + query).c_str(), Auth());
    EXPECT_TRUE(res);
    return res;
  };
  auto fresh = thumb(png, "?min_width=64&min_height=64");
  EXPECT_EQ(fresh->status, 202);
  EXPECT_EQ(fresh->get_header_value("Retry-After"), "2");
  EXPECT_NE(fresh->get_header_value("Location").find("/_placeholder/box/"), std::string::npos);
  Advance(2);
  auto ready = thumb(png, "?min_width=64&min_height=64");
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->get_header_value("Content-Type"), "image/png");
  // A .txt has no thumbnail: a redirect to the placeholder icon.
  auto other = thumb(txt, "");
  EXPECT_EQ(other->status, 302);
  const std::string placeholder = other->get_header_value("Location");
  auto icon = Client().Get(PathOf(placeholder).c_str());
  ASSERT_TRUE(icon);
  EXPECT_EQ(icon->status, 200);
  // Sizes Box does not make.
  auto big = thumb(png, "?min_width=1024");
  EXPECT_EQ(big->status, 400);
  EXPECT_EQ(json::parse(big->body)["code"], "requested_preview_unavailable");
  auto jpg = Client().Get(
      ("/2.0/files/" + png + "/thumbnail.jpg?min_width=256&min_height=256").c_str(), Auth());
  ASSERT_TRUE(jpg);
  EXPECT_EQ(jpg->status, 200) << "JPEG thumbnails go up to 320 px";
}

TEST(BoxRepresentationsTest, HintsAndFileTypes) {
  EXPECT_EQ(box::ParseRepHints("[pdf][jpg?dimensions=94x94]"),
            (std::vector<std::string>{"pdf", "jpg"}));
  EXPECT_EQ(box::ParseRepHints("[extracted_text]"), (std::vector<std::string>{"extracted_text"}));
  EXPECT_EQ(box::ParseRepHints("[jpg?dimensions=32x32,png?dimensions=1024x1024]"),
            (std::vector<std::string>{"jpg", "png"}));
  EXPECT_TRUE(box::ParseRepHints("pdf").empty());
  EXPECT_TRUE(box::ParseRepHints("[pdf").empty());
  EXPECT_TRUE(box::Supports("pdf", "Report.DOCX"));
  EXPECT_TRUE(box::Supports("extracted_text", "main.cc"));
  EXPECT_FALSE(box::Supports("jpg", "main.cc"));
  EXPECT_FALSE(box::Supports("pdf", "song.mp3"));
  EXPECT_FALSE(box::Supports("pdf", "no-extension"));
  EXPECT_FALSE(box::Supports("markdown", "a.docx"));
}

}  // namespace
}  // namespace lc::emulator
