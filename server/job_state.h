// Training job life cycle. Numeric values equal sketchd.v1.JobState so the
// store, the runner and the wire agree without a table.
#ifndef SKETCHD_SERVER_JOB_STATE_H_
#define SKETCHD_SERVER_JOB_STATE_H_

#include "absl/strings/string_view.h"

namespace sketchd {

enum class JobState {
  kQueued = 1,
  kRunning = 2,
  kSucceeded = 3,
  kFailed = 4,
  kCancelled = 5,
  kInterrupted = 6,  // the server stopped while the job was queued/running
};

inline bool IsTerminal(JobState s) { return s != JobState::kQueued && s != JobState::kRunning; }

inline absl::string_view JobStateName(JobState s) {
  switch (s) {
    case JobState::kQueued: return "QUEUED";
    case JobState::kRunning: return "RUNNING";
    case JobState::kSucceeded: return "SUCCEEDED";
    case JobState::kFailed: return "FAILED";
    case JobState::kCancelled: return "CANCELLED";
    case JobState::kInterrupted: return "INTERRUPTED";
  }
  return "UNKNOWN";
}

}  // namespace sketchd

#endif  // SKETCHD_SERVER_JOB_STATE_H_
