#include "gateway/api_routes.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/expired_versions.h"
#include "gateway/http_errors.h"
#include "gateway/rest_mapping.h"
#include "gateway/upstream.h"
#include "liveconnect/v1/indexer.grpc.pb.h"
#include "liveconnect/v1/oauth.grpc.pb.h"
#include "liveconnect/v1/providers.grpc.pb.h"
#include "liveconnect/v1/repository.grpc.pb.h"
#include "liveconnect/v1/sync.grpc.pb.h"
#include "runtime/log.h"

namespace lc::gateway {
namespace {

namespace v1 = liveconnect::v1;
using Handler = Router::Handler;

// What every route shares: who may call, how long a call may take.
struct RouteContext {
  const ApiOptions* options;
  const RequestAuthenticator* auth;
};

absl::StatusOr<AuthenticatedUser> Begin(const RouteContext& rc, const httplib::Request& req) {
  auto user = AuthenticateApiRequest(req, *rc.auth, rc.options->public_url);
  if (user.ok()) Router::Current().user = user->principal.subject;
  return user;
}

absl::Status NotConfigured(absl::string_view service) {
  return absl::UnavailableError(
      absl::StrCat("this gateway is not connected to the ", service, " service"));
}

// The common start of every route: the user, and the request built from
// the HTTP request. On failure the error is written and nothing is called.
template <class Req>
std::optional<AuthenticatedUser> Admit(const RouteContext& rc, bool configured,
                                       absl::string_view service, const RequestMapping& mapping,
                                       const httplib::Request& req, httplib::Response& res,
                                       Req& request) {
  auto user = Begin(rc, req);
  absl::Status status = user.status();
  if (status.ok()) status = BuildRequest(req, mapping, request);
  if (status.ok() && !configured) status = NotConfigured(service);
  if (!status.ok()) {
    WriteError(res, status, ErrorFormat::kJson);
    return std::nullopt;
  }
  return *std::move(user);
}

// A unary RPC: the JSON of its response, with `ok_status` (201 for creates).
template <class Stub, class Req, class Resp>
Handler Unary(const RouteContext& rc, std::shared_ptr<Stub> stub,
              grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Req&, Resp*),
              std::string service, RequestMapping mapping, int ok_status = 200) {
  return [rc, stub, rpc, service = std::move(service), mapping = std::move(mapping), ok_status](
             const httplib::Request& req, httplib::Response& res) {
    Req request;
    auto user = Admit(rc, stub != nullptr, service, mapping, req, res, request);
    if (!user) return;
    grpc::ClientContext context;
    PrepareUpstreamCall(context, *user, rc.options->upstream_timeout);
    Resp response;
    grpc::Status status = ((*stub).*rpc)(&context, request, &response);
    if (!status.ok()) return WriteError(res, UpstreamError(status, service), ErrorFormat::kJson);
    WriteJson(res, ok_status, ToJson(response));
  };
}

// A server-streaming RPC as NDJSON: one line per message as it arrives; a
// failure before the first message is an ordinary error answer, one after
// it is a last line {"error":{...}} (the status line is already sent).
template <class Stub, class Req, class Resp>
Handler Stream(const RouteContext& rc, std::shared_ptr<Stub> stub,
               std::unique_ptr<grpc::ClientReader<Resp>> (Stub::*rpc)(grpc::ClientContext*,
                                                                      const Req&),
               std::string service, RequestMapping mapping) {
  return [rc, stub, rpc, service = std::move(service), mapping = std::move(mapping)](
             const httplib::Request& req, httplib::Response& res) {
    Req request;
    auto user = Admit(rc, stub != nullptr, service, mapping, req, res, request);
    if (!user) return;
    auto stream = std::make_shared<OpenStream<Resp>>();
    PrepareUpstreamCall(stream->context, *user, rc.options->stream_timeout);
    stream->reader = ((*stub).*rpc)(&stream->context, request);
    if (!stream->reader->Read(&stream->next)) {
      grpc::Status status = stream->Finish();
      if (!status.ok()) return WriteError(res, UpstreamError(status, service), ErrorFormat::kJson);
      res.status = 200;
      res.set_content("", "application/x-ndjson");
      return;
    }
    res.status = 200;
    const std::string request_id = CurrentRequestId();
    res.set_chunked_content_provider(
        "application/x-ndjson", [stream, service, request_id](size_t, httplib::DataSink& sink) {
          ScopedRequestId scoped(request_id);
          const std::string line = ToJson(stream->next) + "\n";
          if (!sink.write(line.data(), line.size())) return false;
          if (!stream->reader->Read(&stream->next)) {
            grpc::Status status = stream->Finish();
            if (!status.ok()) {
              const std::string error = JsonErrorBody(UpstreamError(status, service)) + "\n";
              sink.write(error.data(), error.size());
            }
            sink.done();
          }
          return true;
        });
  };
}

// GET /api/v1/accounts/{provider}/{account}: one of the user's own accounts.
// OAuthService.GetAccount is internal (it names any user), so this reads
// the user's list for that provider and picks the account.
Handler OwnAccount(const RouteContext& rc, std::shared_ptr<v1::OAuthService::Stub> oauth) {
  return [rc, oauth](const httplib::Request& req, httplib::Response& res) {
    auto user = Begin(rc, req);
    if (!user.ok()) return WriteError(res, user.status(), ErrorFormat::kJson);
    if (!req.body.empty()) {
      return WriteError(res, absl::InvalidArgumentError("this request takes no body"),
                        ErrorFormat::kJson);
    }
    if (oauth == nullptr) return WriteError(res, NotConfigured("oauth"), ErrorFormat::kJson);
    const std::string provider = req.matches[1];
    const std::string account = req.matches[2];
    v1::ListAccountsRequest request;
    request.set_provider(provider);
    v1::ListAccountsResponse response;
    grpc::ClientContext context;
    PrepareUpstreamCall(context, *user, rc.options->upstream_timeout);
    grpc::Status status = oauth->ListAccounts(&context, request, &response);
    if (!status.ok()) return WriteError(res, UpstreamError(status, "oauth"), ErrorFormat::kJson);
    for (const v1::Account& a : response.accounts()) {
      if (a.account() == account) return WriteJson(res, 200, ToJson(a));
    }
    WriteError(res,
               absl::NotFoundError(absl::StrCat("you have no ", provider, " account ", account)),
               ErrorFormat::kJson);
  };
}

// GET .../versions/{versionId}/links/{kind}: GetBlobLink, except that a
// version whose pinned revision expired answers 410 Gone.
Handler VersionLink(const RouteContext& rc, std::shared_ptr<v1::RepositoryService::Stub> repo) {
  const RequestMapping mapping{.path_fields = {"document_id", "version_id", "kind"}};
  return [rc, repo, mapping](const httplib::Request& req, httplib::Response& res) {
    v1::GetBlobLinkRequest request;
    auto user = Admit(rc, repo != nullptr, "repository", mapping, req, res, request);
    if (!user) return;
    grpc::ClientContext context;
    PrepareUpstreamCall(context, *user, rc.options->upstream_timeout);
    v1::Link link;
    grpc::Status status = repo->GetBlobLink(&context, request, &link);
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
        WriteIfRevisionExpired(*repo, *user, rc.options->upstream_timeout, request.document_id(),
                               request.version_id(), ErrorFormat::kJson, res)) {
      return;
    }
    if (!status.ok()) {
      return WriteError(res, UpstreamError(status, "repository"), ErrorFormat::kJson);
    }
    WriteJson(res, 200, ToJson(link));
  };
}

