// A "browser" for tests that walk redirects themselves: an HTTP client on
// libcurl that never follows redirects and keeps cookies per origin
// (host-only, as a browser keeps cookies set without Domain). Used by the
// OAuth code-flow tests through the gateway (tests/oauth_gateway) and by the
// end-to-end test (tests/e2e). On libcurl because httplib's client
// percent-decodes response header values, so the Location it reports is not
// the URL the server sent.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/http_client.h"

namespace lc::testing {

// The origin ("scheme://host:port") of an absolute URL ("" when it has no
// scheme).
std::string OriginOf(const std::string& url);

class Browser {
 public:
  // `ca_file`: extra CA for https origins (the emulator's certificate).
  explicit Browser(const std::string& ca_file = "");

  // Sends `req` (to an absolute URL) with the cookies kept for its origin,
  // never following a redirect, and keeps the cookies the answer sets.
  absl::StatusOr<HttpResponse> Send(HttpRequest req);
  // A plain GET.
  absl::StatusOr<HttpResponse> Get(const std::string& url,
                                   std::vector<std::pair<std::string, std::string>> headers = {},
                                   absl::Duration timeout = absl::Seconds(20));

  // A kept cookie's value ("" when none).
  std::string CookieOf(const std::string& origin, const std::string& name) const;
  void SetCookie(const std::string& origin, const std::string& name, const std::string& value);

 private:
  CurlHttpClient http_;
  std::map<std::string, std::map<std::string, std::string>> jar_;
};

}  // namespace lc::testing
