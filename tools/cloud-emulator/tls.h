// A self-signed certificate for the OneDrive port, made at start-up.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

#include "absl/status/statusor.h"

namespace lc::emulator {

struct TlsIdentity {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  std::string cert_pem;
  ~TlsIdentity();
};

// Valid for localhost, 127.0.0.1 and ::1; CA:TRUE so NODE_EXTRA_CA_CERTS
// can trust it directly.
absl::StatusOr<std::unique_ptr<TlsIdentity>> MakeSelfSignedIdentity();

}  // namespace lc::emulator
