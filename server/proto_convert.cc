#include "server/proto_convert.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

v1::Dataset ToProto(const DatasetRecord& r) {
  v1::Dataset p;
  p.set_name(r.name);
  p.set_n(r.n);
  p.set_d(r.d);
  p.set_description(r.description);
  p.set_created_unix_micros(r.created_us);
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

v1::TrainingOptions ToProto(const TrainOptions& o) {
  v1::TrainingOptions p;
  p.set_method(std::string(TrainMethodName(o.method)));
  p.set_task(ToProto(o.task));
  p.set_k(o.k);
  p.set_m(o.m);
  p.set_seed(o.seed);
  p.set_iterations(o.iterations);
  p.set_batch_size(o.batch_size);
  p.set_learning_rate(o.learning_rate);
  p.set_validation_fraction(o.validation_fraction);
  p.set_time_budget_seconds(o.time_budget_seconds);
  p.set_threads(o.threads);
  p.set_mixed_joint(o.mixed_joint);
  p.set_refine_values(o.refine_values);
  p.set_append_sampled_rows(o.append_sampled_rows);
  p.set_greedy_leverage_order(o.greedy_leverage_order);
  p.set_heavy_fraction(o.heavy_fraction);
  p.set_learn_values(o.learn_values);
  p.set_lasso_lambda_fraction(o.lasso_lambda_fraction);
  return p;
}

absl::StatusOr<TrainOptions> FromProto(const v1::TrainingOptions& p) {
  TrainOptions o;
  auto method = ParseTrainMethod(p.method());
  if (!method.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "options.method '", p.method(),
        "' is unknown; use random, ivy, mixed, inner_product, greedy, subspace or heavy_rows"));
  }
  o.method = *method;
  std::optional<SketchTask> task = FromProto(p.task());
  if (!task) return absl::InvalidArgumentError("options.task must be TASK_LOW_RANK or TASK_REGRESSION");
  o.task = *task;
  if (p.m() < 1) return absl::InvalidArgumentError(absl::StrCat("options.m must be ≥ 1, got ", p.m()));
  o.m = p.m();
  if (o.task == SketchTask::kLowRank && p.k() < 1) {
    return absl::InvalidArgumentError(absl::StrCat("options.k must be ≥ 1, got ", p.k()));
  }
  if (p.k() > 0) o.k = p.k();
  o.seed = p.seed();
  if (p.iterations() < 0 || p.batch_size() < 0 || p.learning_rate() < 0 || p.threads() < 0) {
    return absl::InvalidArgumentError(
        "options.iterations, batch_size, learning_rate and threads must be ≥ 0 (0 = default)");
  }
  o.iterations = p.iterations();
  o.batch_size = p.batch_size();
  o.learning_rate = p.learning_rate();
  if (p.has_validation_fraction()) {
    if (!(p.validation_fraction() >= 0 && p.validation_fraction() < 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "options.validation_fraction must be in [0, 1), got ", p.validation_fraction()));
    }
    o.validation_fraction = p.validation_fraction();
  }
  if (!(p.time_budget_seconds() >= 0)) {
    return absl::InvalidArgumentError("options.time_budget_seconds must be ≥ 0 (0 = no budget)");
  }
  o.time_budget_seconds = p.time_budget_seconds();
  o.threads = p.threads();
  if (p.has_mixed_joint()) o.mixed_joint = p.mixed_joint();
  o.refine_values = p.refine_values();
  o.append_sampled_rows = p.append_sampled_rows();
  o.greedy_leverage_order = p.greedy_leverage_order();
  if (p.has_heavy_fraction()) {
    if (!(p.heavy_fraction() >= 0 && p.heavy_fraction() <= 1)) {
      return absl::InvalidArgumentError("options.heavy_fraction must be in [0, 1]");
    }
    o.heavy_fraction = p.heavy_fraction();
  }
  o.learn_values = p.learn_values();
  if (p.has_lasso_lambda_fraction()) {
    if (!(p.lasso_lambda_fraction() > 0)) {
      return absl::InvalidArgumentError("options.lasso_lambda_fraction must be > 0");
    }
    o.lasso_lambda_fraction = p.lasso_lambda_fraction();
  }
  return o;
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
  p.set_created_unix_micros(r.created_us);
  p.set_started_unix_micros(r.started_us);
  p.set_finished_unix_micros(r.finished_us);
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
  p.set_created_unix_micros(r.created_us);
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
