#include "core/regression/exact_solvers.h"

#include <cblas.h>
#include <lapacke.h>

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/regression/l1_quadratic.h"
#include "core/regression/regression_problem.h"
#include "core/regression/triangular_factor.h"

namespace sketchd {

absl::StatusOr<VectorXd> QrLeastSquares(ConstColMajorRef a, const Eigen::Ref<const VectorXd>& b) {
  MatrixXd work = a;  // dgels overwrites A with its QR factors
  return QrLeastSquaresInPlace(&work, b);
}

absl::StatusOr<VectorXd> QrLeastSquaresInPlace(MatrixXd* a, const Eigen::Ref<const VectorXd>& b) {
  MatrixXd& work = *a;
  const lapack_int n = static_cast<lapack_int>(work.rows());
  const lapack_int d = static_cast<lapack_int>(work.cols());
  if (b.size() != n || d > n || d < 1) {
    return absl::InvalidArgumentError(absl::StrCat("QR least squares needs n >= d >= 1 and |b| = n; got A ",
                                                   n, "x", d, ", |b| = ", b.size()));
  }
  VectorXd rhs = b;
  lapack_int info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', n, d, 1, work.data(), n, rhs.data(), n);
  if (info > 0) return RankDeficientError(work.topRows(d), "matrix A");
  if (info < 0) return absl::InternalError(absl::StrCat("dgels: bad argument ", -info));
  double rcond = 0;
  info = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', d, work.data(), n, &rcond);
  if (info != 0 || !(rcond > RankTolerance(n, d))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "matrix A is rank-deficient (estimated reciprocal condition ", rcond,
        "): the least-squares solution is not unique; remove dependent columns"));
  }
  return VectorXd(rhs.head(d));
}

absl::StatusOr<VectorXd> QrLeastSquares(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b) {
  const MatrixXd col = a;
  return QrLeastSquares(ConstColMajorRef(col), b);
}

absl::StatusOr<VectorXd> NormalEquationsLeastSquares(ConstRowMajorRef a,
                                                     const Eigen::Ref<const VectorXd>& b) {
  if (absl::Status s = ValidateRegressionInput(a, b); !s.ok()) return s;
  const int n = static_cast<int>(a.rows());
  const int d = static_cast<int>(a.cols());
  const int lda = static_cast<int>(a.outerStride());
  MatrixXd gram = MatrixXd::Zero(d, d);  // column-major; the upper triangle is filled
  // Row-major A is column-major Aᵀ (d×n, ld = lda): G = (Aᵀ)(Aᵀ)ᵀ.
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, n, 1.0, a.data(), lda, 0.0, gram.data(), d);
  VectorXd rhs(d);
  cblas_dgemv(CblasColMajor, CblasNoTrans, d, n, 1.0, a.data(), lda, b.data(), 1, 0.0, rhs.data(), 1);
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', d, gram.data(), d);
  if (info != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "normal equations AᵀA are not numerically positive definite (pivot ", info,
        "): A is rank-deficient or too ill-conditioned for Cholesky; use QR or LSQR"));
  }
  info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', d, 1, gram.data(), d, rhs.data(), d);
  if (info != 0) return absl::InternalError(absl::StrCat("dpotrs failed (info=", info, ")"));
  return rhs;
}

double LeastSquaresObjectiveGap(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b,
                                const VectorXd& x, const VectorXd& x_star) {
  const VectorXd dx = x - x_star;
  const VectorXd r_star = a * x_star - b;
  return 0.5 * (a * dx).squaredNorm() + (a.transpose() * r_star).dot(dx);
}

absl::StatusOr<LassoReference> LassoExact(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b,
                                          double lambda, int max_iterations, const CancelToken* cancel) {
  if (absl::Status s = ValidateRegressionInput(a, b); !s.ok()) return s;
  if (!(lambda > 0) || !std::isfinite(lambda)) {
    return absl::InvalidArgumentError(absl::StrCat("LASSO radius lambda must be a positive finite number, got ", lambda));
  }
  LassoReference out;
  auto x_ls = QrLeastSquares(a, b);
  if (!x_ls.ok()) return x_ls.status();
  if (x_ls->lpNorm<1>() <= lambda) {
    out.x = *x_ls;
    out.objective = 0.5 * (a * out.x - b).squaredNorm();
    return out;
  }
  out.constraint_active = true;
  const MatrixXd gram = a.transpose() * a;
  const VectorXd c = a.transpose() * b;
  L1QuadraticOptions opt;
  opt.max_iterations = max_iterations;
  opt.tolerance = 1e-15;
  opt.cancel = cancel;
  const L1QuadraticResult fista = MinimizeQuadraticOnL1Ball(gram, c, lambda, VectorXd::Zero(a.cols()), opt);
  if (fista.cancelled) return absl::CancelledError("exact LASSO reference cancelled");
  VectorXd x = fista.x;
  out.iterations = fista.iterations;

  // Active-set polish.
  const double xmax = x.cwiseAbs().maxCoeff();
  std::vector<Index> support;
  for (Index i = 0; i < x.size(); ++i) {
    if (std::abs(x[i]) > 1e-10 * xmax) support.push_back(i);
  }
  if (!support.empty()) {
    const Index k = static_cast<Index>(support.size());
    MatrixXd as(a.rows(), k);
    VectorXd sgn(k);
    for (Index j = 0; j < k; ++j) {
      as.col(j) = a.col(support[j]);
      sgn[j] = x[support[j]] > 0 ? 1.0 : -1.0;
    }
    Eigen::HouseholderQR<MatrixXd> qr(as);
    const MatrixXd r = qr.matrixQR().topRows(k).triangularView<Eigen::Upper>();
    auto gram_solve = [&](VectorXd v) {  // (A_SᵀA_S)⁻¹ v = R⁻¹R⁻ᵀ v
      r.transpose().triangularView<Eigen::Lower>().solveInPlace(v);
      r.triangularView<Eigen::Upper>().solveInPlace(v);
      return v;
    };
    if (r.diagonal().cwiseAbs().minCoeff() > 1e-12 * r.diagonal().cwiseAbs().maxCoeff()) {
      const VectorXd z_ls = qr.solve(b);
      const VectorXd gs = gram_solve(sgn);
      const double mu = (sgn.dot(z_ls) - lambda) / sgn.dot(gs);
      const VectorXd z = z_ls - mu * gs;
      bool signs_ok = mu >= 0;
      for (Index j = 0; j < k; ++j) signs_ok = signs_ok && z[j] * sgn[j] > 0;
      if (signs_ok) {
        VectorXd candidate = VectorXd::Zero(x.size());
        for (Index j = 0; j < k; ++j) candidate[support[j]] = z[j];
        if (LeastSquaresObjectiveGap(a, b, candidate, x) <= 0) x = candidate;
      }
    }
  }
  out.x = x;
  out.objective = 0.5 * (a * x - b).squaredNorm();
  return out;
}

}  // namespace sketchd
