// Least squares min ‖Ax − b‖ with A and b row-distributed (each rank holds
// the same contiguous rows of both), on core's solvers:
//
//  - sketch_and_solve: [SA | Sb] summed over ranks in one m×(d+1) sum, then
//    core's SolveSketchedLeastSquares on every rank (same input → same x).
//  - lsqr: R from the QR of the summed SA (core's UpperTriangularFactor),
//    then core's LSQR through a distributed LsqrOperator: every iteration is
//    one local fused pass over A_p and one sum of a (d+1)-vector (Aᵀu and
//    ‖u‖²). x lives on every rank.
//
// Sketch: the given CountSketch (any number of blocks), or core's default
// for the solver — a CountSketch with m = 20d for sketch_and_solve, a sparse
// sign embedding with m = 8d for lsqr, both from `seed`. Unlike core, the MPI
// path keeps that sparse sketch even when n < 2m (core switches to a
// Gaussian, whose m×n matrix MPI inputs are too large for).
//
//  - ihs: core's IterativeHessianSketch with IhsOptions::reducer = the
//    communicator: each iteration one local fused pass and one sum of a
//    (d+1)-vector (two with the line search), and the m×d sum of S_tA. The
//    sketch as in core's Solve: fresh CountSketches (m = min(n, 8d) or --m,
//    seed + t) without a sketch; a given one reused (kFixed), or a heavy_rows
//    sketch's heavy rows kept and the rest re-hashed (kHeavyRows).
//
// Results equal core's Solve with the same sketch and threads = 1 up to the
// order of the sums over ranks (≤ 1e-12 relative on well-conditioned A), and
// are bitwise reproducible for a fixed number of ranks.
#ifndef SKETCHD_MPI_DISTRIBUTED_SOLVE_H_
#define SKETCHD_MPI_DISTRIBUTED_SOLVE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/regression/solve.h"
#include "core/regression/solve_result.h"
#include "mpi/communicator.h"
#include "mpi/distributed_npy.h"

namespace sketchd {

struct DistributedSolveOptions {
  Solver solver = Solver::kLsqr;           // kSketchAndSolve, kLsqr or kIhs
  const CountSketch* sketch = nullptr;     // null → the solver's default sketch
  uint64_t seed = 0;
  // ihs only, as core's Solve: the LASSO radius; a trained sketch's heavy
  // rows (kept, the rest re-hashed each iteration, when its values were not
  // learned); tolerance and max_iterations (0 = 50).
  std::optional<double> lasso_lambda;
  const std::vector<int32_t>* heavy_rows = nullptr;
  bool learned_values = false;
  double tolerance = 1e-10;
  double atol = 1e-14, btol = 1e-14, conlim = 1e12;
  int max_iterations = 0;                  // 0 = LSQR's default (2d + 1000)
};

// Collective. `a` and `b` are this rank's rows of A (n_p×d) and b (n_p×1).
// residual_norm is ‖Ax − b‖ over all rows.
absl::StatusOr<SolveResult> DistributedSolve(Communicator& comm, const LocalRows& a,
                                             const LocalRows& b, int64_t cols,
                                             const DistributedSolveOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_MPI_DISTRIBUTED_SOLVE_H_
