#include "server/store_rows.h"

#include "absl/strings/str_cat.h"
#include "server/wall_clock.h"

namespace sketchd {

JobRecord NewJobRecord(const std::string& dataset, const TrainOptions& options,
                       int64_t restarted_from) {
  JobRecord j;
  j.dataset = dataset;
  j.options = options;
  j.state = JobState::kQueued;
  j.created_us = NowMicros();
  j.restarted_from = restarted_from;
  j.message = "queued";
  return j;
}

SketchRecord NewSketchRecord(const JobRecord& job, const TrainedSketch& trained, int64_t version,
                             int64_t serialized_bytes) {
  SketchRecord r;
  r.dataset = job.dataset;
  r.version = version;
  r.task = trained.options.task;
  r.method = std::string(TrainMethodName(trained.options.method));
  r.k = trained.options.k;
  r.m = trained.m();
  r.n = trained.n;
  r.d = trained.d;
  r.created_us = NowMicros();
  r.job_id = job.id;
  r.train_seconds = trained.train_seconds;
  r.validation = trained.validation;
  r.notes = trained.notes;
  r.options = trained.options;
  r.serialized_bytes = serialized_bytes;
  return r;
}

absl::Status NoDatasetError(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("dataset '", name, "' not found"));
}

absl::Status NoSketchVersionError(const std::string& dataset, int64_t version) {
  return absl::NotFoundError(absl::StrCat("dataset '", dataset, "' has no sketch version ", version));
}

absl::Status NoDefaultSketchError(const std::string& dataset, SketchTask task) {
  return absl::FailedPreconditionError(absl::StrCat(
      "dataset '", dataset, "' has no default ", SketchTaskName(task),
      " sketch yet: train one (StartTraining) or use a random sketch selector"));
}

absl::Status NoJobError(int64_t id) {
  return absl::NotFoundError(absl::StrCat("job ", id, " not found"));
}

}  // namespace sketchd
