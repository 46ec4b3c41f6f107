#include "core/regression/sketch_and_solve.h"

#include <lapacke.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/regression/triangular_factor.h"

namespace sketchd {
namespace {
double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

absl::StatusOr<VectorXd> SolveSketchedLeastSquares(MatrixXd sa, VectorXd sb) {
  // Column-pivoted Householder QR (LAPACK dgeqp3): SAP = QR with |R_kk|
  // non-increasing, so numerical rank is read off R's diagonal.
  const lapack_int m = static_cast<lapack_int>(sa.rows());
  const lapack_int d = static_cast<lapack_int>(sa.cols());
  if (sb.size() != sa.rows() || m < d) {
    return absl::InvalidArgumentError(absl::StrCat("sketched problem is ", m, "x", d, " with ",
                                                   sb.size(), " right-hand sides; needs m >= d"));
  }
  MatrixXd qr = sa;
  std::vector<lapack_int> jpvt(d, 0);
  std::vector<double> tau(d);
  lapack_int info = LAPACKE_dgeqp3(LAPACK_COL_MAJOR, m, d, qr.data(), m, jpvt.data(), tau.data());
  if (info != 0) return absl::InternalError(absl::StrCat("dgeqp3 failed (info=", info, ")"));
  const double r00 = std::abs(qr(0, 0));
  if (!(std::abs(qr(d - 1, d - 1)) > RankTolerance(m, d) * r00)) {
    return RankDeficientError(sa, "sketched matrix SA");
  }
  VectorXd qtb = std::move(sb);
  info = LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', 'T', m, 1, d, qr.data(), m, tau.data(), qtb.data(), m);
  if (info != 0) return absl::InternalError(absl::StrCat("dormqr failed (info=", info, ")"));
  VectorXd z = qtb.head(d);
  qr.topRows(d).triangularView<Eigen::Upper>().solveInPlace(z);
  VectorXd x(d);
  for (lapack_int j = 0; j < d; ++j) x[jpvt[j] - 1] = z[j];  // x = P z
  return x;
}

absl::StatusOr<SolveResult> SketchAndSolve(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                           const Embedding& sketch) {
  const auto t0 = std::chrono::steady_clock::now();
  if (sketch.cols() != a.rows()) {
    return absl::InvalidArgumentError(absl::StrCat("sketch has ", sketch.cols(),
                                                   " columns but A has ", a.rows(), " rows"));
  }
  if (sketch.rows() < a.cols()) {
    return absl::InvalidArgumentError(absl::StrCat("sketch has m=", sketch.rows(), " rows but A has d=",
                                                   a.cols(), " columns; sketch-and-solve needs m >= d"));
  }
  SolveResult out;
  auto sa_or = sketch.Apply(a);
  if (!sa_or.ok()) return sa_or.status();
  auto sb_or = sketch.Apply(b);
  if (!sb_or.ok()) return sb_or.status();
  MatrixXd sa = *std::move(sa_or);
  VectorXd sb = *std::move(sb_or);
  out.timings.sketch_seconds = Since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  auto x = SolveSketchedLeastSquares(std::move(sa), std::move(sb));
  if (!x.ok()) return x.status();
  out.x = std::move(*x);
  out.timings.factor_seconds = Since(t1);
  out.residual_norm = a.ResidualNorm(out.x, b);
  out.convergence = SolveConvergence::kDirect;
  out.stop_reason = "direct solve of the sketched problem";
  out.timings.total_seconds = Since(t0);
  return out;
}

}  // namespace sketchd
