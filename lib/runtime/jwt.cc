#include "runtime/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lc {
namespace {

constexpr size_t kSha256Bytes = 32;

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &out_len);
  if (result == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

absl::Status Unauthenticated(std::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid token: ", std::string(why)));
}

// Reads a NumericDate claim; false if it is not a number.
bool ReadTime(const nlohmann::json& value, absl::Time* out) {
  if (value.is_number_unsigned()) {
    *out = absl::FromUnixSeconds(
        static_cast<int64_t>(std::min<uint64_t>(value.get<uint64_t>(), INT64_MAX / 2)));
    return true;
  }
  if (value.is_number_integer()) {
    *out = absl::FromUnixSeconds(value.get<int64_t>());
    return true;
  }
  if (value.is_number_float()) {
    const double seconds = value.get<double>();
    if (!std::isfinite(seconds) || std::fabs(seconds) > 1e15) return false;
    *out = absl::FromUnixMicros(static_cast<int64_t>(seconds * 1e6));
    return true;
  }
  return false;
}

}  // namespace

bool Principal::HasRole(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

Hs256Verifier::Hs256Verifier(Options options) : options_(std::move(options)) {}

absl::StatusOr<Principal> Hs256Verifier::Verify(std::string_view token, absl::Time now) const {
  if (options_.secret.empty()) {
    // An empty HMAC key would accept tokens anyone can mint.
    return absl::UnauthenticatedError("token verification is not configured (no secret)");
  }
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3) return Unauthenticated("expected three dot-separated segments");

  std::string header_text, payload_text, signature;
  if (!Base64UrlDecode(parts[0], &header_text) || !Base64UrlDecode(parts[1], &payload_text) ||
      !Base64UrlDecode(parts[2], &signature)) {
    return Unauthenticated("bad base64url encoding");
  }
  const nlohmann::json header = nlohmann::json::parse(header_text, nullptr, false);
  if (!header.is_object()) return Unauthenticated("header is not a JSON object");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != "HS256") {
    return Unauthenticated("algorithm not accepted (only HS256)");
  }
  if (header.contains("crit")) return Unauthenticated("unsupported critical header");

  const std::string_view signed_part = token.substr(0, parts[0].size() + 1 + parts[1].size());
  const std::string expected = HmacSha256(options_.secret, signed_part);
  if (expected.size() != kSha256Bytes || signature.size() != kSha256Bytes ||
      CRYPTO_memcmp(expected.data(), signature.data(), kSha256Bytes) != 0) {
    return Unauthenticated("bad signature");
  }

  const nlohmann::json payload = nlohmann::json::parse(payload_text, nullptr, false);
  if (!payload.is_object()) return Unauthenticated("payload is not a JSON object");

  Principal principal;
  const auto sub = payload.find("sub");
  if (sub == payload.end() || !sub->is_string() || sub->get<std::string>().empty()) {
    return Unauthenticated("missing sub claim");
  }
  principal.subject = sub->get<std::string>();

  const auto exp = payload.find("exp");
  absl::Time expires_at;
  if (exp == payload.end() || !ReadTime(*exp, &expires_at)) {
    return Unauthenticated("missing or non-numeric exp claim");
  }
  if (expires_at + options_.leeway < now) return Unauthenticated("token has expired");
  principal.valid_until = expires_at + options_.leeway;

  if (const auto nbf = payload.find("nbf"); nbf != payload.end()) {
    absl::Time not_before;
    if (!ReadTime(*nbf, &not_before)) return Unauthenticated("non-numeric nbf claim");
    if (not_before - options_.leeway > now) return Unauthenticated("token is not yet valid");
  }

  if (!options_.issuer.empty()) {
    const auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string() || iss->get<std::string>() != options_.issuer) {
      return Unauthenticated("wrong issuer");
    }
  }
  if (!options_.audience.empty()) {
    // "aud" is a string or an array of strings (RFC 7519 section 4.1.3).
    const auto aud = payload.find("aud");
    bool match = false;
    if (aud != payload.end() && aud->is_string()) {
      match = aud->get<std::string>() == options_.audience;
    } else if (aud != payload.end() && aud->is_array()) {
      for (const nlohmann::json& item : *aud) {
        if (item.is_string() && item.get<std::string>() == options_.audience) match = true;
      }
    }
    if (!match) return Unauthenticated("wrong audience");
  }

  if (const auto roles = payload.find("roles"); roles != payload.end()) {
    if (!roles->is_array()) return Unauthenticated("roles claim is not an array of strings");
    for (const nlohmann::json& role : *roles) {
      if (!role.is_string()) return Unauthenticated("roles claim is not an array of strings");
      principal.roles.push_back(role.get<std::string>());
    }
  }
  return principal;
}

std::string MintHs256(std::string_view secret, const Principal& principal, absl::Time issued_at,
                      absl::Time expires_at, std::string_view issuer, std::string_view audience) {
  const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  nlohmann::json payload = {
      {"sub", principal.subject},
      {"roles", principal.roles},
      {"iat", absl::ToUnixSeconds(issued_at)},
      {"exp", absl::ToUnixSeconds(expires_at)},
  };
  if (!issuer.empty()) payload["iss"] = std::string(issuer);
  if (!audience.empty()) payload["aud"] = std::string(audience);
  const std::string signed_part =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(payload.dump()));
  return absl::StrCat(signed_part, ".", Base64UrlEncode(HmacSha256(secret, signed_part)));
}

}  // namespace lc
