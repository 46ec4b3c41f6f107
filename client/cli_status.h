// Exit codes sketchctl promises to scripts, and how a Status carries one.
//
//   0 success, 1 the command ran but the outcome was negative (a job that
//   failed or was cancelled, a server that is not SERVING), 2 usage error,
//   3 server/RPC error, 4 input file error.
//
// Commands return absl::Status; the place that knows what went wrong (the
// file reader, the RPC layer, the flag checks) tags the status with its exit
// code as a payload, so main() needs no knowledge of every command.
#ifndef SKETCHD_CLIENT_CLI_STATUS_H_
#define SKETCHD_CLIENT_CLI_STATUS_H_

#include <string>

#include "absl/status/status.h"

namespace sketchd {

enum ExitCode : int {
  kExitOk = 0,
  kExitNegative = 1,
  kExitUsage = 2,
  kExitServer = 3,
  kExitInput = 4,
};

// Returns `status` tagged with `code` (ok statuses are returned unchanged).
absl::Status WithExitCode(absl::Status status, ExitCode code);
// The tagged code, or `fallback` if the status carries none; 0 for ok.
int ExitCodeOf(const absl::Status& status, int fallback);

inline absl::Status UsageError(const std::string& message) {
  return WithExitCode(absl::InvalidArgumentError(message), kExitUsage);
}
inline absl::Status InputError(absl::Status status) {
  return WithExitCode(std::move(status), kExitInput);
}
inline absl::Status ServerError(absl::Status status) {
  return WithExitCode(std::move(status), kExitServer);
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_CLI_STATUS_H_
