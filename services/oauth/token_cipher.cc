#include "oauth/token_cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lc::oauth {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

bool ValidKeyId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // Without a working CSPRNG no state or nonce is safe: stop.
    std::abort();
  }
  return out;
}

std::string Sha256(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

absl::StatusOr<TokenCipher> TokenCipher::FromKeyList(const std::string& key_list) {
  TokenCipher cipher;
  int index = 0;
  for (absl::string_view entry : absl::StrSplit(key_list, ',', absl::SkipWhitespace())) {
    ++index;
    entry = absl::StripAsciiWhitespace(entry);
    size_t colon = entry.find(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("token key #", index, " is not \"kid:base64-32-bytes\""));
    }
    std::string id(entry.substr(0, colon));
    if (!ValidKeyId(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("token key #", index, ": key id must be 1-64 of [A-Za-z0-9._-]"));
    }
    std::string key;
    if (!absl::Base64Unescape(entry.substr(colon + 1), &key) || key.size() != kKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "token key \"", id, "\" must be 32 bytes in base64 (got ", key.size(), " bytes)"));
    }
    if (!cipher.keys_.emplace(id, key).second) {
      return absl::InvalidArgumentError(absl::StrCat("token key id \"", id, "\" appears twice"));
    }
    if (cipher.active_.empty()) cipher.active_ = id;
  }
  if (cipher.active_.empty()) return absl::InvalidArgumentError("no token key given");
  return cipher;
}

Sealed TokenCipher::Seal(const std::string& plaintext, const std::string& context) const {
  auto data = SealWith(active_, plaintext, context);
  return Sealed{active_, *data};  // the active key always exists
}

absl::StatusOr<std::string> TokenCipher::SealWith(const std::string& key_id,
                                                  const std::string& plaintext,
                                                  const std::string& context) const {
  auto key = keys_.find(key_id);
  if (key == keys_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("token key \"", key_id, "\" is not configured"));
  }
  std::string nonce = RandomBytes(kNonceBytes);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* cipher_out = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0, total = 0;
  bool ok = ctx &&
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr,
                               reinterpret_cast<const unsigned char*>(key->second.data()),
                               reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(context.data()),
                              static_cast<int>(context.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), cipher_out, &len,
                              reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), cipher_out + total, &len) == 1;
  total += len;
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher_out + total) == 1;
  if (!ok) return absl::InternalError("AES-256-GCM encryption failed");
  return absl::Base64Escape(out);
}

absl::StatusOr<std::string> TokenCipher::Open(const std::string& key_id, const std::string& data,
                                              const std::string& context) const {
  auto key = keys_.find(key_id);
  if (key == keys_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("a stored secret is sealed with token key \"", key_id,
                     "\", which is not configured; add it to --token-keys after the active key"));
  }
  std::string raw;
  if (!absl::Base64Unescape(data, &raw) || raw.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("a stored secret is malformed");
  }
  const size_t body = raw.size() - kNonceBytes - kTagBytes;
  std::string plain(body, '\0');
  auto* in = reinterpret_cast<unsigned char*>(raw.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                         reinterpret_cast<const unsigned char*>(key->second.data()), in) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(context.data()),
                        static_cast<int>(context.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        in + kNonceBytes, static_cast<int>(body)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, in + kNonceBytes + body) == 1;
  int final_len = 0;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                                 &final_len) == 1;
  if (!ok) {
    return absl::DataLossError("a stored secret does not authenticate (tampered or wrong key)");
  }
  return plain;
}

}  // namespace lc::oauth
