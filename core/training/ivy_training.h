// Value learning (Indyk–Vakilian–Yuan 2019): positions fixed, the values of
// selected blocks of a CountSketch learned by minibatch Adam on
//   L(v) = mean_i ‖A_i − SCW(S(v), A_i)‖_F²
// with the analytic gradient of scw_gradient.h. Used by `ivy` (random
// positions), `mixed` (learned block next to a fixed random block) and the
// value refinement of `inner_product` / `greedy`.
//
// Safety: the safeguards of safeguarded_adam.h (shared with heavy_rows):
// clipped gradients, rejected steps restart from the best values with half
// the learning rate, and the best values at the ~10 full-loss checkpoints are
// returned, so the result is never worse on the training set than the start.
#ifndef SKETCHD_CORE_TRAINING_IVY_TRAINING_H_
#define SKETCHD_CORE_TRAINING_IVY_TRAINING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/parallel/reducer.h"
#include "core/sketch/count_sketch.h"
#include "core/training/progress_reporter.h"
#include "core/training/safeguarded_adam.h"
#include "core/training/training_set.h"

namespace sketchd {

struct ValueLearningConfig {
  int64_t k = 10;
  int iterations = 300;
  int batch_size = 16;          // clamped to the number of training matrices
  double learning_rate = 0.05;
  uint64_t seed = 0;            // minibatch order
  int threads = 1;
  std::vector<bool> trainable;  // per block; empty = all blocks
  std::string label = "ivy";    // progress messages
  // Training set spread over processes (sketchmpi): `train` lists every
  // matrix of the set, those held by other processes as placeholders (no
  // source, see HeldHere). Each process computes the losses and gradients of
  // the minibatch members it holds; the per-member values (batch × (values
  // + 1)) are summed through `reducer` — every member on exactly one process,
  // so the sum is exact — and added in the single-process order: the result
  // is bitwise that of one process. Every process must pass the same
  // placeholders and config; no cancel token (the processes could disagree
  // on when to stop), and a time budget only on a TrainingControl agreed
  // through the reducer (AgreeOnStopWith). Null: every matrix is here.
  Reducer* reducer = nullptr;
};

// False for a placeholder of a matrix held by another process.
inline bool HeldHere(const TrainingMatrix& tm) {
  return tm.source != nullptr || tm.owned.size() > 0;
}

// Mean L over `matrices` (in parallel); CANCELLED if the token fires.
// With a reducer, `matrices` may hold placeholders (see ValueLearningConfig).
absl::StatusOr<double> MeanScwLoss(const CountSketch& sketch,
                                   const std::vector<TrainingMatrix>& matrices, int64_t k,
                                   int threads, const TrainingControl& control,
                                   Reducer* reducer = nullptr);

// Returns `start` with learned values in the trainable blocks. CANCELLED if
// cancelled; stops early (keeping the best) when the time budget runs out.
absl::StatusOr<CountSketch> LearnSketchValues(const CountSketch& start,
                                              const std::vector<TrainingMatrix>& train,
                                              const ValueLearningConfig& config,
                                              ProgressReporter* progress,
                                              ValueLearningReport* report);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_IVY_TRAINING_H_
