#include "client/cli_status.h"

#include "absl/strings/cord.h"

namespace sketchd {
namespace {
constexpr char kExitCodeUrl[] = "type.sketchd.dev/sketchctl.exit_code";
}

absl::Status WithExitCode(absl::Status status, ExitCode code) {
  if (status.ok()) return status;
  status.SetPayload(kExitCodeUrl, absl::Cord(std::string(1, static_cast<char>('0' + code))));
  return status;
}

int ExitCodeOf(const absl::Status& status, int fallback) {
  if (status.ok()) return kExitOk;
  auto payload = status.GetPayload(kExitCodeUrl);
  if (!payload.has_value()) return fallback;
  std::string text(*payload);
  return text.size() == 1 ? text[0] - '0' : fallback;
}

}  // namespace sketchd
