#include "testing/fake_provider_service.h"

#include <chrono>

namespace lc::testing {

namespace v1 = ::liveconnect::v1;

void FakeProviderService::SetContent(const std::string& file_id, Content content) {
  std::lock_guard<std::mutex> lock(mu_);
  contents_[file_id] = std::move(content);
}

void FakeProviderService::FailContent(const std::string& file_id, grpc::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  content_errors_[file_id] = std::move(status);
}

void FakeProviderService::SetDefaultContent(ContentFn fn) {
  std::lock_guard<std::mutex> lock(mu_);
  default_content_ = std::move(fn);
}

void FakeProviderService::SetFolder(std::vector<v1::CloudFile> items) {
  std::lock_guard<std::mutex> lock(mu_);
  folder_ = std::move(items);
}

void FakeProviderService::SetObserver(Observer observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = std::move(observer);
}

void FakeProviderService::HoldContentUntilPeers(int clients, absl::Duration timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  hold_until_peers_ = clients;
  hold_timeout_ = timeout;
}

std::vector<FakeProviderService::Call> FakeProviderService::calls() {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

std::vector<v1::GetContentRequest> FakeProviderService::content_requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return content_requests_;
}

std::map<std::string, int> FakeProviderService::content_calls() {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, int> by_file;
  for (const auto& r : content_requests_) ++by_file[r.blob().file_id()];
  return by_file;
}

grpc::Status FakeProviderService::Record(const std::string& method, grpc::ServerContext& context,
                                         const google::protobuf::Message& request) {
  Observer observer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto& md = context.client_metadata();
    auto auth = md.find("authorization");
    calls_.push_back(
        Call{method, auth == md.end() ? "" : std::string(auth->second.data(), auth->second.size()),
             context.peer()});
    observer = observer_;
  }
  return observer ? observer(method, context, request) : grpc::Status::OK;
}

void FakeProviderService::AwaitPeers(const std::string& peer) {
  std::unique_lock<std::mutex> lock(mu_);
  if (hold_until_peers_ <= 0) return;
  peers_seen_.insert(peer);
  peers_cv_.notify_all();
  const int want = hold_until_peers_;
  peers_cv_.wait_for(lock, absl::ToChronoMilliseconds(hold_timeout_),
                     [&] { return static_cast<int>(peers_seen_.size()) >= want; });
}

grpc::Status FakeProviderService::GetContent(grpc::ServerContext* context,
                                             const v1::GetContentRequest* request,
                                             grpc::ServerWriter<v1::ContentChunk>* writer) {
  if (grpc::Status s = Record("GetContent", *context, *request); !s.ok()) return s;
  Content content;
  {
    std::lock_guard<std::mutex> lock(mu_);
    content_requests_.push_back(*request);
    const std::string& id = request->blob().file_id();
    if (auto e = content_errors_.find(id); e != content_errors_.end()) return e->second;
    if (auto c = contents_.find(id); c != contents_.end()) {
      content = c->second;
    } else if (default_content_) {
      content = default_content_(*request);
    } else {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "file not found: " + id);
    }
  }
  AwaitPeers(context->peer());
  for (size_t i = 0; i < content.chunks.size(); ++i) {
    v1::ContentChunk chunk;
    if (i == 0) chunk.set_mime_type(content.mime_type);
    chunk.set_data(content.chunks[i]);
    if (!writer->Write(chunk)) break;
  }
  return content.end;
}

grpc::Status FakeProviderService::ListFolder(grpc::ServerContext* context,
                                             const v1::ListFolderRequest* request,
                                             v1::ListFolderResponse* response) {
  if (grpc::Status s = Record("ListFolder", *context, *request); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& item : folder_) *response->add_items() = item;
  return grpc::Status::OK;
}

}  // namespace lc::testing
