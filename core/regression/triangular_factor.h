// The R factor of a small sketched matrix X = SA (m×d, m ≥ d), with the rank
// check every sketch-based solver needs: if R is numerically singular the
// preconditioner / sketched Hessian is useless, and the user must learn
// which columns are to blame rather than get a silently wrong x.
#ifndef SKETCHD_CORE_REGRESSION_TRIANGULAR_FACTOR_H_
#define SKETCHD_CORE_REGRESSION_TRIANGULAR_FACTOR_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/matrix_types.h"

namespace sketchd {

// Reciprocal condition numbers (LAPACK dtrcon, 1-norm estimate) below
// max(1e-13, max(m, d)·eps) count as rank-deficient. κ(A) up to ~1e10 passes.
double RankTolerance(int64_t m, int64_t d);

// Upper-triangular d×d R with XᵀX = RᵀR (Householder QR, LAPACK dgeqrf, so
// OpenBLAS threads are used). FailedPrecondition when X is numerically
// rank-deficient; the message names the dependent columns (found by a
// column-pivoted QR on that failure path only) and says what to do.
// `context` prefixes the message, e.g. "sketched matrix SA".
absl::StatusOr<MatrixXd> UpperTriangularFactor(MatrixXd x, absl::string_view context);

// The FailedPrecondition message for a rank-deficient X (used by the solvers
// that factor with a pivoted QR themselves).
absl::Status RankDeficientError(const MatrixXd& x, absl::string_view context);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_TRIANGULAR_FACTOR_H_
