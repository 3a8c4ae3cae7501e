// Routes HTTP requests to the handlers of each area (OAuth pages, the REST
// mirror, the browser URLs) and gives every request the same edge: a request id
// (X-Request-Id, echoed) and W3C trace (traceparent), forwarded upstream, one JSON access-log line,
// Prometheus metrics, and a JSON error for unknown paths and unexpected exceptions.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "runtime/request_context.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace lc::gateway {

// What the edge knows about the request being served. httplib serves one
// request from routing to the access log on one thread, so this is
// thread-local; handlers may set `user` for the access log.
struct RequestInfo {
  RequestContext request;           // its id (X-Request-Id, echoed) and trace (traceparent)
  std::string route = "unmatched";  // the route name, bounded for metrics
  std::string user;                 // the JWT subject once authenticated
  absl::Time start = absl::InfinitePast();
};

class Router {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // Installs the edge hooks on `server`. `registry` must outlive the server.
  Router(httplib::Server& server, prometheus::Registry& registry);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers a GET route. `pattern` is an httplib regex over the path;
  // `route` names it in logs and metrics ("/oauth2/{provider}/authorize").
  void Get(const std::string& pattern, const std::string& route, Handler handler);
  // Registers a route for any of GET, POST, PUT, PATCH, DELETE.
  void Handle(const std::string& method, const std::string& pattern, const std::string& route,
              Handler handler);

  // A GET handler tried before the regex routes (std::regex costs more
  // than answering a cached redirect): it parses the path itself, sets
  // Current().route, and returns false to let the routes take the request.
  using FastPath = std::function<bool(const httplib::Request&, httplib::Response&)>;
  void SetFastPath(FastPath fast_path);

  // The request being served on this thread.
  static RequestInfo& Current();

 private:
  class Metrics;
  Handler Wrap(const std::string& route, Handler handler) const;

  httplib::Server& server_;
  std::unique_ptr<Metrics> metrics_;
  FastPath fast_path_;
};

// Query parameters whose values may appear in the access log; the values of
// every other parameter (code, state, tokens...) are replaced.
bool IsLoggableQueryParam(const std::string& name);

}  // namespace lc::gateway
