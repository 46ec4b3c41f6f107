#include "server/auth.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace sketchd {
namespace {

// Compares without an early exit on the first differing byte, so response
// time does not reveal how much of a guessed token was right.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
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
  bool ok = false;
  for (const std::string& t : tokens_) ok |= ConstantTimeEquals(value, t);
  if (!ok) return absl::UnauthenticatedError("bearer token not accepted");
  return absl::OkStatus();
}

}  // namespace sketchd
