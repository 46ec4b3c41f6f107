// min over ‖x‖₁ ≤ λ of q(x) = ½ xᵀHx − cᵀx for a small d×d positive
// semidefinite H: the inner problem of IHS-LASSO (H = (SA)ᵀSA) and, with
// H = AᵀA, the exact LASSO reference. Accelerated projected gradient (FISTA)
// with step 1/L, L = λ_max(H), exact ℓ1-ball projection, and adaptive restart
// (O'Donoghue & Candès 2015) so it converges linearly on well-conditioned H.
#ifndef SKETCHD_CORE_REGRESSION_L1_QUADRATIC_H_
#define SKETCHD_CORE_REGRESSION_L1_QUADRATIC_H_

#include "core/matrix_types.h"
#include "core/training/training_control.h"

namespace sketchd {

struct L1QuadraticOptions {
  int max_iterations = 20000;
  // Stop when ‖x_{k+1} − x_k‖ ≤ tolerance·max(‖x_{k+1}‖, tiny).
  double tolerance = 1e-14;
  // Polled every 64 iterations (each costs O(d²)): a fired token stops the
  // solve with `cancelled` set, so a large LASSO inner solve cannot outlive a
  // cancelled job by more than a few milliseconds.
  const CancelToken* cancel = nullptr;
};

struct L1QuadraticResult {
  VectorXd x;
  int iterations = 0;
  bool converged = false;
  bool cancelled = false;
};

// x0 is the starting point (projected first). λ > 0.
L1QuadraticResult MinimizeQuadraticOnL1Ball(const MatrixXd& h, const VectorXd& c, double lambda,
                                            const VectorXd& x0, const L1QuadraticOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_L1_QUADRATIC_H_
