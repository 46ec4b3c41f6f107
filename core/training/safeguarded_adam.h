// The safeguards value learning needs, in one place for every learned-values
// method: `ivy` / `mixed` / value refinement (SCW loss, ivy_training.h) and
// `heavy_rows` (subspace-embedding loss, core/regression/train_regression.h).
//
// Minibatch Adam on a parameter vector, where
//  - a step whose gradient cannot be computed (the step function returns an
//    error other than CANCELLED, e.g. a rank-deficient sketched matrix) or is
//    non-finite, or whose Adam update leaves non-finite parameters, is
//    rejected: training restarts from the best parameters with the moments
//    reset and the learning rate halved (after max_rejections it stops);
//  - the gradient is clipped to 10× its running mean norm;
//  - the full training loss is evaluated at the start and at checkpoints
//    (every max(10, iterations/10) steps, at the last step, and when stopped
//    early); a checkpoint whose loss is an error, non-finite, or more than 4×
//    the best is rejected like a bad step;
//  - the parameters with the lowest checkpoint loss are returned, so the
//    result is never worse on the training loss than the start, whatever the
//    minibatches did in between.
// CANCELLED as soon as the token fires (polled every step; step and loss
// functions poll it inside); the time budget stops early keeping the best.
#ifndef SKETCHD_CORE_TRAINING_SAFEGUARDED_ADAM_H_
#define SKETCHD_CORE_TRAINING_SAFEGUARDED_ADAM_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/training/progress_reporter.h"

namespace sketchd {

struct SafeguardedAdamConfig {
  int iterations = 300;
  double learning_rate = 0.05;
  int max_rejections = 30;
  std::string label = "values";  // progress messages
};

struct ValueLearningReport {
  int steps = 0;             // gradient steps taken (accepted or not)
  int rejected_steps = 0;
  double initial_loss = 0;   // training loss of the starting values (inf if undefined there)
  double best_loss = 0;      // training loss of the returned values
  double final_learning_rate = 0;
  bool stopped_by_budget = false;
};

// Minibatch loss of step `step` at `params`; fills `grad` (same size as params).
using MinibatchGradientFn =
    std::function<absl::StatusOr<double>(int step, const VectorXd& params, VectorXd* grad)>;
// Full training loss at `params` (lower is better).
using TrainingLossFn = std::function<absl::StatusOr<double>(const VectorXd& params)>;

// Returns the best parameters seen at a checkpoint (`start` if none beat it).
absl::StatusOr<VectorXd> RunSafeguardedAdam(const VectorXd& start, const SafeguardedAdamConfig& config,
                                            const MinibatchGradientFn& minibatch_gradient,
                                            const TrainingLossFn& training_loss,
                                            ProgressReporter* progress, ValueLearningReport* report);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_SAFEGUARDED_ADAM_H_
