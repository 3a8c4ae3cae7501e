#include "gateway/browser_links.h"

#include <grpcpp/client_context.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/api_routes.h"
#include "gateway/expired_versions.h"
#include "gateway/http_errors.h"
#include "gateway/upstream.h"
#include "runtime/encoding.h"
#include "runtime/log.h"

namespace lc::gateway {
namespace {

namespace v1 = liveconnect::v1;

constexpr char kKinds[] = "(download|preview|pdf|thumbnail|edit)";

// A media type as the provider gave it, if it is one; octet-stream else.
std::string SafeMediaType(const std::string& mime) {
  if (mime.empty() || mime.size() > 200) return "application/octet-stream";
  int slashes = 0;
  for (char c : mime) {
    if (c == '/') {
      ++slashes;
    } else if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
               absl::string_view("!#$&^_.+-;= ").find(c) == absl::string_view::npos) {
      return "application/octet-stream";
    }
  }
  return slashes == 1 ? mime : "application/octet-stream";
}

// RFC 6266: an ASCII fallback and the UTF-8 name percent-encoded.
std::string ContentDisposition(absl::string_view disposition, absl::string_view filename) {
  if (filename.empty()) return std::string(disposition);
  std::string fallback;
  for (char c : filename) {
    const auto u = static_cast<unsigned char>(c);
    fallback += (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') ? c : '_';
  }
  return absl::StrCat(disposition, "; filename=\"", fallback, "\"; filename*=UTF-8''",
                      PercentEncode(std::string_view(filename.data(), filename.size())));
}

// The "retry-after-ms" trailer the providers service sets on UNAVAILABLE.
std::optional<absl::Duration> RetryAfterOf(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("retry-after-ms");
  int64_t ms = 0;
  if (it == trailers.end() ||
      !absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &ms) || ms < 0) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

}  // namespace

BrowserLinks::BrowserLinks(Options options, std::shared_ptr<v1::RepositoryService::Stub> repo,
                           std::shared_ptr<v1::ProviderService::Stub> providers,
                           const RequestAuthenticator& auth, prometheus::Registry& registry,
                           std::function<absl::Time()> clock)
    : options_(std::move(options)),
      repo_(std::move(repo)),
      providers_(std::move(providers)),
      auth_(auth),
      clock_(std::move(clock)),
      cache_(options_.cache) {
  auto& family = prometheus::BuildCounter()
                     .Name("lc_gateway_link_cache_total")
                     .Help(
                         "Browser-URL requests answered from the link cache (hit) or after "
                         "asking the repository (miss).")
                     .Register(registry);
  hits_ = &family.Add({{"result", "hit"}});
  misses_ = &family.Add({{"result", "miss"}});
}

std::optional<BrowserLinks::Target> BrowserLinks::Parse(const std::string& path) {
  static constexpr std::string_view kPrefix = "/api/v1/documents/";
  std::string_view rest(path);
  if (rest.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  rest.remove_prefix(kPrefix.size());
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (parts.back().empty()) return std::nullopt;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    if (rest.empty()) return std::nullopt;  // a trailing slash
  }
  Target target;
  std::string_view kind;
  if (parts.size() == 2) {
    kind = parts[1];
  } else if (parts.size() == 4 && parts[1] == "versions") {
    target.version_id = std::string(parts[2]);
    kind = parts[3];
  } else {
    return std::nullopt;
  }
  if (kind == "download") {
    target.kind = v1::LINK_KIND_DOWNLOAD;
  } else if (kind == "preview") {
    target.kind = v1::LINK_KIND_PREVIEW;
  } else if (kind == "pdf") {
    target.kind = v1::LINK_KIND_PDF;
  } else if (kind == "thumbnail") {
    target.kind = v1::LINK_KIND_THUMBNAIL;
  } else if (kind == "edit") {
    target.kind = v1::LINK_KIND_EDIT;
  } else {
    return std::nullopt;
  }
  target.document_id = std::string(parts[0]);
  return target;
}

void BrowserLinks::Register(Router& router) {
  const std::string document_route = "/api/v1/documents/{id}/{kind}";
  const std::string version_route = "/api/v1/documents/{id}/versions/{versionId}/{kind}";
  router.SetFastPath(
      [this, document_route, version_route](const httplib::Request& req, httplib::Response& res) {
        auto target = Parse(req.path);
        if (!target) return false;
        Router::Current().route = target->version_id.empty() ? document_route : version_route;
        Serve(req, res, *target);
        return true;
      });
  // The same URLs as routes, for a router without the fast path.
  auto routed = [this](const httplib::Request& req, httplib::Response& res) {
    auto target = Parse(req.path);
    if (!target) {
      return WriteError(res, absl::NotFoundError("no such page on this gateway"),
                        ErrorFormat::kJson);
    }
    Serve(req, res, *target);
  };
  router.Get(absl::StrCat("/api/v1/documents/([^/]+)/", kKinds), document_route, routed);
  router.Get(absl::StrCat("/api/v1/documents/([^/]+)/versions/([^/]+)/", kKinds), version_route,
             routed);
}

void BrowserLinks::Serve(const httplib::Request& req, httplib::Response& res,
                         const Target& target) {
  const ErrorFormat format = PreferredErrorFormat(req);
  auto user = AuthenticateApiRequest(req, auth_, options_.public_url);
  if (!user.ok()) return WriteError(res, user.status(), format);
  Router::Current().user = user->principal.subject;
  const std::string& document_id = target.document_id;
  const std::string& version_id = target.version_id;
  const v1::LinkKind kind = target.kind;

  const std::string key = LinkCache::Key(user->principal.subject, document_id, version_id, kind);
  if (auto cached = cache_.Get(key, clock_())) {
    hits_->Increment();
    res.set_redirect(cached->url(), 302);
    return;
  }
  misses_->Increment();
  if (repo_ == nullptr) {
    return WriteError(res, absl::UnavailableError("this gateway has no repository service"),
                      format);
  }
  v1::GetBlobLinkRequest request;
  request.set_document_id(document_id);
  request.set_version_id(version_id);
  request.set_kind(kind);
  v1::Link link;
  grpc::Status status = FetchLink(*user, key, request, &link);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
        WriteIfRevisionExpired(*repo_, *user, options_.upstream_timeout, document_id, version_id,
                               format, res)) {
      return;
    }
    return WriteError(res, UpstreamError(status, "repository"), format);
  }
  if (link.requires_token()) {
    return StreamContent(*user, document_id, version_id, kind, format, res);
  }
  if (!IsPlainHttpUrl(link.url())) {
    LogError("the repository returned an unusable link", {{"document_id", document_id}});
    return WriteError(res, absl::InternalError("the repository returned an unusable link"), format);
  }
  cache_.Put(key, link, clock_());
  res.set_redirect(link.url(), 302);
}

