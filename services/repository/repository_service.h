// gRPC handler of RepositoryService: authenticate, call Repository, map.
#pragma once

#include "liveconnect/v1/repository.grpc.pb.h"
#include "repository/repository.h"
#include "runtime/server.h"

namespace lc::repository {

class RepositoryServiceImpl final : public v1::RepositoryService::Service {
 public:
  RepositoryServiceImpl(Repository& repo, const RpcEdge& edge) : repo_(repo), edge_(edge) {}

  grpc::Status CreateDocument(grpc::ServerContext* ctx, const v1::CreateDocumentRequest* req,
                              v1::Document* resp) override;
  grpc::Status GetDocument(grpc::ServerContext* ctx, const v1::GetDocumentRequest* req,
                           v1::Document* resp) override;
  grpc::Status UpdateDocument(grpc::ServerContext* ctx, const v1::UpdateDocumentRequest* req,
                              v1::Document* resp) override;
  grpc::Status DeleteDocument(grpc::ServerContext* ctx, const v1::DeleteDocumentRequest* req,
                              v1::DeleteDocumentResponse* resp) override;
  grpc::Status ListDocuments(grpc::ServerContext* ctx, const v1::ListDocumentsRequest* req,
                             v1::ListDocumentsResponse* resp) override;
  grpc::Status CreateVersion(grpc::ServerContext* ctx, const v1::CreateVersionRequest* req,
                             v1::Version* resp) override;
  grpc::Status ListVersions(grpc::ServerContext* ctx, const v1::ListVersionsRequest* req,
                            v1::ListVersionsResponse* resp) override;
  grpc::Status GetVersion(grpc::ServerContext* ctx, const v1::GetVersionRequest* req,
                          v1::Version* resp) override;
  grpc::Status GetHistory(grpc::ServerContext* ctx, const v1::GetHistoryRequest* req,
                          v1::GetHistoryResponse* resp) override;
  grpc::Status GetBlobLink(grpc::ServerContext* ctx, const v1::GetBlobLinkRequest* req,
                           v1::Link* resp) override;
  grpc::Status ListReferencedAccounts(grpc::ServerContext* ctx,
                                      const v1::ListReferencedAccountsRequest* req,
                                      v1::ListReferencedAccountsResponse* resp) override;
  grpc::Status FindDocumentsByFiles(grpc::ServerContext* ctx,
                                    const v1::FindDocumentsByFilesRequest* req,
                                    v1::FindDocumentsByFilesResponse* resp) override;
  grpc::Status ApplyFileChange(grpc::ServerContext* ctx, const v1::ApplyFileChangeRequest* req,
                               v1::ApplyFileChangeResponse* resp) override;
  grpc::Status RecordFulltextState(grpc::ServerContext* ctx,
                                   const v1::RecordFulltextStateRequest* req,
                                   v1::RecordFulltextStateResponse* resp) override;
  grpc::Status ListPinnedRevisions(grpc::ServerContext* ctx,
                                   const v1::ListPinnedRevisionsRequest* req,
                                   v1::ListPinnedRevisionsResponse* resp) override;
  grpc::Status MarkRevisionsExpired(grpc::ServerContext* ctx,
                                    const v1::MarkRevisionsExpiredRequest* req,
                                    v1::MarkRevisionsExpiredResponse* resp) override;

 private:
  Repository& repo_;
  const RpcEdge& edge_;
};

}  // namespace lc::repository
