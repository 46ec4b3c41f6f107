#include "core/regression/sketch_and_solve.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "core/regression/triangular_factor.h"

namespace sketchd {
namespace {
double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

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
  const MatrixXd sa = sketch.Apply(a);
  const VectorXd sb = sketch.Apply(b);
  out.timings.sketch_seconds = Since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  Eigen::ColPivHouseholderQR<MatrixXd> qr(sa);
  qr.setThreshold(RankTolerance(sa.rows(), sa.cols()));
  if (qr.rank() < sa.cols()) return RankDeficientError(sa, "sketched matrix SA");
  out.x = qr.solve(sb);
  out.timings.factor_seconds = Since(t1);
  out.residual_norm = a.ResidualNorm(out.x, b);
  out.stop_reason = "direct solve of the sketched problem";
  out.timings.total_seconds = Since(t0);
  return out;
}

}  // namespace sketchd
