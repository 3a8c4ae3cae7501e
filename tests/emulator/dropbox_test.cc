// The Dropbox emulator at the HTTP level: what it refuses as Dropbox does
// (thumbnail and preview extensions, the content hosts' header and body
// rules, argument patterns and bounds, the web preview page's URL), in
// Dropbox's own error forms.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "provider_server.h"
#include "provider_server_test_base.h"
#include "util.h"

namespace lc::emulator {
namespace {

using nlohmann::json;

class DropboxTest : public ProviderServerTestBase {
 protected:
  void SetUp() override {
    read_timeout_seconds_ = 10;
    StartServer("dropbox", IdStyle::kDropbox, OAuthServer::Options{"sl.", "", false, false, false},
                InstallDropbox, "alice@example.com", "Alice");
    ASSERT_FALSE(HasFatalFailure());
    token_ = TokenOf("alice@example.com");
    ASSERT_FALSE(token_.empty());
  }
  // Seeds files ({"path", "content"}) for alice; answers path -> id.
  std::map<std::string, std::string> Seed(const json& files) {
    auto res = Client().Post("/_emulator/files",
                             json{{"user", "alice@example.com"}, {"files", files}}.dump(),
                             "application/json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    std::map<std::string, std::string> ids;
    const json body = json::parse(res->body);
    for (const json& f : body["files"]) {
      ids[f["path"].get<std::string>()] = f["id"].get<std::string>();
    }
    return ids;
  }
  // A token valid at the emulator's (advanced) clock.
  void NewToken() {
    token_ = TokenOf("alice@example.com");
    ASSERT_FALSE(token_.empty());
  }
  httplib::Headers Auth() { return {{"Authorization", "Bearer " + token_}}; }
  httplib::Result Rpc(const std::string& route, const json& arg) {
    return Client().Post(("/2/" + route).c_str(), Auth(), arg.dump(), "application/json");
  }
  // A content-download call as the official SDKs make it: POST, the
  // argument in an ASCII-escaped Dropbox-API-Arg, no body, no Content-Type.
  httplib::Result Download(const std::string& route, const json& arg) {
    httplib::Headers h = Auth();
    h.emplace("Dropbox-API-Arg", arg.dump(-1, ' ', true));
    return Client().Post(("/2/" + route).c_str(), h, "", "");
  }
  // A 409 route error: its error_summary starts with `summary` and its
  // error is `error`.
  static void ExpectRouteError(const httplib::Result& res, const std::string& summary,
                               const json& error) {
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 409) << res->body;
    json body = json::parse(res->body);
    EXPECT_EQ(body["error_summary"].get<std::string>().rfind(summary + "/", 0), 0u) << res->body;
    EXPECT_EQ(body["error"], error) << res->body;
  }
  // A 400 with Dropbox's plain-text "Error in call to API function" body.
  static void ExpectBadInput(const httplib::Result& res, const std::string& route,
                             const std::string& says) {
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 400) << res->body;
    EXPECT_EQ(res->body.rfind("Error in call to API function \"" + route + "\": ", 0), 0u)
        << res->body;
    EXPECT_NE(res->body.find(says), std::string::npos) << res->body;
  }

