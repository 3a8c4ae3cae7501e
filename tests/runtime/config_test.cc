#include "runtime/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace lc {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<SettingSpec> Specs() {
  std::vector<SettingSpec> specs;
  specs.push_back({.name = "listen-port", .type = SettingType::kPort, .default_value = "50051"});
  specs.push_back(
      {.name = "pool-size", .type = SettingType::kInt, .default_value = "4", .min = 1, .max = 64});
  specs.push_back(
      {.name = "shutdown-grace", .type = SettingType::kDuration, .default_value = "10s"});
  specs.push_back({.name = "verbose", .type = SettingType::kBool, .default_value = "false"});
  specs.push_back({.name = "log-level",
                   .type = SettingType::kEnum,
                   .default_value = "info",
                   .choices = {"debug", "info", "warn", "error"}});
  specs.push_back(
      {.name = "upstream", .type = SettingType::kHostPort, .default_value = "localhost:8080"});
  specs.push_back({.name = "jwt-secret", .default_value = "dev-secret", .secret = true});
  specs.push_back({.name = "poll",
                   .type = SettingType::kDuration,
                   .default_value = "1s",
                   .min_duration = absl::Milliseconds(10),
                   .max_duration = absl::Minutes(5)});
  specs.push_back({.name = "public-url", .type = SettingType::kUrl});
  specs.push_back({.name = "ca-file", .type = SettingType::kReadableFile});
  specs.push_back({.name = "signing-key", .secret = true, .min_length = 8});
  return specs;
}

absl::StatusOr<Config> LoadArgs(std::vector<const char*> args,
                                const std::map<std::string, std::string>& env = {},
                                const std::vector<SettingSpec>& specs = Specs()) {
  args.insert(args.begin(), "service");
  return Config::Load(specs, static_cast<int>(args.size()), args.data(), env);
}

TEST(ConfigTest, DefaultsApplyWhenNothingIsSet) {
  auto config = LoadArgs({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetInt("listen-port"), 50051);
  EXPECT_EQ(config->GetInt("pool-size"), 4);
  EXPECT_EQ(config->GetDuration("shutdown-grace"), absl::Seconds(10));
  EXPECT_FALSE(config->GetBool("verbose"));
  EXPECT_EQ(config->GetString("log-level"), "info");
  EXPECT_EQ(config->GetString("upstream"), "localhost:8080");
}

TEST(ConfigTest, FlagBeatsEnvironmentBeatsDefault) {
  auto env_only = LoadArgs({}, {{"LC_POOL_SIZE", "8"}});
  ASSERT_TRUE(env_only.ok()) << env_only.status();
  EXPECT_EQ(env_only->GetInt("pool-size"), 8);

  auto both = LoadArgs({"--pool-size=16"}, {{"LC_POOL_SIZE", "8"}});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->GetInt("pool-size"), 16);
}

TEST(ConfigTest, FlagValueMayBeTheNextArgument) {
  auto config = LoadArgs({"--listen-port", "9000", "--shutdown-grace", "500ms", "--verbose"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetInt("listen-port"), 9000);
  EXPECT_EQ(config->GetDuration("shutdown-grace"), absl::Milliseconds(500));
  EXPECT_TRUE(config->GetBool("verbose"));
}

TEST(ConfigTest, BoolAcceptsYesNoAndNumbers) {
  for (const auto& [text, want] : std::vector<std::pair<const char*, bool>>{{"true", true},
                                                                            {"1", true},
                                                                            {"yes", true},
                                                                            {"false", false},
                                                                            {"0", false},
                                                                            {"no", false}}) {
    auto config = LoadArgs({}, {{"LC_VERBOSE", text}});
    ASSERT_TRUE(config.ok()) << text << ": " << config.status();
    EXPECT_EQ(config->GetBool("verbose"), want) << text;
  }
  auto spaced = LoadArgs({"--verbose", "false"});
  ASSERT_TRUE(spaced.ok()) << spaced.status();
  EXPECT_FALSE(spaced->GetBool("verbose"));
}

TEST(ConfigTest, UnknownFlagIsAnError) {
  auto config = LoadArgs({"--no-such-flag=1"});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("--no-such-flag"));
}

