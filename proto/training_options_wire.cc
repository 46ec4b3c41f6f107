#include "proto/training_options_wire.h"

#include "core/status_macros.h"
#include "core/training/train_option_table.h"

namespace sketchd {

v1::TrainingOptions TrainOptionsToWire(const TrainOptions& o) {
  v1::TrainingOptions p;
  p.set_method(std::string(TrainMethodName(o.method)));
  p.set_task(o.task == SketchTask::kLowRank ? v1::TASK_LOW_RANK : v1::TASK_REGRESSION);
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

absl::StatusOr<TrainOptions> TrainOptionsFromWire(const v1::TrainingOptions& p) {
  TrainOptions o;
  SKETCHD_ASSIGN_OR_RETURN(o.method, ParseTrainMethod(p.method()));
  if (p.task() == v1::TASK_LOW_RANK) {
    o.task = SketchTask::kLowRank;
  } else if (p.task() == v1::TASK_REGRESSION) {
    o.task = SketchTask::kRegression;
  } else {
    return absl::InvalidArgumentError("options.task must be TASK_LOW_RANK or TASK_REGRESSION");
  }
  if (p.k() != 0 || o.task == SketchTask::kLowRank) o.k = p.k();
  o.m = p.m();
  o.seed = p.seed();
  o.iterations = p.iterations();
  o.batch_size = p.batch_size();
  o.learning_rate = p.learning_rate();
  if (p.has_validation_fraction()) o.validation_fraction = p.validation_fraction();
  o.time_budget_seconds = p.time_budget_seconds();
  o.threads = p.threads();
  if (p.has_mixed_joint()) o.mixed_joint = p.mixed_joint();
  o.refine_values = p.refine_values();
  o.append_sampled_rows = p.append_sampled_rows();
  o.greedy_leverage_order = p.greedy_leverage_order();
  if (p.has_heavy_fraction()) o.heavy_fraction = p.heavy_fraction();
  o.learn_values = p.learn_values();
  if (p.has_lasso_lambda_fraction()) o.lasso_lambda_fraction = p.lasso_lambda_fraction();
  SKETCHD_RETURN_IF_ERROR(CheckTrainOptions(o));
  return o;
}

}  // namespace sketchd
