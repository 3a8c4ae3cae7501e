#include "providers/providers_service.h"

#include <chrono>

#include "providers/provider_http.h"

namespace lc::providers {
namespace {

template <typename T>
absl::Status Answer(absl::StatusOr<T> result, T* resp) {
  if (!result.ok()) return result.status();
  *resp = *std::move(result);
  return absl::OkStatus();
}

// Sends the bytes as ContentChunk messages; the first carries the type and size.
class ChunkWriter : public ContentSink {
 public:
  explicit ChunkWriter(grpc::ServerWriter<v1::ContentChunk>* writer) : writer_(writer) {}
  absl::Status Begin(const std::string& mime_type, std::optional<int64_t> total_size) override {
    first_.set_mime_type(mime_type);
    if (total_size) first_.set_total_size(*total_size);
    pending_first_ = true;
    return absl::OkStatus();
  }
  absl::Status Write(std::string_view data) override {
    v1::ContentChunk chunk;
    if (pending_first_) {
      chunk = first_;
      pending_first_ = false;
    }
    chunk.set_data(std::string(data));
    if (!writer_->Write(chunk)) return absl::CancelledError("the client went away");
    return absl::OkStatus();
  }
  // An empty file still sends its first chunk.
  absl::Status Finish() {
    if (!pending_first_) return absl::OkStatus();
    return Write("");
  }

 private:
  grpc::ServerWriter<v1::ContentChunk>* writer_;
  v1::ContentChunk first_;
  bool pending_first_ = false;
};

}  // namespace

grpc::Status ProviderServiceImpl::Run(grpc::ServerContext* ctx, const char* method,
                                      const std::string& on_behalf_of,
                                      const std::function<absl::Status(const Caller&)>& fn) {
  return edge_.Serve(ctx, method, Access::kUser, [&](const CallContext& c) -> absl::Status {
    Caller caller;
    if (c.principal.IsService()) {
      if (on_behalf_of.empty()) {
        return absl::InvalidArgumentError("a service call names the user in on_behalf_of");
      }
      caller.user = on_behalf_of;
      caller.service = true;
    } else {
      if (!on_behalf_of.empty() && on_behalf_of != c.principal.subject) {
        return absl::PermissionDeniedError("only a service identity may set on_behalf_of");
      }
      caller.user = c.principal.subject;
    }
    if (ctx->deadline() != std::chrono::system_clock::time_point::max()) {
      caller.deadline = absl::FromChrono(ctx->deadline());
    }
    absl::Status s = fn(caller);
    if (auto ms = RetryAfterMs(s)) ctx->AddTrailingMetadata("retry-after-ms", std::to_string(*ms));
    return s;
  });
}

grpc::Status ProviderServiceImpl::GetCapabilities(grpc::ServerContext* ctx,
                                                  const v1::GetCapabilitiesRequest* req,
                                                  v1::GetCapabilitiesResponse* resp) {
  return edge_.Serve(ctx, "GetCapabilities", Access::kUser, [&](const CallContext&) {
    return Answer(providers_.GetCapabilities(req->provider()), resp);
  });
}

grpc::Status ProviderServiceImpl::ListFolder(grpc::ServerContext* ctx,
                                             const v1::ListFolderRequest* req,
                                             v1::ListFolderResponse* resp) {
  return Run(ctx, "ListFolder", req->on_behalf_of(),
             [&](const Caller& c) { return Answer(providers_.ListFolder(c, *req), resp); });
}

grpc::Status ProviderServiceImpl::GetFile(grpc::ServerContext* ctx, const v1::GetFileRequest* req,
                                          v1::CloudFile* resp) {
  return Run(ctx, "GetFile", req->on_behalf_of(), [&](const Caller& c) {
    return Answer(providers_.GetFile(c, req->blob(), req->no_cache()), resp);
  });
}

grpc::Status ProviderServiceImpl::GetLink(grpc::ServerContext* ctx, const v1::GetLinkRequest* req,
                                          v1::Link* resp) {
  return Run(ctx, "GetLink", req->on_behalf_of(), [&](const Caller& c) {
    return Answer(providers_.GetLink(c, req->blob(), req->kind()), resp);
  });
}

grpc::Status ProviderServiceImpl::GetContent(grpc::ServerContext* ctx,
                                             const v1::GetContentRequest* req,
                                             grpc::ServerWriter<v1::ContentChunk>* writer) {
  return Run(ctx, "GetContent", req->on_behalf_of(), [&](const Caller& c) {
    ChunkWriter sink(writer);
    absl::Status s = providers_.GetContent(c, req->blob(), req->format(), req->max_bytes(), sink);
    if (!s.ok()) return s;
    return sink.Finish();
  });
}

grpc::Status ProviderServiceImpl::ListRevisions(grpc::ServerContext* ctx,
                                                const v1::ListRevisionsRequest* req,
                                                v1::ListRevisionsResponse* resp) {
  return Run(ctx, "ListRevisions", req->on_behalf_of(), [&](const Caller& c) {
    return Answer(providers_.ListRevisions(c, req->blob()), resp);
  });
}

grpc::Status ProviderServiceImpl::PinRevision(grpc::ServerContext* ctx,
                                              const v1::PinRevisionRequest* req,
                                              v1::PinRevisionResponse* resp) {
  return Run(ctx, "PinRevision", req->on_behalf_of(),
             [&](const Caller& c) { return Answer(providers_.PinRevision(c, req->blob()), resp); });
}

grpc::Status ProviderServiceImpl::GetStartCursor(grpc::ServerContext* ctx,
                                                 const v1::GetStartCursorRequest* req,
                                                 v1::GetStartCursorResponse* resp) {
  return Run(ctx, "GetStartCursor", req->on_behalf_of(), [&](const Caller& c) {
    return Answer(providers_.GetStartCursor(c, req->account()), resp);
  });
}

grpc::Status ProviderServiceImpl::ListChanges(grpc::ServerContext* ctx,
                                              const v1::ListChangesRequest* req,
                                              v1::ListChangesResponse* resp) {
  return Run(ctx, "ListChanges", req->on_behalf_of(), [&](const Caller& c) {
    return Answer(providers_.ListChanges(c, req->account(), req->cursor()), resp);
  });
}

}  // namespace lc::providers
