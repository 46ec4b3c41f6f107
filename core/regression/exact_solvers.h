// Exact (unsketched) baselines: what the sketched solvers are measured
// against in tests and benchmarks, and the reference optimum that IHS-LASSO
// convergence rates are computed from.
#ifndef SKETCHD_CORE_REGRESSION_EXACT_SOLVERS_H_
#define SKETCHD_CORE_REGRESSION_EXACT_SOLVERS_H_

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/training/training_control.h"

namespace sketchd {

// Householder QR least squares (LAPACK dgels; OpenBLAS threads). Takes a
// column-major copy when given a row-major A. FailedPrecondition if R is
// numerically singular (same rule as the sketched solvers).
absl::StatusOr<VectorXd> QrLeastSquares(ConstColMajorRef a, const Eigen::Ref<const VectorXd>& b);
absl::StatusOr<VectorXd> QrLeastSquares(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b);
// The same on a column-major A the caller no longer needs: *a is overwritten
// by the factorisation (no second n×d copy).
absl::StatusOr<VectorXd> QrLeastSquaresInPlace(MatrixXd* a, const Eigen::Ref<const VectorXd>& b);

// Cholesky on the normal equations AᵀA x = Aᵀb (BLAS dsyrk + LAPACK dpotrf):
// fastest exact method, but its error grows like κ(A)², which is the point of
// showing it in the benchmark. FailedPrecondition if AᵀA is not numerically
// positive definite.
absl::StatusOr<VectorXd> NormalEquationsLeastSquares(ConstRowMajorRef a,
                                                     const Eigen::Ref<const VectorXd>& b);

struct LassoReference {
  VectorXd x;                 // x* = argmin ½‖Ax − b‖² s.t. ‖x‖₁ ≤ λ
  double objective = 0;       // f(x*) = ½‖Ax* − b‖²
  int iterations = 0;         // accelerated projected-gradient iterations
  bool constraint_active = false;
};

// The LASSO optimum to (close to) machine precision: if ‖x_LS‖₁ ≤ λ it is
// x_LS; otherwise a long accelerated projected-gradient run on the full
// objective (gradient AᵀAx − Aᵀb through the d×d Gram matrix, which is the
// same objective), then an active-set polish — on the support and signs it
// found, the equality-constrained least squares sᵀx_S = λ is solved by QR and
// kept if it keeps those signs and does not increase f. InvalidArgument for
// λ ≤ 0 or bad input; CANCELLED if `cancel` fires during the long run.
absl::StatusOr<LassoReference> LassoExact(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b,
                                          double lambda, int max_iterations = 200000,
                                          const CancelToken* cancel = nullptr);

// f(x) − f(x*) for f = ½‖Ax − b‖², computed without cancellation as
// ½‖A(x − x*)‖² + ⟨Aᵀ(Ax* − b), x − x*⟩, so gaps far below f(x*)·eps are exact.
double LeastSquaresObjectiveGap(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b,
                                const VectorXd& x, const VectorXd& x_star);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_EXACT_SOLVERS_H_
