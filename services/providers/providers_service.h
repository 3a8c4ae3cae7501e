// ProviderService: the thin gRPC handler over Providers (authenticate, name
// the caller, call, map; retry information as "retry-after-ms" trailing
// metadata).
#pragma once

#include "liveconnect/v1/providers.grpc.pb.h"
#include "providers/providers.h"
#include "runtime/server.h"

namespace lc::providers {

class ProviderServiceImpl final : public v1::ProviderService::Service {
 public:
  ProviderServiceImpl(Providers& providers, const RpcEdge& edge)
      : providers_(providers), edge_(edge) {}

  grpc::Status GetCapabilities(grpc::ServerContext* ctx, const v1::GetCapabilitiesRequest* req,
                               v1::GetCapabilitiesResponse* resp) override;
  grpc::Status ListFolder(grpc::ServerContext* ctx, const v1::ListFolderRequest* req,
                          v1::ListFolderResponse* resp) override;
  grpc::Status GetFile(grpc::ServerContext* ctx, const v1::GetFileRequest* req,
                       v1::CloudFile* resp) override;
  grpc::Status GetLink(grpc::ServerContext* ctx, const v1::GetLinkRequest* req,
                       v1::Link* resp) override;
  grpc::Status GetContent(grpc::ServerContext* ctx, const v1::GetContentRequest* req,
                          grpc::ServerWriter<v1::ContentChunk>* writer) override;
  grpc::Status ListRevisions(grpc::ServerContext* ctx, const v1::ListRevisionsRequest* req,
                             v1::ListRevisionsResponse* resp) override;
  grpc::Status PinRevision(grpc::ServerContext* ctx, const v1::PinRevisionRequest* req,
                           v1::PinRevisionResponse* resp) override;
  grpc::Status GetStartCursor(grpc::ServerContext* ctx, const v1::GetStartCursorRequest* req,
                              v1::GetStartCursorResponse* resp) override;
  grpc::Status ListChanges(grpc::ServerContext* ctx, const v1::ListChangesRequest* req,
                           v1::ListChangesResponse* resp) override;

 private:
  // Runs fn for the caller the request names (the JWT's user, or on_behalf_of
  // for a service identity).
  grpc::Status Run(grpc::ServerContext* ctx, const char* method, const std::string& on_behalf_of,
                   const std::function<absl::Status(const Caller&)>& fn);

  Providers& providers_;
  const RpcEdge& edge_;
};

}  // namespace lc::providers
