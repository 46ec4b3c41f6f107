#include "server/tls_check.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace sketchd {
namespace {

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct KeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::unique_ptr<X509, X509Free> FirstCertificate(const std::string& pem) {
  auto bio = MemoryBio(pem);
  if (bio == nullptr) return nullptr;
  return std::unique_ptr<X509, X509Free>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

absl::Status CheckTlsFiles(const std::string& cert_chain_pem, const std::string& key_pem,
                           const std::string& client_ca_pem) {
  // OpenSSL keeps failures on a per-thread queue; leave it empty for gRPC.
  struct ClearErrors { ~ClearErrors() { ERR_clear_error(); } } clear_errors;
  auto cert = FirstCertificate(cert_chain_pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError("--tls_cert holds no PEM certificate (expected '-----BEGIN CERTIFICATE-----')");
  }
  auto key_bio = MemoryBio(key_pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        "--tls_key holds no unencrypted PEM private key (expected '-----BEGIN PRIVATE KEY-----')");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(
        "--tls_key does not match the certificate in --tls_cert (the key's public half differs "
        "from the certificate's); pass the key the certificate was issued for");
  }
  if (!client_ca_pem.empty() && FirstCertificate(client_ca_pem) == nullptr) {
    return absl::InvalidArgumentError("--tls_client_ca holds no PEM certificate");
  }
  return absl::OkStatus();
}

}  // namespace sketchd