TEST(ConfigTest, StrayArgumentIsAnError) {
  auto config = LoadArgs({"listen-port=1"});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConfigTest, FlagWithoutValueIsAnError) {
  auto config = LoadArgs({"--pool-size"});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("--pool-size"), HasSubstr("LC_POOL_SIZE")));
}

struct BadValue {
  const char* name;
  const char* env;
  const char* value;
};

class BadValueTest : public ::testing::TestWithParam<BadValue> {};

// Each bad value is reported whether it came from a flag or the environment,
// naming both so the operator finds it either way.
TEST_P(BadValueTest, NamesFlagAndVariable) {
  const BadValue& bad = GetParam();
  const std::string flag = std::string("--") + bad.name + "=" + bad.value;
  for (const auto& config : {LoadArgs({flag.c_str()}), LoadArgs({}, {{bad.env, bad.value}})}) {
    ASSERT_FALSE(config.ok()) << bad.name << "=" << bad.value;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(),
                AllOf(HasSubstr(std::string("--") + bad.name), HasSubstr(bad.env)));
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, BadValueTest,
                         ::testing::Values(BadValue{"pool-size", "LC_POOL_SIZE", "four"},
                                           BadValue{"pool-size", "LC_POOL_SIZE", "65"},
                                           BadValue{"pool-size", "LC_POOL_SIZE", "0"},
                                           BadValue{"listen-port", "LC_LISTEN_PORT", "65536"},
                                           BadValue{"listen-port", "LC_LISTEN_PORT", "-1"},
                                           BadValue{"listen-port", "LC_LISTEN_PORT", "http"},
                                           BadValue{"shutdown-grace", "LC_SHUTDOWN_GRACE", "10"},
                                           BadValue{"shutdown-grace", "LC_SHUTDOWN_GRACE", "soon"},
                                           BadValue{"verbose", "LC_VERBOSE", "maybe"},
                                           BadValue{"log-level", "LC_LOG_LEVEL", "loud"},
                                           BadValue{"upstream", "LC_UPSTREAM", "localhost"},
                                           BadValue{"upstream", "LC_UPSTREAM", "localhost:99999"},
                                           BadValue{"upstream", "LC_UPSTREAM", ":8080"},
                                           BadValue{"upstream", "LC_UPSTREAM", "http://h:80"},
                                           BadValue{"poll", "LC_POLL", "5ms"},
                                           BadValue{"poll", "LC_POLL", "6m"},
                                           BadValue{"poll", "LC_POLL", "-1s"},
                                           BadValue{"public-url", "LC_PUBLIC_URL", "example.com"},
                                           BadValue{"public-url", "LC_PUBLIC_URL", "ftp://h/x"},
                                           BadValue{"public-url", "LC_PUBLIC_URL", "http://"},
                                           BadValue{"ca-file", "LC_CA_FILE", "/no/such/file"},
                                           BadValue{"signing-key", "LC_SIGNING_KEY", "short"}));

TEST(ConfigTest, DurationRangeIsInclusiveAndNamedInTheError) {
  for (const char* ok : {"10ms", "5m", "90s"}) {
    auto config = LoadArgs({}, {{"LC_POLL", ok}});
    ASSERT_TRUE(config.ok()) << ok << ": " << config.status();
  }
  auto low = LoadArgs({"--poll=9ms"});
  ASSERT_FALSE(low.ok());
  EXPECT_THAT(low.status().message(),
              AllOf(HasSubstr("--poll (LC_POLL)"), HasSubstr("[10ms, 5m]")));
}

TEST(ConfigTest, UrlAcceptsAbsoluteHttpAndHttps) {
  for (const char* url : {"http://127.0.0.1:8080", "https://lc.example.com/base/"}) {
    auto config = LoadArgs({}, {{"LC_PUBLIC_URL", url}});
    ASSERT_TRUE(config.ok()) << url << ": " << config.status();
    EXPECT_EQ(config->GetString("public-url"), url);
  }
}

