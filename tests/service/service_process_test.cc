// Real binaries on the shared process runtime: bad configuration stops them
// with a message naming the setting; SIGTERM stops them cleanly. The
// repository stands for the gRPC services, the gateway for the HTTP edge.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "testing/pg_fixture.h"
#include "testing/wait.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int exit_code;
  std::string output;
};

Result RunShell(const std::string& cmd) {
  Result r{-1, ""};
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kRepository = LC_REPOSITORY_BINARY;
const std::string kGateway = LC_GATEWAY_BINARY;
const std::string kSecretValue = "process-test-secret-process-test-secret";
const std::string kSecret = "LC_JWT_SECRET=" + kSecretValue + " ";
// Every address the gateway requires; nothing listens there (channels connect lazily).
const std::string kGatewayAddrs =
    "LC_PUBLIC_URL=http://127.0.0.1:8080 LC_OAUTH_ADDR=127.0.0.1:1 LC_REPOSITORY_ADDR=127.0.0.1:1 "
    "LC_PROVIDERS_ADDR=127.0.0.1:1 LC_INDEXER_ADDR=127.0.0.1:1 LC_SYNC_ADDR=127.0.0.1:1 ";

// A binary started with an environment, its stderr (the JSON log) in a file.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary, const std::map<std::string, std::string>& env)
      : log_("/tmp/lc-process-test-" + std::to_string(getpid()) + "-" + std::to_string(++count_) +
             ".log") {
    pid_ = fork();
    if (pid_ == 0) {
      for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
      if (freopen(log_.c_str(), "w", stderr) == nullptr) _exit(126);
      execl(binary.c_str(), binary.c_str(), nullptr);
      _exit(127);
    }
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::remove(log_.c_str());
  }

  // The number logged as "field":N, once the log has it (the log file is
  // the only signal a separate process gives).
  std::optional<int> WaitForLoggedNumber(const std::string& field) {
    auto number =
        lc::testing::WaitForFileMatch(log_, "\"" + field + "\":([0-9]+)", absl::Seconds(20));
    if (!number.has_value()) return std::nullopt;
    return std::stoi(*number);
  }

  // SIGTERM, then the exit status (-1 unless it exited).
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string log() const { return ReadFile(log_); }

 private:
  static inline int count_ = 0;
  std::string log_;
  pid_t pid_ = -1;
};

TEST(ServiceProcessTest, BadSettingStopsWithItsName) {
  Result r = RunShell(kSecret + "LC_DB_URL=x LC_METRICS_PORT=abc " + kRepository);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--metrics-port"));
  EXPECT_THAT(r.output, HasSubstr("LC_METRICS_PORT"));

  r = RunShell(kSecret + "LC_DB_URL=x " + kRepository + " --shutdown-grace=soon");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--shutdown-grace"));

  r = RunShell("env -u LC_JWT_SECRET LC_DB_URL=x " + kRepository);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("LC_JWT_SECRET"));

  r = RunShell(kSecret + "LC_DB_URL=x " + kRepository + " --no-such-flag=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--no-such-flag"));

  r = RunShell("LC_JWT_SECRET=short LC_DB_URL=x " + kRepository);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--jwt-secret"));
  EXPECT_THAT(r.output, Not(HasSubstr("short")));

  r = RunShell(kSecret + "LC_DB_URL=x LC_INDEXER_ADDR=indexer " + kRepository);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--indexer-addr (LC_INDEXER_ADDR): not host:port"));
}

TEST(ServiceProcessTest, GatewayBadSettingStopsWithItsName) {
  Result r = RunShell(kSecret + kGatewayAddrs + "LC_PUBLIC_URL=lc.example.com " + kGateway);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--public-url (LC_PUBLIC_URL)"));

  r = RunShell(kSecret + kGatewayAddrs + kGateway + " --upstream-timeout=0s");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--upstream-timeout (LC_UPSTREAM_TIMEOUT)"));

  r = RunShell("LC_JWT_SECRET=short " + kGatewayAddrs + kGateway);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--jwt-secret"));
}

TEST(ServiceProcessTest, SigtermStopsCleanlyAndSecretsStayOutOfTheLog) {
  LC_REQUIRE_POSTGRES();
  const std::string db = lc::testing::CreateTestDatabase();
  ChildProcess repository(kRepository, {{"LC_JWT_SECRET", kSecretValue},
                                        {"LC_DB_URL", db + " password=hunter2-db-password"},
                                        {"LC_METRICS_PORT", "-1"},
                                        {"LC_LOG_LEVEL", "debug"},
                                        {"LC_LISTEN_ADDR", "127.0.0.1:0"}});
  // The chosen port is in the "serving" log line.
  const std::optional<int> port = repository.WaitForLoggedNumber("grpc_port");
  ASSERT_TRUE(port.has_value()) << repository.log();
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(*port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(health->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  EXPECT_EQ(repository.Terminate(), 0);
  const std::string output = repository.log();
  EXPECT_THAT(output, HasSubstr("\"msg\":\"stopped\""));
  EXPECT_THAT(output, Not(HasSubstr("process-test-secret")));
  EXPECT_THAT(output, Not(HasSubstr("hunter2-db-password")));
}

// The gateway starts and stops through the same process runtime: the
// configuration line without secrets, its metrics on the metrics port,
// SIGTERM drains and exits 0.
TEST(ServiceProcessTest, GatewayStartsAndStopsThroughTheProcessRuntime) {
  ChildProcess gateway(kGateway, {{"LC_JWT_SECRET", kSecretValue},
                                  {"LC_PUBLIC_URL", "http://127.0.0.1:8080"},
                                  {"LC_OAUTH_ADDR", "127.0.0.1:1"},
                                  {"LC_REPOSITORY_ADDR", "127.0.0.1:1"},
                                  {"LC_PROVIDERS_ADDR", "127.0.0.1:1"},
                                  {"LC_INDEXER_ADDR", "127.0.0.1:1"},
                                  {"LC_SYNC_ADDR", "127.0.0.1:1"},
                                  {"LC_METRICS_PORT", "0"},
                                  {"LC_LISTEN_ADDR", "127.0.0.1:0"}});
  const std::optional<int> metrics_port = gateway.WaitForLoggedNumber("metrics_port");
  ASSERT_TRUE(metrics_port.has_value()) << gateway.log();
  const std::optional<int> http_port = gateway.WaitForLoggedNumber("http_port");
  ASSERT_TRUE(http_port.has_value()) << gateway.log();

  httplib::Client http("127.0.0.1", *http_port);
  auto healthz = http.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  httplib::Client metrics("127.0.0.1", *metrics_port);
  auto scraped = metrics.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->status, 200);
  // The gateway's own request metrics, served by the process runtime.
  EXPECT_THAT(scraped->body, HasSubstr("lc_http_server_requests_total{"));
  EXPECT_THAT(scraped->body, HasSubstr("route=\"/healthz\""));

  EXPECT_EQ(gateway.Terminate(), 0);
  const std::string output = gateway.log();
  EXPECT_THAT(output, HasSubstr("\"msg\":\"configuration\""));
  EXPECT_THAT(output, HasSubstr("\"signal\":\"SIGTERM\""));
  EXPECT_THAT(output, HasSubstr("\"msg\":\"stopped\""));
  EXPECT_THAT(output, Not(HasSubstr(kSecretValue)));
}

}  // namespace
