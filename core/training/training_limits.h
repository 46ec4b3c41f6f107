// The sizes a training job may ask for, checked before anything is allocated,
// and what the job will allocate, so a service can refuse a job it cannot hold
// (RESOURCE_EXHAUSTED) instead of dying of std::bad_alloc half-way through.
//
//   SKETCHD_RETURN_IF_ERROR(CheckTrainingSizes(options, n, d, count));
//   if (EstimateTrainingBytes(options, n, d, count) > budget) → refuse.
//
// Both take the shape of the training set (count matrices of n×d; for
// regression, problems with n×d design matrices) instead of the matrices, so
// a server can call them from the request alone, before receiving any data.
#ifndef SKETCHD_CORE_TRAINING_TRAINING_LIMITS_H_
#define SKETCHD_CORE_TRAINING_TRAINING_LIMITS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

// Hard caps on sizes that drive allocations. The defaults are far above any
// sensible job (m is a few hundred for low rank, ~10·d for regression) and
// below what would exhaust a 24 GiB machine in one array; a server passes
// tighter ones from its flags.
struct TrainingLimits {
  int64_t max_sketch_rows = int64_t{1} << 20;  // m
  int64_t max_rows = int64_t{1} << 31;         // n (CountSketch positions are int32)
  int64_t max_cols = int64_t{1} << 20;         // d
  int64_t max_matrices = 1'000'000;            // count of stacked training matrices
  int max_iterations = 1'000'000;              // gradient steps / greedy passes
  int max_batch_size = 1'000'000;              // matrices per gradient step
};

// InvalidArgument naming the field and its limit when: m < 1, m > n, m above
// max_sketch_rows; k < 1 or k > m (low-rank task: a rank-k answer from a sketch
// of fewer rows cannot exist); for regression m < d; n, d or count out of
// range; iterations / batch_size negative or above their caps; then every
// option outside its range in the option table (CheckTrainOptions).
absl::Status CheckTrainingSizes(const TrainOptions& options, int64_t n, int64_t d, int64_t count,
                                const TrainingLimits& limits = TrainingLimits());

// Peak bytes the training job will hold, including the training matrices
// themselves (count·n·d doubles, plus b for regression), which the caller
// holds while it trains. An estimate of the dominant arrays (per-thread SCW
// workspaces, minibatch gradients, the representative matrix and its SVD for
// inner_product, leverage QRs for heavy_rows, the validation SVDs), meant to
// be within 2× of the measured peak RSS (tests/regression/memory_estimate_test.cc);
// saturates at INT64_MAX instead of overflowing. Call CheckTrainingSizes first:
// out-of-range options make the figure meaningless.
int64_t EstimateTrainingBytes(const TrainOptions& options, int64_t n, int64_t d, int64_t count);

// A byte count computed in double (so products of sizes cannot overflow),
// rounded up and clamped to [0, INT64_MAX]. Shared with EstimateSolveBytes.
int64_t SaturatingBytes(double bytes);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAINING_LIMITS_H_