TEST(ConfigTest, OptionalHostPortMayBeEmptyButNotMalformed) {
  std::vector<SettingSpec> specs = {{.name = "indexer-addr", .type = SettingType::kHostPort}};
  auto unset = LoadArgs({}, {}, specs);
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_EQ(unset->GetString("indexer-addr"), "");
  auto empty = LoadArgs({}, {{"LC_INDEXER_ADDR", ""}}, specs);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(LoadArgs({"--indexer-addr=[::1]:50055"}, {}, specs).ok());
  auto bad = LoadArgs({"--indexer-addr=indexer"}, {}, specs);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--indexer-addr (LC_INDEXER_ADDR): not host:port"));
}

TEST(ConfigTest, ReadableFileMustOpen) {
  const std::string path = ::testing::TempDir() + "/config_test_ca.pem";
  { std::ofstream(path) << "pem"; }
  const std::string flag = "--ca-file=" + path;
  auto config = LoadArgs({flag.c_str()});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetString("ca-file"), path);
  std::remove(path.c_str());
}

TEST(ConfigTest, ShortSecretIsRefusedWithoutEchoingIt) {
  auto bad = LoadArgs({"--signing-key=abc1234"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              AllOf(HasSubstr("--signing-key (LC_SIGNING_KEY)"), HasSubstr("at least 8 bytes"),
                    Not(HasSubstr("abc1234"))));
  EXPECT_TRUE(LoadArgs({"--signing-key=abcd12345"}).ok());
}

TEST(ConfigTest, InvalidSettingHasTheSameShape) {
  const absl::Status s = InvalidSetting("token-keys", "bad entry 2");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "--token-keys (LC_TOKEN_KEYS): bad entry 2");
}

TEST(ConfigTest, RequiredMissingIsAnError) {
  std::vector<SettingSpec> specs = {{.name = "db-url", .required = true}};
  auto missing = LoadArgs({}, {}, specs);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              AllOf(HasSubstr("--db-url"), HasSubstr("LC_DB_URL"), HasSubstr("required")));

  auto empty = LoadArgs({"--db-url="}, {}, specs);
  EXPECT_FALSE(empty.ok());

  auto given = LoadArgs({}, {{"LC_DB_URL", "postgresql://localhost/x"}}, specs);
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(given->GetString("db-url"), "postgresql://localhost/x");
}

TEST(ConfigTest, SecretsAreRedactedAndNotEchoedInErrors) {
  auto config = LoadArgs({"--jwt-secret=hunter2"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetString("jwt-secret"), "hunter2");
  const auto redacted = config->Redacted();
  EXPECT_EQ(redacted.at("jwt-secret"), "***");
  EXPECT_EQ(redacted.at("listen-port"), "50051");

  std::vector<SettingSpec> specs = {{.name = "api-key", .type = SettingType::kInt, .secret = true}};
  auto bad = LoadArgs({"--api-key=s3cr3t"}, {}, specs);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("s3cr3t")));
}

TEST(ConfigTest, EnvName) {
  EXPECT_EQ(Config::EnvName("listen-port"), "LC_LISTEN_PORT");
  EXPECT_EQ(Config::EnvName("db-pool-size"), "LC_DB_POOL_SIZE");
}

TEST(ConfigTest, ProcessEnvSeesTheEnvironment) {
  ASSERT_EQ(setenv("LC_CONFIG_TEST_PROBE", "on", 1), 0);
  EXPECT_EQ(Config::ProcessEnv()["LC_CONFIG_TEST_PROBE"], "on");
  unsetenv("LC_CONFIG_TEST_PROBE");
}

TEST(ConfigDeathTest, LoadConfigOrDieExitsWithStatus2AndMessage) {
  const std::vector<SettingSpec> specs = Specs();
  const char* argv[] = {"svc", "--listen-port=abc"};
  EXPECT_EXIT(LoadConfigOrDie("svc", specs, 2, argv), ::testing::ExitedWithCode(2),
              "--listen-port \\(LC_LISTEN_PORT\\)");
}

TEST(ConfigDeathTest, UnknownSettingNameIsAProgrammingError) {
  auto config = LoadArgs({});
  ASSERT_TRUE(config.ok());
  EXPECT_DEATH(config->GetString("nope"), "nope");
  EXPECT_DEATH(config->GetInt("log-level"), "log-level");
}

}  // namespace
}  // namespace lc
