// PostgreSQL restarted under a running repository service: calls fail
// cleanly with UNAVAILABLE while it is down and succeed again after, without
// restarting the service. The test runs its own cluster (scripts/lib/pg.sh)
// so stopping it disturbs no other test.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <string>

#include "harness.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

int Shell(const std::string& script) {
  std::string cmd = "bash -c 'source \"" LC_SOURCE_DIR "/scripts/lib/pg.sh\" && " + script + "'";
  return std::system(cmd.c_str());
}

class OwnCluster {
 public:
  OwnCluster() {
    char tmpl[] = "/tmp/lc-pgrestart-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Shell("chmod 755 " + dir_);
    port_ = std::to_string(20000 + (getpid() % 20000));
  }
  ~OwnCluster() {
    Stop();
    Shell("rm -rf " + dir_);
  }
  bool Start() { return Shell("pg_start " + dir_ + "/pg " + port_ + " >/dev/null") == 0; }
  void Stop() {
    Shell("pg_as_owner \"$PG_BIN/pg_ctl\" -D " + dir_ + "/pg -m fast -w stop >/dev/null 2>&1");
  }
  std::string Conninfo() const {
    return "host=127.0.0.1 port=" + port_ + " user=postgres dbname=postgres";
  }

 private:
  std::string dir_;
  std::string port_;
};

TEST(PgRestartTest, ServiceRecoversWithoutRestart) {
  LC_REQUIRE_POSTGRES();
  OwnCluster pg;
  ASSERT_TRUE(pg.Start());
  RepositoryHarness harness(pg.Conninfo());

  v1::CreateDocumentRequest req;
  req.mutable_blob()->set_provider("box");
  req.mutable_blob()->set_account("alice@example.com");
  req.mutable_blob()->set_file_id("12345");
  req.set_title("Survives a database restart");
  v1::Document doc;
  auto ctx = harness.As("alice");
  ASSERT_TRUE(harness.stub().CreateDocument(ctx.get(), req, &doc).ok());

  pg.Stop();
  for (int i = 0; i < 3; ++i) {
    v1::GetDocumentRequest get;
    get.set_id(doc.id());
    v1::Document got;
    ctx = harness.As("alice");
    grpc::Status s = harness.stub().GetDocument(ctx.get(), get, &got);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    v1::Document created;
    ctx = harness.As("alice");
    s = harness.stub().CreateDocument(ctx.get(), req, &created);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  }

  ASSERT_TRUE(pg.Start());
  // The very first call after the restart succeeds: dead pooled connections
  // are replaced transparently.
  v1::GetDocumentRequest get;
  get.set_id(doc.id());
  v1::Document got;
  ctx = harness.As("alice");
  grpc::Status s = harness.stub().GetDocument(ctx.get(), get, &got);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(got.title(), "Survives a database restart");
  v1::Document created;
  ctx = harness.As("alice");
  s = harness.stub().CreateDocument(ctx.get(), req, &created);
  EXPECT_TRUE(s.ok()) << s.error_message();
  // Nothing was half-written while the database was down.
  v1::ListDocumentsRequest list;
  v1::ListDocumentsResponse resp;
  ctx = harness.As("alice");
  ASSERT_TRUE(harness.stub().ListDocuments(ctx.get(), list, &resp).ok());
  EXPECT_EQ(resp.documents_size(), 2);
}

}  // namespace
}  // namespace lc::testing
