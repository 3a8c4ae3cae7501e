#include "download_link.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "nlohmann/json.hpp"
#include "util.h"

namespace lc::emulator {
namespace {

const std::string& Key() {
  static const std::string key = [] {
    std::string k(32, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(k.data()), static_cast<int>(k.size()));
    return k;
  }();
  return key;
}

std::string Mac(const std::string& payload) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), Key().data(), static_cast<int>(Key().size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), out, &len);
  return Base64UrlEncode(std::string(reinterpret_cast<char*>(out), 16));
}

}  // namespace

std::string SignDownloadLink(const DownloadLink& link) {
  nlohmann::json claims = {{"u", link.user_id},
                           {"i", link.item_id},
                           {"r", link.revision_id},
                           {"p", link.pdf},
                           {"e", link.expires_ms}};
  std::string payload = Base64UrlEncode(claims.dump());
  return payload + "." + Mac(payload);
}

std::optional<DownloadLink> VerifyDownloadLink(const std::string& token) {
  auto dot = token.find('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string payload = token.substr(0, dot);
  std::string mac = Mac(payload);
  std::string given = token.substr(dot + 1);
  if (given.size() != mac.size() || CRYPTO_memcmp(given.data(), mac.data(), mac.size()) != 0) {
    return std::nullopt;
  }
  std::string claims_text;
  Base64UrlDecode(payload, &claims_text);  // unreadable: "" is no JSON, refused below
  auto claims = nlohmann::json::parse(claims_text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return std::nullopt;
  try {
    return DownloadLink{claims.at("u"), claims.at("i"), claims.at("r"), claims.at("p"),
                        claims.at("e")};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace lc::emulator
