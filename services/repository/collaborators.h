// What the repository asks of other services: the providers service for
// cloud metadata, links and pins, and the indexer for (re)indexing. Both are
// interfaces so the logic is tested with fakes; the gRPC implementations call
// with the repository's service identity on behalf of the document's owner.
#pragma once

#include <grpcpp/channel.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "liveconnect/v1/providers.grpc.pb.h"
#include "liveconnect/v1/types.pb.h"

namespace lc::repository {

namespace v1 = ::liveconnect::v1;

class CloudFiles {
 public:
  virtual ~CloudFiles() = default;
  // NOT_FOUND for a missing file; PERMISSION_DENIED when `user` has not
  // connected the account or lost access.
  virtual absl::StatusOr<v1::CloudFile> GetFile(const std::string& user,
                                                const v1::BlobRef& blob) = 0;
  virtual absl::StatusOr<v1::Link> GetLink(const std::string& user, const v1::BlobRef& blob,
                                           v1::LinkKind kind) = 0;
  // Pins the current revision; the returned reference carries it.
  virtual absl::StatusOr<v1::PinRevisionResponse> Pin(const std::string& user,
                                                      const v1::BlobRef& blob) = 0;
};

class IndexQueue {
 public:
  virtual ~IndexQueue() = default;
  virtual absl::Status Enqueue(const v1::Document& doc, const std::string& reason) = 0;
  virtual absl::Status Remove(const std::string& document_id) = 0;
};

// Mints the service token for each call.
using ServiceTokenFn = std::function<std::string()>;

std::unique_ptr<CloudFiles> NewGrpcCloudFiles(std::shared_ptr<grpc::Channel> channel,
                                              ServiceTokenFn token);
std::unique_ptr<IndexQueue> NewGrpcIndexQueue(std::shared_ptr<grpc::Channel> channel,
                                              ServiceTokenFn token);

}  // namespace lc::repository
