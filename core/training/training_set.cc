#include "core/training/training_set.h"

#include <cmath>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "core/lowrank/exact_svd.h"
#include "core/parallel/parallel_for.h"

namespace sketchd {

absl::StatusOr<double> TopSingularValue(ConstRowMajorRef a) {
  if (a.size() == 0) return 0.0;
  const bool wide = a.rows() <= a.cols();
  const Index side = wide ? a.rows() : a.cols();
  // A fixed, non-structured start vector: a constant vector would be blind to
  // zero-mean data such as wind fields.
  VectorXd x(side);
  for (Index i = 0; i < side; ++i) x(i) = 1.0 + 0.5 * std::cos(0.7548776662 * static_cast<double>(i));
  x.normalize();
  double previous = -1;
  for (int it = 0; it < 300; ++it) {
    VectorXd y = wide ? VectorXd(a.transpose() * x) : VectorXd(a * x);  // other side
    const double rayleigh = y.squaredNorm();                             // ≤ σ₁², increasing
    if (rayleigh == 0) break;  // x ⟂ row/col space: give LAPACK the call
    VectorXd z = wide ? VectorXd(a * y) : VectorXd(a.transpose() * y);
    const double residual = (z - rayleigh * x).norm() / rayleigh;
    x = z / z.norm();
    // Rayleigh quotient error is O(residual²), so 1e-7 gives ~1e-14 relative.
    if (residual < 1e-7 || (previous > 0 && rayleigh - previous <= 1e-14 * rayleigh)) {
      return std::sqrt(rayleigh);
    }
    previous = rayleigh;
  }
  auto sigma = SingularValues(MatrixXd(a));
  if (!sigma.ok()) return sigma.status();
  return sigma->size() > 0 ? (*sigma)(0) : 0.0;
}

absl::StatusOr<std::vector<TrainingMatrix>> PrepareTrainingMatrices(
    const std::vector<RowMatrixXd>& matrices, const std::vector<int64_t>& indices, bool with_optimum,
    int64_t k, int threads, const TrainingControl& control) {
  std::vector<TrainingMatrix> out(indices.size());
  std::mutex mu;
  absl::Status failure;
  ParallelFor(static_cast<int64_t>(indices.size()), threads, [&](int64_t t, int) {
    if (control.cancelled()) return;
    const RowMatrixXd& source = matrices[indices[t]];
    TrainingMatrix& tm = out[t];
    VectorXd sigma;
    double top = 0;
    absl::Status status;
    if (with_optimum) {
      auto values = SingularValues(MatrixXd(source));
      if (values.ok()) {
        sigma = *std::move(values);
        top = sigma.size() > 0 ? sigma(0) : 0.0;
      } else {
        status = values.status();
      }
    } else {
      auto s1 = TopSingularValue(source);
      if (s1.ok()) top = *s1; else status = s1.status();
    }
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      failure = absl::InternalError(absl::StrCat("training matrix ", indices[t],
                                                 ": singular values failed: ", status.message()));
      return;
    }
    tm.scale = top;
    tm.source = &source;
    // Squares of entries must stay far from under/overflow for raw use.
    if (top > 0 && (top < 1e-100 || top > 1e100)) {
      tm.owned = source / top;
      tm.inv_scale = 1;
    } else {
      tm.inv_scale = top > 0 ? 1 / top : 1.0;
    }
    tm.frob_sq = tm.raw().squaredNorm() * tm.loss_weight();
    if (with_optimum) {
      tm.optimal_error = top > 0 ? OptimalLowRankError(sigma / top, k) : 0.0;
    }
    if (source.rows() > source.cols()) {
      // R of A = QR: RᵀR = AᵀA with d rows instead of n.
      Eigen::HouseholderQR<MatrixXd> qr(tm.raw());
      const Index d = source.cols();
      tm.gram_factor_storage = qr.matrixQR().topRows(d).triangularView<Eigen::Upper>();
    }
  });
  if (control.cancelled()) return absl::CancelledError("training cancelled");
  if (!failure.ok()) return failure;
  return out;
}

absl::Status FillOptimalErrors(std::vector<TrainingMatrix>* matrices, int64_t k, int threads,
                               const TrainingControl& control) {
  std::mutex mu;
  absl::Status failure;
  ParallelFor(static_cast<int64_t>(matrices->size()), threads, [&](int64_t t, int) {
    if (control.cancelled()) return;
    TrainingMatrix& tm = (*matrices)[t];
    auto sigma = SingularValues(MatrixXd(tm.raw()));
    if (!sigma.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      failure = sigma.status();
      return;
    }
    // raw()·inv_scale is the normalised matrix.
    tm.optimal_error = OptimalLowRankError(*sigma, k) * tm.inv_scale;
  });
  if (control.cancelled()) return absl::CancelledError("training cancelled");
  return failure;
}

}  // namespace sketchd