grpc::Status BrowserLinks::FetchLink(const AuthenticatedUser& user, const std::string& key,
                                     const v1::GetBlobLinkRequest& request, v1::Link* link) {
  // Single flight: when the same user's link is already being asked for
  // (a burst of clicks, or the cache expiring under load), wait for that
  // answer instead of asking the repository again.
  std::shared_ptr<InflightLink> flight;
  bool leader = false;
  {
    absl::MutexLock lock(&inflight_mu_);
    auto [it, inserted] = inflight_.try_emplace(key);
    if (inserted) it->second = std::make_shared<InflightLink>();
    flight = it->second;
    leader = inserted;
  }
  if (!leader) {
    absl::MutexLock lock(&flight->mu);
    const bool done =
        flight->mu.AwaitWithTimeout(absl::Condition(&flight->done), options_.upstream_timeout);
    if (!done) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "the link asked for by a concurrent request did not come in time");
    }
    *link = flight->link;
    return flight->status;
  }
  grpc::ClientContext context;
  PrepareUpstreamCall(context, user, options_.upstream_timeout);
  grpc::Status status = repo_->GetBlobLink(&context, request, link);
  {
    absl::MutexLock lock(&inflight_mu_);
    inflight_.erase(key);
  }
  absl::MutexLock lock(&flight->mu);
  flight->status = status;
  flight->link = *link;
  flight->done = true;
  return status;
}

