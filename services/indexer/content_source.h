// Where the indexer gets a document's bytes or text: the providers service
// in production (GrpcContentSource), a fake in tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveconnect/v1/providers.grpc.pb.h"

namespace lc::indexer {

namespace v1 = ::liveconnect::v1;

struct FetchedContent {
  std::string bytes;
  std::string mime_type;
};

class ContentSource {
 public:
  virtual ~ContentSource() = default;
  // The content of blob in `format` (ORIGINAL or TEXT), read on behalf of
  // `user`. More than max_bytes is RESOURCE_EXHAUSTED; no text export is
  // UNIMPLEMENTED or FAILED_PRECONDITION; gone is NOT_FOUND; no access is
  // PERMISSION_DENIED; a transient failure is UNAVAILABLE.
  virtual absl::StatusOr<FetchedContent> Fetch(const v1::BlobRef& blob, v1::ContentFormat format,
                                               const std::string& user, int64_t max_bytes,
                                               absl::Duration timeout) = 0;
};

// ProviderService.GetContent with a service identity.
class GrpcContentSource : public ContentSource {
 public:
  // token: returns a fresh service token for each call.
  GrpcContentSource(std::shared_ptr<grpc::Channel> channel, std::function<std::string()> token);

  absl::StatusOr<FetchedContent> Fetch(const v1::BlobRef& blob, v1::ContentFormat format,
                                       const std::string& user, int64_t max_bytes,
                                       absl::Duration timeout) override;

 private:
  std::unique_ptr<v1::ProviderService::Stub> stub_;
  std::function<std::string()> token_;
};

}  // namespace lc::indexer
