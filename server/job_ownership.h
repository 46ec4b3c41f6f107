// The errors every Store backend returns when a job write loses its
// compare-and-set (store.h, "Job ownership"), so that replicas on SQLite and
// on PostgreSQL tell the user the same thing.
#ifndef SKETCHD_SERVER_JOB_OWNERSHIP_H_
#define SKETCHD_SERVER_JOB_OWNERSHIP_H_

#include <string>

#include "absl/status/status.h"
#include "server/store.h"

namespace sketchd {

// FailedPrecondition: "job N already finished (STATE)".
absl::Status JobAlreadyFinishedError(const JobRecord& job);
// Why `would_be_owner` may not write `job` as it is now: finished, or held
// by another owner. FailedPrecondition either way.
absl::Status JobOwnershipError(const JobRecord& job, const std::string& would_be_owner);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_JOB_OWNERSHIP_H_
