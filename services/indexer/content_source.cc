#include "indexer/content_source.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/client_call.h"

namespace lc::indexer {

GrpcContentSource::GrpcContentSource(std::shared_ptr<grpc::Channel> channel,
                                     std::function<std::string()> token)
    : stub_(v1::ProviderService::NewStub(std::move(channel))), token_(std::move(token)) {}

absl::StatusOr<FetchedContent> GrpcContentSource::Fetch(const v1::BlobRef& blob,
                                                        v1::ContentFormat format,
                                                        const std::string& user, int64_t max_bytes,
                                                        absl::Duration timeout) {
  grpc::ClientContext ctx;
  PrepareOutgoingCall(ctx, token_(), absl::Now() + timeout);
  v1::GetContentRequest req;
  *req.mutable_blob() = blob;
  req.set_format(format);
  req.set_max_bytes(max_bytes);
  req.set_on_behalf_of(user);
  auto reader = stub_->GetContent(&ctx, req);
  FetchedContent out;
  v1::ContentChunk chunk;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (first) {
      out.mime_type = chunk.mime_type();
      first = false;
    }
    if (static_cast<int64_t>(out.bytes.size() + chunk.data().size()) > max_bytes) {
      ctx.TryCancel();
      reader->Finish();
      return absl::ResourceExhaustedError(
          absl::StrCat("the content is larger than the ", max_bytes, " byte cap"));
    }
    out.bytes += chunk.data();
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("providers GetContent: ", status.error_message()));
  }
  return out;
}

}  // namespace lc::indexer
