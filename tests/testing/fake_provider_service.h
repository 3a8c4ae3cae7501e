// A ProviderService standing in for the providers service over gRPC:
// GetContent streams the content set per file, ListFolder answers the items
// set; every call is recorded with its metadata, and errors are injectable
// per file or, through the observer, per RPC.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "liveconnect/v1/providers.grpc.pb.h"

namespace lc::testing {

class FakeProviderService final : public ::liveconnect::v1::ProviderService::Service {
 public:
  struct Content {
    std::string mime_type = "text/plain";
    std::vector<std::string> chunks;
    // Answered after the chunks: not OK for a stream that breaks midway.
    grpc::Status end = grpc::Status::OK;
  };
  using ContentFn = std::function<Content(const ::liveconnect::v1::GetContentRequest&)>;
  // Sees every call first; a status other than OK is answered instead.
  using Observer = std::function<grpc::Status(const std::string& method, grpc::ServerContext&,
                                              const google::protobuf::Message&)>;
  struct Call {
    std::string method;
    std::string authorization;  // the "authorization" metadata, "" when absent
    std::string peer;           // the client's address
  };

  // GetContent of file_id answers `content`; an error status answers that.
  void SetContent(const std::string& file_id, Content content);
  void FailContent(const std::string& file_id, grpc::Status status);
  // Content of files without their own (default: NOT_FOUND).
  void SetDefaultContent(ContentFn fn);
  void SetFolder(std::vector<::liveconnect::v1::CloudFile> items);
  void SetObserver(Observer observer);
  // GetContent holds each call until `clients` distinct peers have one in
  // flight (at most `timeout`), so every client is sure to get a share.
  void HoldContentUntilPeers(int clients, absl::Duration timeout);

  std::vector<Call> calls();
  std::vector<::liveconnect::v1::GetContentRequest> content_requests();
  // GetContent calls by file id.
  std::map<std::string, int> content_calls();

  grpc::Status GetContent(grpc::ServerContext* context,
                          const ::liveconnect::v1::GetContentRequest* request,
                          grpc::ServerWriter<::liveconnect::v1::ContentChunk>* writer) override;
  grpc::Status ListFolder(grpc::ServerContext* context,
                          const ::liveconnect::v1::ListFolderRequest* request,
                          ::liveconnect::v1::ListFolderResponse* response) override;

 private:
  grpc::Status Record(const std::string& method, grpc::ServerContext& context,
                      const google::protobuf::Message& request);
  void AwaitPeers(const std::string& peer);

  std::mutex mu_;
  std::condition_variable peers_cv_;
  std::map<std::string, Content> contents_;
  std::map<std::string, grpc::Status> content_errors_;
  ContentFn default_content_;
  std::vector<::liveconnect::v1::CloudFile> folder_;
  Observer observer_;
  int hold_until_peers_ = 0;
  absl::Duration hold_timeout_;
  std::set<std::string> peers_seen_;
  std::vector<Call> calls_;
  std::vector<::liveconnect::v1::GetContentRequest> content_requests_;
};

}  // namespace lc::testing
