// An ApiSession over a FakeHttpClient, for adapter unit tests: each request
// goes to the script as the adapter built it (no token, retries or limiter),
// at a fixed time.
#pragma once

#include <string>
#include <utility>

#include "providers/provider_adapter.h"
#include "testing/fake_http_client.h"

namespace lc::testing {

class ScriptedApiSession : public providers::ApiSession {
 public:
  ScriptedApiSession(FakeHttpClient& http, std::string base_url)
      : http_(http), base_url_(std::move(base_url)) {}

  const std::string& base_url() const override { return base_url_; }
  absl::StatusOr<HttpResponse> Send(HttpRequest request) override { return http_.Send(request); }
  absl::StatusOr<HttpResponse> SendAnonymous(HttpRequest request) override {
    return http_.Send(request);
  }
  absl::Time Now() const override { return absl::FromUnixSeconds(1700000000); }

 private:
  FakeHttpClient& http_;
  const std::string base_url_;
};

// Collects GetContent's bytes.
class StringSink : public providers::ContentSink {
 public:
  absl::Status Begin(const std::string& mime_type, std::optional<int64_t>) override {
    mime_type_ = mime_type;
    return absl::OkStatus();
  }
  absl::Status Write(std::string_view data) override {
    bytes_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  const std::string& mime_type() const { return mime_type_; }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string mime_type_;
  std::string bytes_;
};

}  // namespace lc::testing