  std::string token_;
};

TEST_F(DropboxTest, ThumbnailsOnlyForTheDocumentedImageExtensions) {
  const std::vector<std::string> images = {"a.jpg", "b.JPEG", "c.png", "d.tiff", "e.tif",
                                           "f.gif", "g.webp", "h.ppm", "i.bmp"};
  const std::vector<std::string> others = {"report.pdf",  "letter.docx", "sheet.xlsx",
                                           "slides.pptx", "notes.txt",   "README"};
  json files = json::array();
  for (const auto& n : images) files.push_back({{"path", "/t/" + n}, {"content", "img"}});
  for (const auto& n : others) files.push_back({{"path", "/t/" + n}, {"content", "doc"}});
  auto ids = Seed(files);
  for (const auto& n : images) {
    SCOPED_TRACE(n);
    auto v2 = Download("files/get_thumbnail_v2",
                       {{"resource", {{".tag", "path"}, {"path", ids["/t/" + n]}}},
                        {"format", {{".tag", "jpeg"}}},
                        {"size", {{".tag", "w256h256"}}}});
    ASSERT_TRUE(v2);
    EXPECT_EQ(v2->status, 200) << v2->body;
    EXPECT_EQ(v2->get_header_value("Content-Type"), "image/jpeg");
    json result = json::parse(v2->get_header_value("Dropbox-API-Result"));
    EXPECT_EQ(result["file_metadata"]["id"], ids["/t/" + n]);
    auto v1 = Download("files/get_thumbnail", {{"path", "/t/" + n}, {"format", "png"}});
    ASSERT_TRUE(v1);
    EXPECT_EQ(v1->status, 200) << v1->body;
    EXPECT_EQ(v1->get_header_value("Content-Type"), "image/png");
  }
  for (const auto& n : others) {
    SCOPED_TRACE(n);
    ExpectRouteError(Download("files/get_thumbnail_v2",
                              {{"resource", {{".tag", "path"}, {"path", ids["/t/" + n]}}}}),
                     "unsupported_extension", {{".tag", "unsupported_extension"}});
    ExpectRouteError(Download("files/get_thumbnail", {{"path", "/t/" + n}}),
                     "unsupported_extension", {{".tag", "unsupported_extension"}});
  }
  ExpectRouteError(
      Download("files/get_thumbnail_v2", {{"resource", {{".tag", "path"}, {"path", "/t/no.png"}}}}),
      "path/not_found", {{".tag", "path"}, {"path", {{".tag", "not_found"}}}});
  // Photos over 20 MB are not converted.
  Seed({{{"path", "/t/huge.jpg"}, {"content", std::string(20 * 1024 * 1024 + 1, 'x')}}});
  ExpectRouteError(Download("files/get_thumbnail_v2",
                            {{"resource", {{".tag", "path"}, {"path", "/t/huge.jpg"}}}}),
                   "unsupported_image", {{".tag", "unsupported_image"}});
}

TEST_F(DropboxTest, ThumbnailArgumentsAreTheDocumentedUnions) {
  Seed({{{"path", "/p.png"}, {"content", "img"}}});
  const json path = {{".tag", "path"}, {"path", "/p.png"}};
  ExpectBadInput(Download("files/get_thumbnail_v2", {{"resource", path}, {"format", "gif"}}),
                 "files/get_thumbnail_v2", "format");
  ExpectBadInput(Download("files/get_thumbnail_v2", {{"resource", path}, {"size", "w100h100"}}),
                 "files/get_thumbnail_v2", "size");
  ExpectBadInput(Download("files/get_thumbnail_v2", {{"path", "/p.png"}}), "files/get_thumbnail_v2",
                 "resource");
  auto webp = Download("files/get_thumbnail_v2",
                       {{"resource", path}, {"format", "webp"}, {"mode", "bestfit"}});
  ASSERT_TRUE(webp);
  EXPECT_EQ(webp->status, 200) << webp->body;
}

TEST_F(DropboxTest, PreviewIsPdfOrHtmlByExtensionElseUnsupported) {
  const std::vector<std::string> pdf = {"ai",      "doc",  "docm", "docx", "eps",  "gdoc",
                                        "gslides", "odp",  "odt",  "pps",  "ppsm", "ppsx",
                                        "ppt",     "pptm", "pptx", "rtf"};
  const std::vector<std::string> html = {"csv", "ods", "xls", "xlsm", "gsheet", "xlsx"};
  const std::vector<std::string> none = {"pdf", "txt", "png", "md", "key", "pages"};
  json files = json::array();
  for (const auto& list : {pdf, html, none}) {
    for (const auto& e : list) files.push_back({{"path", "/p/f." + e}, {"content", "a<b"}});
  }
  Seed(files);
  for (const auto& e : pdf) {
    auto res = Download("files/get_preview", {{"path", "/p/F." + e}});
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << e << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/pdf") << e;
    EXPECT_EQ(res->body.substr(0, 5), "%PDF-") << e;
  }
  for (const auto& e : html) {
    auto res = Download("files/get_preview", {{"path", "/p/f." + e}});
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << e << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/html", 0), 0u) << e;
    EXPECT_NE(res->body.find("a&lt;b"), std::string::npos) << res->body;
  }
  for (const auto& e : none) {
    SCOPED_TRACE(e);
    ExpectRouteError(Download("files/get_preview", {{"path", "/p/f." + e}}),
                     "unsupported_extension", {{".tag", "unsupported_extension"}});
  }
}

TEST_F(DropboxTest, ContentRoutesRefuseWhatDropboxRefuses) {
  auto ids = Seed({{{"path", "/c/Résumé.txt"}, {"content", "cv"}}});
  const std::string id = ids["/c/Résumé.txt"];
  // Download-style routes: no Content-Type (as libcurl adds to any POST).
  httplib::Headers h = Auth();
  h.emplace("Dropbox-API-Arg", json{{"path", id}}.dump());
  ExpectBadInput(Client().Post("/2/files/download", h, "", "application/x-www-form-urlencoded"),
                 "files/download", "requires that the header be missing or empty");
  ExpectBadInput(
      Client().Post("/2/files/download", h, "{}", "text/plain; charset=dropbox-cors-hack"),
      "files/download", "supposed to be empty");
  auto cors = Client().Post("/2/files/download", h, "", "text/plain; charset=dropbox-cors-hack");
  ASSERT_TRUE(cors);
  EXPECT_EQ(cors->status, 200) << cors->body;
  auto get = Client().Get("/2/files/download", h);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200) << get->body;
  EXPECT_EQ(get->body, "cv");
  // Upload: application/octet-stream only, POST only.
  httplib::Headers up = Auth();
  up.emplace("Dropbox-API-Arg", R"({"path":"/c/new.txt"})");
  ExpectBadInput(Client().Post("/2/files/upload", up, "x", "application/json"), "files/upload",
                 "application/octet-stream");
  auto put = Client().Post("/2/files/upload", up, "x", "application/octet-stream");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  auto get_upload = Client().Get("/2/files/upload", up);
  ASSERT_TRUE(get_upload);
  EXPECT_EQ(get_upload->status, 404);
  // Dropbox-API-Arg must be HTTP header safe: non-ASCII and 0x7F escaped.
  httplib::Headers raw = Auth();
  raw.emplace("Dropbox-API-Arg", R"({"path":"/c/Résumé.txt"})");
  ExpectBadInput(Client().Post("/2/files/download", raw, "", ""), "files/download",
                 "HTTP header \"Dropbox-API-Arg\": could not decode input as JSON");
  auto escaped = Download("files/download", {{"path", "/c/Résumé.txt"}});
  ASSERT_TRUE(escaped);
  EXPECT_EQ(escaped->status, 200) << escaped->body;
  EXPECT_EQ(escaped->get_header_value("Dropbox-API-Result").find("é"), std::string::npos)
      << "the result header is ASCII too";
  // The arg URL parameter carries UTF-8, form-encoded.
  auto param = Client().Post(
      ("/2/files/download?arg=" + PercentEncode(R"({"path":"/c/Résumé.txt"})")).c_str(), Auth(), "",
      "");
  ASSERT_TRUE(param);
  EXPECT_EQ(param->status, 200) << param->body;
}

