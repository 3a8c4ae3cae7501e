// Each service's settings: defaults and environment variables reach the
// typed Settings, and a bad value stops the start with an error that names
// the flag and its environment variable.
#include "gateway/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "indexer/settings.h"
#include "oauth/settings.h"
#include "providers/settings.h"
#include "repository/settings.h"
#include "sync/settings.h"

namespace lc {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

using Env = std::map<std::string, std::string>;

const Env kCommon = {{"LC_JWT_SECRET", "settings-test-secret-settings-test-secret"},
                     {"LC_DB_URL", "dbname=x"}};

Env With(Env env, const Env& more) {
  for (const auto& [k, v] : more) env[k] = v;
  return env;
}

template <typename Settings>
absl::StatusOr<Settings> Load(const std::vector<SettingSpec>& specs,
                              absl::StatusOr<Settings> (*read)(const Config&), const Env& env,
                              std::vector<const char*> args = {}) {
  args.insert(args.begin(), "service");
  return LoadSettings(specs, read, static_cast<int>(args.size()), args.data(), env);
}

// The error names the flag and its variable, and never echoes a secret.
template <typename Settings>
void ExpectRefused(const absl::StatusOr<Settings>& settings, const std::string& flag) {
  ASSERT_FALSE(settings.ok()) << flag;
  EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(settings.status().message(),
              AllOf(HasSubstr("--" + flag + " (" + Config::EnvName(flag) + ")"),
                    Not(HasSubstr("settings-test-secret"))));
}

const Env kOAuth =
    With(kCommon, {{"LC_TOKEN_KEYS", "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}});

TEST(OAuthSettingsTest, DefaultsAndEnvironment) {
  auto s =
      Load(oauth::SettingSpecs(), oauth::ReadSettings, With(kOAuth, {{"LC_REFRESH_MARGIN", "2m"}}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->runtime.listen_addr, "0.0.0.0:50052");
  EXPECT_EQ(s->runtime.shutdown_grace, absl::Seconds(10));
  EXPECT_EQ(s->database.url, "dbname=x");
  EXPECT_EQ(s->broker.refresh_margin, absl::Minutes(2));
  EXPECT_EQ(s->client.timeout, absl::Seconds(10));
  EXPECT_EQ(s->cipher.active_key_id(), "k1");
}

TEST(OAuthSettingsTest, BadValuesNameTheFlag) {
  ExpectRefused(Load(oauth::SettingSpecs(), oauth::ReadSettings,
                     With(kOAuth, {{"LC_TOKEN_KEYS", "k1:not-base64"}})),
                "token-keys");
  ExpectRefused(
      Load(oauth::SettingSpecs(), oauth::ReadSettings, With(kOAuth, {{"LC_REFRESH_MARGIN", "2h"}})),
      "refresh-margin");
  ExpectRefused(Load(oauth::SettingSpecs(), oauth::ReadSettings, kOAuth, {"--http-timeout=0s"}),
                "http-timeout");
  ExpectRefused(Load(oauth::SettingSpecs(), oauth::ReadSettings,
                     With(kOAuth, {{"LC_HTTP_CA_FILE", "/no/such/ca.pem"}})),
                "http-ca-file");
  ExpectRefused(
      Load(oauth::SettingSpecs(), oauth::ReadSettings, With(kOAuth, {{"LC_JWT_SECRET", "short"}})),
      "jwt-secret");
}

TEST(RepositorySettingsTest, OptionalAddressesMayBeEmptyButNotMalformed) {
  auto s = Load(repository::SettingSpecs(), repository::ReadSettings, kCommon);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->providers_addr, "");
  EXPECT_EQ(s->indexer_addr, "");
  EXPECT_EQ(s->database.pool_size, 8);
  EXPECT_FALSE(s->database.migrate_only);
  s = Load(repository::SettingSpecs(), repository::ReadSettings, kCommon,
           {"--providers-addr=127.0.0.1:50053", "--migrate-only"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->providers_addr, "127.0.0.1:50053");
  EXPECT_TRUE(s->database.migrate_only);

  ExpectRefused(Load(repository::SettingSpecs(), repository::ReadSettings,
                     With(kCommon, {{"LC_INDEXER_ADDR", "indexer"}})),
                "indexer-addr");
  ExpectRefused(Load(repository::SettingSpecs(), repository::ReadSettings,
                     With(kCommon, {{"LC_DB_POOL_SIZE", "0"}})),
                "db-pool-size");
  ExpectRefused(Load(repository::SettingSpecs(), repository::ReadSettings, {}), "jwt-secret");
}

TEST(ProvidersSettingsTest, DefaultsAndRanges) {
  auto s = Load(providers::SettingSpecs(), providers::ReadSettings, kCommon);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->oauth_addr, "127.0.0.1:50052");
  EXPECT_EQ(s->reliability.max_attempts, 4);
  EXPECT_EQ(s->reliability.http_timeout, absl::Seconds(30));
  EXPECT_EQ(s->providers.content_timeout, absl::Minutes(2));
  EXPECT_EQ(s->cache_ttl, absl::Seconds(30));

  ExpectRefused(Load(providers::SettingSpecs(), providers::ReadSettings,
                     With(kCommon, {{"LC_CACHE_TTL", "11m"}})),
                "cache-ttl");
  ExpectRefused(
      Load(providers::SettingSpecs(), providers::ReadSettings, kCommon, {"--breaker-open-for=0s"}),
      "breaker-open-for");
  ExpectRefused(Load(providers::SettingSpecs(), providers::ReadSettings,
                     With(kCommon, {{"LC_HTTP_ATTEMPTS", "11"}})),
                "http-attempts");
  ExpectRefused(Load(providers::SettingSpecs(), providers::ReadSettings,
                     With(kCommon, {{"LC_OAUTH_ADDR", "oauth"}})),
                "oauth-addr");
}

TEST(SyncSettingsTest, ScheduleReplicaAndLimits) {
  auto s = Load(sync::SettingSpecs(), sync::ReadSettings, kCommon, {"--schedule=off"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->schedule.has_value());
  EXPECT_FALSE(s->options.holder.empty()) << "defaults to host-pid";
  EXPECT_FALSE(s->options.before_cursor_save) << "no test hook from settings";
  s = Load(sync::SettingSpecs(), sync::ReadSettings,
           With(kCommon, {{"LC_REPLICA_ID", "r1"}, {"LC_WORKERS", "3"}}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->schedule.has_value());
  EXPECT_EQ(s->options.holder, "r1");
  EXPECT_EQ(s->options.workers, 3);

  ExpectRefused(Load(sync::SettingSpecs(), sync::ReadSettings,
                     With(kCommon, {{"LC_SCHEDULE", "every minute"}})),
                "schedule");
  ExpectRefused(Load(sync::SettingSpecs(), sync::ReadSettings, kCommon, {"--lease-ttl=0s"}),
                "lease-ttl");
  ExpectRefused(Load(sync::SettingSpecs(), sync::ReadSettings,
                     With(kCommon, {{"LC_INDEXER_ADDR", "indexer"}})),
                "indexer-addr");
  ExpectRefused(Load(sync::SettingSpecs(), sync::ReadSettings, kCommon, {"--workers=65"}),
                "workers");
}

TEST(SyncSettingsTest, ProductionHasNoDebugPauseFlag) {
  auto s = Load(sync::SettingSpecs(), sync::ReadSettings, kCommon,
                {"--debug-pause-before-cursor-save=/tmp/x"});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("unknown flag"));
}

const Env kIndexer = With(kCommon, {{"LC_EXTRACTOR_PATH", "/bin/true"}});

TEST(IndexerSettingsTest, DefaultsAndChecks) {
  auto s = Load(indexer::SettingSpecs(), indexer::ReadSettings, kIndexer);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->runtime.listen_addr, "0.0.0.0:50055");
  EXPECT_EQ(s->text_search_configs, (std::vector<std::string>{"english", "simple"}));
  EXPECT_EQ(s->extractor_path, "/bin/true");
  EXPECT_EQ(s->workers.workers, 2);
  EXPECT_FALSE(s->workers.name.empty());

  ExpectRefused(Load(indexer::SettingSpecs(), indexer::ReadSettings,
                     With(kIndexer, {{"LC_EXTRACTOR_PATH", "/no/such/indexer-extract"}})),
                "extractor-path");
  ExpectRefused(Load(indexer::SettingSpecs(), indexer::ReadSettings,
                     With(kIndexer, {{"LC_TEXT_SEARCH_CONFIGS", " , "}})),
                "text-search-configs");
  ExpectRefused(
      Load(indexer::SettingSpecs(), indexer::ReadSettings, kIndexer, {"--fetch-timeout=0s"}),
      "fetch-timeout");
  ExpectRefused(Load(indexer::SettingSpecs(), indexer::ReadSettings,
                     With(kIndexer, {{"LC_REPOSITORY_ADDR", "repository"}})),
                "repository-addr");
}

const Env kGateway = With(kCommon, {{"LC_PUBLIC_URL", "https://lc.example.com"},
                                    {"LC_OAUTH_ADDR", "oauth:50052"},
                                    {"LC_REPOSITORY_ADDR", "repository:50051"},
                                    {"LC_PROVIDERS_ADDR", "providers:50053"},
                                    {"LC_INDEXER_ADDR", "indexer:50055"},
                                    {"LC_SYNC_ADDR", "sync:50054"}});

TEST(GatewaySettingsTest, OptionsFromTheEnvironment) {
  auto s = Load(gateway::SettingSpecs(), gateway::ReadSettings, kGateway,
                {"--listen-addr=127.0.0.1:0", "--upstream-timeout=3s"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->gateway.listen_host, "127.0.0.1");
  EXPECT_EQ(s->gateway.listen_port, 0);
  EXPECT_EQ(s->gateway.oauth_addr, "oauth:50052");
  EXPECT_EQ(s->gateway.sync_addr, "sync:50054");
  EXPECT_EQ(s->gateway.upstream_timeout, absl::Seconds(3));
  EXPECT_EQ(s->gateway.public_url.Resolve("/x"), "https://lc.example.com/x");
  EXPECT_EQ(s->runtime.listen_addr, "127.0.0.1:0");
}

TEST(GatewaySettingsTest, BadValuesNameTheFlag) {
  ExpectRefused(Load(gateway::SettingSpecs(), gateway::ReadSettings,
                     With(kGateway, {{"LC_PUBLIC_URL", "lc.example.com"}})),
                "public-url");
  ExpectRefused(
      Load(gateway::SettingSpecs(), gateway::ReadSettings, kGateway, {"--http-read-timeout=0s"}),
      "http-read-timeout");
  ExpectRefused(
      Load(gateway::SettingSpecs(), gateway::ReadSettings, kGateway, {"--stream-timeout=25h"}),
      "stream-timeout");
  ExpectRefused(Load(gateway::SettingSpecs(), gateway::ReadSettings,
                     With(kGateway, {{"LC_SYNC_ADDR", "sync"}})),
                "sync-addr");
  Env missing = kGateway;
  missing.erase("LC_OAUTH_ADDR");
  ExpectRefused(Load(gateway::SettingSpecs(), gateway::ReadSettings, missing), "oauth-addr");
}

}  // namespace
}  // namespace lc