void BrowserLinks::StreamContent(const AuthenticatedUser& user, const std::string& document_id,
                                 const std::string& version_id, v1::LinkKind kind,
                                 ErrorFormat format, httplib::Response& res) {
  v1::ContentFormat content_format = v1::CONTENT_FORMAT_ORIGINAL;
  std::string disposition = "attachment";
  switch (kind) {
    case v1::LINK_KIND_DOWNLOAD:
      break;
    case v1::LINK_KIND_PDF:
    case v1::LINK_KIND_PREVIEW:
      content_format = v1::CONTENT_FORMAT_PDF;
      disposition = "inline";
      break;
    case v1::LINK_KIND_THUMBNAIL:
      content_format = v1::CONTENT_FORMAT_THUMBNAIL;
      disposition = "inline";
      break;
    default:
      return WriteError(res,
                        absl::FailedPreconditionError(
                            "the provider has no browser URL for this link and it cannot be "
                            "served through the gateway"),
                        format);
  }
  if (providers_ == nullptr) {
    return WriteError(res, absl::UnavailableError("this gateway has no providers service"), format);
  }
  // Which file (and pinned revision) to read: the document's or the version's.
  v1::BlobRef blob;
  v1::BlobMetadata metadata;
  {
    grpc::ClientContext context;
    PrepareUpstreamCall(context, user, options_.upstream_timeout);
    grpc::Status status;
    if (version_id.empty()) {
      v1::GetDocumentRequest request;
      request.set_id(document_id);
      v1::Document doc;
      status = repo_->GetDocument(&context, request, &doc);
      blob = doc.blob();
      metadata = doc.blob_metadata();
    } else {
      v1::GetVersionRequest request;
      request.set_document_id(document_id);
      request.set_version_id(version_id);
      v1::Version version;
      status = repo_->GetVersion(&context, request, &version);
      blob = version.blob();
      metadata = version.blob_metadata();
      // Marked since the link was handed out: the bytes are gone.
      if (status.ok() && version.state() == v1::VERSION_STATE_REVISION_EXPIRED) {
        return WriteRevisionExpired(res, version, format);
      }
    }
    if (!status.ok()) return WriteError(res, UpstreamError(status, "repository"), format);
  }
  std::string filename = metadata.filename();
  if (content_format == v1::CONTENT_FORMAT_PDF && !absl::EndsWithIgnoreCase(filename, ".pdf")) {
    filename = filename.empty() ? "" : absl::StrCat(filename, ".pdf");
  } else if (content_format == v1::CONTENT_FORMAT_THUMBNAIL) {
    filename.clear();
  }

  auto content = std::make_shared<OpenStream<v1::ContentChunk>>();
  PrepareUpstreamCall(content->context, user, options_.content_timeout);
  v1::GetContentRequest request;
  *request.mutable_blob() = blob;
  request.set_format(content_format);
  content->reader = providers_->GetContent(&content->context, request);
  if (!content->reader->Read(&content->next)) {
    grpc::Status status = content->Finish();
    // Not ready yet (a rendition still being made, a throttled account):
    // the providers service says when to come back.
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      if (auto retry_after = RetryAfterOf(content->context)) {
        LogInfo("content not ready upstream", {{"error", status.error_message()}});
        return WriteRetryLater(res, *retry_after, format);
      }
    }
    if (!status.ok()) return WriteError(res, UpstreamError(status, "providers"), format);
    res.status = 200;
    res.set_header("Content-Disposition", ContentDisposition(disposition, filename));
    res.set_content("", "application/octet-stream");
    return;
  }
  res.status = 200;
  res.set_header("Content-Disposition", ContentDisposition(disposition, filename));
  // The bytes are the provider's: a browser must not sniff them into HTML.
  res.set_header("Content-Security-Policy", "sandbox");
  const std::string request_id = CurrentRequestId();
  res.set_chunked_content_provider(SafeMediaType(content->next.mime_type()),
                                   [content, request_id](size_t, httplib::DataSink& sink) {
                                     const std::string& data = content->next.data();
                                     if (!data.empty() && !sink.write(data.data(), data.size()))
                                       return false;
                                     if (!content->reader->Read(&content->next)) {
                                       grpc::Status status = content->Finish();
                                       if (!status.ok()) {
                                         // The status line is sent: cut the body short so the
                                         // client sees a truncated transfer rather than a complete
                                         // file.
                                         ScopedRequestId scoped(request_id);
                                         LogWarn("content stream failed after the first bytes",
                                                 {{"code", static_cast<int>(status.error_code())},
                                                  {"error", status.error_message()}});
                                         return false;
                                       }
                                       sink.done();
                                     }
                                     return true;
                                   });
}

}  // namespace lc::gateway