TEST_F(DropboxTest, RpcRoutesTakeJsonOnly) {
  ExpectBadInput(Client().Post("/2/users/get_current_account", Auth(), "",
                               "application/x-www-form-urlencoded"),
                 "users/get_current_account", "Bad HTTP \"Content-Type\" header");
  auto none = Client().Post("/2/users/get_current_account", Auth(), "", "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 200) << none->body;
  EXPECT_EQ(json::parse(none->body)["account_type"][".tag"], "basic");
  auto business = Client().Post("/_emulator/users",
                                R"({"email":"alice@example.com","account_type":"business"})",
                                "application/json");
  ASSERT_TRUE(business);
  ASSERT_EQ(business->status, 200) << business->body;
  auto team = Client().Post("/2/users/get_current_account", Auth(), "", "");
  ASSERT_TRUE(team);
  EXPECT_EQ(json::parse(team->body)["account_type"][".tag"], "business");
  // The token in the authorization URL parameter; none at all is bad input.
  auto param = Client().Post(
      ("/2/users/get_current_account?authorization=" + PercentEncode("Bearer " + token_)).c_str(),
      "", "");
  ASSERT_TRUE(param);
  EXPECT_EQ(param->status, 200) << param->body;
  ExpectBadInput(Client().Post("/2/users/get_current_account", "", ""), "users/get_current_account",
                 "Must provide HTTP header \"Authorization\"");
  auto unknown = Client().Post("/2/users/get_current_account",
                               httplib::Headers{{"Authorization", "Bearer sl.unknown"}}, "", "");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(json::parse(unknown->body)["error"][".tag"], "invalid_access_token");
  // A mistyped member is a 400, never a 500.
  ExpectBadInput(Rpc("files/get_metadata", {{"path", 5}}), "files/get_metadata", "request body");
}

TEST_F(DropboxTest, ArgumentsAreCheckedAgainstTheirPatternsAndBounds) {
  auto ids = Seed({{{"path", "/a/f.txt"}, {"content", "one"}}});
  ExpectBadInput(Download("files/download", {{"path", "rev:not-hex"}}), "files/download",
                 "did not match pattern");
  ExpectBadInput(Download("files/download", {{"path", "f.txt"}}), "files/download",
                 "did not match pattern");
  ExpectBadInput(Rpc("files/get_metadata", {{"path", ""}}), "files/get_metadata",
                 "The root folder is unsupported");
  ExpectBadInput(Rpc("files/list_revisions", {{"path", ids["/a/f.txt"]}, {"limit", 0}}),
                 "files/list_revisions", "limit");
  ExpectBadInput(Rpc("files/list_revisions", {{"path", ids["/a/f.txt"]}, {"limit", 101}}),
                 "files/list_revisions", "limit");
  ExpectBadInput(Rpc("files/list_folder", {{"path", ""}, {"limit", 2001}}), "files/list_folder",
                 "limit");
  ExpectBadInput(Rpc("files/list_folder/get_latest_cursor", {{"path", ""}, {"limit", 0}}),
                 "files/list_folder/get_latest_cursor", "limit");
  auto cursor = Rpc("files/list_folder/get_latest_cursor", {{"path", ""}});
  ASSERT_TRUE(cursor);
  ExpectBadInput(
      Client().Post("/2/files/list_folder/longpoll",
                    json{{"cursor", json::parse(cursor->body)["cursor"]}, {"timeout", 10}}.dump(),
                    "application/json"),
      "files/list_folder/longpoll", "timeout");
  // list_revisions of a folder: LookupError.not_file.
  ExpectRouteError(Rpc("files/list_revisions", {{"path", "/a"}}), "path/not_file",
                   {{".tag", "path"}, {"path", {{".tag", "not_file"}}}});
}

TEST_F(DropboxTest, RevPathsNameThatRevision) {
  auto ids = Seed({{{"path", "/r.txt"}, {"revisions", {"one", "second"}}}});
  auto revs = Rpc("files/list_revisions", {{"path", ids["/r.txt"]}, {"mode", "id"}});
  ASSERT_TRUE(revs);
  json entries = json::parse(revs->body)["entries"];
  ASSERT_EQ(entries.size(), 2u);
  const std::string old_rev = entries[1]["rev"];
  auto meta = Rpc("files/get_metadata", {{"path", "rev:" + old_rev}});
  ASSERT_TRUE(meta);
  ASSERT_EQ(meta->status, 200) << meta->body;
  EXPECT_EQ(json::parse(meta->body)["rev"], old_rev);
  EXPECT_EQ(json::parse(meta->body)["size"], 3);
  ExpectRouteError(Rpc("files/get_metadata", {{"path", "rev:0123456789abcdef"}}), "path/not_found",
                   {{".tag", "path"}, {"path", {{".tag", "not_found"}}}});
}

TEST_F(DropboxTest, RevisionsLastTheUsersHistoryDays) {
  auto ids = Seed({{{"path", "/kept.txt"}, {"revisions", {"old", "new"}}}});
  const std::string id = ids["/kept.txt"];
  auto revs = Rpc("files/list_revisions", {{"path", id}, {"mode", "id"}});
  ASSERT_TRUE(revs);
  json entries = json::parse(revs->body)["entries"];
  ASSERT_EQ(entries.size(), 2u);
  const std::string head = entries[0]["rev"], old = entries[1]["rev"];
  // Basic: 30 days. An hour before, the old revision is still there.
  clock_.Advance((30LL * 24 - 1) * 3600 * 1000);
  NewToken();
  auto early = Download("files/download", {{"path", "rev:" + old}});
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 200) << early->body;
  EXPECT_EQ(early->body, "old");
  auto link = Rpc("files/get_temporary_link", {{"path", "rev:" + old}});
  ASSERT_TRUE(link);
  ASSERT_EQ(link->status, 200) << link->body;
  const std::string url = json::parse(link->body)["link"];
  const std::string link_path = url.substr(url.find("/_content/"));

  clock_.Advance(2LL * 3600 * 1000);
  NewToken();
  revs = Rpc("files/list_revisions", {{"path", id}, {"mode", "id"}});
  ASSERT_TRUE(revs);
  entries = json::parse(revs->body)["entries"];
  ASSERT_EQ(entries.size(), 1u) << revs->body;
  EXPECT_EQ(entries[0]["rev"], head);
  const json not_found = {{".tag", "path"}, {"path", {{".tag", "not_found"}}}};
  ExpectRouteError(Download("files/download", {{"path", "rev:" + old}}), "path/not_found",
                   not_found);
  ExpectRouteError(Download("files/download", {{"path", id}, {"rev", old}}), "path/not_found",
                   not_found);
  ExpectRouteError(Rpc("files/get_metadata", {{"path", "rev:" + old}}), "path/not_found",
                   not_found);
  ExpectRouteError(Rpc("files/get_temporary_link", {{"path", "rev:" + old}}), "path/not_found",
                   not_found);
  auto stale = Client().Get(link_path.c_str());
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 404) << "a link issued earlier stops with its revision";
  ExpectRouteError(Rpc("files/restore", {{"path", "/kept.txt"}, {"rev", old}}), "invalid_revision",
                   {{".tag", "invalid_revision"}});
  // The head stays, and restoring it makes a new revision.
  auto restored = Rpc("files/restore", {{"path", "/copy.txt"}, {"rev", head}});
  ASSERT_TRUE(restored);
  ASSERT_EQ(restored->status, 200) << restored->body;
  EXPECT_EQ(json::parse(restored->body)["size"], 3);
  ExpectBadInput(Rpc("files/restore", {{"path", "/kept.txt"}, {"rev", "xyz"}}), "files/restore",
                 "rev");
}

