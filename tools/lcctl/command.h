// What a subcommand is, and what it gets to make its calls. Each service adds
// its subcommands from its own file (repository_commands.cc, ...).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "args.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace lc::lcctl {

// The service a command talks to; decides the default address.
enum class Service { kRepository, kOAuth, kIndexer, kProviders, kSync };

// Reads an environment variable; injected so tests do not touch the process
// environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The address to dial for a service when --addr is not given: its
// LC_<SERVICE>_ADDR variable, else its local development default.
std::string DefaultAddress(Service service, const EnvLookup& env);

// What a command's call runs with: one channel, the caller's credentials and
// the output stream.
class RpcSession {
 public:
  RpcSession(std::shared_ptr<grpc::Channel> channel, std::string token, absl::Duration timeout,
             bool json, std::ostream& out);

  grpc::Channel& channel() const { return *channel_; }
  std::shared_ptr<grpc::Channel> shared_channel() const { return channel_; }
  std::ostream& out() const { return out_; }

  // A context for one call: bearer token and deadline set.
  std::unique_ptr<grpc::ClientContext> NewCall() const;

  // JSON when --json was given, else the human form.
  absl::Status Print(const google::protobuf::Message& message,
                     const std::function<void(std::ostream&)>& human) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
  absl::Duration timeout_;
  bool json_;
  std::ostream& out_;
};

// The calls of a command, run once the arguments are known to be valid. An
// error here is an RPC error (exit 1).
using Action = std::function<absl::Status(RpcSession& session)>;

struct Command {
  // The words that select it: "docs create".
  std::string name;
  std::string summary;
  Service service = Service::kRepository;
  ArgSpec args;
  // Checks the arguments and builds the request without any I/O. An error
  // (InvalidArgument, naming the flag) is a usage error (exit 2).
  std::function<absl::StatusOr<Action>(const ParsedArgs& args)> prepare;
};

// The prepare step of a command that only needs its request built from the
// arguments (`build`, no I/O) and then runs one call with it (`run`).
template <typename Request>
std::function<absl::StatusOr<Action>(const ParsedArgs&)> Prepare(
    absl::StatusOr<Request> (*build)(const ParsedArgs&),
    absl::Status (*run)(RpcSession&, const Request&)) {
  return [build, run](const ParsedArgs& args) -> absl::StatusOr<Action> {
    absl::StatusOr<Request> request = build(args);
    if (!request.ok()) return request.status();
    return Action([run, request = *std::move(request)](RpcSession& session) {
      return run(session, request);
    });
  };
}

// grpc::Status and absl::Status share their codes one to one.
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace lc::lcctl
