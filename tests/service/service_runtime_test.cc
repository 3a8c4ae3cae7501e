// The shared service runtime as a service sees it: health, reflection,
// per-RPC metrics, authentication at the edge and graceful shutdown.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "liveconnect/v1/repository.grpc.pb.h"
#include "runtime/server.h"

namespace lc {
namespace {

namespace v1 = ::liveconnect::v1;
using ::testing::HasSubstr;

constexpr char kSecret[] = "runtime-test-secret-runtime-test-secret";

// GetDocument of the id "block" stays in flight until the test releases it.
class SlowService final : public v1::RepositoryService::Service {
 public:
  explicit SlowService(const RpcEdge& edge) : edge_(edge) {}
  grpc::Status GetDocument(grpc::ServerContext* ctx, const v1::GetDocumentRequest* req,
                           v1::Document* resp) override {
    return edge_.Serve(ctx, "GetDocument", Access::kUser, [&](const CallContext& call) {
      if (req->id() == "block") {
        started.Notify();
        if (!release.WaitForNotificationWithTimeout(absl::Seconds(20))) {
          return absl::DeadlineExceededError("the test never released the call");
        }
      }
      resp->set_owner(call.principal.subject);
      return absl::OkStatus();
    });
  }
  grpc::Status DeleteDocument(grpc::ServerContext* ctx, const v1::DeleteDocumentRequest*,
                              v1::DeleteDocumentResponse*) override {
    return edge_.Serve(ctx, "DeleteDocument", Access::kAdmin,
                       [&](const CallContext&) { return absl::NotFoundError("no such thing"); });
  }
  absl::Notification started;
  absl::Notification release;

 private:
  const RpcEdge& edge_;
};

class ServiceRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Only the metrics test serves metrics: the exporter takes seconds to stop.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string metrics =
        name.find("Metrics") != std::string::npos ? "--metrics-port=0" : "--metrics-port=-1";
    const char* argv[] = {"svc", "--listen-addr=127.0.0.1:0", metrics.c_str(),
                          "--shutdown-grace=5s"};
    std::map<std::string, std::string> env = {{"LC_JWT_SECRET", kSecret}};
    auto config = Config::Load(CommonSettings("127.0.0.1:0"), 4, argv, env);
    ASSERT_TRUE(config.ok()) << config.status();
    runtime_ = std::make_unique<ServiceRuntime>("svc", ReadRuntimeSettings(*config));
    service_ = std::make_unique<SlowService>(runtime_->edge());
    runtime_->AddService(service_.get());
    ASSERT_TRUE(runtime_->Start().ok());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(runtime_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::RepositoryService::NewStub(channel_);
  }

  void TearDown() override {
    if (!stopped_) {
      runtime_->RequestShutdown();
      runtime_->Wait();
    }
  }

  void Authorize(grpc::ClientContext& ctx, std::vector<std::string> roles = {}) {
    absl::Time now = absl::Now();
    ctx.AddMetadata("authorization", "Bearer " + MintHs256(kSecret, Principal{"alice", roles}, now,
                                                           now + absl::Minutes(1)));
  }

