// Issue #13, "expired revisions are a state, not an error", end to end on
// the stack run_e2e.sh starts: the sample user's connected account makes a
// version of a file; the file changes and the account's revision retention
// (set through the emulator's admin API, as the provider's plan would) drops
// the pinned revision; sync's reconciliation (RunNow with reconcile) finds
// it gone and marks the version REVISION_EXPIRED, visible in the version and
// in history; its links answer 410 Gone (JSON for API clients, a page for a
// browser), and a second reconciliation marks and logs nothing more.
// Google Drive is the contrast: a version sets keepForever, which the
// retention never drops.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "absl/strings/str_split.h"
#include "e2e_client.h"

namespace lc::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kUser[] = "sample@example.com";  // LC_DEV_TOKEN_USER's subject

// How each provider's retention is made to drop a replaced revision, in the
// provider's own terms (tools/cloud-emulator/README.md).
struct Retention {
  json settings;             // POST /_emulator/users fields
  bool pin_expires;          // false: the pin outlives the retention
  std::string durability;    // GetCapabilities pinDurability.kind
  int64_t advance_days = 0;  // then the emulator's clock moves this far
};

Retention RetentionOf(const std::string& provider) {
  if (provider == "onedrive") {
    // Graph keeps a number of versions; only the newest stays here.
    return {{{"max_versions", 1}}, true, "PIN_DURABILITY_KIND_VERSION_COUNT"};
  }
  if (provider == "dropbox") {
    // Dropbox keeps a replaced revision a number of days; they pass.
    return {{{"version_history_days", 1}}, true, "PIN_DURABILITY_KIND_DAYS", 2};
  }
  if (provider == "box") {
    // A free Box account keeps no previous version.
    return {{{"paid", false}}, true, "PIN_DURABILITY_KIND_PLAN_DEPENDENT"};
  }
  // Drive purges replaced revisions, except those kept forever.
  return {{{"max_versions", 1}, {"version_history_days", 1}}, false, "PIN_DURABILITY_KIND_FOREVER"};
}

class ExpiredVersionTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_THAT(env_.Missing(), IsEmpty()) << "run this test through tests/e2e/run_e2e.sh";
    provider_ = GetParam();
    emulator_ = env_.emulator.at(provider_);
    Exchange accounts = user_.Get("/api/v1/accounts");
    ASSERT_EQ(accounts.status, 200) << accounts;
    for (const json& a : Array(accounts.Json(), "accounts")) {
      if (Str(a, "provider") == provider_) account_ = Str(a, "account");
    }
    ASSERT_FALSE(account_.empty()) << "scripts/up connected no " << provider_ << " account";
  }

  void TearDown() override {
    // The retention the test changed goes back for the tests after it.
    if (!saved_user_.is_null()) EmulatorAdmin("users", saved_user_);
  }

  json EmulatorAdmin(const std::string& path, const json& body) {
    Exchange x = emu_.Send("POST", emulator_ + "/_emulator/" + path, body.dump());
    EXPECT_EQ(x.status, 200) << x;
    return x.Json();
  }

  // Sets the account's retention, remembering what it was.
  void SetRetention(const json& settings) {
    Exchange users = emu_.Get(emulator_ + "/_emulator/users");
    ASSERT_EQ(users.status, 200) << users;
    for (const json& u : Array(users.Json(), "users")) {
      if (Str(u, "id") != account_ && Str(u, "email") != account_) continue;
      saved_user_ = {{"email", Str(u, "email")},
                     {"version_history_days", Member(u, "version_history_days")},
                     {"max_versions", Member(u, "max_versions")},
                     {"paid", Member(u, "paid")}};
    }
    ASSERT_FALSE(saved_user_.is_null()) << "no emulator user " << account_ << ": " << users;
    json update = settings;
    update["email"] = saved_user_["email"];
    EmulatorAdmin("users", update);
  }

  // RunNow with reconcile for the test's account; the last progress line.
  json Reconcile() {
    Exchange x = admin_.Call("POST", "/api/v1/sync/run",
                             {{"account", {{"provider", provider_}, {"account", account_}}},
                              {"user", kUser},
                              {"reconcile", true}},
                             absl::Seconds(120));
    EXPECT_EQ(x.status, 200) << x;
    json last;
    for (absl::string_view line : absl::StrSplit(x.body, '\n', absl::SkipWhitespace())) {
      json j = json::parse(line, nullptr, false);
      EXPECT_TRUE(j.is_object() && !j.contains("error")) << "sync: " << line;
      last = j;
    }
    EXPECT_EQ(Member(last, "finished"), true) << x;
    EXPECT_EQ(Str(last, "lastError"), "") << x;
    return last;
  }

  int ExpiredEvents(const std::string& doc_id, const std::string& version_id) {
    Exchange h = user_.Get("/api/v1/documents/" + doc_id + "/history");
    EXPECT_EQ(h.status, 200) << h;
    int n = 0;
    for (const json& e : Array(h.Json(), "events")) {
      if (Str(e, "kind") == "HISTORY_EVENT_KIND_REVISION_EXPIRED") {
        EXPECT_EQ(Str(e, "versionId"), version_id) << e.dump();
        EXPECT_EQ(Str(e, "actor"), "service:sync") << e.dump();
        ++n;
      }
    }
    return n;
  }

  StackEnv env_ = StackEnv::FromEnvironment();
  Api user_{env_.gateway, env_.user_token, env_.ca_file};
  Api admin_{env_.gateway, env_.admin_token, env_.ca_file};
  Browser emu_{env_.ca_file};
  std::string provider_, emulator_, account_;
  json saved_user_;
};

