#include "indexer/fulltext_reporter.h"

#include <grpcpp/client_context.h>

#include <utility>

#include "absl/time/clock.h"
#include "runtime/client_call.h"
#include "runtime/status.h"

namespace lc::indexer {

FulltextReporter::FulltextReporter(std::shared_ptr<grpc::Channel> repository,
                                   std::function<std::string()> token, absl::Duration timeout)
    : stub_(liveconnect::v1::RepositoryService::NewStub(std::move(repository))),
      token_(std::move(token)),
      timeout_(timeout) {}

absl::Status FulltextReporter::Report(const v1::Document& doc, const IndexedText& result) const {
  liveconnect::v1::RecordFulltextStateRequest req;
  req.set_document_id(doc.id());
  req.set_state(result.state);
  req.set_reason(result.reason);
  liveconnect::v1::RecordFulltextStateResponse resp;
  grpc::ClientContext ctx;
  PrepareOutgoingCall(ctx, token_(), absl::Now() + timeout_);
  return FromGrpcStatus(stub_->RecordFulltextState(&ctx, req, &resp));
}

std::function<absl::Status(const v1::Document&, const IndexedText&)> FulltextReporter::AsCallback()
    const {
  return [this](const v1::Document& doc, const IndexedText& result) { return Report(doc, result); };
}

}  // namespace lc::indexer
