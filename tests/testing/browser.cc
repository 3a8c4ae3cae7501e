#include "testing/browser.h"

namespace lc::testing {

std::string OriginOf(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  return url.substr(0, url.find('/', scheme_end + 3));
}

Browser::Browser(const std::string& ca_file)
    : http_(CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}, .ca_file = ca_file}) {}

absl::StatusOr<HttpResponse> Browser::Send(HttpRequest req) {
  const std::string origin = OriginOf(req.url);
  req.follow_redirects = false;
  const auto& jar = jar_[origin];
  if (!jar.empty()) {
    std::string cookie;
    for (const auto& [name, value] : jar) {
      cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    }
    req.headers.emplace_back("Cookie", cookie);
  }
  auto res = http_.Send(req);
  if (res.ok()) {
    auto [begin, end] = res->headers.equal_range("set-cookie");
    for (auto it = begin; it != end; ++it) {
      const std::string pair = it->second.substr(0, it->second.find(';'));
      const size_t eq = pair.find('=');
      if (eq != std::string::npos) jar_[origin][pair.substr(0, eq)] = pair.substr(eq + 1);
    }
  }
  return res;
}

absl::StatusOr<HttpResponse> Browser::Get(const std::string& url,
                                          std::vector<std::pair<std::string, std::string>> headers,
                                          absl::Duration timeout) {
  HttpRequest req;
  req.url = url;
  req.timeout = timeout;
  req.headers = std::move(headers);
  return Send(std::move(req));
}

std::string Browser::CookieOf(const std::string& origin, const std::string& name) const {
  auto jar = jar_.find(origin);
  if (jar == jar_.end()) return "";
  auto it = jar->second.find(name);
  return it == jar->second.end() ? "" : it->second;
}

void Browser::SetCookie(const std::string& origin, const std::string& name,
                        const std::string& value) {
  jar_[origin][name] = value;
}

}  // namespace lc::testing
