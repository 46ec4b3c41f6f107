#include "core/training/safeguarded_adam.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "core/training/adam.h"

namespace sketchd {
absl::StatusOr<VectorXd> RunSafeguardedAdam(const VectorXd& start, const SafeguardedAdamConfig& config,
                                            const MinibatchGradientFn& minibatch_gradient,
                                            const TrainingLossFn& training_loss,
                                            ProgressReporter* progress, ValueLearningReport* report) {
  const TrainingControl& control = progress->control();
  ValueLearningReport local;
  ValueLearningReport& rep = report != nullptr ? *report : local;
  rep = ValueLearningReport();
  rep.final_learning_rate = config.learning_rate;

  // A checkpoint: the loss, or +inf when it is undefined there (an error
  // other than cancellation, e.g. a rank-deficient sketched matrix).
  auto checkpoint = [&](const VectorXd& params) -> absl::StatusOr<double> {
    auto loss = training_loss(params);
    if (!loss.ok()) {
      if (absl::IsCancelled(loss.status())) return loss.status();
      return INFINITY;
    }
    return std::isfinite(*loss) ? *loss : INFINITY;
  };
  auto initial = checkpoint(start);
  if (!initial.ok()) return initial.status();
  rep.initial_loss = rep.best_loss = *initial;
  if (start.size() == 0 || config.iterations <= 0) return start;

  VectorXd params = start, best_params = start;
  double best_loss = *initial;
  const int iterations = config.iterations;
  const int eval_every = std::max(10, iterations / 10);
  Adam adam(params.size(), config.learning_rate);
  double grad_scale = 0;  // running mean of (clipped) gradient norms
  auto reject = [&]() {
    ++rep.rejected_steps;
    params = best_params;
    adam.Reset();
    adam.set_learning_rate(adam.learning_rate() * 0.5);
    grad_scale = 0;
  };
  // Accepts params as the best if its checkpoint loss is; rejects blow-ups.
  auto evaluate = [&]() -> absl::Status {
    auto loss = checkpoint(params);
    if (!loss.ok()) return loss.status();
    if (!std::isfinite(*loss) || (std::isfinite(best_loss) && *loss > 4 * best_loss + 1e-12)) {
      reject();
    } else if (*loss < best_loss) {
      best_loss = *loss;
      best_params = params;
    }
    return absl::OkStatus();
  };

  VectorXd grad;
  bool evaluated_last = true;
  for (int step = 0; step < iterations; ++step) {
    if (control.cancelled()) return absl::CancelledError("training cancelled");
    if (control.out_of_time()) {
      rep.stopped_by_budget = true;
      break;
    }
    if (rep.rejected_steps >= config.max_rejections) break;
    rep.steps = step + 1;
    evaluated_last = false;
    grad.setZero(params.size());
    auto batch_loss = minibatch_gradient(step, params, &grad);
    if (!batch_loss.ok() && absl::IsCancelled(batch_loss.status())) return batch_loss.status();
    if (!batch_loss.ok() || !std::isfinite(*batch_loss) || grad.size() != params.size() || !grad.allFinite()) {
      reject();
      continue;
    }
    const double max_norm = grad_scale > 0 ? 10 * grad_scale : 0;
    const double norm = ClipGradient(max_norm, &grad);
    const double used = max_norm > 0 ? std::min(norm, max_norm) : norm;
    grad_scale = grad_scale > 0 ? 0.9 * grad_scale + 0.1 * used : used;
    adam.Step(grad, &params);
    if (!params.allFinite()) {
      reject();
      continue;
    }
    if ((step + 1) % eval_every == 0 || step + 1 == iterations) {
      if (absl::Status s = evaluate(); !s.ok()) return s;
      evaluated_last = true;
    }
    progress->Maybe(static_cast<double>(step + 1) / iterations, [&] {
      return absl::StrFormat("%s: step %d/%d, batch loss %.6g, best training loss %.6g", config.label,
                             step + 1, iterations, *batch_loss, best_loss);
    });
  }
  // Stopped between checkpoints (budget, rejections): the last params still count.
  if (!evaluated_last) {
    if (absl::Status s = evaluate(); !s.ok()) return s;
  }
  rep.best_loss = best_loss;
  rep.final_learning_rate = adam.learning_rate();
  return best_params;
}

}  // namespace sketchd
