// Quality metrics of a factored approximation A ≈ Y Zᵀ (the papers' metric).
// The residual is computed in row panels, so the n×d product Y Zᵀ is never
// held in memory, while staying as accurate as a dense subtraction (the
// ‖A‖² − 2tr(…) + tr(…) expansion would cancel catastrophically when the
// error is small).
#ifndef SKETCHD_CORE_LOWRANK_LOW_RANK_ERROR_H_
#define SKETCHD_CORE_LOWRANK_LOW_RANK_ERROR_H_

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

// ‖A − Y Zᵀ‖_F for any input layout (dense row- or column-major, CSR),
// one 256-row panel of A − YZᵀ at a time.
template <typename Matrix>
double PanelledResidualNorm(const Matrix& a, const MatrixXd& left, const MatrixXd& right) {
  constexpr Index kPanelRows = 256;
  double sum = 0;
  RowMatrixXd panel;
  for (Index r0 = 0; r0 < a.rows(); r0 += kPanelRows) {
    const Index rows = std::min(kPanelRows, a.rows() - r0);
    panel = a.middleRows(r0, rows);
    panel.noalias() -= left.middleRows(r0, rows) * right.transpose();
    sum += panel.squaredNorm();
  }
  return std::sqrt(sum);
}

// ‖A − Y Zᵀ‖_F.
double LowRankResidualNorm(ConstRowMajorRef a, const MatrixXd& left, const MatrixXd& right);

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

// The excess error of A scaled to top singular value 1 — the papers' figure,
// comparable across matrices of any magnitude. Excess error is homogeneous of
// degree 1 in A, so this is excess / σ₁; 0 when σ₁ = 0 (nothing to scale).
double SigmaOneScaledExcess(const LowRankQuality& quality, double top_singular_value);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_LOW_RANK_ERROR_H_
