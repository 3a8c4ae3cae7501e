// Tells the repository each indexed document's full-text state, for the
// indexing workers' `report` callback.
#pragma once

#include <grpcpp/channel.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "indexer/document_indexer.h"
#include "liveconnect/v1/repository.grpc.pb.h"

namespace lc::indexer {

class FulltextReporter {
 public:
  // `token` gives the service token sent on each call.
  FulltextReporter(std::shared_ptr<grpc::Channel> repository, std::function<std::string()> token,
                   absl::Duration timeout = absl::Seconds(10));

  // RecordFulltextState for the document; the RPC's status.
  absl::Status Report(const v1::Document& doc, const IndexedText& result) const;

  // Report as WorkerSettings::report; the reporter must outlive its use.
  std::function<absl::Status(const v1::Document&, const IndexedText&)> AsCallback() const;

 private:
  std::unique_ptr<liveconnect::v1::RepositoryService::Stub> stub_;
  std::function<std::string()> token_;
  absl::Duration timeout_;
};

}  // namespace lc::indexer