constexpr char kSeg[] = "([^/]+)";

}  // namespace

absl::StatusOr<AuthenticatedUser> AuthenticateApiRequest(const httplib::Request& req,
                                                         const RequestAuthenticator& auth,
                                                         const PublicUrl& public_url) {
  auto user = auth.Authenticate(req);
  if (!user.ok()) return user.status();
  const bool safe = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
  if (!safe && user->source == TokenSource::kSessionCookie && req.has_header("Origin") &&
      absl::AsciiStrToLower(req.get_header_value("Origin")) != public_url.origin()) {
    return absl::PermissionDeniedError(
        "a change authenticated by the session cookie must come from this gateway's own pages");
  }
  return user;
}

void RegisterApiRoutes(Router& router, const ApiOptions& options, const Upstreams& upstreams,
                       const RequestAuthenticator& auth) {
  // The options outlive the routes: the gateway keeps them.
  const RouteContext rc{&options, &auth};
  auto repo = StubOn<v1::RepositoryService::Stub>(upstreams.repository);
  auto oauth = StubOn<v1::OAuthService::Stub>(upstreams.oauth);
  auto providers = StubOn<v1::ProviderService::Stub>(upstreams.providers);
  auto indexer = StubOn<v1::IndexerService::Stub>(upstreams.indexer);
  auto sync = StubOn<v1::SyncService::Stub>(upstreams.sync);
  using R = v1::RepositoryService::Stub;
  using O = v1::OAuthService::Stub;
  using P = v1::ProviderService::Stub;
  using I = v1::IndexerService::Stub;
  using S = v1::SyncService::Stub;

  const std::string docs = "/api/v1/documents";
  const std::string doc = absl::StrCat(docs, "/", kSeg);
  const std::string version = absl::StrCat(doc, "/versions/", kSeg);
  const std::string account = absl::StrCat("/api/v1/accounts/", kSeg, "/", kSeg);
  const std::string admin_provider = absl::StrCat("/api/v1/admin/providers/", kSeg);
  auto add = [&router](const char* method, const std::string& pattern, const std::string& name,
                       Handler handler) {
    router.Handle(method, pattern, name, std::move(handler));
  };

  // Documents, versions, history, links.
  add("GET", docs, "/api/v1/documents", Unary(rc, repo, &R::ListDocuments, "repository", {}));
  add("POST", docs, "/api/v1/documents",
      Unary(rc, repo, &R::CreateDocument, "repository", {.body = true}, 201));
  add("GET", doc, "/api/v1/documents/{id}",
      Unary(rc, repo, &R::GetDocument, "repository", {.path_fields = {"id"}}));
  add("PATCH", doc, "/api/v1/documents/{id}",
      Unary(
          rc, repo, &R::UpdateDocument, "repository",
          {.path_fields = {"document.id"}, .body = true, .header_fields = {{"If-Match", "etag"}}}));
  add("DELETE", doc, "/api/v1/documents/{id}",
      Unary(rc, repo, &R::DeleteDocument, "repository",
            {.path_fields = {"id"}, .header_fields = {{"If-Match", "etag"}}}));
  add("GET", doc + "/versions", "/api/v1/documents/{id}/versions",
      Unary(rc, repo, &R::ListVersions, "repository", {.path_fields = {"document_id"}}));
  add("POST", doc + "/versions", "/api/v1/documents/{id}/versions",
      Unary(rc, repo, &R::CreateVersion, "repository",
            {.path_fields = {"document_id"}, .body = true}, 201));
  add("GET", version, "/api/v1/documents/{id}/versions/{versionId}",
      Unary(rc, repo, &R::GetVersion, "repository",
            {.path_fields = {"document_id", "version_id"}}));
  add("GET", doc + "/history", "/api/v1/documents/{id}/history",
      Unary(rc, repo, &R::GetHistory, "repository", {.path_fields = {"document_id"}}));
  add("GET", absl::StrCat(doc, "/links/", kSeg), "/api/v1/documents/{id}/links/{kind}",
      Unary(rc, repo, &R::GetBlobLink, "repository", {.path_fields = {"document_id", "kind"}}));
  add("GET", absl::StrCat(version, "/links/", kSeg),
      "/api/v1/documents/{id}/versions/{versionId}/links/{kind}", VersionLink(rc, repo));

  // Search and the index.
  add("GET", "/api/v1/search", "/api/v1/search",
      Unary(rc, indexer, &I::Search, "indexer", {.query_aliases = {{"q", "query"}}}));
  add("GET", "/api/v1/index/status", "/api/v1/index/status",
      Unary(rc, indexer, &I::IndexStatus, "indexer", {}));
  add("POST", "/api/v1/index/reindex", "/api/v1/index/reindex",
      Stream(rc, indexer, &I::Reindex, "indexer", {.body = true}));

  // Connected accounts and their cloud folders.
  add("GET", "/api/v1/accounts", "/api/v1/accounts",
      Unary(rc, oauth, &O::ListAccounts, "oauth", {}));
  add("GET", account, "/api/v1/accounts/{provider}/{account}", OwnAccount(rc, oauth));
  add("DELETE", account, "/api/v1/accounts/{provider}/{account}",
      Unary(rc, oauth, &O::Disconnect, "oauth", {.path_fields = {"provider", "account"}}));
  add("GET", account + "/folders", "/api/v1/accounts/{provider}/{account}/folders",
      Unary(rc, providers, &P::ListFolder, "providers",
            {.path_fields = {"account.provider", "account.account"}}));
  add("GET", absl::StrCat(account, "/folders/", kSeg),
      "/api/v1/accounts/{provider}/{account}/folders/{folderId}",
      Unary(rc, providers, &P::ListFolder, "providers",
            {.path_fields = {"account.provider", "account.account", "folder_id"}}));
  add("GET", absl::StrCat(account, "/files/", kSeg),
      "/api/v1/accounts/{provider}/{account}/files/{fileId}",
      Unary(rc, providers, &P::GetFile, "providers",
            {.path_fields = {"blob.provider", "blob.account", "blob.file_id"}}));
  add("GET", absl::StrCat(account, "/files/", kSeg, "/revisions"),
      "/api/v1/accounts/{provider}/{account}/files/{fileId}/revisions",
      Unary(rc, providers, &P::ListRevisions, "providers",
            {.path_fields = {"blob.provider", "blob.account", "blob.file_id"}}));
  add("GET", absl::StrCat("/api/v1/providers/", kSeg, "/capabilities"),
      "/api/v1/providers/{provider}/capabilities",
      Unary(rc, providers, &P::GetCapabilities, "providers", {.path_fields = {"provider"}}));

  // Sync.
  add("GET", "/api/v1/sync/status", "/api/v1/sync/status",
      Unary(rc, sync, &S::GetStatus, "sync", {}));
  add("POST", "/api/v1/sync/run", "/api/v1/sync/run",
      Stream(rc, sync, &S::RunNow, "sync", {.body = true}));

  // The provider registry (admins).
  add("GET", "/api/v1/admin/providers", "/api/v1/admin/providers",
      Unary(rc, oauth, &O::ListServiceProviders, "oauth", {}));
  add("GET", admin_provider, "/api/v1/admin/providers/{name}",
      Unary(rc, oauth, &O::GetServiceProvider, "oauth", {.path_fields = {"name"}}));
  add("PATCH", admin_provider, "/api/v1/admin/providers/{name}",
      Unary(rc, oauth, &O::UpdateServiceProvider, "oauth",
            {.path_fields = {"provider.name"}, .body = true}));
  add("PUT", admin_provider + "/enabled", "/api/v1/admin/providers/{name}/enabled",
      Unary(rc, oauth, &O::SetServiceProviderEnabled, "oauth",
            {.path_fields = {"name"}, .body = true}));
}

}  // namespace lc::gateway
