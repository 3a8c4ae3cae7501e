// The emulator's HTTP layer end to end on a loopback port: admin API, fault
// injection as clients see it, and many concurrent clients.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "provider_server.h"
#include "provider_server_test_base.h"
#include "util.h"

namespace lc::emulator {
namespace {

using nlohmann::json;

class ServerTest : public ProviderServerTestBase {
 protected:
  void SetUp() override {
    StartServer("googledrive", IdStyle::kDrive,
                OAuthServer::Options{"ya29.", "1//", false, true, false}, InstallGoogleDrive,
                "alice@example.com", "Alice");
    ASSERT_FALSE(HasFatalFailure());
    token_ = TokenOf("alice@example.com");
    ASSERT_FALSE(token_.empty());
  }
  httplib::Headers Auth() { return {{"Authorization", "Bearer " + token_}}; }

  std::string token_;
};

TEST_F(ServerTest, BulkSeedAndPagedListing) {
  json seeded = AdminPost("files", {{"user", "alice@example.com"},
                                    {"generate", {{"folder", "/bulk"}, {"count", 2500}}}});
  EXPECT_EQ(seeded["generated"], 2500);
  auto folder = Client().Get("/_emulator/files?path=%2Fbulk");
  ASSERT_TRUE(folder);
  std::string folder_id = json::parse(folder->body)["id"];
  std::set<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    std::string url =
        "/drive/v3/files?pageSize=1000&q=" + PercentEncode("'" + folder_id + "' in parents") +
        (token.empty() ? "" : "&pageToken=" + token);
    auto res = Client().Get(url.c_str(), Auth());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    json body = json::parse(res->body);
    for (const auto& f : body["files"]) ids.insert(f["id"].get<std::string>());
    token = body.value("nextPageToken", "");
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(ids.size(), 2500u);
  EXPECT_EQ(pages, 3);
}

TEST_F(ServerTest, DriveResumableUploadCreatesTheFile) {
  httplib::Headers headers = Auth();
  headers.emplace("X-Upload-Content-Type", "text/plain");
  auto start = Client().Post("/upload/drive/v3/files?uploadType=resumable&fields=id,name,size",
                             headers, R"({"name":"big.txt"})", "application/json");
  ASSERT_TRUE(start);
  ASSERT_EQ(start->status, 200) << start->body;
  std::string location = start->get_header_value("Location");
  ASSERT_EQ(location.rfind("http://127.0.0.1:" + std::to_string(port_) + "/", 0), 0u) << location;
  std::string path = location.substr(location.find('/', 8));
  auto put = Client().Put(path.c_str(), std::string(100000, 'z'), "text/plain");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  json file = json::parse(put->body);
  EXPECT_EQ(file["name"], "big.txt");
  EXPECT_EQ(file["size"], "100000");
  auto again = Client().Put(path.c_str(), "x", "text/plain");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404) << "an upload session is used once";
}

TEST_F(ServerTest, InjectedStatusUsesTheProviderBodyAndRetryAfter) {
  AdminPost("faults",
            {{"path", "^/drive/v3/about"}, {"status", 429}, {"count", 1}, {"retry_after", 7}});
  auto res = Client().Get("/drive/v3/about?fields=user", Auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->get_header_value("Retry-After"), "7");
  json body = json::parse(res->body);
  EXPECT_EQ(body["error"]["errors"][0]["reason"], "rateLimitExceeded");
  auto again = Client().Get("/drive/v3/about?fields=user", Auth());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  auto log = json::parse(Client().Get("/_emulator/requests?limit=2")->body)["requests"];
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["fault"], "status 429");
  EXPECT_EQ(log[1]["status"], 200);
  EXPECT_FALSE(log[1].value("user", "").empty()) << "the log says whose call it was";
  auto counters = json::parse(Client().Get("/_emulator/counters")->body);
  EXPECT_EQ(counters["operations"]["about.get"], 2);
  EXPECT_EQ(counters["statuses"]["429"], 1);
}

