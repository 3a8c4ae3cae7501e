#include "gateway/router.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/http_errors.h"
#include "runtime/log.h"
#include "runtime/request_context.h"

namespace lc::gateway {
namespace {

thread_local RequestInfo current_request;

std::string MethodLabel(const std::string& method) {
  static const char* kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (const char* m : kKnown) {
    if (method == m) return method;
  }
  return "OTHER";
}

}  // namespace

bool IsLoggableQueryParam(const std::string& name) {
  static const char* kLoggable[] = {"error", "return_to", "page_size", "pageSize", "provider",
                                    "type",  "order",     "allUsers",  "all_users"};
  for (const char* allowed : kLoggable) {
    if (name == allowed) return true;
  }
  return false;
}

class Router::Metrics {
 public:
  explicit Metrics(prometheus::Registry& registry)
      : requests_(prometheus::BuildCounter()
                      .Name("lc_http_server_requests_total")
                      .Help("HTTP requests answered, by route, method and status.")
                      .Register(registry)),
        latency_(prometheus::BuildHistogram()
                     .Name("lc_http_server_request_seconds")
                     .Help("HTTP request latency until the response is written, by route.")
                     .Register(registry)) {}

  // One request: the series are looked up once per (route, method,
  // status) per thread, not hashed and locked on every request.
  void Record(const std::string& route, const std::string& method, int status,
              absl::Duration elapsed) {
    struct Series {
      prometheus::Counter* requests;
      prometheus::Histogram* latency;
    };
    thread_local std::unordered_map<std::string, Series> cache;
    thread_local uint64_t cache_owner = 0;
    if (cache_owner != id_) {  // another gateway (tests run several, one after another)
      cache.clear();
      cache_owner = id_;
    }
    const std::string label = MethodLabel(method);
    const std::string key = absl::StrCat(route, " ", label, " ", status);
    auto it = cache.find(key);
    if (it == cache.end()) {
      static const prometheus::Histogram::BucketBoundaries kBuckets = {
          0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
      std::lock_guard<std::mutex> lock(mu_);  // Family::Add is thread-safe; keeps order simple
      Series series{
          &requests_.Add({{"route", route}, {"method", label}, {"status", std::to_string(status)}}),
          &latency_.Add({{"route", route}}, kBuckets)};
      it = cache.emplace(key, series).first;
    }
    it->second.requests->Increment();
    it->second.latency->Observe(absl::ToDoubleSeconds(elapsed));
  }

 private:
  // Unique per Metrics object, never reused (an address could be).
  static uint64_t NextId() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1);
  }
  const uint64_t id_ = NextId();
  std::mutex mu_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

RequestInfo& Router::Current() { return current_request; }

Router::Router(httplib::Server& server, prometheus::Registry& registry)
    : server_(server), metrics_(std::make_unique<Metrics>(registry)) {
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    RequestInfo info;
    info.start = absl::Now();
    // A trace starts here unless the client sent one; both are forwarded.
    info.request =
        IncomingRequest(req.get_header_value("X-Request-Id"), req.get_header_value("traceparent"),
                        req.get_header_value("tracestate"));
    res.set_header("X-Request-Id", info.request.request_id);
    current_request = std::move(info);
    if (fast_path_ && req.method == "GET") {
      ScopedRequest scoped(current_request.request);
      if (fast_path_(req, res)) return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Called for every status >= 400 whose handler wrote no body, including
  // unknown paths; the handlers write their own errors.
  server_.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        absl::Status status;
        switch (res.status) {
          case 404:
            status = absl::NotFoundError("no such page on this gateway");
            break;
          case 405:
            status = absl::InvalidArgumentError("method not allowed");
            break;
          case 413:
            status = absl::InvalidArgumentError("request too large");
            break;
          case 414:
            status = absl::InvalidArgumentError("request URI too long");
            break;
          default:
            status =
                absl::InvalidArgumentError(absl::StrCat("request refused (HTTP ", res.status, ")"));
        }
        res.set_content(JsonErrorBody(status), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));

  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                   std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    ScopedRequest scoped(current_request.request);
    LogError("unexpected exception in handler", {{"route", current_request.route}, {"what", what}});
    WriteJson(res, 500,
              JsonErrorBody(absl::InternalError(
                  absl::StrCat("internal error; see the gateway log for request ",
                               current_request.request.request_id))));
  });

  // The access log: one line per answered request, also for requests
  // refused before routing (too large, malformed).
  server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    RequestInfo info = std::exchange(current_request, RequestInfo());
    if (info.request.request_id.empty()) info.request.request_id = NewRequestId();
    const absl::Duration elapsed =
        info.start == absl::InfinitePast() ? absl::ZeroDuration() : absl::Now() - info.start;
    metrics_->Record(info.route, req.method, res.status, elapsed);
    // Built by hand: this line is written for every request, and a JSON
    // object tree per request costs more than answering a cached redirect.
    std::string fields;
    fields.reserve(256 + req.path.size());
    fields += "\"method\":";
    AppendJsonString(fields, req.method);
    fields += ",\"path\":";
    AppendJsonString(fields, req.path);
    fields += ",\"query\":{";
    bool first = true;
    for (const auto& [name, value] : req.params) {
      if (!first) fields += ',';
      first = false;
      AppendJsonString(fields, name);
      fields += ':';
      AppendJsonString(fields, IsLoggableQueryParam(name) ? value : std::string("[redacted]"));
    }
    fields += "},\"route\":";
    AppendJsonString(fields, info.route);
    absl::StrAppend(&fields, ",\"status\":", res.status,
                    ",\"duration_ms\":", absl::ToDoubleMilliseconds(elapsed),
                    ",\"bytes\":", res.body.size(), ",\"user\":");
    AppendJsonString(fields, info.user);
    fields += ",\"remote_addr\":";
    AppendJsonString(fields, req.remote_addr);
    ScopedRequestId scoped(info.request.request_id);
    LogPreformatted(LogLevel::kInfo, "http request", fields);
  });
}

Router::~Router() = default;

Router::Handler Router::Wrap(const std::string& route, Handler handler) const {
  return
      [route, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
        current_request.route = route;
        ScopedRequest scoped(current_request.request);
        handler(req, res);
      };
}

void Router::Get(const std::string& pattern, const std::string& route, Handler handler) {
  server_.Get(pattern, Wrap(route, std::move(handler)));
}

void Router::SetFastPath(FastPath fast_path) { fast_path_ = std::move(fast_path); }

void Router::Handle(const std::string& method, const std::string& pattern, const std::string& route,
                    Handler handler) {
  Handler wrapped = Wrap(route, std::move(handler));
  if (method == "GET") {
    server_.Get(pattern, std::move(wrapped));
  } else if (method == "POST") {
    server_.Post(pattern, std::move(wrapped));
  } else if (method == "PUT") {
    server_.Put(pattern, std::move(wrapped));
  } else if (method == "PATCH") {
    server_.Patch(pattern, std::move(wrapped));
  } else if (method == "DELETE") {
    server_.Delete(pattern, std::move(wrapped));
  } else {
    throw std::invalid_argument("Router::Handle: unsupported method " + method);
  }
}

}  // namespace lc::gateway
