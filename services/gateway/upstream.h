// Calling the gRPC services behind the gateway on behalf of a user.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/sync_stream.h>

#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/request_auth.h"

namespace lc::gateway {

// A stub on `channel`, or null when that service is not configured.
template <class Stub>
std::shared_ptr<Stub> StubOn(const std::shared_ptr<grpc::Channel>& channel) {
  return channel == nullptr ? nullptr : std::make_shared<Stub>(channel);
}

// A server stream the gateway relays to an HTTP client: the call, its
// reader and the message read ahead. Dropped before the stream ended (the
// client went away), it cancels the call upstream and drains it.
template <class Resp>
struct OpenStream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<Resp>> reader;
  Resp next;
  bool finished = false;

  grpc::Status Finish() {
    finished = true;
    return reader->Finish();
  }
  ~OpenStream() {
    if (reader == nullptr || finished) return;
    context.TryCancel();
    Resp ignored;
    while (reader->Read(&ignored)) {
    }
    (void)reader->Finish();
  }
};

// PrepareOutgoingCall with the user's own token (the services check the
// user, not the gateway): deadline, request id and trace forwarded.
void PrepareUpstreamCall(grpc::ClientContext& context, const AuthenticatedUser& user,
                         absl::Duration timeout);

// The status to show a client for a failed upstream call. Messages of
// client errors pass through (the services write them for people);
// transport failures and server errors are replaced by a generic message,
// and the original is logged.
absl::Status UpstreamError(const grpc::Status& status, std::string_view service);

}  // namespace lc::gateway
