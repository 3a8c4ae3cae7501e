// The end-to-end test of issue #8: the whole stack as ./scripts/up starts it
// (run_e2e.sh starts it in a fresh run directory and exports stack.env), and
// only its public edges: the gateway's REST API and OAuth pages, and the
// cloud emulator's admin API for what happens "outside" in the cloud. For
// each of Google Drive, Dropbox, Box, OneDrive (a personal account) and
// OneDrive for Business (a work account), one test walks:
//   1. an admin configures the provider (PATCH/PUT /api/v1/admin/providers);
//   2. the sample user connects the account through /oauth2/{p}/authorize,
//      following every redirect with a cookie-keeping browser;
//   3. files with distinctive words are seeded in the cloud (text, PDF,
//      DOCX, and on Drive a native Google Doc and a Google Sheet, the Sheet
//      indexed from its CSV export);
//   4. the folder is browsed through the gateway and the files are found;
//   5. documents are created from them;
//   6. each is found by its word (indexing is asynchronous: polled);
//   7. the browser URLs (download, preview, pdf, thumbnail, edit) answer as
//      the provider's capabilities say (table below);
//   8. a version of the text document is made;
//   9. the text file is changed in the cloud (new word, old one gone);
//  10. sync runs (NDJSON progress until finished);
//  11. the document has the new revision, search finds the new word and not
//      the old one, and the version still downloads the old bytes; on Drive
//      a version of the Google Doc survives a rename and an edit (its
//      pinned revision still exports the old text);
//  12. files are deleted and trashed in the cloud, sync runs, and the
//      documents stay, marked as no longer OK.
// And another user sees none of it (documents, search, links, accounts).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "e2e_client.h"
#include "runtime/jwt.h"
#include "testing/wait.h"

