#include "core/training/ridge_leverage.h"

#include <algorithm>
#include <limits>

#include "core/lowrank/exact_svd.h"

namespace sketchd {

absl::StatusOr<VectorXd> RidgeLeverageScores(const RowMatrixXd& a, int64_t k) {
  const Index n = a.rows();
  if (n == 0 || a.cols() == 0) return VectorXd::Zero(n);
  if (a.squaredNorm() == 0) return VectorXd::Zero(n);
  const int64_t p = std::min<int64_t>(a.rows(), a.cols());
  auto svd = ExactTruncatedSvd(MatrixXd(a), p);
  if (!svd.ok()) return svd.status();
  // Singular values at rounding level are zeros: counting them would hand
  // spurious leverage to noise directions of a (numerically) low-rank A.
  VectorXd sigma = svd->singular_values;
  const double floor = static_cast<double>(std::max(a.rows(), a.cols())) *
                       std::numeric_limits<double>::epsilon() * sigma(0);
  for (Index j = 0; j < sigma.size(); ++j) {
    if (sigma(j) <= floor) sigma(j) = 0;
  }
  const double lambda = OptimalLowRankError(sigma, k) * OptimalLowRankError(sigma, k) /
                        static_cast<double>(std::max<int64_t>(k, 1));
  VectorXd weight(p);
  for (Index j = 0; j < p; ++j) {
    const double s2 = sigma(j) * sigma(j);
    weight(j) = s2 > 0 ? s2 / (s2 + lambda) : 0.0;
  }
  return svd->u.cwiseAbs2() * weight;
}

}  // namespace sketchd
