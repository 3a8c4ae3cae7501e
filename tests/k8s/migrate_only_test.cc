// --migrate-only, as the Kubernetes migration Job runs it (deploy/k8s/base/
// migrate-job.yaml): each database service binary applies its schema
// migrations against a fresh database, exits 0 and never starts serving.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <pqxx/pqxx>
#include <set>
#include <string>

#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `binary --migrate-only` with the settings a pod gets from its
// ConfigMap and Secrets; `timeout` turns a process that starts serving
// (and so never exits) into a failure instead of a hung test.
ProcessResult MigrateOnly(const std::string& binary, const std::string& db_url) {
  const std::string cmd = "env LC_DB_URL=" + Quote(db_url) +
                          " LC_JWT_SECRET=migrate-only-test-secret-0123456789abcdef"
                          " LC_TOKEN_KEYS=test:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
                          " timeout 60 " +
                          Quote(binary) +
                          " --migrate-only --listen-addr=127.0.0.1:0 --metrics-port=0 2>&1";
  ProcessResult run;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.output.append(buf.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::set<std::string> Tables(const std::string& db_url, const std::string& schema) {
  pqxx::connection conn(db_url);
  pqxx::nontransaction tx(conn);
  std::set<std::string> tables;
  for (const auto& row : tx.exec_params(
           "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)) {
    tables.insert(row[0].as<std::string>());
  }
  return tables;
}

struct Case {
  const char* binary;
  const char* schema;
  const char* table;  // one table its first migration creates
};

TEST(MigrateOnlyTest, EachServiceAppliesItsSchemaAndExitsWithoutServing) {
  LC_REQUIRE_POSTGRES();
  const std::string db = CreateTestDatabase();
  // The Job's order: oauth, repository, indexer, sync; all in one database.
  const Case cases[] = {{LC_OAUTH_BIN, "oauth", "providers"},
                        {LC_REPOSITORY_BIN, "repository", "documents"},
                        {LC_INDEXER_BIN, "search", "jobs"},
                        {LC_SYNC_BIN, "sync", "accounts"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.binary);
    ASSERT_TRUE(Tables(db, c.schema).empty()) << "schema " << c.schema << " exists before";
    const ProcessResult run = MigrateOnly(c.binary, db);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("migrations applied; exiting (--migrate-only)"), std::string::npos)
        << run.output;
    // ServiceRuntime::Start logs "serving" once the gRPC port is bound.
    EXPECT_EQ(run.output.find("\"serving\""), std::string::npos) << run.output;
    EXPECT_TRUE(Tables(db, c.schema).count(c.table)) << "no " << c.schema << "." << c.table;
  }
  // A second run (the Job re-run for the next release) is a no-op that succeeds.
  const ProcessResult again = MigrateOnly(LC_REPOSITORY_BIN, db);
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

}  // namespace
}  // namespace lc::testing
