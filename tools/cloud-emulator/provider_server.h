// One provider's loopback server: its store, OAuth server, faults and request
// log, and the route wrapper that applies faults and records each call.
#pragma once

#include <httplib.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "fault_injector.h"
#include "nlohmann/json.hpp"
#include "oauth.h"
#include "store.h"

namespace lc::emulator {

struct TlsIdentity;

class ProviderServer {
 public:
  // Writes the provider's error body for a status the emulator imposes
  // (faults: 429, 5xx) with `retry_after` seconds.
  using FaultResponder = std::function<void(httplib::Response& res, int status, int retry_after)>;

  ProviderServer(std::string name, IdStyle style, OAuthServer::Options oauth, Clock& clock,
                 int64_t token_ttl_seconds, const TlsIdentity* tls);
  ~ProviderServer();

  const std::string& name() const { return name_; }
  bool tls() const { return tls_; }
  Store& store() { return store_; }
  OAuthServer& oauth() { return oauth_; }
  FaultInjector& faults() { return faults_; }
  RequestLog& log() { return log_; }
  httplib::Server& http() { return *http_; }
  void set_fault_responder(FaultResponder r) { fault_responder_ = std::move(r); }
  void set_default_user(std::string id) { default_user_ = std::move(id); }
  const std::string& default_user() const { return default_user_; }

  // Registers a provider route. `op` names the operation in the counters.
  void Route(const std::string& method, const std::string& pattern, const std::string& op,
             httplib::Server::Handler handler);
  // scheme://host:port as the client addressed us.
  std::string BaseUrl(const httplib::Request& req) const;
  // The login_hint user, else the default user; an unknown email in
  // login_hint creates a user of `new_account_type` ("personal" |
  // "business").
  std::optional<User> ResolveLoginUser(const std::string& login_hint,
                                       const std::string& new_account_type = "personal");

  // Keeps a provider's handler object alive as long as the server.
  void Keep(std::shared_ptr<void> object) { kept_.push_back(std::move(object)); }

  int Bind(const std::string& host, int port);
  void Listen();
  void Stop();
  int port() const { return port_; }

 private:
  const std::string name_;
  const bool tls_;
  Store store_;
  OAuthServer oauth_;
  FaultInjector faults_;
  RequestLog log_;
  std::unique_ptr<httplib::Server> http_;
  FaultResponder fault_responder_;
  std::string default_user_;
  int port_ = 0;
  std::vector<std::shared_ptr<void>> kept_;
};

// Admin API under /_emulator/ (see README.md).
void InstallAdminApi(ProviderServer& server);
// Applies a seed document ({"users":[...],"files":[...]}) to one provider.
absl::StatusOr<nlohmann::json> ApplySeed(ProviderServer& server, const nlohmann::json& seed);

void InstallGoogleDrive(ProviderServer& server);
void InstallDropbox(ProviderServer& server);
void InstallBox(ProviderServer& server);
void InstallOneDrive(ProviderServer& server);

// Records which user the current request acted for (request log).
void NoteRequestUser(const std::string& user_id);

// Helpers shared by the providers.
void SendJson(httplib::Response& res, int status, const nlohmann::json& body);
// Parses a JSON body; an empty body is an empty object.
std::optional<nlohmann::json> ParseJsonBody(const std::string& body);
// Serves `content` honouring a Range header.
void SendBytes(const httplib::Request& req, httplib::Response& res, const std::string& content,
               const std::string& content_type);

// OAuth parameters from the query string and a form body, with HTTP Basic
// client credentials mapped to client_id/client_secret.
std::map<std::string, std::string> OAuthParams(const httplib::Request& req);
// Authorize endpoint: auto-approves and redirects with code and state.
// `offline` says whether the client asked for a refresh token. Once clients
// are registered (POST /_emulator/clients) an unknown client or a redirect
// URI that is not registered gets the dialect's error page, never a
// redirect; Microsoft tenants (req.matches[1]) sign in only their accounts.
void HandleAuthorize(ProviderServer& server, const httplib::Request& req, httplib::Response& res,
                     bool offline);
// Token endpoint grants (authorization_code, refresh_token). `tenant` is
// Microsoft's authority segment (for the wording of refusals).
bool GrantTokens(ProviderServer& server, const std::map<std::string, std::string>& params,
                 TokenGrant* grant, OAuthError* error, const std::string& tenant = "");
// Writes a token endpoint error in the provider's dialect (status, body).
void SendTokenError(ProviderServer& server, httplib::Response& res, const OAuthError& error);

}  // namespace lc::emulator
