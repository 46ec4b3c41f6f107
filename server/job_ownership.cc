#include "server/job_ownership.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

absl::Status JobAlreadyFinishedError(const JobRecord& job) {
  return absl::FailedPreconditionError(
      absl::StrCat("job ", job.id, " already finished (", JobStateName(job.state), ")"));
}

absl::Status JobOwnershipError(const JobRecord& job, const std::string& would_be_owner) {
  if (IsTerminal(job.state)) return JobAlreadyFinishedError(job);
  const auto name = [](const std::string& owner) {
    return owner.empty() ? std::string("no replica") : absl::StrCat("replica '", owner, "'");
  };
  return absl::FailedPreconditionError(absl::StrCat(
      "job ", job.id, " is held by ", name(job.owner), ", not ", name(would_be_owner),
      "; only its owner may change it (its lease was lost or never held)"));
}

}  // namespace sketchd
