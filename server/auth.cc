#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace sketchd {
namespace {

// Tokens are compared as SHA-256 digests: every comparison then runs over
// the same 32 bytes whatever the lengths (a length check first would tell a
// caller how long the token is), and CRYPTO_memcmp has no early exit, so
// response time does not reveal how much of a guess was right either.
TokenDigest Digest(absl::string_view token) {
  TokenDigest d;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
  return d;
}

}  // namespace

absl::StatusOr<TokenAuth> TokenAuth::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read auth token file '", path, "'"));
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view t = absl::StripAsciiWhitespace(line);
    if (t.empty() || t[0] == '#') continue;
    tokens.emplace_back(t);
  }
  if (tokens.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("auth token file '", path, "' lists no tokens; every call would be refused"));
  }
  return FromTokens(std::move(tokens));
}

TokenAuth TokenAuth::FromTokens(std::vector<std::string> tokens) {
  TokenAuth auth;
  auth.enabled_ = true;
  auth.tokens_ = std::move(tokens);
  for (const std::string& t : auth.tokens_) auth.digests_.push_back(Digest(t));
  return auth;
}

absl::Status TokenAuth::Check(const grpc::ServerContextBase& context) const {
  if (!enabled_) return absl::OkStatus();
  const auto& md = context.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return absl::UnauthenticatedError(
        "missing 'authorization: Bearer <token>' metadata; this server requires a token");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kPrefix = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kPrefix)) {
    return absl::UnauthenticatedError("authorization metadata must be 'Bearer <token>'");
  }
  value.remove_prefix(kPrefix.size());
  const TokenDigest presented = Digest(value);
  bool ok = false;
  for (const TokenDigest& d : digests_) {
    ok |= CRYPTO_memcmp(presented.data(), d.data(), d.size()) == 0;
  }
  if (!ok) return absl::UnauthenticatedError("bearer token not accepted");
  return absl::OkStatus();
}

}  // namespace sketchd
