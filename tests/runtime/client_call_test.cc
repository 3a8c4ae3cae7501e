// Request id and trace context forwarded across a real gRPC hop: a client
// calls server A, whose handler (run by RpcEdge::Serve) calls server B
// through ServiceCalls; B records what arrived.
#include "runtime/client_call.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "runtime/jwt.h"
#include "runtime/request_context.h"
#include "runtime/server.h"
#include "runtime/status.h"

namespace lc {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using ::testing::MatchesRegex;

constexpr char kSecret[] = "client-call-test-secret-of-32-bytes!";
constexpr char kTraceparent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string Token(const std::string& subject, std::vector<std::string> roles) {
  const absl::Time now = absl::Now();
  return MintHs256(kSecret, Principal{subject, std::move(roles)}, now, now + absl::Minutes(5));
}

// What a server saw of one call.
struct Seen {
  std::string request_id;
  std::string traceparent;  // the header as received
  std::string tracestate;
  TraceContext trace;  // this hop's trace while serving
  std::string subject;
  absl::Time deadline;
};

// A Health service whose Check runs through RpcEdge and, when it has a
// next hop, calls it (on this thread or, with `use_worker`, on another one
// that carries the request explicitly).
class HopService final : public Health::Service {
 public:
  HopService(const RpcEdge& edge, std::shared_ptr<grpc::Channel> next, bool use_worker)
      : edge_(edge),
        next_(next ? Health::NewStub(next) : nullptr),
        calls_([] { return Token("service:a", {"service"}); }, absl::Seconds(10)),
        use_worker_(use_worker) {}

  grpc::Status Check(grpc::ServerContext* context, const HealthCheckRequest* req,
                     HealthCheckResponse* resp) override {
    return edge_.Serve(context, "Check", Access::kUser, [&](const CallContext& call) {
      Record(*context, call);
      if (next_ == nullptr) return absl::OkStatus();
      absl::Status forwarded;
      if (use_worker_) {
        const RequestContext request = CurrentRequest();
        std::thread([&, request] {
          ScopedRequest scope(request);
          forwarded = CallNext(*req);
        }).join();
      } else {
        forwarded = CallNext(*req);
      }
      LC_RETURN_IF_ERROR(forwarded);
      resp->set_status(HealthCheckResponse::SERVING);
      return absl::OkStatus();
    });
  }

  Seen seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  absl::Status CallNext(const HealthCheckRequest& req) {
    grpc::ClientContext out;
    calls_.Prepare(out);
    HealthCheckResponse resp;
    return FromGrpcStatus(next_->Check(&out, req, &resp));
  }

  void Record(const grpc::ServerContext& context, const CallContext& call) {
    auto header = [&](const char* key) {
      auto it = context.client_metadata().find(key);
      return it == context.client_metadata().end()
                 ? std::string()
                 : std::string(it->second.data(), it->second.size());
    };
    std::lock_guard<std::mutex> lock(mu_);
    seen_ =
        Seen{call.request_id,        header("traceparent"),  header("tracestate"),
             CurrentRequest().trace, call.principal.subject, absl::FromChrono(context.deadline())};
  }

