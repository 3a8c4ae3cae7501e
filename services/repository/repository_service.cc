#include "repository/repository_service.h"

namespace lc::repository {
namespace {

// Copies a StatusOr's value into the response, or passes its error on.
template <typename T>
absl::Status Answer(absl::StatusOr<T> result, T* resp) {
  if (!result.ok()) return result.status();
  *resp = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

grpc::Status RepositoryServiceImpl::CreateDocument(grpc::ServerContext* ctx,
                                                   const v1::CreateDocumentRequest* req,
                                                   v1::Document* resp) {
  return edge_.Serve(ctx, "CreateDocument", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.Create(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::GetDocument(grpc::ServerContext* ctx,
                                                const v1::GetDocumentRequest* req,
                                                v1::Document* resp) {
  return edge_.Serve(ctx, "GetDocument", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.Get(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::UpdateDocument(grpc::ServerContext* ctx,
                                                   const v1::UpdateDocumentRequest* req,
                                                   v1::Document* resp) {
  return edge_.Serve(ctx, "UpdateDocument", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.Update(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::DeleteDocument(grpc::ServerContext* ctx,
                                                   const v1::DeleteDocumentRequest* req,
                                                   v1::DeleteDocumentResponse*) {
  return edge_.Serve(ctx, "DeleteDocument", Access::kUser,
                     [&](const CallContext& c) { return repo_.Delete(c.principal, *req); });
}

grpc::Status RepositoryServiceImpl::ListDocuments(grpc::ServerContext* ctx,
                                                  const v1::ListDocumentsRequest* req,
                                                  v1::ListDocumentsResponse* resp) {
  return edge_.Serve(ctx, "ListDocuments", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.List(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::CreateVersion(grpc::ServerContext* ctx,
                                                  const v1::CreateVersionRequest* req,
                                                  v1::Version* resp) {
  return edge_.Serve(ctx, "CreateVersion", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.CreateVersion(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::ListVersions(grpc::ServerContext* ctx,
                                                 const v1::ListVersionsRequest* req,
                                                 v1::ListVersionsResponse* resp) {
  return edge_.Serve(ctx, "ListVersions", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.ListVersions(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::GetVersion(grpc::ServerContext* ctx,
                                               const v1::GetVersionRequest* req,
                                               v1::Version* resp) {
  return edge_.Serve(ctx, "GetVersion", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.GetVersion(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::GetHistory(grpc::ServerContext* ctx,
                                               const v1::GetHistoryRequest* req,
                                               v1::GetHistoryResponse* resp) {
  return edge_.Serve(ctx, "GetHistory", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.History(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::GetBlobLink(grpc::ServerContext* ctx,
                                                const v1::GetBlobLinkRequest* req, v1::Link* resp) {
  return edge_.Serve(ctx, "GetBlobLink", Access::kUser, [&](const CallContext& c) {
    return Answer(repo_.BlobLink(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::ListReferencedAccounts(
    grpc::ServerContext* ctx, const v1::ListReferencedAccountsRequest* req,
    v1::ListReferencedAccountsResponse* resp) {
  return edge_.Serve(ctx, "ListReferencedAccounts", Access::kService, [&](const CallContext&) {
    return Answer(repo_.ReferencedAccounts(*req), resp);
  });
}

grpc::Status RepositoryServiceImpl::FindDocumentsByFiles(grpc::ServerContext* ctx,
                                                         const v1::FindDocumentsByFilesRequest* req,
                                                         v1::FindDocumentsByFilesResponse* resp) {
  return edge_.Serve(ctx, "FindDocumentsByFiles", Access::kService,
                     [&](const CallContext&) { return Answer(repo_.FindByFiles(*req), resp); });
}

grpc::Status RepositoryServiceImpl::ApplyFileChange(grpc::ServerContext* ctx,
                                                    const v1::ApplyFileChangeRequest* req,
                                                    v1::ApplyFileChangeResponse* resp) {
  return edge_.Serve(ctx, "ApplyFileChange", Access::kService, [&](const CallContext& c) {
    return Answer(repo_.ApplyFileChange(c.principal, *req), resp);
  });
}

grpc::Status RepositoryServiceImpl::RecordFulltextState(grpc::ServerContext* ctx,
                                                        const v1::RecordFulltextStateRequest* req,
                                                        v1::RecordFulltextStateResponse*) {
  return edge_.Serve(ctx, "RecordFulltextState", Access::kService,
                     [&](const CallContext&) { return repo_.RecordFulltextState(*req); });
}

grpc::Status RepositoryServiceImpl::ListPinnedRevisions(grpc::ServerContext* ctx,
                                                        const v1::ListPinnedRevisionsRequest* req,
                                                        v1::ListPinnedRevisionsResponse* resp) {
  return edge_.Serve(ctx, "ListPinnedRevisions", Access::kService,
                     [&](const CallContext&) { return Answer(repo_.PinnedRevisions(*req), resp); });
}

grpc::Status RepositoryServiceImpl::MarkRevisionsExpired(grpc::ServerContext* ctx,
                                                         const v1::MarkRevisionsExpiredRequest* req,
                                                         v1::MarkRevisionsExpiredResponse* resp) {
  return edge_.Serve(ctx, "MarkRevisionsExpired", Access::kService, [&](const CallContext& c) {
    return Answer(repo_.MarkRevisionsExpired(c.principal, *req), resp);
  });
}

}  // namespace lc::repository
