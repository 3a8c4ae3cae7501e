// Google Drive on a loopback port: what Drive refuses (exports a native type
// does not have, anonymous thumbnails of private files, keepForever beyond
// its rules) and what it answers instead, in Drive's own error form.
#include <gtest/gtest.h>
#include <httplib.h>

#include <set>
#include <thread>

#include "googledrive_export.h"
#include "provider_server.h"
#include "provider_server_test_base.h"
#include "util.h"

namespace lc::emulator {
namespace {

using nlohmann::json;

constexpr char kDoc[] = "application/vnd.google-apps.document";
constexpr char kSheet[] = "application/vnd.google-apps.spreadsheet";
constexpr char kSlides[] = "application/vnd.google-apps.presentation";
constexpr char kDrawing[] = "application/vnd.google-apps.drawing";
constexpr char kForm[] = "application/vnd.google-apps.form";

class GoogleDriveTest : public ProviderServerTestBase {
 protected:
  void SetUp() override {
    StartServer("googledrive", IdStyle::kDrive,
                OAuthServer::Options{"ya29.", "1//", false, true, false}, InstallGoogleDrive,
                "alice@example.com", "Alice");
    ASSERT_FALSE(HasFatalFailure());
    server_->store().AddUser("", "bob@example.com", "Bob");
    alice_ = TokenOf("alice@example.com");
    bob_ = TokenOf("bob@example.com");
  }
  static httplib::Headers As(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  // Seeds one file for alice; answers its id.
  std::string Seed(json file) {
    file["path"] = "/" + std::to_string(++seeded_) + "-" + file.value("path", "file");
    json out = AdminPost("files", {{"user", "alice@example.com"}, {"files", {file}}});
    return out["files"][0]["id"];
  }
  std::string SeedNative(const std::string& mime, const std::string& text) {
    return Seed({{"path", "doc"}, {"native", true}, {"mime_type", mime}, {"content", text}});
  }
  httplib::Result Get(const std::string& path, const std::string& token) {
    return token.empty() ? Client().Get(path.c_str()) : Client().Get(path.c_str(), As(token));
  }
  httplib::Result Export(const std::string& id, const std::string& mime) {
    return Get("/drive/v3/files/" + id + "/export?mimeType=" + PercentEncode(mime), alice_);
  }
  // A URL the emulator handed out, as a path on this port.
  static std::string PathOf(const std::string& url) {
    return url.substr(url.find('/', url.find("//") + 2));
  }
  // Drive's unsupported-conversion answer, as Drive sends it.
  static void ExpectConversionRefused(const httplib::Result& res) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
    json e = json::parse(res->body)["error"];
    EXPECT_EQ(e["code"], 400);
    EXPECT_EQ(e["message"], "The requested conversion is not supported.");
    EXPECT_EQ(e["errors"][0]["reason"], "badRequest");
    EXPECT_EQ(e["errors"][0]["domain"], "global");
    EXPECT_EQ(e["errors"][0]["location"], "convertTo");
    EXPECT_EQ(e["errors"][0]["locationType"], "parameter");
  }

