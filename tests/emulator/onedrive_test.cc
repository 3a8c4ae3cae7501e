// The Graph emulator (tools/cloud-emulator/onedrive.cc) at the HTTP level:
// what it refuses as Microsoft Graph refuses it (preview on personal drives,
// PDF from undocumented formats, the current version's content, versions the
// retention policy dropped, expired delta tokens), and what differs between
// personal and business accounts (driveType, hashes). Plain http here: the
// TLS the real binary serves is tested by the conformance suite.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "provider_server.h"
#include "provider_server_test_base.h"
#include "util.h"

namespace lc::emulator {
namespace {

using nlohmann::json;

constexpr char kPersonal[] = "alice@example.com";
constexpr char kBusiness[] = "bob@contoso.example";

class OneDriveEmulatorTest : public ProviderServerTestBase {
 protected:
  void SetUp() override {
    StartServer("onedrive", IdStyle::kGraph,
                OAuthServer::Options{"EwB", "M.C5", false, false, true}, InstallOneDrive, kPersonal,
                "Alice");
    ASSERT_FALSE(HasFatalFailure());
    AdminPost("users", {{"email", kBusiness}, {"name", "Bob"}, {"account_type", "business"}});
    tokens_[kPersonal] = TokenOf(kPersonal);
    tokens_[kBusiness] = TokenOf(kBusiness);
  }
  std::string Base() { return "http://127.0.0.1:" + std::to_string(port_); }
  // Seeds one file for `user`; answers its id.
  std::string Seed(const std::string& user, const std::string& path, const json& revisions) {
    json out = AdminPost("files",
                         {{"user", user}, {"files", {{{"path", path}, {"revisions", revisions}}}}});
    return out["files"][0]["id"];
  }
  httplib::Result Get(const std::string& user, const std::string& path) {
    return Client().Get(path.c_str(), {{"Authorization", "Bearer " + tokens_[user]}});
  }
  httplib::Result Post(const std::string& user, const std::string& path, const std::string& body) {
    return Client().Post(path.c_str(), {{"Authorization", "Bearer " + tokens_[user]}}, body,
                         "application/json");
  }
  // The path and query of a URL the emulator handed out.
  std::string PathOf(const std::string& url) {
    EXPECT_EQ(url.rfind(Base(), 0), 0u) << url;
    return url.substr(Base().size());
  }
  static json Body(const httplib::Result& res) { return json::parse(res->body, nullptr, false); }
  // The Graph error code and message of a refusal.
  static std::string ErrorOf(const httplib::Result& res) {
    json j = Body(res);
    return j["error"].value("code", "") + ": " + j["error"].value("message", "");
  }