  const RpcEdge& edge_;
  std::unique_ptr<Health::Stub> next_;
  ServiceCalls calls_;
  bool use_worker_;
  std::mutex mu_;
  Seen seen_;
};

class ForwardingTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    edge_ = std::make_unique<RpcEdge>(
        std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kSecret}));
    b_ = std::make_unique<HopService>(*edge_, nullptr, false);
    b_server_ = Start(*b_, &b_port_);
    auto to_b = grpc::CreateChannel("127.0.0.1:" + std::to_string(b_port_),
                                    grpc::InsecureChannelCredentials());
    a_ = std::make_unique<HopService>(*edge_, to_b, /*use_worker=*/GetParam());
    a_server_ = Start(*a_, &a_port_);
    client_ = Health::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(a_port_),
                                                  grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    a_server_->Shutdown();
    b_server_->Shutdown();
  }

  static std::unique_ptr<grpc::Server> Start(HopService& service, int* port) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
    builder.RegisterService(&service);
    auto server = builder.BuildAndStart();
    EXPECT_NE(*port, 0);
    return server;
  }

  // Calls A as a user with the given headers ("" leaves one out).
  grpc::Status CallA(const std::string& request_id, const std::string& traceparent,
                     const std::string& tracestate = "") {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + Token("user-1", {}));
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    if (!traceparent.empty()) context.AddMetadata("traceparent", traceparent);
    if (!tracestate.empty()) context.AddMetadata("tracestate", tracestate);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    HealthCheckResponse resp;
    return client_->Check(&context, HealthCheckRequest(), &resp);
  }

  std::unique_ptr<RpcEdge> edge_;
  std::unique_ptr<HopService> a_, b_;
  std::unique_ptr<grpc::Server> a_server_, b_server_;
  int a_port_ = 0, b_port_ = 0;
  std::unique_ptr<Health::Stub> client_;
};

TEST_P(ForwardingTest, TheNextHopSeesTheSameRequestAndTraceUnderANewParentSpan) {
  ASSERT_TRUE(CallA("req-hop-1", kTraceparent, "vendor=1").ok());
  const Seen a = a_->seen();
  const Seen b = b_->seen();
  EXPECT_EQ(a.request_id, "req-hop-1");
  EXPECT_EQ(b.request_id, "req-hop-1");
  EXPECT_EQ(a.trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(a.trace.parent_id, "00f067aa0ba902b7");

  auto received = ParseTraceparent(b.traceparent);
  ASSERT_TRUE(received.has_value()) << b.traceparent;
  EXPECT_EQ(received->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(received->parent_id, a.trace.span_id);  // A's span is B's parent
  EXPECT_NE(received->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(received->flags, 1);
  EXPECT_EQ(b.trace.trace_id, a.trace.trace_id);
  EXPECT_NE(b.trace.span_id, a.trace.span_id);
  EXPECT_EQ(b.tracestate, "vendor=1");
  // B was called with A's service identity, not the user's token.
  EXPECT_EQ(a.subject, "user-1");
  EXPECT_EQ(b.subject, "service:a");
  // ServiceCalls set its 10 s deadline.
  // The deadline crosses the wire as a grpc-timeout, which gRPC rounds up:
  // the server may see it a little later than the client set it.
  EXPECT_LE(b.deadline, absl::Now() + absl::Seconds(11));
  EXPECT_GT(b.deadline, absl::Now());
}

TEST_P(ForwardingTest, AFirstHopWithoutHeadersStartsTheIdAndTraceItForwards) {
  ASSERT_TRUE(CallA("", "").ok());
  const Seen a = a_->seen();
  const Seen b = b_->seen();
  EXPECT_THAT(a.request_id, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(b.request_id, a.request_id);
  EXPECT_EQ(a.trace.parent_id, "");
  EXPECT_EQ(b.trace.trace_id, a.trace.trace_id);
  EXPECT_EQ(b.trace.parent_id, a.trace.span_id);
}

TEST_P(ForwardingTest, AnInvalidTraceparentIsReplacedNotForwarded) {
  const std::string bad = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
  ASSERT_TRUE(CallA("bad id with spaces", bad, "vendor=1").ok());
  const Seen a = a_->seen();
  const Seen b = b_->seen();
  EXPECT_NE(a.request_id, "bad id with spaces");
  EXPECT_EQ(b.request_id, a.request_id);
  EXPECT_THAT(a.trace.trace_id, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_NE(b.traceparent, bad);
  EXPECT_EQ(b.trace.trace_id, a.trace.trace_id);
  EXPECT_EQ(b.tracestate, "");
}

INSTANTIATE_TEST_SUITE_P(OnTheServingThreadAndOnAWorker, ForwardingTest, ::testing::Bool());

}  // namespace
}  // namespace lc
