// The REST/JSON mirror of the public RPCs under /api/v1 (docs/rest-api.md):
// one table of routes, each naming the RPC it calls and how path segments,
// query parameters, headers and the JSON body fill its request.
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "absl/time/time.h"
#include "gateway/public_url.h"
#include "gateway/request_auth.h"
#include "gateway/router.h"

namespace lc::gateway {

// The services behind the gateway; a null channel is a service this
// gateway was not told about (its routes answer 503).
struct Upstreams {
  std::shared_ptr<grpc::Channel> oauth;
  std::shared_ptr<grpc::Channel> repository;
  std::shared_ptr<grpc::Channel> providers;
  std::shared_ptr<grpc::Channel> indexer;
  std::shared_ptr<grpc::Channel> sync;
};

struct ApiOptions {
  PublicUrl public_url;
  absl::Duration upstream_timeout = absl::Seconds(10);
  // Deadline of streaming calls (sync run, reindex).
  absl::Duration stream_timeout = absl::Minutes(30);
};

// Registers every /api/v1 JSON route on `router`. `auth` must outlive it.
void RegisterApiRoutes(Router& router, const ApiOptions& options, const Upstreams& upstreams,
                       const RequestAuthenticator& auth);

// The user of an /api/v1 request, or the error to answer: 401 without a
// valid token; 403 for a state-changing request authenticated by the
// session cookie from another origin (cross-site request forgery).
absl::StatusOr<AuthenticatedUser> AuthenticateApiRequest(const httplib::Request& req,
                                                         const RequestAuthenticator& auth,
                                                         const PublicUrl& public_url);

}  // namespace lc::gateway
