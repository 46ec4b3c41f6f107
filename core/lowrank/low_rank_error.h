// Quality metrics of a factored approximation A ≈ Y Zᵀ (the papers' metric).
// The residual is computed in row panels, so the n×d product Y Zᵀ is never
// held in memory, while staying as accurate as a dense subtraction (the
// ‖A‖² − 2tr(…) + tr(…) expansion would cancel catastrophically when the
// error is small).
#ifndef SKETCHD_CORE_LOWRANK_LOW_RANK_ERROR_H_
#define SKETCHD_CORE_LOWRANK_LOW_RANK_ERROR_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

// ‖A − Y Zᵀ‖_F (for every input layout SCW accepts).
double LowRankResidualNorm(ConstRowMajorRef a, const MatrixXd& left, const MatrixXd& right);
double LowRankResidualNormColMajor(ConstColMajorRef a, const MatrixXd& left, const MatrixXd& right);
double LowRankResidualNorm(const CsrMatrix& a, const MatrixXd& left, const MatrixXd& right);

struct LowRankQuality {
  double error = 0;           // ‖A − YZᵀ‖_F
  double optimal_error = 0;   // ‖A − A_k‖_F
  double excess_error = 0;    // error − optimal_error (≥ 0 up to rounding)
  double relative_excess = 0; // excess / optimal (0 when optimal is 0 and excess is 0)
};

// Computes the optimum from an exact SVD of A (gesdd, values only).
absl::StatusOr<LowRankQuality> EvaluateLowRank(ConstRowMajorRef a, const MatrixXd& left,
                                               const MatrixXd& right, int64_t k);
// Same with the optimal error known (e.g. cached per matrix during training).
LowRankQuality EvaluateLowRankWithOptimum(ConstRowMajorRef a, const MatrixXd& left,
                                          const MatrixXd& right, double optimal_error);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_LOW_RANK_ERROR_H_
