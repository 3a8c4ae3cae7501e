// The gateway's browser-visible address (--public-url). Callback URLs are
// built from it, and it is the only origin return_to may point at.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lc::gateway {

class PublicUrl {
 public:
  // "http(s)://host[:port][/prefix]"; no user info, query or fragment.
  // INVALID_ARGUMENT otherwise.
  static absl::StatusOr<PublicUrl> Parse(std::string_view url);

  const std::string& scheme() const { return scheme_; }  // "http" or "https"
  const std::string& host() const { return host_; }      // lower case
  int port() const { return port_; }                     // explicit or the scheme's default
  bool secure() const { return scheme_ == "https"; }
  // scheme://host[:port] as given, lower-cased.
  const std::string& origin() const { return origin_; }

  // The public URL of a path on this gateway: "/oauth2/box/callback" ->
  // "https://lc.example/oauth2/box/callback" (a configured prefix is kept).
  std::string Resolve(std::string_view path) const;

  // True when a browser may be sent to `target` without leaving this
  // gateway's origin: a path starting with one "/" (not "//" or "/\"), or
  // an absolute URL with the same scheme, host and port. Control
  // characters, spaces and backslashes anywhere refuse the target, because
  // browsers strip or rewrite them into another origin.
  bool IsOwnOrigin(std::string_view target) const;

 private:
  std::string scheme_;
  std::string host_;
  int port_ = 0;
  std::string origin_;
  std::string prefix_;  // "" or "/prefix" without a trailing slash
};

// A URL the gateway may put in a Location header for a provider: http(s)
// and no control characters (links come from our own services, but they
// end up in a header).
bool IsPlainHttpUrl(std::string_view url);

}  // namespace lc::gateway
