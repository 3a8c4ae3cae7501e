#include "command.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "output.h"
#include "runtime/client_call.h"

namespace lc::lcctl {
namespace {

struct ServiceAddress {
  Service service;
  const char* env_var;
  const char* fallback;
};

// One row per service; later services add theirs (LC_OAUTH_ADDR, ...).
constexpr ServiceAddress kServiceAddresses[] = {
    {Service::kRepository, "LC_REPOSITORY_ADDR", "127.0.0.1:50051"},
    {Service::kOAuth, "LC_OAUTH_ADDR", "127.0.0.1:50052"},
    {Service::kIndexer, "LC_INDEXER_ADDR", "127.0.0.1:50055"},
    {Service::kProviders, "LC_PROVIDERS_ADDR", "127.0.0.1:50053"},
    {Service::kSync, "LC_SYNC_ADDR", "127.0.0.1:50054"},
};

}  // namespace

std::string DefaultAddress(Service service, const EnvLookup& env) {
  for (const ServiceAddress& entry : kServiceAddresses) {
    if (entry.service != service) continue;
    std::optional<std::string> value = env(entry.env_var);
    return value && !value->empty() ? *value : entry.fallback;
  }
  return "";
}

RpcSession::RpcSession(std::shared_ptr<grpc::Channel> channel, std::string token,
                       absl::Duration timeout, bool json, std::ostream& out)
    : channel_(std::move(channel)),
      token_(std::move(token)),
      timeout_(timeout),
      json_(json),
      out_(out) {}

std::unique_ptr<grpc::ClientContext> RpcSession::NewCall() const {
  auto context = std::make_unique<grpc::ClientContext>();
  PrepareOutgoingCall(*context, token_, absl::Now() + timeout_);
  return context;
}

absl::Status RpcSession::Print(const google::protobuf::Message& message,
                               const std::function<void(std::ostream&)>& human) const {
  if (json_) return PrintJson(message, out_);
  human(out_);
  return absl::OkStatus();
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace lc::lcctl
