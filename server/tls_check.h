// Checks the server's TLS files before gRPC sees them. gRPC only fails later,
// inside BuildAndStart, with no reason given (a key that does not match its
// certificate used to be reported as "address in use"); here each problem
// gets its own message naming the flag to fix.
#ifndef SKETCHD_SERVER_TLS_CHECK_H_
#define SKETCHD_SERVER_TLS_CHECK_H_

#include <string>

#include "absl/status/status.h"

namespace sketchd {

// cert_chain_pem and key_pem are the contents of --tls_cert and --tls_key;
// client_ca_pem of --tls_client_ca, or empty. INVALID_ARGUMENT when a file
// holds no PEM certificate / key, or the key is not the certificate's.
absl::Status CheckTlsFiles(const std::string& cert_chain_pem, const std::string& key_pem,
                           const std::string& client_ca_pem);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_TLS_CHECK_H_
