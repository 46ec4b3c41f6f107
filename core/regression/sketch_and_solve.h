// Sketch-and-solve: x = argmin ‖SAx − Sb‖. One pass over A plus a QR of the
// m×d sketch; the residual is within (1 + ε) of optimal with ε ~ d/m for a
// subspace embedding, so it is fast but approximate.
#ifndef SKETCHD_CORE_REGRESSION_SKETCH_AND_SOLVE_H_
#define SKETCHD_CORE_REGRESSION_SKETCH_AND_SOLVE_H_

#include "absl/status/statusor.h"
#include "core/regression/data_matrix.h"
#include "core/regression/embedding.h"
#include "core/regression/solve_result.h"

namespace sketchd {

// The small problem is solved by column-pivoted Householder QR, which also
// detects a rank-deficient SA: FailedPrecondition naming the dependent columns.
// The small problem alone: argmin ‖(SA)x − Sb‖ for an already sketched
// m×d SA and Sb (m ≥ d), e.g. summed over MPI ranks. Same QR and rank check.
absl::StatusOr<VectorXd> SolveSketchedLeastSquares(MatrixXd sa, VectorXd sb);

absl::StatusOr<SolveResult> SketchAndSolve(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                           const Embedding& sketch);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_SKETCH_AND_SOLVE_H_