TEST_F(DropboxTest, ProfessionalAccountsKeepRevisions180Days) {
  auto user = Client().Post("/_emulator/users",
                            R"({"email":"alice@example.com","version_history_days":180})",
                            "application/json");
  ASSERT_TRUE(user);
  ASSERT_EQ(user->status, 200) << user->body;
  auto ids = Seed({{{"path", "/pro.txt"}, {"revisions", {"old", "new"}}}});
  auto revs = Rpc("files/list_revisions", {{"path", ids["/pro.txt"]}});
  const std::string old = json::parse(revs->body)["entries"][1]["rev"];
  clock_.Advance(179LL * 24 * 3600 * 1000);
  NewToken();
  auto kept = Download("files/download", {{"path", "rev:" + old}});
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, 200) << kept->body;
  clock_.Advance(2LL * 24 * 3600 * 1000);
  NewToken();
  ExpectRouteError(Download("files/download", {{"path", "rev:" + old}}), "path/not_found",
                   {{".tag", "path"}, {"path", {{".tag", "not_found"}}}});
}

TEST_F(DropboxTest, DeletedFilesAreNotFoundByIdButListTheirRevisions) {
  // Dropbox has no visible trash: a trashed file is deleted to the API.
  auto ids = Seed({{{"path", "/gone.txt"}, {"content", "bye"}}});
  const std::string id = ids["/gone.txt"];
  auto del = Client().Post("/_emulator/changes", json{{"id", id}, {"action", "trash"}}.dump(),
                           "application/json");
  ASSERT_TRUE(del);
  ASSERT_EQ(del->status, 200) << del->body;
  for (const std::string route : {"files/download", "files/get_preview"}) {
    ExpectRouteError(Download(route, {{"path", id}}), "path/not_found",
                     {{".tag", "path"}, {"path", {{".tag", "not_found"}}}});
  }
  ExpectRouteError(Rpc("files/get_temporary_link", {{"path", id}}), "path/not_found",
                   {{".tag", "path"}, {"path", {{".tag", "not_found"}}}});
  auto revs = Rpc("files/list_revisions", {{"path", id}, {"mode", "id"}});
  ASSERT_TRUE(revs);
  ASSERT_EQ(revs->status, 200) << revs->body;
  EXPECT_EQ(json::parse(revs->body)["is_deleted"], true);
  EXPECT_TRUE(json::parse(revs->body).contains("server_deleted"));
}

