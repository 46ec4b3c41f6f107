#include "server/proto_convert.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "proto/training_options_wire.h"

namespace sketchd {
namespace {

// Store times (µs since the epoch, 0 = not yet) → Timestamp; `set` is
// called only for a time that happened, so 0 stays unset on the wire.
template <typename Set>
void SetTime(int64_t unix_micros, Set set) {
  if (unix_micros != 0) {
    *set() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(unix_micros);
  }
}

}  // namespace

v1::Dataset ToProto(const DatasetRecord& r) {
  v1::Dataset p;
  p.set_name(r.name);
  p.set_n(r.n);
  p.set_d(r.d);
  p.set_description(r.description);
  SetTime(r.created_us, [&] { return p.mutable_create_time(); });
  p.set_num_training_matrices(r.num_matrices);
  p.set_training_cols(r.training_cols);
  p.set_training_bytes(r.training_bytes);
  p.set_num_sketches(r.num_sketches);
  return p;
}

v1::Task ToProto(SketchTask task) {
  return task == SketchTask::kLowRank ? v1::TASK_LOW_RANK : v1::TASK_REGRESSION;
}

std::optional<SketchTask> FromProto(v1::Task task) {
  if (task == v1::TASK_LOW_RANK) return SketchTask::kLowRank;
  if (task == v1::TASK_REGRESSION) return SketchTask::kRegression;
  return std::nullopt;
}

v1::TrainingOptions ToProto(const TrainOptions& o) { return TrainOptionsToWire(o); }

absl::StatusOr<TrainOptions> FromProto(const v1::TrainingOptions& p) {
  return TrainOptionsFromWire(p);
}

v1::Job ToProto(const JobRecord& r) {
  v1::Job p;
  p.set_job_id(r.id);
  p.set_dataset(r.dataset);
  *p.mutable_options() = ToProto(r.options);
  p.set_state(static_cast<v1::JobState>(static_cast<int>(r.state)));
  p.set_progress(r.progress);
  p.set_message(r.message);
  p.set_error(r.error);
  p.set_error_code(static_cast<int32_t>(r.error_code));
  SetTime(r.created_us, [&] { return p.mutable_create_time(); });
  SetTime(r.started_us, [&] { return p.mutable_start_time(); });
  SetTime(r.finished_us, [&] { return p.mutable_end_time(); });
  p.set_sketch_version(r.sketch_version);
  p.set_restarted_from(r.restarted_from);
  return p;
}

v1::SketchInfo ToProto(const SketchRecord& r) {
  v1::SketchInfo p;
  p.set_dataset(r.dataset);
  p.set_version(r.version);
  p.set_task(ToProto(r.task));
  p.set_method(r.method);
  p.set_k(r.k);
  p.set_m(r.m);
  p.set_n(r.n);
  p.set_d(r.d);
  SetTime(r.created_us, [&] { return p.mutable_create_time(); });
  p.set_is_default(r.is_default);
  p.set_job_id(r.job_id);
  p.set_train_seconds(r.train_seconds);
  v1::ValidationFigures* v = p.mutable_validation();
  v->set_metric(r.validation.metric);
  v->set_num_matrices(r.validation.num_matrices);
  v->set_learned(r.validation.learned);
  v->set_random(r.validation.random);
  v->set_random_seeds(r.validation.random_seeds);
  v->set_ratio(r.validation.ratio());
  v->set_learned_sd(r.validation.learned_sd);
  v->set_random_sd(r.validation.random_sd);
  v->set_comparable(r.validation.comparable());
  v->set_verdict(r.validation.verdict());
  p.set_notes(r.notes);
  *p.mutable_options() = ToProto(r.options);
  p.set_serialized_bytes(r.serialized_bytes);
  return p;
}

}  // namespace sketchd