  std::unique_ptr<ServiceRuntime> runtime_;
  std::unique_ptr<SlowService> service_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RepositoryService::Stub> stub_;
  bool stopped_ = false;
};

TEST_F(ServiceRuntimeTest, HealthReportsServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const char* service : {"", "svc"}) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    ASSERT_TRUE(health->Check(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
}

TEST_F(ServiceRuntimeTest, ReflectionListsTheServices) {
  // ServerReflectionRequest{list_services: ""} encoded by hand: field 7, length 0.
  grpc::GenericStub generic(channel_);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::Slice slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_THAT(bytes, HasSubstr("liveconnect.v1.RepositoryService"));
  EXPECT_THAT(bytes, HasSubstr("grpc.health.v1.Health"));
  call->WritesDone(reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(ServiceRuntimeTest, EdgeAuthenticatesAndChecksRoles) {
  v1::GetDocumentRequest req;
  v1::Document resp;
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(stub_->GetDocument(&ctx, req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Basic YWxpY2U6c2VjcmV0");
    EXPECT_EQ(stub_->GetDocument(&ctx, req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    Authorize(ctx);
    ctx.AddMetadata("x-request-id", "trace-me-123");
    ASSERT_TRUE(stub_->GetDocument(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.owner(), "alice");  // the handler got the principal
    auto it = ctx.GetServerInitialMetadata().find("x-request-id");
    ASSERT_NE(it, ctx.GetServerInitialMetadata().end());
    EXPECT_EQ(std::string(it->second.data(), it->second.size()), "trace-me-123");
  }
  v1::DeleteDocumentRequest del;
  v1::DeleteDocumentResponse dresp;
  {
    grpc::ClientContext ctx;
    Authorize(ctx);
    EXPECT_EQ(stub_->DeleteDocument(&ctx, del, &dresp).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    Authorize(ctx, {"admin"});
    grpc::Status s = stub_->DeleteDocument(&ctx, del, &dresp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);  // absl status mapped 1:1
    EXPECT_EQ(s.error_message(), "no such thing");
  }
}

TEST_F(ServiceRuntimeTest, MetricsCountCallsByMethodAndCode) {
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::Document resp;
    ASSERT_TRUE(stub_->GetDocument(&ctx, v1::GetDocumentRequest(), &resp).ok());
  }
  {
    grpc::ClientContext ctx;
    v1::Document resp;
    stub_->GetDocument(&ctx, v1::GetDocumentRequest(), &resp);
  }
  ASSERT_GT(runtime_->metrics_port(), 0);
  httplib::Client client("127.0.0.1", runtime_->metrics_port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string method = "/liveconnect.v1.RepositoryService/GetDocument";
  EXPECT_THAT(res->body,
              HasSubstr("lc_grpc_server_handled_total{code=\"OK\",method=\"" + method + "\"} 3"));
  EXPECT_THAT(res->body,
              HasSubstr("lc_grpc_server_handled_total{code=\"UNAUTHENTICATED\",method=\"" + method +
                        "\"} 1"));
  EXPECT_THAT(res->body,
              HasSubstr("lc_grpc_server_handling_seconds_count{method=\"" + method + "\"} 4"));
}

// A new call refused while a started one is still in flight: the server is
// shutting down (bounded poll; gRPC has no notification for it).
bool NewCallsRefused(v1::RepositoryService::Stub& stub) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    v1::Document resp;
    if (stub.GetDocument(&ctx, v1::GetDocumentRequest(), &resp).error_code() ==
        grpc::StatusCode::UNAVAILABLE) {
      return true;
    }
  }
  return false;
}

TEST_F(ServiceRuntimeTest, ShutdownDrainsInFlightCallsAndRefusesNewOnes) {
  v1::Document slow_resp;
  grpc::Status slow_status;
  std::thread slow([&] {
    grpc::ClientContext ctx;
    Authorize(ctx);
    v1::GetDocumentRequest req;
    req.set_id("block");
    slow_status = stub_->GetDocument(&ctx, req, &slow_resp);
  });
  ASSERT_TRUE(service_->started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  runtime_->RequestShutdown();
  std::thread waiter([&] { runtime_->Wait(); });
  // The in-flight call outlives the start of the shutdown, then finishes.
  const bool refused = NewCallsRefused(*stub_);
  service_->release.Notify();
  slow.join();
  waiter.join();
  stopped_ = true;
  EXPECT_TRUE(refused) << "new calls were still accepted during the shutdown";
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
  EXPECT_EQ(slow_resp.owner(), "alice");

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  Authorize(ctx);
  v1::Document resp;
  EXPECT_EQ(stub_->GetDocument(&ctx, v1::GetDocumentRequest(), &resp).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace lc
