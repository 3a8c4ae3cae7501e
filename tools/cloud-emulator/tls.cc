#include "tls.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <memory>

namespace lc::emulator {
namespace {

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return true;
}

}  // namespace

TlsIdentity::~TlsIdentity() {
  if (cert) X509_free(cert);
  if (key) EVP_PKEY_free(key);
}

absl::StatusOr<std::unique_ptr<TlsIdentity>> MakeSelfSignedIdentity() {
  auto id = std::make_unique<TlsIdentity>();
  id->key = EVP_RSA_gen(2048);
  if (!id->key) return absl::InternalError("RSA key generation failed");
  id->cert = X509_new();
  X509_set_version(id->cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(id->cert), static_cast<long>(time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(id->cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(id->cert), 365L * 24 * 3600);
  X509_set_pubkey(id->cert, id->key);
  X509_NAME* name = X509_get_subject_name(id->cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Live Connect cloud-emulator"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(id->cert, name);
  if (!AddExtension(id->cert, NID_subject_alt_name,
                    "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1") ||
      !AddExtension(id->cert, NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(id->cert, NID_key_usage,
                    "critical,digitalSignature,keyEncipherment,keyCertSign") ||
      !AddExtension(id->cert, NID_ext_key_usage, "serverAuth")) {
    return absl::InternalError("certificate extensions failed");
  }
  if (!X509_sign(id->cert, id->key, EVP_sha256())) {
    return absl::InternalError("certificate signing failed");
  }
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, id->cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  id->cert_pem.assign(data, len);
  BIO_free(bio);
  return id;
}

}  // namespace lc::emulator
