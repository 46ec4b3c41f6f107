// `sketch: auto` — per request, the best of several candidate sketches.
//
// Every SCW answer carries its exact error ‖A − [AV]_k Vᵀ‖_F (scw_low_rank.h:
// ‖A‖_F² − ‖[AV]_k‖_F², or the directly summed residual when that would
// cancel), so the caller can try each candidate on the matrix it has to
// answer and keep the best one (Li et al., ICLR 2023, App. E: a learned
// sketch plus a random one; on a matrix unlike the training family the
// answer is then never worse than the random sketch's).
//
// Core does the choice; callers (server, CLI) pass the candidates in: the
// dataset's default learned sketch, a dense learned `subspace` sketch, a
// random CountSketch of the same m.
//
// Cost budget: `max_passes` bounds the reads of A of the *returned answer*
// (2 + 2q); every candidate runs with the same q = ⌊(max_passes − 2)/2⌋
// power iterations, so the winner's error is compared with the others' at
// equal passes. The total work is the sum over the candidates tried
// (AutoChoice::total_passes). With block_krylov every candidate keeps all its
// iterates' blocks (scw_low_rank.h), so the comparison is also at equal
// iteration kind. Candidates whose m does not fit
// (m < k or m > n) are reported as skipped, not tried.
//
// Ties: the earlier candidate wins (callers list the learned sketches first,
// so an exact tie keeps the learned one).
#ifndef SKETCHD_CORE_LOWRANK_AUTO_SKETCH_H_
#define SKETCHD_CORE_LOWRANK_AUTO_SKETCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

// One candidate: exactly one of `count` or `dense` (m×n) is set. Not owned.
struct AutoCandidate {
  std::string label;           // e.g. "default", "subspace", "random"
  int64_t version = 0;         // stored sketch version; 0 for a random sketch
  const CountSketch* count = nullptr;
  const MatrixXd* dense = nullptr;

  int64_t rows() const;        // m
  int64_t cols() const;        // n
};

struct AutoOptions {
  // Reads of A allowed for the returned answer (≥ 2): q = ⌊(max_passes − 2)/2⌋.
  int64_t max_passes = 2;
  // LowRankOptions::block_krylov for every candidate (no effect at q = 0).
  bool block_krylov = false;
  // ‖A‖_F² when the caller accumulated it (the server does); < 0: measured.
  double input_squared_norm = -1;
};

struct AutoTrial {
  std::string label;
  int64_t version = 0;
  int64_t m = 0;
  bool tried = false;       // false: skipped, `skipped_reason` says why
  std::string skipped_reason;
  int64_t power_iters = 0;
  bool block_krylov = false;
  int64_t passes = 0;
  double error = 0;          // ‖A − YZᵀ‖_F of this candidate's answer
  double relative_error = 0; // error / ‖A‖_F
  double seconds = 0;
};

struct AutoChoice {
  int64_t chosen = -1;              // index into trials (and candidates)
  std::vector<AutoTrial> trials;    // one per candidate, in the order given
  LowRankFactors factors;           // the chosen candidate's answer
  int64_t total_passes = 0;         // reads of A over all candidates tried
};

// The power iterations every candidate gets under `max_passes`:
// InvalidArgument when max_passes < 2 (SCW needs two passes) or the q it
// allows exceeds kMaxPowerIters.
absl::StatusOr<int64_t> AutoPowerIters(int64_t max_passes);

// Tries every candidate on A (row-major, n×d) at rank k and returns the one
// with the smallest exact error. InvalidArgument when no candidate fits
// (all skipped) or a candidate is malformed (both or neither sketch set, or
// n differs from A's rows).
absl::StatusOr<AutoChoice> ChooseLowRankSketch(const std::vector<AutoCandidate>& candidates,
                                               ConstRowMajorRef a, int64_t k,
                                               const AutoOptions& options = {});

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_AUTO_SKETCH_H_
