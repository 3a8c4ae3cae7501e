// A real service binary: bad configuration stops it with a message naming
// the setting; SIGTERM stops it cleanly.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "testing/pg_fixture.h"

namespace {

using ::testing::HasSubstr;

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

const std::string kBinary = LC_REPOSITORY_BINARY;
const std::string kSecret = "LC_JWT_SECRET=process-test-secret-process-test-secret ";

TEST(ServiceProcessTest, BadSettingStopsWithItsName) {
  Result r = RunShell(kSecret + "LC_DB_URL=x LC_METRICS_PORT=abc " + kBinary);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--metrics-port"));
  EXPECT_THAT(r.output, HasSubstr("LC_METRICS_PORT"));

  r = RunShell(kSecret + "LC_DB_URL=x " + kBinary + " --shutdown-grace=soon");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--shutdown-grace"));

  r = RunShell("env -u LC_JWT_SECRET LC_DB_URL=x " + kBinary);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("LC_JWT_SECRET"));

  r = RunShell(kSecret + "LC_DB_URL=x " + kBinary + " --no-such-flag=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--no-such-flag"));

  r = RunShell("LC_JWT_SECRET=short LC_DB_URL=x " + kBinary);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--jwt-secret"));
}

TEST(ServiceProcessTest, SigtermStopsCleanlyAndSecretsStayOutOfTheLog) {
  LC_REQUIRE_POSTGRES();
  std::string db = lc::testing::CreateTestDatabase();
  std::string log = "/tmp/lc-process-test-" + std::to_string(getpid()) + ".log";
  int port = 0;
  pid_t pid = fork();
  if (pid == 0) {
    setenv("LC_JWT_SECRET", "process-test-secret-process-test-secret", 1);
    setenv("LC_DB_URL", (db + " password=hunter2-db-password").c_str(), 1);
    setenv("LC_METRICS_PORT", "-1", 1);
    setenv("LC_LOG_LEVEL", "debug", 1);
    freopen(log.c_str(), "w", stderr);
    execl(kBinary.c_str(), kBinary.c_str(), "--listen-addr=127.0.0.1:0", nullptr);
    _exit(127);
  }
  // The chosen port is in the "serving" log line.
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Result r = RunShell("grep -o '\"grpc_port\":[0-9]*' " + log + " | cut -d: -f2");
    if (!r.output.empty()) port = std::stoi(r.output);
  }
  ASSERT_GT(port, 0) << RunShell("cat " + log).output;
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(health->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::string output = RunShell("cat " + log).output;
  EXPECT_THAT(output, HasSubstr("\"msg\":\"stopped\""));
  EXPECT_THAT(output, ::testing::Not(HasSubstr("process-test-secret")));
  EXPECT_THAT(output, ::testing::Not(HasSubstr("hunter2-db-password")));
  std::remove(log.c_str());
}

}  // namespace
