#include "core/training/ivy_training.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/parallel/parallel_for.h"
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
    // Per block, so a frozen random block (mixed's S2) keeps its seed.
    std::copy(params.data() + slot * n, params.data() + (slot + 1) * n,
              sketch->mutable_block_values(b).begin());
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
                                   int threads, const TrainingControl& control,
                                   Reducer* reducer) {
  if (matrices.empty()) return 0.0;
  std::vector<double> loss(matrices.size(), 0.0);
  const std::vector<bool> none(sketch.num_blocks(), false);
  ParallelFor(static_cast<int64_t>(matrices.size()), threads, [&](int64_t i, int) {
    if (control.cancelled()) return;
    const TrainingMatrix& tm = matrices[i];
    if (!HeldHere(tm)) return;  // another process's (its loss arrives in the sum)
    loss[i] = ScwLossAndValueGradient(sketch, tm.raw(), tm.gram_factor(), tm.frob_sq, k, none,
                                      nullptr, tm.loss_weight());
  });
  if (control.cancelled()) return absl::CancelledError("training cancelled");
  if (reducer != nullptr) reducer->SumInPlace(loss.data(), static_cast<int64_t>(loss.size()));
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
  if (train.empty()) return start;
  CountSketch current = start;
  const int64_t total = static_cast<int64_t>(train.size());
  const int64_t batch = std::clamp<int64_t>(config.batch_size, 1, total);
  std::vector<VectorXd> grads(batch);
  std::vector<double> losses(batch);

  auto minibatch = [&](int step, const VectorXd& params, VectorXd* grad) -> absl::StatusOr<double> {
    ScatterValues(params, trainable, &current);
    const std::vector<int64_t> members = SampleBatch(config.seed, step, total, batch);
    ParallelFor(batch, config.threads, [&](int64_t t, int) {
      if (control.cancelled()) return;
      const TrainingMatrix& tm = train[members[t]];
      if (!HeldHere(tm)) {  // another process's: zeros here, its values in the sum
        grads[t] = VectorXd::Zero(params.size());
        losses[t] = 0;
        return;
      }
      losses[t] = ScwLossAndValueGradient(current, tm.raw(), tm.gram_factor(), tm.frob_sq, config.k,
                                          trainable, &grads[t], tm.loss_weight());
    });
    if (control.cancelled()) return absl::CancelledError("training cancelled");
    if (config.reducer != nullptr) {
      const Index width = params.size() + 1;
      VectorXd packed(width * batch);
      for (int64_t t = 0; t < batch; ++t) {
        packed.segment(t * width, params.size()) = grads[t];
        packed(t * width + params.size()) = losses[t];
      }
      config.reducer->SumInPlace(packed.data(), packed.size());
      for (int64_t t = 0; t < batch; ++t) {
        grads[t] = packed.segment(t * width, params.size());
        losses[t] = packed(t * width + params.size());
      }
    }
    double batch_loss = 0;
    for (int64_t t = 0; t < batch; ++t) {
      *grad += grads[t];
      batch_loss += losses[t];
    }
    *grad /= static_cast<double>(batch);
    return batch_loss / static_cast<double>(batch);
  };
  auto training_loss = [&](const VectorXd& params) -> absl::StatusOr<double> {
    ScatterValues(params, trainable, &current);
    return MeanScwLoss(current, train, config.k, config.threads, control, config.reducer);
  };
  SafeguardedAdamConfig adam;
  adam.iterations = config.iterations;
  adam.learning_rate = config.learning_rate;
  adam.label = config.label;
  auto best = RunSafeguardedAdam(GatherValues(start, trainable), adam, minibatch, training_loss, progress, &rep);
  if (!best.ok()) return best.status();
  ScatterValues(*best, trainable, &current);
  return current;
}

}  // namespace sketchd