  int seeded_ = 0;
  std::string alice_, bob_;
};

TEST_F(GoogleDriveTest, ADocExportsItsFormatsAndNoSpreadsheetOnes) {
  const std::string id = SeedNative(kDoc, "Minutes\nThe word is <heron> & more");
  auto text = Export(id, "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 200);
  EXPECT_EQ(text->body, "Minutes\nThe word is <heron> & more");
  EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  auto html = Export(id, "text/html");
  ASSERT_TRUE(html);
  EXPECT_EQ(html->status, 200);
  EXPECT_NE(html->body.find("&lt;heron&gt; &amp; more"), std::string::npos) << html->body;
  auto docx = Export(id, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  ASSERT_TRUE(docx);
  EXPECT_EQ(docx->status, 200);
  EXPECT_EQ(docx->body.substr(0, 2), "PK");
  EXPECT_NE(docx->body.find("word/document.xml"), std::string::npos);
  EXPECT_NE(docx->body.find("&lt;heron&gt;"), std::string::npos);
  for (const char* mime :
       {"application/pdf", "application/rtf", "text/markdown", "application/epub+zip",
        "application/zip", "application/vnd.oasis.opendocument.text"}) {
    auto res = Export(id, mime);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << mime;
  }
  ExpectConversionRefused(Export(id, "text/csv"));
  ExpectConversionRefused(Export(id, "image/png"));
  ExpectConversionRefused(Export(id, "application/octet-stream"));
}

TEST_F(GoogleDriveTest, ASheetHasNoPlainTextButCsvOfItsFirstSheet) {
  const std::string id = SeedNative(kSheet, "name,word\nalpha,\"ibex, ok\"\n\f\nsecond,sheet");
  ExpectConversionRefused(Export(id, "text/plain"));
  ExpectConversionRefused(Export(id, "text/markdown"));
  auto csv = Export(id, "text/csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_EQ(csv->body, "name,word\nalpha,\"ibex, ok\"");
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  auto tsv = Export(id, "text/tab-separated-values");
  ASSERT_TRUE(tsv);
  EXPECT_EQ(tsv->body, "name\tword\r\nalpha\tibex, ok\r\n");
  auto xlsx = Export(id, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  ASSERT_TRUE(xlsx);
  EXPECT_EQ(xlsx->status, 200);
  EXPECT_NE(xlsx->body.find("xl/worksheets/sheet2.xml"), std::string::npos);
  EXPECT_NE(xlsx->body.find("ibex, ok"), std::string::npos);
  for (const char* mime :
       {"application/pdf", "application/zip", "application/vnd.oasis.opendocument.spreadsheet",
        "application/x-vnd.oasis.opendocument.spreadsheet"}) {
    auto res = Export(id, mime);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << mime;
  }
  // exportLinks list exactly the sheet's formats.
  auto meta = Get("/drive/v3/files/" + id + "?fields=exportLinks", alice_);
  ASSERT_TRUE(meta);
  std::set<std::string> keys;
  const json links = json::parse(meta->body)["exportLinks"];
  for (const auto& [k, v] : links.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      "application/vnd.oasis.opendocument.spreadsheet", "application/pdf",
                      "application/zip", "text/csv", "text/tab-separated-values"}));
}

TEST_F(GoogleDriveTest, SlidesExportTextAndDrawingsOnlyPdfAndImages) {
  const std::string slides = SeedNative(kSlides, "First slide\n\f\nSecond slide");
  auto text = Export(slides, "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 200);
  EXPECT_EQ(text->body, "First slide\n\nSecond slide");
  auto svg = Export(slides, "image/svg+xml");
  ASSERT_TRUE(svg);
  EXPECT_NE(svg->body.find("First slide"), std::string::npos);
  EXPECT_EQ(svg->body.find("Second slide"), std::string::npos) << "the first slide only";
  ExpectConversionRefused(Export(slides, "text/csv"));

  const std::string drawing = SeedNative(kDrawing, "a box and an arrow");
  ExpectConversionRefused(Export(drawing, "text/plain"));
  auto png = Export(drawing, "image/png");
  ASSERT_TRUE(png);
  EXPECT_EQ(png->status, 200);
  EXPECT_EQ(png->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(png->body.substr(1, 3), "PNG");
  for (const char* mime : {"application/pdf", "image/jpeg", "image/svg+xml"}) {
    auto res = Export(drawing, mime);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << mime;
  }

  // A Form exports to nothing, and lists no exportLinks.
  const std::string form = SeedNative(kForm, "a question");
  ExpectConversionRefused(Export(form, "application/pdf"));
  auto meta = Get("/drive/v3/files/" + form + "?fields=id,exportLinks", alice_);
  ASSERT_TRUE(meta);
  EXPECT_FALSE(json::parse(meta->body).contains("exportLinks")) << meta->body;
}

TEST_F(GoogleDriveTest, ExportChecksComeInDrivesOrder) {
  const std::string binary = Seed({{"path", "a.txt"}, {"content", "bytes"}});
  auto missing = Get("/drive/v3/files/" + SeedNative(kSheet, "a,b") + "/export", alice_);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(json::parse(missing->body)["error"]["errors"][0]["reason"], "required");
  auto binary_export = Export(binary, "text/csv");
  ASSERT_TRUE(binary_export);
  EXPECT_EQ(binary_export->status, 403);
  EXPECT_EQ(json::parse(binary_export->body)["error"]["errors"][0]["reason"], "fileNotExportable");
  auto about = Get("/drive/v3/about?fields=exportFormats", alice_);
  ASSERT_TRUE(about);
  json formats = json::parse(about->body)["exportFormats"];
  EXPECT_EQ(formats[kSheet].size(), 6u);
  for (const auto& f : formats[kSheet]) EXPECT_NE(f, "text/plain");
}

TEST_F(GoogleDriveTest, ARevisionOfADocExportsItsOwnTextAfterEditsAndRenames) {
  const std::string id = SeedNative(kDoc, "the old plan: kestrel");
  AdminPost("changes", {{"id", id}, {"action", "rename"}, {"name", "Renamed plan"}});
  AdminPost("changes", {{"id", id}, {"action", "content"}, {"content", "the new plan: osprey"}});
  auto meta = Get("/drive/v3/files/" + id + "?fields=headRevisionId,version,name", alice_);
  ASSERT_TRUE(meta);
  json m = json::parse(meta->body);
  EXPECT_FALSE(m.contains("headRevisionId")) << "native documents have none: " << meta->body;
  EXPECT_EQ(m["name"], "Renamed plan");

  auto list = Get("/drive/v3/files/" + id + "/revisions?fields=revisions(id,exportLinks)", alice_);
  ASSERT_TRUE(list);
  json revisions = json::parse(list->body)["revisions"];
  ASSERT_EQ(revisions.size(), 2u) << list->body;
  const std::string old_link = revisions[0]["exportLinks"]["text/plain"];
  auto old_text = Client().Get(PathOf(old_link).c_str(), As(alice_));
  ASSERT_TRUE(old_text);
  EXPECT_EQ(old_text->status, 200);
  EXPECT_EQ(old_text->body, "the old plan: kestrel");
  auto new_text = Client().Get(PathOf(revisions[1]["exportLinks"]["text/plain"]).c_str());
  ASSERT_TRUE(new_text);
  EXPECT_EQ(new_text->body, "the new plan: osprey");
  // revisions.get gives the same links; a revision that does not exist is
  // Drive's notFound naming it.
  const std::string rev_id = revisions[0]["id"];
  auto one = Get("/drive/v3/files/" + id + "/revisions/" + rev_id + "?fields=exportLinks", alice_);
  ASSERT_TRUE(one);
  EXPECT_EQ(json::parse(one->body)["exportLinks"]["text/plain"], old_link);
  auto gone = Get("/drive/v3/files/" + id + "/revisions/no-such-rev", alice_);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  json e = json::parse(gone->body)["error"];
  EXPECT_EQ(e["message"], "Revision not found: no-such-rev.");
  EXPECT_EQ(e["errors"][0]["reason"], "notFound");
  // A sheet's revision links are the sheet's formats.
  const std::string sheet = SeedNative(kSheet, "a,b");
  auto sheet_revs =
      Get("/drive/v3/files/" + sheet + "/revisions?fields=revisions(exportLinks)", alice_);
  ASSERT_TRUE(sheet_revs);
  json links = json::parse(sheet_revs->body)["revisions"][0]["exportLinks"];
  EXPECT_TRUE(links.contains("text/csv"));
  EXPECT_FALSE(links.contains("text/plain"));
}

TEST_F(GoogleDriveTest, ThumbnailsOfPrivateFilesNeedTheOwnersToken) {
  const std::string id = Seed({{"path", "photo.txt"}, {"content", "pixels"}});
  auto meta = Get("/drive/v3/files/" + id + "?fields=thumbnailLink", alice_);
  ASSERT_TRUE(meta);
  const std::string link = PathOf(json::parse(meta->body)["thumbnailLink"]);
  auto anonymous = Get(link, "");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 403);
  EXPECT_EQ(anonymous->get_header_value("Content-Type"), "text/html; charset=UTF-8");
  auto other = Get(link, bob_);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  auto owner = Get(link, alice_);
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->status, 200);
  EXPECT_EQ(owner->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(owner->body.substr(1, 3), "PNG");
  // Once shared with anyone, the link works without credentials.
  auto shared = Client().Post(("/drive/v3/files/" + id + "/permissions").c_str(), As(alice_),
                              R"({"type":"anyone","role":"reader"})", "application/json");
  ASSERT_TRUE(shared);
  ASSERT_EQ(shared->status, 200) << shared->body;
  auto now_public = Get(link, "");
  ASSERT_TRUE(now_public);
  EXPECT_EQ(now_public->status, 200);
  auto unknown = Get("/_thumbnails/drive/no-such-file?sz=s220", alice_);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(GoogleDriveTest, KeepForeverStopsAt200RevisionsAndCannotBeUndone) {
  json revisions = json::array();
  for (int i = 0; i < 202; ++i) revisions.push_back("revision " + std::to_string(i));
  // Drive also purges unpinned revisions past 100: not what this test is about.
  AdminPost("users", {{"email", "alice@example.com"}, {"max_versions", 0}});
  const std::string id = Seed({{"path", "busy.txt"}, {"revisions", revisions}});
  auto list =
      Get("/drive/v3/files/" + id + "/revisions?pageSize=1000&fields=revisions(id)", alice_);
  ASSERT_TRUE(list);
  json revs = json::parse(list->body)["revisions"];
  ASSERT_EQ(revs.size(), 202u);
  auto keep = [&](int i, bool value) {
    return Client().Patch(
        ("/drive/v3/files/" + id + "/revisions/" + revs[i]["id"].get<std::string>()).c_str(),
        As(alice_), json{{"keepForever", value}}.dump(), "application/json");
  };
  for (int i = 0; i < 200; ++i) {
    auto res = keep(i, true);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << i << ": " << res->body;
  }
  auto over = keep(200, true);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 400) << over->body;
  json e = json::parse(over->body)["error"];
  EXPECT_EQ(e["errors"][0]["reason"], "badRequest");
  EXPECT_NE(e["message"].get<std::string>().find("200"), std::string::npos) << over->body;
  // Keeping one already kept changes nothing and is not refused.
  auto again = keep(5, true);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
  auto undo = keep(5, false);
  ASSERT_TRUE(undo);
  EXPECT_EQ(undo->status, 400);
  EXPECT_EQ(json::parse(undo->body)["error"]["errors"][0]["reason"],
            "illegalKeepForeverModification");
  auto not_bool = Client().Patch(
      ("/drive/v3/files/" + id + "/revisions/" + revs[201]["id"].get<std::string>()).c_str(),
      As(alice_), R"({"keepForever":"yes"})", "application/json");
  ASSERT_TRUE(not_bool);
  EXPECT_EQ(not_bool->status, 400);
}

TEST_F(GoogleDriveTest, RetentionPurgesUnpinnedRevisionsOfUploadedFilesOnly) {
  const std::string id = Seed({{"path", "kept.txt"}, {"revisions", {"one", "two", "three"}}});
  const std::string doc = SeedNative(kDoc, "first text");
  AdminPost("changes", {{"id", doc}, {"action", "content"}, {"content", "second text"}});
  auto ids = [&](const std::string& file) {
    auto res = Get("/drive/v3/files/" + file + "/revisions?fields=revisions(id)", alice_);
    std::vector<std::string> out;
    EXPECT_TRUE(res);
    if (!res) return out;
    EXPECT_EQ(res->status, 200) << res->body;
    const json body = json::parse(res->body);
    for (const auto& r : body["revisions"]) out.push_back(r["id"]);
    return out;
  };
  const std::vector<std::string> before = ids(id);
  ASSERT_EQ(before.size(), 3u);
  auto pin = Client().Patch(("/drive/v3/files/" + id + "/revisions/" + before[0]).c_str(),
                            As(alice_), R"({"keepForever":true})", "application/json");
  ASSERT_TRUE(pin);
  ASSERT_EQ(pin->status, 200) << pin->body;

  // Drive purges unpinned revisions 30 days after newer content arrived.
  AdminPost("clock", {{"advance_seconds", 31 * 24 * 3600}});
  alice_ = AdminPost("tokens", {{"user", "alice@example.com"}})["access_token"];
  EXPECT_EQ(ids(id), (std::vector<std::string>{before[0], before[2]}));
  for (const std::string suffix : {"", "?alt=media"}) {
    auto gone = Get("/drive/v3/files/" + id + "/revisions/" + before[1] + suffix, alice_);
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->status, 404) << suffix;
    json e = json::parse(gone->body)["error"];
    EXPECT_EQ(e["message"], "Revision not found: " + before[1] + ".");
    EXPECT_EQ(e["errors"][0]["reason"], "notFound");
  }
  auto kept = Get("/drive/v3/files/" + id + "/revisions/" + before[0] + "?alt=media", alice_);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->body, "one");
  // A native document's revisions are not purged.
  EXPECT_EQ(ids(doc).size(), 2u);

  // A user whose policy keeps one version loses the others at once.
  AdminPost("users", {{"email", "alice@example.com"}, {"max_versions", 1}});
  const std::string fresh = Seed({{"path", "fresh.txt"}, {"revisions", {"a", "b"}}});
  EXPECT_EQ(ids(fresh).size(), 1u);
}

TEST_F(GoogleDriveTest, MistypedMetadataIsTheClientsError) {
  for (const char* body : {R"({"name":5})", R"({"parents":"root"})", R"({"trashed":"yes"})",
                           R"({"mimeType":["a"]})", R"([1,2])"}) {
    auto res = Client().Post("/drive/v3/files", As(alice_), body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << body << ": " << res->body;
    EXPECT_EQ(json::parse(res->body)["error"]["errors"][0]["reason"], "invalid") << body;
  }
}

TEST(GoogleDriveExportTest, CsvAndPartsParseAsDriveWritesThem) {
  EXPECT_EQ(drive::ParseCsv("a,\"b \"\"q\"\"\",c\r\n\"multi\nline\",x"),
            (std::vector<std::vector<std::string>>{{"a", "b \"q\"", "c"}, {"multi\nline", "x"}}));
  EXPECT_EQ(drive::SplitParts("one\n\f\ntwo\nlines"),
            (std::vector<std::string>{"one", "two\nlines"}));
  const std::string zip = drive::ZipArchive({{"a.txt", "hello"}});
  EXPECT_EQ(zip.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_EQ(zip.substr(zip.size() - 22, 4), std::string("PK\x05\x06", 4));
  EXPECT_NE(zip.find("hello"), std::string::npos);
}

}  // namespace
}  // namespace lc::emulator