TEST_P(ExpiredVersionTest, AVersionWhoseRevisionTheProviderDroppedIsMarkedAndItsLinksAre410) {
  const Retention retention = RetentionOf(provider_);

  // What GetCapabilities promises about pins.
  Exchange caps = user_.Get("/api/v1/providers/" + provider_ + "/capabilities");
  ASSERT_EQ(caps.status, 200) << caps;
  EXPECT_EQ(Str(Member(caps.Json(), "pinDurability"), "kind"), retention.durability) << caps;
  EXPECT_FALSE(Str(Member(caps.Json(), "pinDurability"), "note").empty()) << caps;

  // A file, its document and a version of it.
  const std::string folder = UniqueWord("expiry" + provider_.substr(0, 2));
  const std::string old_content = "First draft, to be replaced.\n";
  json seeded = EmulatorAdmin("files", {{"user", account_},
                                        {"files",
                                         {{{"path", "/" + folder + "/draft.txt"},
                                           {"mime_type", "text/plain"},
                                           {"content", old_content}}}}});
  ASSERT_EQ(Array(seeded, "files").size(), 1u) << seeded.dump();
  const std::string file_id = Str(Array(seeded, "files")[0], "id");
  Exchange created =
      user_.Post("/api/v1/documents",
                 {{"type", "DOCUMENT_TYPE_FILE"},
                  {"blob", {{"provider", provider_}, {"account", account_}, {"fileId", file_id}}}});
  ASSERT_EQ(created.status, 201) << created;
  const std::string doc_id = Str(created.Json(), "id");
  Exchange versioned =
      user_.Post("/api/v1/documents/" + doc_id + "/versions", {{"label", "first draft"}});
  ASSERT_EQ(versioned.status, 201) << versioned;
  const std::string version_id = Str(versioned.Json(), "id");
  EXPECT_EQ(Str(versioned.Json(), "state"), "VERSION_STATE_AVAILABLE") << versioned;
  const std::string version_path = "/api/v1/documents/" + doc_id + "/versions/" + version_id;

  // The file changes and the plan's retention drops the replaced revision.
  ASSERT_NO_FATAL_FAILURE(SetRetention(retention.settings));
  EmulatorAdmin("changes", {{"user", account_},
                            {"path", "/" + folder + "/draft.txt"},
                            {"action", "content"},
                            {"content", "Second draft.\n"}});
  if (retention.advance_days > 0) {
    EmulatorAdmin("clock", {{"advance_seconds", retention.advance_days * 24 * 3600}});
  }

  json progress = Reconcile();
  Exchange got = user_.Get(version_path);
  ASSERT_EQ(got.status, 200) << got;
  const json v = got.Json();
  if (!retention.pin_expires) {
    // Kept forever: still available, and it still gives the old bytes.
    EXPECT_EQ(Str(v, "state"), "VERSION_STATE_AVAILABLE") << got;
    EXPECT_EQ(ExpiredEvents(doc_id, version_id), 0);
    Exchange bytes = user_.Get(version_path + "/download");
    ASSERT_EQ(bytes.status, 200) << bytes;  // Drive: streamed by the gateway
    EXPECT_EQ(bytes.body, old_content) << bytes;
    return;
  }
  EXPECT_EQ(Str(progress, "versionsExpired"), "1") << progress.dump();  // int64: a string
  EXPECT_EQ(Str(v, "state"), "VERSION_STATE_REVISION_EXPIRED") << got;
  EXPECT_FALSE(Str(v, "stateTime").empty()) << got;
  EXPECT_THAT(Str(v, "stateReason"), HasSubstr(provider_ + " no longer has the revision")) << got;
  EXPECT_EQ(Str(v, "label"), "first draft") << "the version's details stay: " << got;
  Exchange list = user_.Get("/api/v1/documents/" + doc_id + "/versions");
  ASSERT_EQ(list.status, 200) << list;
  ASSERT_EQ(Array(list.Json(), "versions").size(), 1u) << list;
  EXPECT_EQ(Str(Array(list.Json(), "versions")[0], "state"), "VERSION_STATE_REVISION_EXPIRED")
      << list;
  EXPECT_EQ(ExpiredEvents(doc_id, version_id), 1);

  // Its links: 410 Gone, JSON for an API client, a page for a browser.
  for (const std::string kind : {"download", "preview", "pdf"}) {
    Exchange x = user_.Get(version_path + "/" + kind);
    EXPECT_EQ(x.status, 410) << kind << ": " << x;
    EXPECT_EQ(x.location, "") << x;
    EXPECT_EQ(Str(Member(x.Json(), "error"), "reason"), "REVISION_EXPIRED") << x;
    EXPECT_THAT(Str(Member(x.Json(), "error"), "message"), HasSubstr("no longer available")) << x;
  }
  Browser browser(env_.ca_file);
  Exchange page =
      browser.Get(env_.gateway + version_path + "/download",
                  {{"Authorization", "Bearer " + env_.user_token}, {"Accept", "text/html"}});
  EXPECT_EQ(page.status, 410) << page;
  EXPECT_THAT(page.content_type, StartsWith("text/html")) << page;
  EXPECT_THAT(page.body, HasSubstr("This version is no longer available")) << page;
  Exchange link = user_.Get(version_path + "/links/download");
  EXPECT_EQ(link.status, 410) << link;
  // The live document is untouched.
  Exchange live = user_.Get("/api/v1/documents/" + doc_id + "/links/download");
  EXPECT_EQ(live.status, 200) << live;

  // A later reconciliation neither marks nor logs it again.
  progress = Reconcile();
  EXPECT_EQ(Str(progress, "versionsExpired"), "0") << progress.dump();
  EXPECT_EQ(ExpiredEvents(doc_id, version_id), 1);
}

// Dropbox last: it moves the emulator's clock, which cannot go back.
INSTANTIATE_TEST_SUITE_P(Clouds, ExpiredVersionTest,
                         ::testing::Values("onedrive", "box", "googledrive", "dropbox"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lc::e2e
