// Rank-k ridge leverage scores (Cohen–Musco–Musco): the row-sampling
// distribution behind the inner-product sketch's choice of bucket centres
// and the greedy method's optional column order.
#ifndef SKETCHD_CORE_TRAINING_RIDGE_LEVERAGE_H_
#define SKETCHD_CORE_TRAINING_RIDGE_LEVERAGE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

// τ_i = a_iᵀ (AᵀA + λI)⁻¹ a_i with λ = ‖A − A_k‖_F² / k, computed from the
// thin SVD A = UΣVᵀ as τ_i = Σ_j U_ij² σ_j² / (σ_j² + λ) (no d×d inverse).
// When A has rank ≤ k, λ = 0 and these are the ordinary leverage scores.
// A zero matrix gives all zeros.
absl::StatusOr<VectorXd> RidgeLeverageScores(const RowMatrixXd& a, int64_t k);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_RIDGE_LEVERAGE_H_
