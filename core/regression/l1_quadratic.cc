#include "core/regression/l1_quadratic.h"

#include <algorithm>
#include <cmath>

#include "core/regression/l1_projection.h"

namespace sketchd {

L1QuadraticResult MinimizeQuadraticOnL1Ball(const MatrixXd& h, const VectorXd& c, double lambda,
                                            const VectorXd& x0, const L1QuadraticOptions& options) {
  L1QuadraticResult out;
  Eigen::SelfAdjointEigenSolver<MatrixXd> eig(h, Eigen::EigenvaluesOnly);
  const double lmax = eig.eigenvalues().maxCoeff();
  VectorXd x = ProjectOntoL1Ball(x0, lambda);
  if (!(lmax > 0)) {  // H = 0: minimise the linear term −cᵀx on the ball (a vertex).
    VectorXd vertex = VectorXd::Zero(c.size());
    Index j = 0;
    if (c.size() > 0 && c.cwiseAbs().maxCoeff(&j) > 0) vertex[j] = std::copysign(lambda, c[j]);
    out.x = vertex;
    out.converged = true;
    return out;
  }
  const double step = 1.0 / lmax;
  VectorXd y = x, x_prev = x, x_next;
  double t = 1;
  for (int k = 0; k < options.max_iterations; ++k) {
    if (k % 64 == 63 && options.cancel != nullptr && options.cancel->cancelled()) {
      out.cancelled = true;
      break;
    }
    x_next = ProjectOntoL1Ball(y - step * (h * y - c), lambda);
    const double change = (x_next - x).norm();
    out.iterations = k + 1;
    // Gradient-based restart: momentum pointing uphill is discarded.
    if ((y - x_next).dot(x_next - x) > 0) {
      t = 1;
      y = x_next;
    } else {
      const double t_next = 0.5 * (1 + std::sqrt(1 + 4 * t * t));
      y = x_next + ((t - 1) / t_next) * (x_next - x);
      t = t_next;
    }
    x_prev = x;
    x = x_next;
    if (change <= options.tolerance * std::max(x.norm(), 1e-300)) {
      out.converged = true;
      break;
    }
  }
  out.x = x;
  return out;
}

}  // namespace sketchd
