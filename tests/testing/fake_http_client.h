// An HttpClient answering from a script, for the logic that calls clouds and
// identity providers (adapters' session, oauth's ProviderClient) without a
// network. Read the fields when no call is in flight.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/http_client.h"

namespace lc::testing {

inline HttpResponse HttpAnswer(int status, std::string body = "{}",
                               std::multimap<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class FakeHttpClient : public HttpClient {
 public:
  // Answered in order (a status is a transport failure); when none is left,
  // when_empty.
  std::deque<absl::StatusOr<HttpResponse>> answers;
  absl::StatusOr<HttpResponse> when_empty = absl::InternalError("no scripted answer");
  // Every request, in order.
  std::vector<HttpRequest> requests;
  // Called with each request as it is sent (e.g. to note a fake clock's time).
  std::function<void(const HttpRequest&)> on_send;

  void Answer(int status, std::string body = "{}",
              std::multimap<std::string, std::string> headers = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    answers.push_back(HttpAnswer(status, std::move(body), std::move(headers)));
  }

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(request);
    if (on_send) on_send(request);
    if (answers.empty()) return when_empty;
    auto next = std::move(answers.front());
    answers.pop_front();
    return next;
  }

 private:
  std::mutex mu_;
};

}  // namespace lc::testing
