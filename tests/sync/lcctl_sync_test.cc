// lcctl's sync commands without a server: the RunNow request from flags and
// the progress line.
#include <gtest/gtest.h>

#include "sync_commands.h"

namespace lc::lcctl {
namespace {

namespace v1 = ::liveconnect::v1;

absl::StatusOr<v1::RunNowRequest> Build(const std::vector<std::string>& args) {
  ArgSpec spec{
      {{"provider", "P", ""}, {"account", "A", ""}, {"user", "U", ""}, {"reconcile", "", ""}}, {}};
  auto parsed = ParseArgs(spec, args);
  if (!parsed.ok()) return parsed.status();
  return BuildRunNowRequest(*parsed);
}

TEST(LcctlSyncTest, RunNowForEveryAccountOrExactlyOne) {
  auto all = Build({});
  ASSERT_TRUE(all.ok());
  EXPECT_FALSE(all->has_account());
  EXPECT_EQ(all->user(), "");
  EXPECT_FALSE(all->reconcile());
  auto reconcile = Build({"--reconcile"});
  ASSERT_TRUE(reconcile.ok()) << reconcile.status();
  EXPECT_TRUE(reconcile->reconcile());

  auto one = Build({"--provider", "dropbox", "--account", "a@example.com", "--user", "alice"});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->account().provider(), "dropbox");
  EXPECT_EQ(one->account().account(), "a@example.com");
  EXPECT_EQ(one->user(), "alice");

  auto partial = Build({"--provider", "dropbox", "--account", "a@example.com"});
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(partial.status().message().find("--user"), std::string::npos);
}

TEST(LcctlSyncTest, AddressFromLcSyncAddr) {
  EXPECT_EQ(DefaultAddress(Service::kSync, [](const std::string&) { return std::nullopt; }),
            "127.0.0.1:50054");
  EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "LC_SYNC_ADDR") return "sync:7000";
    return std::nullopt;
  };
  EXPECT_EQ(DefaultAddress(Service::kSync, env), "sync:7000");
}

TEST(LcctlSyncTest, ProgressLine) {
  v1::SyncProgress p;
  p.set_accounts_total(3);
  p.set_accounts_done(1);
  p.set_changes_seen(10);
  p.set_changes_applied(4);
  p.set_documents_updated(2);
  p.set_provider_calls(7);
  EXPECT_EQ(SyncProgressLine(p),
            "1/3 accounts, 10 changes seen, 4 applied, 2 documents updated, 7 provider calls");
  p.set_finished(true);
  EXPECT_NE(SyncProgressLine(p).find("(finished)"), std::string::npos);
  p.set_versions_expired(2);
  EXPECT_NE(SyncProgressLine(p).find(", 2 versions found REVISION_EXPIRED"), std::string::npos);
}

}  // namespace
}  // namespace lc::lcctl
