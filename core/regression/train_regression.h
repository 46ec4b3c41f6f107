// Training sketches for regression (DESIGN §2, Li et al. 2023 §6).
//
// method heavy_rows: problems share n (and d). For each training problem the
// leverage scores (thin QR, row norms² of Q) pick its top-h rows, h =
// floor(heavy_fraction·m); the h rows that are in the top-h of the most
// training problems (ties: larger summed leverage, then lower index) get a
// bucket each (rows 0..h−1 of S, value +1); every other row is hashed by
// Philox(seed) into buckets h..m−1 with a ±1 value. TrainedSketch.heavy_rows
// lists them. With learn_values, all values are then learned by Adam on the
// subspace-embedding loss (subspace_embedding_loss.h; `iterations` steps,
// default 300; `learning_rate`, default 0.05; `batch_size` problems per step,
// default all). Solve reuses a sketch with learned values unchanged at every
// IHS iteration and re-hashes the light rows of one without.
// method random: a random CountSketch (m, n, seed), for comparison.
//
// Validation: the last round(validation_fraction·N) problems (N ≥ 2; the
// family is assumed in time order) are held out of training; on each, with
// λ = lasso_lambda_fraction·‖x_LS‖₁, metric "ihs_lasso_rate" is the mean
// IHS-LASSO rate (ihs_evaluation.h) of the trained sketch used as Solve would
// use it, and of a fresh random CountSketch per iteration with the same m
// (mean over 3 seeds). With no held-out problem the training problems are used
// and `notes` says so.
//
// Problems are used as given: standardise them beforehand if desired
// (column_standardizer.h says why that is the caller's job).
// Progress is reported per phase step; cancellation is polled at least once
// per training problem and per Adam step (→ CancelledError).
//
// Spread over processes (sketchmpi, regression_shard.h): every process calls
// TrainRegressionSketchOnShard with its block of the family and the same
// options, and gets the same TrainedSketch, bitwise the single-process one:
// heavy-row votes are a running sum through the processes in problem order;
// each problem's loss and gradient, and its validation rates, are computed
// where it lives and summed (one owner each, exact), then added in problem
// order. A time budget is process 0's clock, agreed at every check
// (TrainingControl::AgreeOnStopWith); the cancel token must not be used
// spread.
#ifndef SKETCHD_CORE_REGRESSION_TRAIN_REGRESSION_H_
#define SKETCHD_CORE_REGRESSION_TRAIN_REGRESSION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/regression/regression_problem.h"
#include "core/regression/regression_shard.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_control.h"

namespace sketchd {

absl::StatusOr<TrainedSketch> TrainRegressionSketch(const std::vector<RegressionProblem>& problems,
                                                    const TrainOptions& options,
                                                    const ProgressCallback& progress,
                                                    const CancelToken* cancel);
absl::StatusOr<TrainedSketch> TrainRegressionSketchOnShard(const RegressionShard& shard,
                                                    const TrainOptions& options,
                                                    const ProgressCallback& progress,
                                                    const CancelToken* cancel);

// The heavy rows alone (used by training and tests): the h rows most often in
// the per-problem top-h by leverage. Problems must share n.
std::vector<int32_t> SelectHeavyRows(const std::vector<RegressionProblem>& problems, int64_t h);

// The two halves of SelectHeavyRows, for a family spread over processes
// (sketchmpi sums the votes over ranks in problem order, Reducer::OrderedSum):
// one problem's vote adds 1 to counts[r] for each of its top-h rows by
// leverage and its leverage scores to totals (both n long); the heavy rows
// are then the h rows with the most votes (ties: larger total, then lower
// index) that have at least one.
void AddHeavyRowVotes(const RowMatrixXd& a, int64_t h, double* counts, double* totals);
std::vector<int32_t> HeavyRowsFromVotes(const double* counts, const double* totals, int64_t n,
                                        int64_t h);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_TRAIN_REGRESSION_H_
