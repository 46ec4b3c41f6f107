// Training a CountSketch for SCW low-rank approximation from a family of
// matrices that share their row count n (the dimension the sketch acts on).
//
// Methods (TrainOptions::method): random, ivy, mixed, inner_product, greedy,
// subspace (a dense sketch, TrainedSketch::dense); see ivy_training.h,
// mixed_sketch.h, inner_product_sketch.h, greedy_positions.h and
// subspace_sketch.h. Every matrix is scaled to top singular value 1 for
// training and for the reported figures (the papers' convention).
//
// Split: round(validation_fraction·N) matrices (at least 1 when the fraction
// is positive and N ≥ 2; at most N − 1) are held out, chosen by Philox from
// the seed; the rest train. With one matrix (or fraction 0) the figures are
// measured on the training matrices, which `notes` says.
//
// Defaults when iterations / batch_size / learning_rate are 0:
//   ivy, mixed:                 300 Adam steps, batch min(N, 16), lr 0.05
//   inner_product refine, greedy refine: 150 steps, batch min(N, 16), lr 0.02
//   greedy positions:           1 pass (iterations = passes), proxy summed over
//                               a subsample of min(N, 16) matrices (batch_size)
// The time budget stops training early keeping the best so far; the
// validation figures are computed after it (not counted in train_seconds).
//
// Errors: INVALID_ARGUMENT for bad options or inputs (empty list, k < 1,
// m < 1, k > min(n, d) for some matrix, differing n, non-finite entries,
// task ≠ lowrank, heavy_rows); CANCELLED when the token fires.
//
// Spread over processes (sketchmpi, training_shard.h): every process calls
// TrainLowRankSketchOnShard with its block of the family and the same
// options, and gets the same TrainedSketch. Each process normalises and
// evaluates only its matrices; every sum over matrices goes through the
// reducer — disjoint sums of per-matrix values (minibatch gradients, greedy
// trial losses, validation figures: exact) or ordered running sums (the
// inner_product mean, greedy column scores, subspace's Σ AᵢAᵢᵀ: a serial
// loop's order) — so the result is bitwise the single-process one for any
// number of processes. A time budget is process 0's clock, agreed at every
// check (TrainingControl::AgreeOnStopWith); the cancel token is per process
// and must not be used spread (a process that stops alone leaves the others
// waiting).
#ifndef SKETCHD_CORE_TRAINING_TRAIN_LOW_RANK_H_
#define SKETCHD_CORE_TRAINING_TRAIN_LOW_RANK_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_control.h"
#include "core/training/training_shard.h"

namespace sketchd {

absl::StatusOr<TrainedSketch> TrainLowRankSketch(const std::vector<RowMatrixXd>& matrices,
                                                 const TrainOptions& options,
                                                 const ProgressCallback& progress,
                                                 const CancelToken* cancel);

absl::StatusOr<TrainedSketch> TrainLowRankSketchOnShard(const TrainingShard& shard,
                                                 const TrainOptions& options,
                                                 const ProgressCallback& progress,
                                                 const CancelToken* cancel);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAIN_LOW_RANK_H_
