// Greedy position learning (Li et al. 2023, Algorithm 2). Starting from a
// one-block ±1 CountSketch, columns j (rows of A) are visited in descending
// order of a score (row norm or leverage); each is taken out of its bucket and
// tried in every bucket p ∈ [m] with both signs, keeping the trial with the
// lowest proxy loss Σ_i ‖A_i − [A_i V]_k Vᵀ‖_F² over a subsample of the
// training matrices (the current placement wins ties, so every move strictly
// lowers the proxy and stopping early keeps the best placement so far).
//
// Cost. Per subsampled matrix we keep X = SA (m×d), XG (G = AᵀA, d×d,
// cached), M = XXᵀ and K = XGXᵀ (m×m). The loss needs only the pencil
// (K, M): f = Σ top-k eigenvalues of Σ⁻¹UᵀKUΣ⁻¹ with M = UΣ²Uᵀ. Moving
// column j to row p with sign s is a symmetric rank-two change of M and K in
// row/column p, built from c = Xa, h = Xg, ‖a‖² and aᵀGa (a = A[j], g = aG).
// All 2m trials of a column share one (m+1)×(m+1) bordered pencil, whose
// eigendecomposition turns each trial into a secular equation
// (greedy_column_trials.h):
//   per column and matrix: O(d² + m·d) for g, c, h and the removal update,
//                          O(m³) for the bordered pencil;
//   per trial and matrix:  O(m) per secular-equation root, k roots at most.
// A pass costs n·N·(d² + m·d + m³ + 2m·k·m·iterations) with N subsampled
// matrices, against n·N·(d² + m·d + 2m·m³) when every trial recomputed two
// m×m eigensolves (still the fallback when [X; a] is rank deficient).
#ifndef SKETCHD_CORE_TRAINING_GREEDY_POSITIONS_H_
#define SKETCHD_CORE_TRAINING_GREEDY_POSITIONS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/parallel/reducer.h"
#include "core/sketch/count_sketch.h"
#include "core/training/progress_reporter.h"
#include "core/training/training_set.h"

namespace sketchd {

struct GreedyConfig {
  int64_t k = 10;
  int passes = 1;
  int threads = 1;
  // Subsample spread over processes (sketchmpi): `subsample` lists every
  // member, those held by other processes as placeholders (HeldHere false in
  // ivy_training.h). Each process keeps the state of the members it holds;
  // per trial, the per-member losses (2m × members) are summed through
  // `reducer` — one owner each, so exactly — and added in member order, as
  // one process adds them: every process takes bitwise the same decision as
  // a single process would. Null: every member is here.
  Reducer* reducer = nullptr;
};

struct GreedyReport {
  int passes_done = 0;
  int64_t columns_visited = 0;
  int64_t moves = 0;
  double initial_proxy = 0;  // mean proxy loss over the subsample
  double final_proxy = 0;
  bool stopped_by_budget = false;
  // (column, matrix) pairs whose trials were recomputed in full because the
  // one-eigendecomposition update did not apply (see greedy_column_trials.h);
  // with a reducer, those of this process's members.
  int64_t full_recomputations = 0;
};

// `start` must have one block. `column_scores` (length n) sets the visiting
// order (descending). `subsample` are the matrices the proxy is summed over.
absl::StatusOr<CountSketch> LearnGreedyPositions(const CountSketch& start,
                                                 const std::vector<TrainingMatrix>& subsample,
                                                 const VectorXd& column_scores,
                                                 const GreedyConfig& config,
                                                 ProgressReporter* progress, GreedyReport* report);

// f from the pencil (K, M) as described above; exposed for tests.
double CapturedFromPencil(const MatrixXd& gram_x, const MatrixXd& gram_xgx, int64_t k);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_GREEDY_POSITIONS_H_