namespace lc::e2e {
namespace {

using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Ne;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kUser[] = "sample@example.com";      // LC_DEV_TOKEN_USER's subject
constexpr char kOtherUser[] = "other@example.com";  // connects nothing
// The work account the sample user connects as onedrive-business (the
// organizations tenant signs in work accounts only).
constexpr char kWorkAccount[] = "sample@contoso.example";
constexpr absl::Duration kIndexDeadline = absl::Seconds(60);

// The files each test puts in the cloud (kNative a Google Doc, kSheet a
// Google Sheet: Drive only).
enum class FileKind { kText, kPdf, kDocx, kNative, kSheet };

const char* Name(FileKind f) {
  switch (f) {
    case FileKind::kText:
      return "text";
    case FileKind::kPdf:
      return "pdf";
    case FileKind::kDocx:
      return "docx";
    case FileKind::kNative:
      return "native";
    case FileKind::kSheet:
      return "sheet";
  }
  return "?";
}

bool IsGoogleNative(FileKind f) { return f == FileKind::kNative || f == FileKind::kSheet; }

// What GET /api/v1/documents/{id}/{kind} answers.
enum class Outcome {
  // 302 to a URL on the emulator that a browser follows without any token:
  // GET answers 200 (the bytes, or the page of the provider's web app that a
  // browser signed in at the provider sees: Drive webViewLink and
  // webContentLink, Dropbox's preview page, Box's and OneDrive's web app).
  kFetch,
  // The provider has no browser URL (Link.requiresToken): the gateway
  // streams the bytes itself, 200.
  kStreamed,
  // The provider cannot produce it: 412 FAILED_PRECONDITION.
  kRefused,
};

const char* Name(Outcome o) {
  switch (o) {
    case Outcome::kFetch:
      return "302 to the emulator, then 200";
    case Outcome::kStreamed:
      return "200 streamed by the gateway";
    case Outcome::kRefused:
      return "412";
  }
  return "?";
}

struct Expectation {
  Outcome outcome;
  // For kFetch: the Location starts with this ("{emu}" is
  // replaced by the emulator's base URL, "{id}" by the file id).
  std::string location_prefix;
};

// The browser URLs per provider, file and kind, from the adapters
// (services/providers/*_adapter.cc, GetLink) and the emulator's URLs:
//
// | provider    | download            | preview              | pdf                               |
// thumbnail               | edit                  |
// |-------------|---------------------|----------------------|-----------------------------------|-------------------------|-----------------------|
// | googledrive | fetch:webContentLink| fetch: webViewLink   | pdf file: fetch (webContentLink); |
// streamed (thumbnailLink| fetch: webViewLink    | |             | (native: PDF export |
// (/file/d/{id}/view) | native: fetch (PDF export link);  | needs the token)        | | | | link,
// /feeds/...)   |                      | txt, docx: 412 (Drive renders no  | | | |             | |
// | PDF of a binary file)             |                         |                       | | dropbox
// | fetch: temporary    | fetch: web preview   | pdf file: fetch (temporary link); | txt: 412 (no
// thumbnail  | 412 (Dropbox has no   | |             | link (/_content)    | page (/preview/...)  |
// docx: streamed (get_preview,      | for the type); pdf,     | editor link)          | | | | |
// requiresToken); txt: 412 (office  | docx: streamed          |                       | | | | |
// formats only)                     | (get_thumbnail_v2)      |                       | | box |
// fetch: /_dl/box     | fetch: expiring_embed| pdf file: fetch (/_dl/box); txt,  | streamed
// (thumbnail.jpg,| fetch: web app page   | |             |                     | _link (/_dl/box)
// | docx: streamed (pdf representation| requiresToken)          | /{id}                 | | | | | ,
// requiresToken)                  |                         |                       | | onedrive |
// (see below)
// OneDrive (onedrive: a personal account; onedrive-business: a work
// account): download fetch /_dl/onedrive; preview fetch webUrl
// ({emu}/personal/...) on personal drives, the preview action's getUrl
// (/_preview/onedrive) on business ones; pdf fetch (a PDF's own bytes, a
// DOCX converted by content?format=pdf), txt 412; thumbnail fetch
// /_thumbnails/onedrive; edit fetch webUrl.
Expectation Expect(const std::string& provider, FileKind file, const std::string& kind) {
  using O = Outcome;
  if (provider == "googledrive") {
    const std::string content_link = IsGoogleNative(file)
                                         ? "{emu}/feeds/download/export?id={id}&exportFormat=pdf"
                                         : "{emu}/uc?id={id}&export=download";
    if (kind == "download") return {O::kFetch, content_link};
    if (kind == "preview" || kind == "edit") return {O::kFetch, "{emu}/file/d/{id}/view"};
    if (kind == "pdf") {
      if (file == FileKind::kPdf || IsGoogleNative(file)) {
        return {O::kFetch, content_link};
      }
      return {O::kRefused, ""};
    }
    // A private file's thumbnailLink answers only a credentialed request.
    if (kind == "thumbnail") return {O::kStreamed, ""};
  }
  if (provider == "dropbox") {
    if (kind == "download") return {O::kFetch, "{emu}/_content/dropbox/"};
    if (kind == "preview") return {O::kFetch, "{emu}/preview/"};
    if (kind == "pdf") {
      if (file == FileKind::kPdf) return {O::kFetch, "{emu}/_content/dropbox/"};
      if (file == FileKind::kDocx) return {O::kStreamed, ""};
      return {O::kRefused, ""};
    }
    if (kind == "thumbnail") {
      return file == FileKind::kText ? Expectation{O::kRefused, ""} : Expectation{O::kStreamed, ""};
    }
    if (kind == "edit") return {O::kRefused, ""};
  }
  if (provider == "box") {
    if (kind == "download" || kind == "preview") return {O::kFetch, "{emu}/_dl/box/"};
    if (kind == "pdf") {
      return file == FileKind::kPdf ? Expectation{O::kFetch, "{emu}/_dl/box/"}
                                    : Expectation{O::kStreamed, ""};
    }
    if (kind == "thumbnail") return {O::kStreamed, ""};
    if (kind == "edit") return {O::kFetch, "{emu}/file/{id}"};
  }
  if (provider == "onedrive" || provider == "onedrive-business") {
    if (kind == "download") return {O::kFetch, "{emu}/_dl/onedrive/"};
    // Graph converts Office formats to PDF (a PDF is its own), not text.
    if (kind == "pdf") {
      return file == FileKind::kText ? Expectation{O::kRefused, ""}
                                     : Expectation{O::kFetch, "{emu}/_dl/onedrive/"};
    }
    // The preview action exists on business drives only; a personal drive's
    // preview is the item's webUrl (the OneDrive viewer), never a share link.
    if (kind == "preview") {
      return provider == "onedrive" ? Expectation{O::kFetch, "{emu}/personal/"}
                                    : Expectation{O::kFetch, "{emu}/_preview/onedrive/"};
    }
    if (kind == "thumbnail") return {O::kFetch, "{emu}/_thumbnails/onedrive/{id}/"};
    if (kind == "edit") return {O::kFetch, "{emu}/personal/"};
  }
  ADD_FAILURE() << "no expectation for " << provider << " " << kind;
  return {O::kRefused, ""};
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// The cloud file behind one document of the test.
struct TestFile {
  FileKind kind;
  std::string name;       // in the test's cloud folder
  std::string mime_type;  // as seeded
  std::string content;    // the bytes seeded
  std::string word;       // distinctive, only in this file
  std::string file_id;    // the provider's id, as browsing the folder showed it
  std::string doc_id;     // the repository document
  std::string revision;   // blobMetadata.revision when created
};

class AllCloudsTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { env_ = new StackEnv(StackEnv::FromEnvironment()); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  void SetUp() override {
    const std::string missing = env_->Missing();
    ASSERT_THAT(missing, IsEmpty()) << "run this test through tests/e2e/run_e2e.sh, which starts "
                                       "the stack and exports its stack.env";
    provider_ = GetParam();
    emulator_ = env_->emulator.at(provider_);
    user_ = std::make_unique<Api>(env_->gateway, env_->user_token, env_->ca_file);
    admin_ = std::make_unique<Api>(env_->gateway, env_->admin_token, env_->ca_file);
    const absl::Time now = absl::Now();
    other_token_ =
        MintHs256(env_->jwt_secret, Principal{.subject = kOtherUser}, now, now + absl::Hours(1));
    other_ = std::make_unique<Api>(env_->gateway, other_token_, env_->ca_file);
    emu_ = std::make_unique<Browser>(env_->ca_file);
  }

  // POST {emulator}/_emulator/...: the cloud changed by someone else.
  json EmulatorAdmin(const std::string& path, const json& body) {
    Exchange x = emu_->Send("POST", emulator_ + "/_emulator/" + path, body.dump());
    EXPECT_EQ(x.status, 200) << x;
    return x.Json();
  }

  // POST /api/v1/sync/run for the test's account, as the admin; the NDJSON
  // progress must end with finished=true and no error line.
  void RunSync(const std::string& why) {
    SCOPED_TRACE("sync " + why);
    Exchange x = admin_->Call(
        "POST", "/api/v1/sync/run",
        {{"account", {{"provider", provider_}, {"account", account_}}}, {"user", kUser}},
        absl::Seconds(120));
    ASSERT_EQ(x.status, 200) << x;
    EXPECT_THAT(x.content_type, HasSubstr("application/x-ndjson")) << x;
    json last;
    int lines = 0;
    for (absl::string_view line : absl::StrSplit(x.body, '\n', absl::SkipWhitespace())) {
      json j = json::parse(line, nullptr, false);
      ASSERT_TRUE(j.is_object()) << "not a JSON line: " << line << "\n" << x;
      ASSERT_FALSE(j.contains("error")) << "sync failed: " << line;
      last = j;
      ++lines;
    }
    ASSERT_GT(lines, 0) << x;
    EXPECT_EQ(Member(last, "finished"), true) << "last progress line: " << last.dump();
    EXPECT_EQ(Str(last, "lastError"), "") << "sync reported an error: " << last.dump();
  }

  // The search hits' document ids for `word`.
  std::set<std::string> SearchIds(Api& api, const std::string& word, Exchange* out = nullptr) {
    Exchange x = api.Get("/api/v1/search?q=" + PercentEncode(word));
    std::set<std::string> ids;
    EXPECT_EQ(x.status, 200) << x;
    for (const json& hit : Array(x.Json(), "hits")) ids.insert(Str(hit, "documentId"));
    if (out) *out = x;
    return ids;
  }

  // Polls search until `pred` holds for the hit ids, or the deadline.
  void AwaitSearch(const std::string& word, const std::string& what, const std::string& doc_id,
                   const std::function<bool(const std::set<std::string>&)>& pred) {
    Exchange last;
    const bool answered = ::lc::testing::WaitFor(
        [&] {
          const std::set<std::string> ids = SearchIds(*user_, word, &last);
          return last.status != 200 || pred(ids);
        },
        kIndexDeadline, absl::Milliseconds(200));
    if (!answered) {
      ADD_FAILURE() << "search for \"" << word << "\": " << what << " not within " << kIndexDeadline
                    << "; last answer: " << last
                    << "\nthe index: " << user_->Get("/api/v1/index/status?documentId=" + doc_id)
                    << "\nthe document: " << GetDocument(doc_id);
    }
  }

  Exchange GetDocument(const std::string& id) { return user_->Get("/api/v1/documents/" + id); }

  static inline StackEnv* env_ = nullptr;
  std::string provider_, emulator_, account_, other_token_;
  std::unique_ptr<Api> user_, admin_, other_;
  std::unique_ptr<Browser> emu_;
};

TEST_P(AllCloudsTest, ConnectBrowseIndexLinkVersionSync) {
  const std::string& p = provider_;
  const std::string& gw = env_->gateway;

  // ---- 1. The admin configures the provider -------------------------------
  {
    SCOPED_TRACE("1. admin configures " + p);
    const std::string path = "/api/v1/admin/providers/" + p;
    Exchange before = admin_->Get(path);
    ASSERT_EQ(before.status, 200) << before;
    const json b = before.Json();
    EXPECT_EQ(Str(b, "name"), p) << before;
    EXPECT_EQ(Str(b, "clientId"), "liveconnect-local") << before;  // registered by scripts/up
    EXPECT_EQ(Member(b, "clientSecretSet"), true) << before;
    EXPECT_FALSE(b.contains("clientSecret")) << "the secret must never be shown: " << before;

    const std::string description = "Live Connect e2e: " + p;
    Exchange patched = admin_->Call(
        "PATCH", path,
        {{"provider", {{"name", p}, {"description", description}}}, {"updateMask", "description"}});
    ASSERT_EQ(patched.status, 200) << patched;
    const json a = patched.Json();
    EXPECT_EQ(Str(a, "description"), description) << patched;
    // Fields outside the mask are kept: the emulator's client and URLs.
    EXPECT_EQ(Str(a, "clientId"), "liveconnect-local") << patched;
    EXPECT_EQ(Member(a, "clientSecretSet"), true) << patched;
    EXPECT_EQ(Str(a, "authorizationUrl"), Str(b, "authorizationUrl")) << patched;
    EXPECT_EQ(Str(a, "tokenUrl"), Str(b, "tokenUrl")) << patched;
    EXPECT_EQ(Str(a, "apiBaseUrl"), Str(b, "apiBaseUrl")) << patched;
    EXPECT_EQ(Member(a, "scopes"), Member(b, "scopes")) << patched;

    Exchange enabled = admin_->Call("PUT", path + "/enabled", {{"enabled", true}});
    ASSERT_EQ(enabled.status, 200) << enabled;
    Exchange after = admin_->Get(path);
    ASSERT_EQ(after.status, 200) << after;
    EXPECT_EQ(Member(after.Json(), "enabled"), true) << after;
    EXPECT_EQ(Member(after.Json(), "usable"), true) << after;
    EXPECT_EQ(Str(after.Json(), "description"), description) << after;

    // Only admins: the user's own token is refused by the oauth service.
    Exchange refused = user_->Call(
        "PATCH", path,
        {{"provider", {{"name", p}, {"description", "mine"}}}, {"updateMask", "description"}});
    EXPECT_EQ(refused.status, 403) << refused;
    EXPECT_EQ(Str(Member(refused.Json(), "error"), "code"), "PERMISSION_DENIED") << refused;
  }

  // ---- 2. The user connects the account through the gateway ----------------
  {
    SCOPED_TRACE("2. connect " + p);
    Browser browser(env_->ca_file);
    std::string authorize = gw + "/oauth2/" + p + "/authorize";
    if (p == "onedrive-business") {
      // A work account in the emulator, signed in by login_hint.
      EmulatorAdmin("users", {{"email", kWorkAccount}, {"account_type", "business"}});
      authorize += "?login_hint=" + PercentEncode(kWorkAccount);
    }
    Exchange hop = browser.Get(authorize, {{"Authorization", "Bearer " + env_->user_token}});
    ASSERT_EQ(hop.status, 302) << hop;
    EXPECT_EQ(browser.CookieOf(gw, "lc_session"), env_->user_token) << hop;
    ASSERT_THAT(hop.location, StartsWith(emulator_ + "/")) << hop;
    // The emulator approves at once and sends the browser back with a code.
    hop = browser.Get(hop.location);
    ASSERT_EQ(hop.status, 302) << hop;
    ASSERT_THAT(hop.location, StartsWith(gw + "/oauth2/" + p + "/callback?")) << hop;
    ASSERT_THAT(hop.location, HasSubstr("code=")) << hop;
    // The callback: only the lc_session cookie says who the user is.
    hop = browser.Get(hop.location);
    for (int i = 0; i < 5 && hop.status == 302; ++i) {
      ASSERT_THAT(hop.location, AnyOf(StartsWith(gw), StartsWith("/"))) << hop;
      hop = browser.Get(absl::StartsWith(hop.location, "/") ? gw + hop.location : hop.location);
    }
    ASSERT_EQ(hop.status, 200) << hop;
    EXPECT_THAT(hop.body, HasSubstr("Connected")) << hop;

    Exchange list = user_->Get("/api/v1/accounts");
    ASSERT_EQ(list.status, 200) << list;
    for (const json& a : Array(list.Json(), "accounts")) {
      if (Str(a, "provider") == p) {
        account_ = Str(a, "account");
        EXPECT_EQ(Str(a, "status"), "ACCOUNT_STATUS_OK") << a.dump();
        EXPECT_EQ(Str(a, "user"), kUser) << a.dump();
        EXPECT_FALSE(absl::StrContains(a.dump(), "accessToken")) << a.dump();
      }
    }
    ASSERT_FALSE(account_.empty()) << "no " << p << " account listed: " << list;
    if (p == "onedrive-business") {
      EXPECT_EQ(account_, kWorkAccount) << list;
      // The account is a work account: its drive is a business drive.
      const std::string token =
          Str(EmulatorAdmin("tokens", {{"user", kWorkAccount}}), "access_token");
      Exchange drive =
          emu_->Get(emulator_ + "/v1.0/me/drive", {{"Authorization", "Bearer " + token}});
      ASSERT_EQ(drive.status, 200) << drive;
      EXPECT_EQ(Str(drive.Json(), "driveType"), "business") << drive;
    }
    // GetAccount (docs/rest-api.md: GET /api/v1/accounts/{provider}/{account}).
    Exchange one = user_->Get("/api/v1/accounts/" + p + "/" + PercentEncode(account_));
    EXPECT_EQ(one.status, 200) << one;
    EXPECT_EQ(Str(one.Json(), "account"), account_) << one;
  }

  // ---- 3. Files appear in the cloud ----------------------------------------
  const std::string folder = UniqueWord("e2e" + p);
  std::vector<TestFile> files;
  {
    SCOPED_TRACE("3. seed " + p);
    const std::string tag = p.substr(0, 2);
    TestFile text{.kind = FileKind::kText,
                  .name = "notes.txt",
                  .mime_type = "text/plain",
                  .word = UniqueWord("walrus" + tag)};
    text.content = "Meeting notes. The secret word is " + text.word + ". End of notes.\n";
    TestFile pdf{.kind = FileKind::kPdf,
                 .name = "report.pdf",
                 .mime_type = "application/pdf",
                 .word = UniqueWord("pelican" + tag)};
    pdf.content = MakePdf({"Quarterly report", "The code word is " + pdf.word});
    TestFile docx{
        .kind = FileKind::kDocx,
        .name = "budget.docx",
        .mime_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        .word = UniqueWord("narwhal" + tag)};
    docx.content = MakeDocx({"Budget for the year", "The budget word is " + docx.word});
    files = {text, pdf, docx};
    if (p == "googledrive") {
      TestFile native{.kind = FileKind::kNative,
                      .name = "Plan",
                      .mime_type = "application/vnd.google-apps.document",
                      .word = UniqueWord("ocelot" + tag)};
      native.content = "Project plan. The plan word is " + native.word + ".";
      files.push_back(native);
      // Drive has no text/plain export of a Sheet: indexed from its CSV.
      TestFile sheet{.kind = FileKind::kSheet,
                     .name = "Ledger",
                     .mime_type = "application/vnd.google-apps.spreadsheet",
                     .word = UniqueWord("quokka" + tag)};
      sheet.content = "Crop,Keeper\nbarley," + sheet.word + "\n";
      files.push_back(sheet);
    }
    json seed = json::array();
    for (const TestFile& f : files) {
      json entry = {{"path", "/" + folder + "/" + f.name}, {"mime_type", f.mime_type}};
      if (IsGoogleNative(f.kind)) {
        entry["native"] = true;
        entry["content"] = f.content;
      } else {
        entry["content_base64"] = Base64(f.content);
      }
      seed.push_back(entry);
    }
    json seeded = EmulatorAdmin("files", {{"user", account_}, {"files", seed}});
    ASSERT_EQ(Array(seeded, "files").size(), files.size()) << seeded.dump();
  }

  // ---- 4. Browse the folder through the gateway ----------------------------
  {
    SCOPED_TRACE("4. browse " + p);
    const std::string base = "/api/v1/accounts/" + p + "/" + PercentEncode(account_) + "/folders";
    Exchange root = user_->Get(base);
    ASSERT_EQ(root.status, 200) << root;
    std::string folder_id;
    for (const json& item : Array(root.Json(), "items")) {
      if (Str(item, "name") == folder) {
        EXPECT_EQ(Str(item, "kind"), "CLOUD_ITEM_KIND_FOLDER") << item.dump();
        folder_id = Str(item, "id");
      }
    }
    ASSERT_FALSE(folder_id.empty()) << "folder " << folder << " not in the root: " << root;
    Exchange list = user_->Get(base + "/" + PercentEncode(folder_id));
    ASSERT_EQ(list.status, 200) << list;
    for (TestFile& f : files) {
      for (const json& item : Array(list.Json(), "items")) {
        if (Str(item, "name") != f.name) continue;
        f.file_id = Str(item, "id");
        EXPECT_EQ(Str(item, "kind"), "CLOUD_ITEM_KIND_FILE") << item.dump();
        EXPECT_EQ(Str(Member(item, "metadata"), "mimeType"), f.mime_type) << item.dump();
      }
      ASSERT_FALSE(f.file_id.empty()) << f.name << " not listed in the folder: " << list;
    }
  }

  // ---- 5. Documents from the cloud files -----------------------------------
  {
    SCOPED_TRACE("5. create documents " + p);
    for (TestFile& f : files) {
      Exchange x =
          user_->Post("/api/v1/documents",
                      {{"type", "DOCUMENT_TYPE_FILE"},
                       {"title", "E2E " + p + " " + Name(f.kind)},
                       {"blob", {{"provider", p}, {"account", account_}, {"fileId", f.file_id}}}});
      ASSERT_EQ(x.status, 201) << x;  // Created (the contract names no code; the gateway's)
      const json d = x.Json();
      f.doc_id = Str(d, "id");
      ASSERT_FALSE(f.doc_id.empty()) << x;
      EXPECT_EQ(Str(d, "owner"), kUser) << x;
      EXPECT_EQ(Str(d, "type"), "DOCUMENT_TYPE_FILE") << x;
      EXPECT_EQ(Str(d, "referenceState"), "REFERENCE_STATE_OK") << x;
      const json& m = Member(d, "blobMetadata");
      EXPECT_EQ(Str(m, "filename"), f.name) << x;
      EXPECT_EQ(Str(m, "mimeType"), f.mime_type) << x;
      f.revision = Str(m, "revision");
      EXPECT_FALSE(f.revision.empty()) << x;
      EXPECT_EQ(Member(m, "nativeDocument").is_boolean() && Member(m, "nativeDocument") == true,
                IsGoogleNative(f.kind))
          << x;
      if (!IsGoogleNative(f.kind)) {
        EXPECT_EQ(Str(m, "size"), std::to_string(f.content.size())) << x;  // int64: a string
      }
    }
    Exchange list = user_->Get("/api/v1/documents?provider=" + p);
    ASSERT_EQ(list.status, 200) << list;
    std::set<std::string> listed;
    for (const json& d : Array(list.Json(), "documents")) listed.insert(Str(d, "id"));
    for (const TestFile& f : files) EXPECT_TRUE(listed.count(f.doc_id)) << f.name << ": " << list;
  }

  // ---- 6. Search finds each document by its word ---------------------------
  // The indexer asks the provider for TEXT: Drive exports native documents
  // (a Doc as text/plain, a Sheet as the CSV of its first sheet),
  // Box serves its extracted_text representation, others give the bytes
  // (text/* as they are) and the indexer extracts PDF and DOCX itself.
  for (const TestFile& f : files) {
    SCOPED_TRACE(std::string("6. search ") + Name(f.kind));
    AwaitSearch(f.word, "the " + std::string(Name(f.kind)) + " document", f.doc_id,
                [&](const std::set<std::string>& ids) { return ids == std::set{f.doc_id}; });
  }

  // ---- 7. Browser URLs ------------------------------------------------------
  for (const TestFile& f : files) {
    for (const std::string kind : {"download", "preview", "pdf", "thumbnail", "edit"}) {
      const Expectation e = Expect(p, f.kind, kind);
      SCOPED_TRACE(std::string("7. ") + kind + " of the " + Name(f.kind) + " file, expected " +
                   Name(e.outcome));
      Exchange x = user_->Get("/api/v1/documents/" + f.doc_id + "/" + kind);
      const std::string prefix =
          Replace(Replace(e.location_prefix, "{emu}", emulator_), "{id}", f.file_id);
      switch (e.outcome) {
        case Outcome::kFetch: {
          ASSERT_EQ(x.status, 302) << x;
          EXPECT_THAT(x.location, StartsWith(prefix)) << x;
          Exchange target = emu_->Get(x.location);  // no token: a browser's plain navigation
          EXPECT_EQ(target.status, 200) << target;
          EXPECT_FALSE(target.body.empty()) << target;
          if (kind == "download" && IsGoogleNative(f.kind)) {
            EXPECT_THAT(target.body, StartsWith("%PDF"))
                << target;  // a native doc downloads as PDF
          } else if (kind == "download") {
            EXPECT_EQ(target.body, f.content) << target;
          }
          if (kind == "pdf") {
            EXPECT_THAT(target.body, StartsWith("%PDF")) << target;
          }
          if (kind == "thumbnail") {
            EXPECT_THAT(target.content_type, StartsWith("image/")) << target;
          }
          break;
        }
        case Outcome::kStreamed:
          ASSERT_EQ(x.status, 200) << x;
          EXPECT_EQ(x.location, "") << x;
          EXPECT_FALSE(x.body.empty()) << x;
          if (kind == "pdf") {
            EXPECT_THAT(x.content_type, StartsWith("application/pdf")) << x;
            EXPECT_THAT(x.body, StartsWith("%PDF")) << x;
          }
          if (kind == "thumbnail") {
            EXPECT_THAT(x.content_type, StartsWith("image/")) << x;
          }
          break;
        case Outcome::kRefused:
          EXPECT_EQ(x.status, 412) << x;
          EXPECT_EQ(Str(Member(x.Json(), "error"), "code"), "FAILED_PRECONDITION") << x;
          break;
      }
    }
  }

  // ---- Another user sees none of it -----------------------------------------
  {
    SCOPED_TRACE("another user");
    Exchange docs = other_->Get("/api/v1/documents");
    ASSERT_EQ(docs.status, 200) << docs;
    EXPECT_THAT(Array(docs.Json(), "documents"), IsEmpty()) << docs;
    Exchange accounts = other_->Get("/api/v1/accounts");
    ASSERT_EQ(accounts.status, 200) << accounts;
    EXPECT_THAT(Array(accounts.Json(), "accounts"), IsEmpty()) << accounts;
    Exchange folders =
        other_->Get("/api/v1/accounts/" + p + "/" + PercentEncode(account_) + "/folders");
    EXPECT_THAT(folders.status, AnyOf(Eq(403), Eq(404))) << folders;
    for (const TestFile& f : files) {
      Exchange d = other_->Get("/api/v1/documents/" + f.doc_id);
      EXPECT_EQ(d.status, 404) << d;
      Exchange s;
      EXPECT_THAT(SearchIds(*other_, f.word, &s), IsEmpty()) << s;
      for (const std::string kind : {"download", "preview", "pdf", "thumbnail", "edit"}) {
        Exchange link = other_->Get("/api/v1/documents/" + f.doc_id + "/" + kind);
        EXPECT_EQ(link.status, 404) << link;
        EXPECT_EQ(link.location, "") << link;
      }
    }
  }

  // The first sync of the account: takes its change cursor (and reconciles).
  ASSERT_NO_FATAL_FAILURE(RunSync("before the outside changes"));

  // ---- 8. A version of the text document -----------------------------------
  TestFile& text = files[0];
  std::string version_id, pinned_revision;
  {
    SCOPED_TRACE("8. version " + p);
    Exchange x = user_->Post("/api/v1/documents/" + text.doc_id + "/versions",
                             {{"label", "before the outside change"}});
    ASSERT_EQ(x.status, 201) << x;
    const json v = x.Json();
    version_id = Str(v, "id");
    ASSERT_FALSE(version_id.empty()) << x;
    EXPECT_EQ(Str(v, "documentId"), text.doc_id) << x;
    EXPECT_EQ(Member(v, "number"), 1) << x;
    // The pin: the document's revision, except on OneDrive, where the
    // document's revision is the cTag and the pin the current version id.
    EXPECT_EQ(Str(Member(v, "blobMetadata"), "revision"), text.revision) << x;
    pinned_revision = Str(Member(v, "blob"), "revision");
    EXPECT_FALSE(pinned_revision.empty()) << x;
    if (!absl::StartsWith(p, "onedrive")) {
      EXPECT_EQ(pinned_revision, text.revision) << x;
    } else {
      // Still the current version: Graph refuses versions/{id}/content for
      // it, so its bytes come from the item itself.
      Exchange now =
          user_->Get("/api/v1/documents/" + text.doc_id + "/versions/" + version_id + "/download");
      ASSERT_EQ(now.status, 302) << now;
      Exchange bytes = emu_->Get(now.location);
      EXPECT_EQ(bytes.status, 200) << bytes;
      EXPECT_EQ(bytes.body, text.content) << bytes;
    }
  }

  // ---- 9. The text file changes in the cloud --------------------------------
  const std::string old_word = text.word;
  const std::string old_content = text.content;
  text.word = UniqueWord("bison" + p.substr(0, 2));
  text.content = "Rewritten notes. The secret word is now " + text.word + ".\n";
  {
    SCOPED_TRACE("9. outside change " + p);
    json changed = EmulatorAdmin("changes", {{"user", account_},
                                             {"path", "/" + folder + "/" + text.name},
                                             {"action", "content"},
                                             {"content", text.content}});
    EXPECT_EQ(Array(changed, "revisions").size(), 2u) << changed.dump();
  }

  // ---- 10. Sync ---------------------------------------------------------------
  ASSERT_NO_FATAL_FAILURE(RunSync("after the content change"));

  // ---- 11. New revision, new word, the version keeps the old bytes ----------
  {
    SCOPED_TRACE("11. after sync " + p);
    Exchange x = GetDocument(text.doc_id);
    ASSERT_EQ(x.status, 200) << x;
    const json d = x.Json();
    const json& m = Member(d, "blobMetadata");
    EXPECT_NE(Str(m, "revision"), text.revision) << x;
    EXPECT_FALSE(Str(m, "revision").empty()) << x;
    EXPECT_EQ(Str(m, "size"), std::to_string(text.content.size())) << x;
    EXPECT_EQ(Str(d, "referenceState"), "REFERENCE_STATE_OK") << x;

    AwaitSearch(text.word, "the changed text document", text.doc_id,
                [&](const std::set<std::string>& ids) { return ids == std::set{text.doc_id}; });
    AwaitSearch(old_word, "the old word gone", text.doc_id,
                [&](const std::set<std::string>& ids) { return ids.empty(); });

    // The live download link now gives the new bytes (where a browser can
    // follow it). Asked through the JSON link route: the browser URL may
    // answer from the gateway's link cache, which keeps the link it handed
    // out before the change (naming the old revision) for --link-cache-ttl.
    if (Expect(p, FileKind::kText, "download").outcome == Outcome::kFetch) {
      Exchange live = user_->Get("/api/v1/documents/" + text.doc_id + "/links/download");
      ASSERT_EQ(live.status, 200) << live;
      EXPECT_EQ(Str(live.Json(), "kind"), "LINK_KIND_DOWNLOAD") << live;
      Exchange bytes = emu_->Get(Str(live.Json(), "url"));
      EXPECT_EQ(bytes.status, 200) << bytes;
      EXPECT_EQ(bytes.body, text.content) << bytes;
    }

    // The version resolves to the old bytes: Drive has no browser URL for a
    // pinned revision (the gateway streams it); the others redirect to a
    // download URL of that revision.
    Exchange v =
        user_->Get("/api/v1/documents/" + text.doc_id + "/versions/" + version_id + "/download");
    if (p == "googledrive") {
      ASSERT_EQ(v.status, 200) << v;
      EXPECT_EQ(v.body, old_content) << v;
    } else {
      ASSERT_EQ(v.status, 302) << v;
      Exchange bytes = emu_->Get(v.location);
      EXPECT_EQ(bytes.status, 200) << bytes;
      EXPECT_EQ(bytes.body, old_content) << bytes;
    }
    Exchange got = user_->Get("/api/v1/documents/" + text.doc_id + "/versions/" + version_id);
    ASSERT_EQ(got.status, 200) << got;
    EXPECT_EQ(Str(Member(got.Json(), "blob"), "revision"), pinned_revision) << got;
  }

  // ---- 11b. A Google Doc version survives a rename and an edit --------------
  // A native document has no headRevisionId: the version pins a revision id
  // from revisions.list, and exports that revision's text ever after.
  if (p == "googledrive") {
    SCOPED_TRACE("11b. Google Doc version " + p);
    TestFile& doc = files[3];
    ASSERT_EQ(doc.kind, FileKind::kNative);
    Exchange x = user_->Post("/api/v1/documents/" + doc.doc_id + "/versions",
                             {{"label", "the plan before the rewrite"}});
    ASSERT_EQ(x.status, 201) << x;
    const std::string doc_version = Str(x.Json(), "id");
    const std::string doc_pin = Str(Member(x.Json(), "blob"), "revision");
    ASSERT_FALSE(doc_pin.empty()) << x;
    const std::string old_plan_word = doc.word;
    doc.word = UniqueWord("lemur" + p.substr(0, 2));
    EmulatorAdmin("changes", {{"user", account_},
                              {"path", "/" + folder + "/" + doc.name},
                              {"action", "rename"},
                              {"name", "Plan (renamed)"}});
    EmulatorAdmin("changes", {{"user", account_},
                              {"path", "/" + folder + "/Plan (renamed)"},
                              {"action", "content"},
                              {"content", "Rewritten plan. The plan word is " + doc.word + "."}});
    ASSERT_NO_FATAL_FAILURE(RunSync("after the Google Doc's rename and edit"));
    AwaitSearch(doc.word, "the rewritten Google Doc", doc.doc_id,
                [&](const std::set<std::string>& ids) { return ids == std::set{doc.doc_id}; });
    // The version still exports the old text, through the pinned revision's
    // exportLinks (a page a signed-in browser opens).
    for (const std::string kind : {"download", "pdf"}) {
      Exchange v =
          user_->Get("/api/v1/documents/" + doc.doc_id + "/versions/" + doc_version + "/" + kind);
      ASSERT_EQ(v.status, 302) << kind << ": " << v;
      EXPECT_THAT(v.location, StartsWith(emulator_ + "/feeds/download/export?id=" + doc.file_id))
          << v;
      EXPECT_THAT(v.location, HasSubstr("revision=" + PercentEncode(doc_pin))) << v;
      Exchange old_pdf = emu_->Get(v.location);
      ASSERT_EQ(old_pdf.status, 200) << old_pdf;
      EXPECT_THAT(old_pdf.body, StartsWith("%PDF")) << old_pdf;
      EXPECT_THAT(old_pdf.body, HasSubstr(old_plan_word)) << old_pdf;
      EXPECT_THAT(old_pdf.body, Not(HasSubstr(doc.word))) << old_pdf;
    }
    Exchange got = user_->Get("/api/v1/documents/" + doc.doc_id + "/versions/" + doc_version);
    ASSERT_EQ(got.status, 200) << got;
    EXPECT_EQ(Str(Member(got.Json(), "blob"), "revision"), doc_pin) << got;
  }

  // ---- 12. Files deleted and trashed in the cloud ---------------------------
  // The text file is deleted, the PDF trashed. Dropbox has no trash in its
  // API: a file deleted in the web app (restorable there) is gone to the
  // API (list_folder reports it deleted, get_metadata answers not_found), so
  // a trashed file must end up marked on every provider.
  {
    SCOPED_TRACE("12. outside delete " + p);
    const TestFile& pdf = files[1];
    EmulatorAdmin(
        "changes",
        {{"user", account_}, {"path", "/" + folder + "/" + text.name}, {"action", "delete"}});
    EmulatorAdmin(
        "changes",
        {{"user", account_}, {"path", "/" + folder + "/" + pdf.name}, {"action", "trash"}});
    ASSERT_NO_FATAL_FAILURE(RunSync("after the deletion"));
    for (const TestFile* f : std::vector<const TestFile*>{&text, &pdf}) {
      Exchange x = GetDocument(f->doc_id);
      ASSERT_EQ(x.status, 200) << f->name << " must stay a document: " << x;
      const json d = x.Json();
      EXPECT_THAT(Str(d, "referenceState"),
                  AnyOf(Eq("REFERENCE_STATE_FILE_DELETED"), Eq("REFERENCE_STATE_ACCESS_LOST")))
          << x;
      EXPECT_FALSE(Str(d, "referenceReason").empty()) << x;
    }
    // The untouched DOCX stays OK.
    Exchange docx = GetDocument(files[2].doc_id);
    ASSERT_EQ(docx.status, 200) << docx;
    EXPECT_EQ(Str(docx.Json(), "referenceState"), "REFERENCE_STATE_OK") << docx;
  }
}

INSTANTIATE_TEST_SUITE_P(Clouds, AllCloudsTest,
                         ::testing::Values("googledrive", "dropbox", "box", "onedrive",
                                           "onedrive-business"),
                         [](const auto& info) {
                           std::string name = info.param;  // gtest names allow no '-'
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace lc::e2e
