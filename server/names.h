// Dataset names double as keys in the store and in logs, so they are
// restricted to a safe alphabet: [A-Za-z0-9][A-Za-z0-9._-]{0,63}. This keeps
// path tricks ("../x"), control characters and empty names out.
#ifndef SKETCHD_SERVER_NAMES_H_
#define SKETCHD_SERVER_NAMES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sketchd {

absl::Status ValidateDatasetName(absl::string_view name);

// StartTraining's idempotency key: 1–128 printable ASCII characters.
absl::Status ValidateRequestId(absl::string_view id);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_NAMES_H_