  std::map<std::string, std::string> tokens_;
};

TEST(QuickXorHashTest, MatchesPublishedVectors) {
  // Inputs and digests from rclone's quickxorhash test vectors (computed with
  // Microsoft's published C# QuickXorHash).
  const std::pair<std::string, std::string> vectors[] = {
      {"", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
      {"Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="},
      {"tbQ=", "taAFAAAAAAAAAAAAAgAAAAAAAAA="},
      {"T6LYJIfDh81JrAK309H2JMJTXis=", "zBTHrspn3mEcohlJdIUAbjGNaNg="},
      {"2fuxhBJXtpWFe8dOfdGeHw==", "O9tHLAghgSvYohKFyMMxnNCHaHg="},
  };
  for (const auto& [in, want] : vectors) {
    std::string bytes;
    ASSERT_TRUE(Base64Decode(in, &bytes)) << in;
    EXPECT_EQ(QuickXorHashBase64(bytes), want) << in;
  }
  // Longer than the 160-bit register: bytes wrap around it.
  std::string long_input;
  ASSERT_TRUE(
      Base64Decode("jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLf"
                   "ADkzI/m/GgCuVhr8oFLrOCoTx1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/"
                   "A9Zc",
                   &long_input));
  ASSERT_EQ(long_input.size(), 111u);
  EXPECT_EQ(QuickXorHashBase64(long_input), "hZfLIilSITC6N3e3tQ/iSgEzkto=");
}

TEST_F(OneDriveEmulatorTest, BusinessDrivesCarryQuickXorHashOnly) {
  auto drive = Get(kBusiness, "/v1.0/me/drive");
  ASSERT_TRUE(drive);
  ASSERT_EQ(drive->status, 200) << drive->body;
  EXPECT_EQ(Body(drive)["driveType"], "business");
  EXPECT_EQ(Body(drive)["id"].get<std::string>().rfind("b!", 0), 0u) << drive->body;
  EXPECT_NE(
      Body(drive)["webUrl"].get<std::string>().find("/personal/bob_contoso_example/Documents"),
      std::string::npos)
      << drive->body;

  const std::string id = Seed(kBusiness, "/Reports/q1.txt", {"quarter one"});
  auto item = Get(kBusiness, "/v1.0/me/drive/items/" + id);
  ASSERT_TRUE(item);
  ASSERT_EQ(item->status, 200) << item->body;
  const json j = Body(item);
  EXPECT_EQ(j["parentReference"]["driveType"], "business");
  EXPECT_EQ(j["parentReference"]["driveId"], Body(drive)["id"]);
  const json& hashes = j["file"]["hashes"];
  EXPECT_EQ(hashes, json({{"quickXorHash", QuickXorHashBase64("quarter one")}})) << item->body;

  // The same through a listing and through the delta feed.
  auto children = Get(kBusiness, "/v1.0/me/drive/root:/Reports:/children");
  ASSERT_TRUE(children);
  ASSERT_EQ(children->status, 200) << children->body;
  EXPECT_EQ(Body(children)["value"][0]["file"]["hashes"].size(), 1u) << children->body;
}

TEST_F(OneDriveEmulatorTest, PersonalDrivesCarrySha1AndQuickXorHash) {
  auto drive = Get(kPersonal, "/v1.0/me/drive");
  ASSERT_TRUE(drive);
  EXPECT_EQ(Body(drive)["driveType"], "personal");
  const std::string id = Seed(kPersonal, "/notes.txt", {"personal notes"});
  auto item = Get(kPersonal, "/v1.0/me/drive/items/" + id);
  ASSERT_TRUE(item);
  ASSERT_EQ(item->status, 200) << item->body;
  const json j = Body(item);
  EXPECT_EQ(j["parentReference"]["driveType"], "personal");
  const json& hashes = j["file"]["hashes"];
  EXPECT_EQ(hashes.value("quickXorHash", ""), QuickXorHashBase64("personal notes"));
  std::string sha1 = Sha1Hex("personal notes");
  for (char& c : sha1) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(hashes.value("sha1Hash", ""), sha1);
  EXPECT_FALSE(hashes.contains("sha256Hash")) << "the hashes resource: not supported";
}

TEST_F(OneDriveEmulatorTest, PreviewExistsOnlyOnBusinessDrives) {
  const std::string mine = Seed(kPersonal, "/a.docx", {"personal doc"});
  auto refused = Post(kPersonal, "/v1.0/me/drive/items/" + mine + "/preview", "{}");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(ErrorOf(refused), "invalidRequest: API not found");

  const std::string theirs = Seed(kBusiness, "/b.docx", {"business doc"});
  auto preview = Post(kBusiness, "/v1.0/me/drive/items/" + theirs + "/preview", "{}");
  ASSERT_TRUE(preview);
  ASSERT_EQ(preview->status, 200) << preview->body;
  const std::string url = Body(preview)["getUrl"];
  // An embed page that needs no token, short-lived.
  auto page = Client().Get(PathOf(url).c_str());
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("b.docx"), std::string::npos) << page->body;
  // A preview token is not a download token.
  const std::string token = url.substr(url.rfind('/') + 1);
  auto as_download = Client().Get(("/_dl/onedrive/" + token).c_str());
  ASSERT_TRUE(as_download);
  EXPECT_EQ(as_download->status, 404);
  clock_.Advance(2 * 3600 * 1000LL);
  auto expired = Client().Get(PathOf(url).c_str());
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);
}

TEST_F(OneDriveEmulatorTest, PdfOnlyFromTheDocumentedSourceFormats) {
  for (const char* name : {"/conv/a.docx", "/conv/b.XLSX", "/conv/c.pptx", "/conv/d.odt"}) {
    const std::string id = Seed(kPersonal, name, {"text of the document"});
    auto r = Get(kPersonal, "/v1.0/me/drive/items/" + id + "/content?format=pdf");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 302) << name << ": " << r->body;
    auto pdf = Client().Get(PathOf(r->get_header_value("Location")).c_str());
    ASSERT_TRUE(pdf);
    EXPECT_EQ(pdf->body.substr(0, 5), "%PDF-") << name;
  }
  for (const char* name : {"/conv/e.txt", "/conv/f.pdf", "/conv/g.csv", "/conv/h.png", "/conv/i"}) {
    const std::string id = Seed(kPersonal, name, {"bytes"});
    auto r = Get(kPersonal, "/v1.0/me/drive/items/" + id + "/content?format=pdf");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 406) << name << ": " << r->body;
    EXPECT_EQ(Body(r)["error"]["code"], "notSupported") << name;
    EXPECT_EQ(Body(r)["error"]["innerError"]["code"], "invalidFileFormat") << name;
  }
  const std::string docx = Seed(kPersonal, "/conv/j.docx", {"x"});
  auto html = Get(kPersonal, "/v1.0/me/drive/items/" + docx + "/content?format=html");
  ASSERT_TRUE(html);
  EXPECT_EQ(html->status, 406) << html->body;
}