TEST_F(DropboxTest, WebPreviewPageNeedsAPercentEncodedPath) {
  Seed({{{"path", "/Docs/Résumé #1?.docx"}, {"content", "cv"}},
        {{"path", "/Docs/plain.txt"}, {"content", "p"}}});
  auto page = [&](const std::string& target) {
    httplib::Client c = Client();
    c.set_url_encode(false);  // send the target exactly as written
    return c.Get(target.c_str());
  };
  auto encoded = page("/preview/Docs/" + PercentEncode("Résumé #1?.docx"));
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->status, 200) << encoded->body;
  EXPECT_NE(encoded->body.find("/Docs/Résumé #1?.docx"), std::string::npos)
      << "the page names the file: " << encoded->body;
  auto plain = page("/preview/docs/plain.txt");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  // Unencoded: '?' starts the query, '#' the fragment (never sent), a raw
  // non-ASCII byte or space is not a valid request target.
  auto question = page("/preview/Docs/R%C3%A9sum%C3%A9%20%231?.docx");
  ASSERT_TRUE(question);
  EXPECT_EQ(question->status, 404);
  auto hash = page("/preview/Docs/R%C3%A9sum%C3%A9%20");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->status, 404) << "what a server sees of an unencoded '#'";
  auto raw = page("/preview/Docs/Résumé%20%231%3F.docx");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->status, 400);
  auto space = page("/preview/Docs/R%C3%A9sum%C3%A9 %231%3F.docx");
  ASSERT_TRUE(space);
  EXPECT_EQ(space->status, 400);
  auto missing = page("/preview/Docs/missing.docx");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace lc::emulator
