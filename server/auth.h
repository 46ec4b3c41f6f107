// Bearer-token check for the sketchd service. Tokens come from a file, one
// per line (blank lines and lines starting with '#' ignored). A call passes
// when its metadata has `authorization: Bearer <token>` for a listed token.
// Only SketchService handlers consult it, so grpc.health.v1 and reflection
// stay open (load balancers and grpcurl need them without credentials).
#ifndef SKETCHD_SERVER_AUTH_H_
#define SKETCHD_SERVER_AUTH_H_

#include <grpcpp/server_context.h>

#include <array>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sketchd {

using TokenDigest = std::array<unsigned char, 32>;  // SHA-256

class TokenAuth {
 public:
  // Disabled: every call passes.
  TokenAuth() = default;
  static absl::StatusOr<TokenAuth> FromFile(const std::string& path);
  static TokenAuth FromTokens(std::vector<std::string> tokens);

  bool enabled() const { return enabled_; }
  const std::vector<std::string>& tokens() const { return tokens_; }
  // UNAUTHENTICATED with a message saying what is missing.
  absl::Status Check(const grpc::ServerContextBase& context) const;

 private:
  bool enabled_ = false;
  std::vector<std::string> tokens_;
  std::vector<TokenDigest> digests_;  // of tokens_, what Check compares
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_AUTH_H_