TEST_F(OneDriveEmulatorTest, TheCurrentVersionHasNoVersionContent) {
  const std::string id = Seed(kBusiness, "/v/report.txt", {"first", "second"});
  auto list = Get(kBusiness, "/v1.0/me/drive/items/" + id + "/versions");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  const json versions = Body(list)["value"];
  ASSERT_EQ(versions.size(), 2u) << list->body;
  const std::string current = versions[0]["id"], older = versions[1]["id"];
  EXPECT_EQ(current, "2.0");
  EXPECT_EQ(older, "1.0");
  EXPECT_FALSE(versions[0].contains("@microsoft.graph.downloadUrl")) << list->body;

  for (const std::string& v : {current, std::string("current")}) {
    auto refused = Get(kBusiness, "/v1.0/me/drive/items/" + id + "/versions/" + v + "/content");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400) << v;
    EXPECT_EQ(ErrorOf(refused),
              "invalidRequest: You cannot get the content of the current version.");
    // Its metadata is there all the same.
    auto meta = Get(kBusiness, "/v1.0/me/drive/items/" + id + "/versions/" + v);
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->status, 200) << meta->body;
  }
  auto old = Get(kBusiness, "/v1.0/me/drive/items/" + id + "/versions/" + older + "/content");
  ASSERT_TRUE(old);
  ASSERT_EQ(old->status, 302) << old->body;
  auto bytes = Client().Get(PathOf(old->get_header_value("Location")).c_str());
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->body, "first");
  // The item itself serves the current bytes.
  auto live = Get(kBusiness, "/v1.0/me/drive/items/" + id + "/content");
  ASSERT_TRUE(live);
  ASSERT_EQ(live->status, 302);
  EXPECT_EQ(Client().Get(PathOf(live->get_header_value("Location")).c_str())->body, "second");
}

TEST_F(OneDriveEmulatorTest, VersionsBeyondTheCapAreGone) {
  AdminPost("users", {{"email", kPersonal}, {"max_versions", 3}});
  const std::string id = Seed(kPersonal, "/capped.txt", {"v1", "v2", "v3", "v4", "v5"});
  auto list = Get(kPersonal, "/v1.0/me/drive/items/" + id + "/versions");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  std::vector<std::string> ids;
  const json versions = Body(list)["value"];
  for (const json& v : versions) ids.push_back(v["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"5.0", "4.0", "3.0"})) << list->body;
  for (const char* path : {"/versions/1.0", "/versions/2.0/content"}) {
    auto gone = Get(kPersonal, "/v1.0/me/drive/items/" + id + path);
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->status, 404) << path;
    EXPECT_EQ(Body(gone)["error"]["code"], "itemNotFound") << path;
  }
  auto kept = Get(kPersonal, "/v1.0/me/drive/items/" + id + "/versions/3.0/content");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, 302);
}

TEST_F(OneDriveEmulatorTest, PersonalAccountsKeep25VersionsByDefault) {
  json revisions = json::array();
  for (int i = 1; i <= 27; ++i) revisions.push_back("v" + std::to_string(i));
  const std::string id = Seed(kPersonal, "/many.txt", revisions);
  auto list = Get(kPersonal, "/v1.0/me/drive/items/" + id + "/versions");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  const json versions = Body(list)["value"];
  ASSERT_EQ(versions.size(), 25u);
  EXPECT_EQ(versions[0]["id"], "27.0");
  EXPECT_EQ(versions[24]["id"], "3.0");
  // The business default (500) keeps them all.
  const std::string theirs = Seed(kBusiness, "/many.txt", revisions);
  auto business = Get(kBusiness, "/v1.0/me/drive/items/" + theirs + "/versions");
  ASSERT_TRUE(business);
  EXPECT_EQ(Body(business)["value"].size(), 27u);
}

TEST_F(OneDriveEmulatorTest, AnExpiredDeltaTokenAnswers410WithAFreshEnumeration) {
  Seed(kPersonal, "/delta/one.txt", {"1"});
  auto latest = Get(kPersonal, "/v1.0/me/drive/root/delta?token=latest");
  ASSERT_TRUE(latest);
  ASSERT_EQ(latest->status, 200) << latest->body;
  const std::string delta_link = Body(latest)["@odata.deltaLink"];
  AdminPost("cursors/expire", json::object());
  auto gone = Get(kPersonal, PathOf(delta_link));
  ASSERT_TRUE(gone);
  ASSERT_EQ(gone->status, 410) << gone->body;
  EXPECT_EQ(Body(gone)["error"]["code"], "resyncRequired");
  EXPECT_EQ(Body(gone)["error"]["innerError"]["code"], "resyncChangesApplyDifferences");
  const std::string location = gone->get_header_value("Location");
  ASSERT_FALSE(location.empty());
  // The Location starts over: the whole hierarchy, root first.
  auto fresh = Get(kPersonal, PathOf(location));
  ASSERT_TRUE(fresh);
  ASSERT_EQ(fresh->status, 200) << fresh->body;
  const json value = Body(fresh)["value"];
  ASSERT_FALSE(value.empty());
  EXPECT_TRUE(value[0].contains("root")) << fresh->body;
  bool found = false;
  for (const json& v : value) found = found || v.value("name", "") == "one.txt";
  EXPECT_TRUE(found) << fresh->body;
}

}  // namespace
}  // namespace lc::emulator
