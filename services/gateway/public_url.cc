#include "gateway/public_url.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lc::gateway {
namespace {

constexpr size_t kMaxTargetLength = 4096;

struct AbsoluteUrl {
  std::string scheme;  // lower case
  std::string host;    // lower case
  int port = 0;        // explicit or default
  bool explicit_port = false;
  std::string rest;  // path, query and fragment
};

int DefaultPort(const std::string& scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  return 0;
}

bool HasUnsafeCharacter(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '\\') return true;
  }
  return false;
}

// Parses "scheme://authority[/path][?query][#fragment]"; false for
// anything else, including user info ("user@host") and bad ports.
bool ParseAbsolute(std::string_view url, AbsoluteUrl* out) {
  const size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    const char c = url[i];
    const bool ok = std::isalpha(static_cast<unsigned char>(c)) ||
                    (i > 0 && (std::isdigit(static_cast<unsigned char>(c)) || c == '+' ||
                               c == '-' || c == '.'));
    if (!ok) return false;
  }
  if (url.substr(colon, 3) != "://") return false;
  out->scheme = absl::AsciiStrToLower(std::string(url.substr(0, colon)));
  std::string_view rest = url.substr(colon + 3);
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  out->rest = end == std::string_view::npos ? "" : std::string(rest.substr(end));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;

  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
    }
  } else if (const size_t c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return false;
  out->host = absl::AsciiStrToLower(std::string(host));
  out->explicit_port = !port.empty();
  if (port.empty()) {
    out->port = DefaultPort(out->scheme);
  } else {
    if (port.size() > 5) return false;
    int value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      value = value * 10 + (c - '0');
    }
    if (value <= 0 || value > 65535) return false;
    out->port = value;
  }
  return true;
}

}  // namespace

absl::StatusOr<PublicUrl> PublicUrl::Parse(std::string_view url) {
  AbsoluteUrl parsed;
  if (HasUnsafeCharacter(url) || !ParseAbsolute(url, &parsed)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "must be an absolute URL like https://lc.example.com, got '", std::string(url), "'"));
  }
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return absl::InvalidArgumentError("must be an http:// or https:// URL");
  }
  if (parsed.rest.find_first_of("?#") != std::string::npos) {
    return absl::InvalidArgumentError("must not have a query or fragment");
  }
  PublicUrl out;
  out.scheme_ = parsed.scheme;
  out.host_ = parsed.host;
  out.port_ = parsed.port;
  out.origin_ = absl::StrCat(parsed.scheme, "://", parsed.host);
  if (parsed.explicit_port) absl::StrAppend(&out.origin_, ":", parsed.port);
  std::string prefix = parsed.rest;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  out.prefix_ = prefix;
  return out;
}

std::string PublicUrl::Resolve(std::string_view path) const {
  return absl::StrCat(origin_, prefix_, std::string(path));
}

bool PublicUrl::IsOwnOrigin(std::string_view target) const {
  if (target.empty() || target.size() > kMaxTargetLength || HasUnsafeCharacter(target)) {
    return false;
  }
  if (target.front() == '/') {
    // "//host" is protocol-relative: another origin.
    return target.size() == 1 || target[1] != '/';
  }
  AbsoluteUrl parsed;
  if (!ParseAbsolute(target, &parsed)) return false;
  return parsed.scheme == scheme_ && parsed.host == host_ && parsed.port == port_;
}

bool IsPlainHttpUrl(std::string_view url) {
  if (url.substr(0, 8) != "https://" && url.substr(0, 7) != "http://") return false;
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace lc::gateway
