#include "gateway/oauth_routes.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/http_errors.h"
#include "gateway/query.h"
#include "gateway/upstream.h"
#include "runtime/log.h"

namespace lc::gateway {
namespace {

// Registry names are lower-case words ("googledrive", "onedrive-business").
constexpr char kProviderPattern[] = "([A-Za-z0-9][A-Za-z0-9_.-]{0,63})";

}  // namespace

OAuthRoutes::OAuthRoutes(Options options, liveconnect::v1::OAuthService::StubInterface& oauth,
                         const RequestAuthenticator& auth)
    : options_(std::move(options)), oauth_(oauth), auth_(auth) {}

void OAuthRoutes::Register(Router& router) {
  router.Get(absl::StrCat("/oauth2/", kProviderPattern, "/authorize"),
             "/oauth2/{provider}/authorize",
             [this](const httplib::Request& req, httplib::Response& res) { Authorize(req, res); });
  router.Get(absl::StrCat("/oauth2/", kProviderPattern, "/callback"), "/oauth2/{provider}/callback",
             [this](const httplib::Request& req, httplib::Response& res) { Callback(req, res); });
}

std::string OAuthRoutes::CallbackUrl(const std::string& provider) const {
  return options_.public_url.Resolve(absl::StrCat("/oauth2/", provider, "/callback"));
}

void OAuthRoutes::Authorize(const httplib::Request& req, httplib::Response& res) const {
  const ErrorFormat format = PreferredErrorFormat(req);
  const std::string provider = req.matches[1];
  const std::string return_to = QueryParam(req, "return_to");
  if (!return_to.empty() && !options_.public_url.IsOwnOrigin(return_to)) {
    WriteError(res,
               absl::InvalidArgumentError(absl::StrCat(
                   "return_to must be a path on this gateway (\"/...\") or a URL under ",
                   options_.public_url.origin())),
               format);
    return;
  }
  auto user = auth_.Authenticate(req);
  if (!user.ok()) {
    WriteError(res, user.status(), format);
    return;
  }
  Router::Current().user = user->principal.subject;

  liveconnect::v1::StartAuthorizationRequest request;
  request.set_provider(provider);
  request.set_return_to(return_to);
  request.set_redirect_uri(CallbackUrl(provider));
  request.set_login_hint(QueryParam(req, "login_hint"));
  liveconnect::v1::StartAuthorizationResponse response;
  grpc::ClientContext context;
  PrepareUpstreamCall(context, *user, options_.upstream_timeout);
  grpc::Status status = oauth_.StartAuthorization(&context, request, &response);
  if (!status.ok()) {
    WriteError(res, UpstreamError(status, "oauth"), format);
    return;
  }
  if (!IsPlainHttpUrl(response.authorization_url())) {
    LogError("oauth returned an unusable authorization URL", {{"provider", provider}});
    WriteError(res, absl::InternalError("the oauth service returned an unusable authorization URL"),
               format);
    return;
  }
  // The provider sends the browser back with a plain navigation, which
  // carries no Authorization header: the cookie carries the identity.
  if (user->source == TokenSource::kBearerHeader) {
    res.set_header("Set-Cookie", SessionCookie(user->token, options_.public_url.secure()));
  }
  res.set_redirect(response.authorization_url(), 302);
}

void OAuthRoutes::Callback(const httplib::Request& req, httplib::Response& res) const {
  const std::string provider = req.matches[1];
  const std::string failed = absl::StrCat("Could not connect ", provider);
  auto user = auth_.Authenticate(req);
  if (!user.ok()) {
    WriteHtmlPage(res, 401, failed,
                  absl::StrCat("Your session is missing or has expired (",
                               std::string(user.status().message()),
                               "). Sign in and start connecting the account again."));
    return;
  }
  Router::Current().user = user->principal.subject;

  liveconnect::v1::CompleteAuthorizationRequest request;
  request.set_provider(provider);
  request.set_code(QueryParam(req, "code"));
  request.set_state(QueryParam(req, "state"));
  request.set_error(QueryParam(req, "error"));
  request.set_error_description(QueryParam(req, "error_description"));
  if (request.error().empty() && (request.code().empty() || request.state().empty())) {
    WriteHtmlPage(res, 400, failed,
                  "The provider's answer has no code and state. Start connecting the account "
                  "again.");
    return;
  }
  liveconnect::v1::CompleteAuthorizationResponse response;
  grpc::ClientContext context;
  PrepareUpstreamCall(context, *user, options_.upstream_timeout);
  grpc::Status status = oauth_.CompleteAuthorization(&context, request, &response);
  if (!status.ok()) {
    const absl::Status error = UpstreamError(status, "oauth");
    WriteHtmlPage(res, HttpStatusFor(error.code()), failed, std::string(error.message()));
    return;
  }
  const std::string& return_to = response.return_to();
  if (!return_to.empty() && options_.public_url.IsOwnOrigin(return_to)) {
    res.set_redirect(return_to, 302);
    return;
  }
  if (!return_to.empty()) {
    LogWarn("return_to refused: not this gateway's origin", {{"provider", provider}});
  }
  const auto& account = response.account();
  const std::string name = account.account().empty() ? account.display_name() : account.account();
  WriteHtmlPage(res, 200, absl::StrCat("Connected ", provider),
                absl::StrCat("Connected ", name, " on ", provider, ". You can close this window."));
}

}  // namespace lc::gateway
