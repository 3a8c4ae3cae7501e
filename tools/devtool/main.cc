// lc-devtool: small helpers for the local stack and its scripts.
//   lc-devtool health HOST:PORT [SERVICE] [--timeout-ms N]
//       exit 0 when grpc.health.v1 answers SERVING, 1 otherwise
//   lc-devtool token --secret-file F --sub USER [--role R]... [--ttl-hours H]
//       prints an HS256 development token
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "runtime/client_call.h"
#include "runtime/jwt.h"

namespace {

int Usage() {
  std::cerr << "usage: lc-devtool health HOST:PORT [SERVICE] [--timeout-ms N]\n"
               "       lc-devtool token --secret-file F --sub USER [--role R]... [--ttl-hours H]\n";
  return 2;
}

int Health(const std::vector<std::string>& args) {
  if (args.empty()) return Usage();
  std::string addr = args[0], service;
  int timeout_ms = 1000;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--timeout-ms" && i + 1 < args.size()) {
      if (!absl::SimpleAtoi(args[++i], &timeout_ms)) return Usage();
    } else {
      service = args[i];
    }
  }
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  lc::PrepareOutgoingCall(ctx, /*bearer_token=*/"", absl::Now() + absl::Milliseconds(timeout_ms));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) {
    std::cerr << addr << ": " << s.error_message() << "\n";
    return 1;
  }
  bool serving = resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  std::cout << addr << ": " << (serving ? "SERVING" : "NOT_SERVING") << "\n";
  return serving ? 0 : 1;
}

int Token(const std::vector<std::string>& args) {
  std::string secret_file, sub;
  std::vector<std::string> roles;
  int ttl_hours = 24;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--secret-file") {
      secret_file = args[i + 1];
    } else if (args[i] == "--sub") {
      sub = args[i + 1];
    } else if (args[i] == "--role") {
      roles.push_back(args[i + 1]);
    } else if (args[i] == "--ttl-hours") {
      if (!absl::SimpleAtoi(args[i + 1], &ttl_hours)) return Usage();
    } else {
      return Usage();
    }
  }
  if (args.size() % 2 != 0 || secret_file.empty() || sub.empty()) return Usage();
  std::ifstream in(secret_file);
  std::stringstream secret;
  secret << in.rdbuf();
  std::string s = secret.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty()) {
    std::cerr << "lc-devtool: cannot read a secret from " << secret_file << "\n";
    return 1;
  }
  absl::Time now = absl::Now();
  std::cout << lc::MintHs256(s, lc::Principal{sub, roles}, now, now + absl::Hours(ttl_hours))
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "health") return Health(args);
  if (cmd == "token") return Token(args);
  return Usage();
}