TEST_F(ServerTest, DroppedAndTruncatedResponsesFailOnTheClient) {
  AdminPost("faults", {{"path", "^/drive/v3/about"}, {"kind", "drop"}, {"count", 1}});
  auto dropped = Client().Get("/drive/v3/about?fields=user", Auth());
  EXPECT_FALSE(dropped) << "a dropped connection is a transport error";
  AdminPost("faults", {{"path", "^/drive/v3/about"}, {"kind", "truncate"}, {"count", 1}});
  auto truncated = Client().Get("/drive/v3/about?fields=user", Auth());
  EXPECT_FALSE(truncated) << "a body shorter than Content-Length is an error";
  auto fine = Client().Get("/drive/v3/about?fields=user", Auth());
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);
}

TEST_F(ServerTest, DelayFaultSlowsTheCall) {
  AdminPost("faults",
            {{"path", "^/drive/v3/about"}, {"kind", "delay"}, {"delay_ms", 300}, {"count", 1}});
  auto start = std::chrono::steady_clock::now();
  auto res = Client().Get("/drive/v3/about?fields=user", Auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST_F(ServerTest, ExpiredAndRevokedTokensAnswer401) {
  AdminPost("tokens/expire", {{"user", "alice@example.com"}});
  auto res = Client().Get("/drive/v3/about?fields=user", Auth());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  auto missing = Client().Get("/drive/v3/about?fields=user");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
}

TEST_F(ServerTest, ConcurrentClientsAndOutsideChanges) {
  json seeded = AdminPost("files", {{"user", "alice@example.com"},
                                    {"files", {{{"path", "/hot.txt"}, {"content", "v0"}}}}});
  std::string id = seeded["files"][0]["id"];
  auto start_token =
      json::parse(Client().Get("/drive/v3/changes/startPageToken", Auth())->body)["startPageToken"];
  constexpr int kThreads = 8;
  constexpr int kRequests = 250;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  auto begin = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c = Client();
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      for (int i = 0; i < kRequests; ++i) {
        if (t == 0 && i % 50 == 0) {
          auto r =
              c.Post("/_emulator/changes",
                     json{{"id", id}, {"action", "content"}, {"content", std::to_string(i)}}.dump(),
                     "application/json");
          if (r && r->status == 200) ok++;
          continue;
        }
        auto r = c.Get(("/drive/v3/files/" + id + "?fields=id,size").c_str(), Auth());
        if (r && r->status == 200) ok++;
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  RecordProperty("requests_per_second", static_cast<int>(kThreads * kRequests / secs));
  auto changes = Client().Get(
      ("/drive/v3/changes?pageToken=" + start_token.get<std::string>()).c_str(), Auth());
  ASSERT_TRUE(changes);
  json body = json::parse(changes->body);
  ASSERT_EQ(body["changes"].size(), 1u) << "one entry per file, however often it changed";
  auto revisions = Client().Get(("/drive/v3/files/" + id + "/revisions").c_str(), Auth());
  EXPECT_EQ(json::parse(revisions->body)["revisions"].size(), 1u + kRequests / 50);
}

TEST_F(ServerTest, AdminUsersSetAccountTypeAndRetentionAndRefuseBadValues) {
  json created = AdminPost(
      "users",
      {{"email", "carol@example.com"}, {"account_type", "business"}, {"version_history_days", 7}});
  EXPECT_EQ(created["users"][0]["account_type"], "business");
  EXPECT_EQ(created["users"][0]["version_history_days"], 7);
  json updated = AdminPost("users", {{"email", "carol@example.com"}, {"paid", false}});
  EXPECT_EQ(updated["users"][0]["paid"], false);
  EXPECT_EQ(updated["users"][0]["version_history_days"], 7) << "unset fields keep their value";
  for (const json& bad : {json{{"email", "carol@example.com"}, {"account_type", "team"}},
                          json{{"email", "carol@example.com"}, {"max_versions", "ten"}},
                          json{{"email", "dave@example.com"}, {"paid", 1}}}) {
    auto res = Client().Post("/_emulator/users", bad.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << bad.dump() << " -> " << res->body;
  }
  EXPECT_FALSE(server_->store().FindUser("dave@example.com").has_value())
      << "a refused user is not created";
}

}  // namespace
}  // namespace lc::emulator
