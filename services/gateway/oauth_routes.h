// The OAuth2 pages: GET /oauth2/{provider}/authorize sends the browser to
// the provider; GET /oauth2/{provider}/callback completes the flow and sends
// it back to return_to (this gateway's origin only) or shows a result page.
#pragma once

#include <httplib.h>

#include <string>

#include "absl/time/time.h"
#include "gateway/public_url.h"
#include "gateway/request_auth.h"
#include "gateway/router.h"
#include "liveconnect/v1/oauth.grpc.pb.h"

namespace lc::gateway {

class OAuthRoutes {
 public:
  struct Options {
    PublicUrl public_url;
    absl::Duration upstream_timeout = absl::Seconds(10);
  };

  OAuthRoutes(Options options, liveconnect::v1::OAuthService::StubInterface& oauth,
              const RequestAuthenticator& auth);

  void Register(Router& router);

  // The redirect_uri registered with the provider for `provider`.
  std::string CallbackUrl(const std::string& provider) const;

 private:
  void Authorize(const httplib::Request& req, httplib::Response& res) const;
  void Callback(const httplib::Request& req, httplib::Response& res) const;

  Options options_;
  liveconnect::v1::OAuthService::StubInterface& oauth_;
  const RequestAuthenticator& auth_;
};

}  // namespace lc::gateway
