#include "core/lowrank/low_rank_error.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/lowrank/exact_svd.h"

namespace sketchd {

double LowRankResidualNorm(ConstRowMajorRef a, const MatrixXd& left, const MatrixXd& right) {
  return PanelledResidualNorm(a, left, right);
}

LowRankQuality EvaluateLowRankWithOptimum(ConstRowMajorRef a, const MatrixXd& left,
                                          const MatrixXd& right, double optimal_error) {
  LowRankQuality q;
  q.error = LowRankResidualNorm(a, left, right);
  q.optimal_error = optimal_error;
  q.excess_error = q.error - optimal_error;
  q.relative_excess = optimal_error > 0 ? q.excess_error / optimal_error
                      : q.excess_error > 0 ? std::numeric_limits<double>::infinity()
                                           : 0.0;
  return q;
}

double SigmaOneScaledExcess(const LowRankQuality& quality, double top_singular_value) {
  return top_singular_value > 0 ? quality.excess_error / top_singular_value : 0.0;
}

absl::StatusOr<LowRankQuality> EvaluateLowRank(ConstRowMajorRef a, const MatrixXd& left,
                                               const MatrixXd& right, int64_t k) {
  const MatrixXd col_major = a;
  auto sigma = SingularValues(col_major);
  if (!sigma.ok()) return sigma.status();
  return EvaluateLowRankWithOptimum(a, left, right, OptimalLowRankError(*sigma, k));
}

}  // namespace sketchd
