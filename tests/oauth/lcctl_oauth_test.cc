// lcctl's accounts and providers commands: request building without a
// server, and the commands against the in-process oauth service.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "harness.h"
#include "lcctl.h"
#include "oauth_commands.h"
#include "runtime/jwt.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

using ::lc::lcctl::ArgSpec;
using ::lc::lcctl::BuildUpdateServiceProviderRequest;
using ::lc::lcctl::Command;
using ::lc::lcctl::OAuthCommands;
using ::lc::lcctl::ParseArgs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const Command& Find(const std::string& name) {
  static const auto* commands = new std::vector<Command>(OAuthCommands());
  for (const auto& c : *commands) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no command " + name);
}

TEST(LcctlOAuthTest, UpdateMaskNamesExactlyTheGivenFlags) {
  const std::string secret_file = ::testing::TempDir() + "/lcctl-secret";
  std::ofstream(secret_file) << "s3cret\n";
  auto args = ParseArgs(Find("providers update").args,
                        {"box", "--client-id", "cid", "--client-secret-file", secret_file,
                         "--enable", "--scopes", "a,b c", "--param", "prompt=consent"});
  ASSERT_TRUE(args.ok()) << args.status();
  auto req = BuildUpdateServiceProviderRequest(*args);
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->provider().name(), "box");
  EXPECT_EQ(req->client_secret(), "s3cret");
  EXPECT_TRUE(req->provider().enabled());
  EXPECT_THAT(
      std::vector<std::string>(req->provider().scopes().begin(), req->provider().scopes().end()),
      ElementsAre("a", "b", "c"));
  EXPECT_THAT(
      std::vector<std::string>(req->update_mask().paths().begin(),
                               req->update_mask().paths().end()),
      ElementsAre("client_id", "scopes", "extra_authorization_params", "enabled", "client_secret"));
  std::remove(secret_file.c_str());
}

TEST(LcctlOAuthTest, UpdateRejectsConflictsAndEmptyUpdates) {
  auto both = ParseArgs(Find("providers update").args, {"box", "--enable", "--disable"});
  ASSERT_TRUE(both.ok());
  EXPECT_FALSE(BuildUpdateServiceProviderRequest(*both).ok());
  auto none = ParseArgs(Find("providers update").args, {"box"});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(BuildUpdateServiceProviderRequest(*none).ok());
  auto missing = ParseArgs(Find("providers update").args,
                           {"box", "--client-secret-file", "/nonexistent/secret"});
  ASSERT_TRUE(missing.ok());
  EXPECT_THAT(std::string(BuildUpdateServiceProviderRequest(*missing).status().message()),
              HasSubstr("--client-secret-file"));
}

TEST(LcctlOAuthTest, ConnectUrlPointsAtTheGateway) {
  EXPECT_EQ(lc::lcctl::ConnectUrl("https://gw.example/", "dropbox"),
            "https://gw.example/oauth2/dropbox/authorize");
  EXPECT_EQ(lc::lcctl::ConnectUrl("", "box"), "http://127.0.0.1:8080/oauth2/box/authorize");
}

TEST(LcctlOAuthTest, CommandsAgainstTheService) {
  LC_REQUIRE_POSTGRES();
  OAuthHarness h(CreateTestDatabase());
  const std::string addr = "127.0.0.1:" + std::to_string(h.port());
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "LC_OAUTH_ADDR") return addr;
    return std::nullopt;
  };
  auto token = [](const std::string& user, std::vector<std::string> roles) {
    absl::Time now = absl::Now();
    return MintHs256(kJwtSecret, Principal{user, std::move(roles)}, now, now + absl::Minutes(5));
  };
  auto run = [&](std::vector<std::string> args, std::string* out_text, std::string* err_text) {
    std::ostringstream out, err;
    int code = lc::lcctl::RunLcctl(args, env, out, err);
    *out_text = out.str();
    *err_text = err.str();
    return code;
  };
  const std::string admin = token("root", {"admin"});
  const std::string secret_file = ::testing::TempDir() + "/lcctl-secret-2";
  std::ofstream(secret_file) << "never-shown-secret\n";
  std::string out, err;
  ASSERT_EQ(run({"--token", admin, "providers", "update", "dropbox", "--client-id", "cid",
                 "--client-secret-file", secret_file, "--enable"},
                &out, &err),
            0)
      << err;
  EXPECT_THAT(out, HasSubstr("client secret:     set"));
  EXPECT_THAT(out, Not(HasSubstr("never-shown-secret")));
  ASSERT_EQ(run({"--token", admin, "providers", "list"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("dropbox"));
  ASSERT_EQ(run({"--token", admin, "providers", "get", "dropbox", "--json"}, &out, &err), 0);
  EXPECT_THAT(out, HasSubstr("\"clientSecretSet\": true"));
  EXPECT_THAT(out, Not(HasSubstr("never-shown-secret")));
  // Users may not read the registry; they see their (empty) accounts.
  const std::string user = token("alice", {});
  EXPECT_EQ(run({"--token", user, "providers", "list"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("PERMISSION_DENIED"));
  ASSERT_EQ(run({"--token", user, "accounts", "list"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("no connected accounts"));
  EXPECT_EQ(run({"--token", user, "accounts", "disconnect", "dropbox", "a@b"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("NOT_FOUND"));
  std::remove(secret_file.c_str());
}

}  // namespace
}  // namespace lc::testing
