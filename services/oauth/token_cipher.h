// Encryption of secrets at rest (tokens, client secrets, PKCE verifiers):
// AES-256-GCM with a random 12-byte nonce per value. Every stored value
// names the key that sealed it, so keys rotate: new values use the active
// (first) key, old ones still open with the key their row names.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lc::oauth {

// A sealed value: the key id and base64(nonce | ciphertext | tag).
struct Sealed {
  std::string key_id;
  std::string data;
};

class TokenCipher {
 public:
  // Parses "kid:base64-32-bytes[,kid2:base64-32-bytes...]"; the first key is
  // the active one. INVALID_ARGUMENT naming the bad entry (never its key).
  static absl::StatusOr<TokenCipher> FromKeyList(const std::string& key_list);

  const std::string& active_key_id() const { return active_; }

  // Seals with the active key. `context` is bound as associated data, so a
  // value copied to another row or column does not open.
  Sealed Seal(const std::string& plaintext, const std::string& context) const;
  // Seals with a given key (the key of the row being updated).
  absl::StatusOr<std::string> SealWith(const std::string& key_id, const std::string& plaintext,
                                       const std::string& context) const;
  // FAILED_PRECONDITION for an unknown key id, DATA_LOSS when the value does
  // not authenticate (tampered, wrong key or wrong context).
  absl::StatusOr<std::string> Open(const std::string& key_id, const std::string& data,
                                   const std::string& context) const;

 private:
  std::map<std::string, std::string> keys_;
  std::string active_;
};

// Random bytes from OpenSSL's CSPRNG.
std::string RandomBytes(size_t n);
// SHA-256 digest (32 raw bytes).
std::string Sha256(const std::string& data);

}  // namespace lc::oauth
