#include "core/training/ivy_training.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/training/adam.h"
#include "core/training/parallel.h"
#include "core/training/scw_gradient.h"
#include "core/training/training_random.h"

namespace sketchd {
namespace {

std::vector<bool> AllBlocks(const CountSketch& sketch, const std::vector<bool>& trainable) {
  if (!trainable.empty()) return trainable;
  return std::vector<bool>(sketch.num_blocks(), true);
}

VectorXd GatherValues(const CountSketch& sketch, const std::vector<bool>& trainable) {
  const int64_t n = sketch.cols();
  std::vector<double> out;
  for (int b = 0; b < sketch.num_blocks(); ++b) {
    if (!trainable[b]) continue;
    out.insert(out.end(), sketch.values().begin() + b * n, sketch.values().begin() + (b + 1) * n);
  }
  return Eigen::Map<VectorXd>(out.data(), static_cast<Index>(out.size()));
}

void ScatterValues(const VectorXd& params, const std::vector<bool>& trainable,
                   CountSketch* sketch) {
  const int64_t n = sketch->cols();
  Index slot = 0;
  for (int b = 0; b < sketch->num_blocks(); ++b) {
    if (!trainable[b]) continue;
    std::copy(params.data() + slot * n, params.data() + (slot + 1) * n,
              sketch->mutable_values().begin() + b * n);
    ++slot;
  }
}

// `count` distinct indices of [0, total), a fresh draw per step.
std::vector<int64_t> SampleBatch(uint64_t seed, int step, int64_t total, int64_t count) {
  std::vector<int64_t> idx(total);
  std::iota(idx.begin(), idx.end(), 0);
  if (count >= total) return idx;
  std::vector<uint32_t> key(total);
  for (int64_t i = 0; i < total; ++i) {
    key[i] = TrainingWord(seed, TrainingDraw::kMinibatch,
                          static_cast<uint64_t>(step) * static_cast<uint64_t>(total) + i);
  }
  std::partial_sort(idx.begin(), idx.begin() + count, idx.end(),
                    [&](int64_t a, int64_t b) { return key[a] != key[b] ? key[a] < key[b] : a < b; });
  idx.resize(count);
  return idx;
}

}  // namespace

absl::StatusOr<double> MeanScwLoss(const CountSketch& sketch,
                                   const std::vector<TrainingMatrix>& matrices, int64_t k,
                                   int threads, const TrainingControl& control) {
  if (matrices.empty()) return 0.0;
  std::vector<double> loss(matrices.size(), 0.0);
  const std::vector<bool> none(sketch.num_blocks(), false);
  ParallelFor(static_cast<int64_t>(matrices.size()), threads, [&](int64_t i, int) {
    if (control.cancelled()) return;
    const TrainingMatrix& tm = matrices[i];
    loss[i] = ScwLossAndValueGradient(sketch, tm.raw(), tm.gram_factor(), tm.frob_sq, k, none,
                                      nullptr, tm.loss_weight());
  });
  if (control.cancelled()) return absl::CancelledError("training cancelled");
  return std::accumulate(loss.begin(), loss.end(), 0.0) / static_cast<double>(matrices.size());
}

absl::StatusOr<CountSketch> LearnSketchValues(const CountSketch& start,
                                              const std::vector<TrainingMatrix>& train,
                                              const ValueLearningConfig& config,
                                              ProgressReporter* progress,
                                              ValueLearningReport* report) {
  const TrainingControl& control = progress->control();
  ValueLearningReport local;
  ValueLearningReport& rep = report != nullptr ? *report : local;
  rep = ValueLearningReport();
  const std::vector<bool> trainable = AllBlocks(start, config.trainable);
  CountSketch current = start;
  VectorXd params = GatherValues(start, trainable);
  if (params.size() == 0 || train.empty() || config.iterations <= 0) {
    if (!train.empty()) {
      auto loss = MeanScwLoss(start, train, config.k, config.threads, control);
      if (!loss.ok()) return loss.status();
      rep.initial_loss = rep.best_loss = *loss;
    }
    return start;
  }

  auto initial = MeanScwLoss(current, train, config.k, config.threads, control);
  if (!initial.ok()) return initial.status();
  rep.initial_loss = rep.best_loss = *initial;
  double best_loss = *initial;
  VectorXd best_params = params;

  const int64_t total = static_cast<int64_t>(train.size());
  const int64_t batch = std::clamp<int64_t>(config.batch_size, 1, total);
  const int iterations = config.iterations;
  const int eval_every = std::max(10, iterations / 10);
  Adam adam(params.size(), config.learning_rate);
  double grad_scale = 0;  // running mean of (clipped) gradient norms
  const int kMaxRejections = 30;

  std::vector<VectorXd> grads(batch);
  std::vector<double> losses(batch);
  auto reject = [&]() {
    ++rep.rejected_steps;
    params = best_params;
    adam.Reset();
    adam.set_learning_rate(adam.learning_rate() * 0.5);
    grad_scale = 0;
  };

  for (int step = 0; step < iterations; ++step) {
    if (control.cancelled()) return absl::CancelledError("training cancelled");
    if (control.out_of_time()) {
      rep.stopped_by_budget = true;
      break;
    }
    if (rep.rejected_steps >= kMaxRejections) break;
    rep.steps = step + 1;
    ScatterValues(params, trainable, &current);
    const std::vector<int64_t> members = SampleBatch(config.seed, step, total, batch);
    ParallelFor(batch, config.threads, [&](int64_t t, int) {
      if (control.cancelled()) return;
      const TrainingMatrix& tm = train[members[t]];
      losses[t] = ScwLossAndValueGradient(current, tm.raw(), tm.gram_factor(), tm.frob_sq, config.k,
                                          trainable, &grads[t], tm.loss_weight());
    });
    if (control.cancelled()) return absl::CancelledError("training cancelled");
    VectorXd grad = VectorXd::Zero(params.size());
    double batch_loss = 0;
    for (int64_t t = 0; t < batch; ++t) {
      grad += grads[t];
      batch_loss += losses[t];
    }
    grad /= static_cast<double>(batch);
    batch_loss /= static_cast<double>(batch);
    if (!grad.allFinite() || !std::isfinite(batch_loss)) {
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
      ScatterValues(params, trainable, &current);
      auto loss = MeanScwLoss(current, train, config.k, config.threads, control);
      if (!loss.ok()) return loss.status();
      if (!std::isfinite(*loss) || *loss > 4 * best_loss + 1e-12) {
        reject();
      } else if (*loss < best_loss) {
        best_loss = *loss;
        best_params = params;
      }
    }
    progress->Maybe(static_cast<double>(step + 1) / iterations, [&] {
      return absl::StrFormat("%s: step %d/%d, batch loss %.6g, best training loss %.6g",
                             config.label, step + 1, iterations, batch_loss, best_loss);
    });
  }
  // A final checkpoint when stopped between checkpoints.
  if (!control.cancelled() && rep.steps % eval_every != 0 && rep.steps != iterations) {
    ScatterValues(params, trainable, &current);
    auto loss = MeanScwLoss(current, train, config.k, config.threads, control);
    if (!loss.ok()) return loss.status();
    if (std::isfinite(*loss) && *loss < best_loss) {
      best_loss = *loss;
      best_params = params;
    }
  }
  rep.best_loss = best_loss;
  rep.final_learning_rate = adam.learning_rate();
  ScatterValues(best_params, trainable, &current);
  return current;
}

}  // namespace sketchd
