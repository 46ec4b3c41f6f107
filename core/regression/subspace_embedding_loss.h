// The loss heavy_rows value learning minimises, and its analytic gradient
// with respect to the sketch values v (positions fixed):
//
//   L(v) = Σ_i ‖M_iᵀM_i − I‖_F,   M_i = A_i R_i⁻¹,   S(v)A_i = Q_i R_i (thin QR).
//
// (DESIGN/the issue write SA_i = Q_i R_i⁻¹; the preconditioner that makes
// A_i R_i⁻¹ near-orthonormal is R_i from the QR of SA_i, which is what is
// used.) M_i is orthonormal exactly when (SA_i)ᵀSA_i = A_iᵀA_i, so L measures
// how far S is from an exact subspace embedding of each training A_i, which
// sets the rate of IHS with a fixed sketch and of preconditioned LSQR.
//
// Derivation (per problem, drop i). Let C = AᵀA = R_AᵀR_A (R_A from a QR of
// A, computed once), X = SA, G = XᵀX = RᵀR, T = R_A R⁻¹. Then
// MᵀM = R⁻ᵀ C R⁻¹ = TᵀT, and E = TᵀT − I has the same eigenvalues as
// P − I with P = TTᵀ = R_A G⁻¹ R_Aᵀ, so L = ‖P − I‖_F depends on G alone
// (no derivative of the QR itself is needed). With dP = −R_A G⁻¹ dG G⁻¹ R_Aᵀ:
//   dL = ⟨(P − I)/L, dP⟩ = −⟨K, dG⟩,  K = G⁻¹R_Aᵀ(P − I)R_A G⁻¹ / L
//      = R⁻¹ Tᵀ (P − I) T R⁻ᵀ / L   (symmetric),
// and dG = dXᵀX + XᵀdX gives ∂L/∂X = −2XK. Since row p_j of X = SA gains
// v_j·(row j of A), ∂L/∂v_j = ⟨(∂L/∂X)_{p_j,:}, A_{j,:}⟩.
// L is not differentiable where some term is exactly 0 (S an exact
// embedding); such terms contribute a zero gradient.
#ifndef SKETCHD_CORE_REGRESSION_SUBSPACE_EMBEDDING_LOSS_H_
#define SKETCHD_CORE_REGRESSION_SUBSPACE_EMBEDDING_LOSS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/regression/regression_problem.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

// The per-problem constants: R_A with AᵀA = R_AᵀR_A.
struct SubspaceLossProblem {
  const RowMatrixXd* a = nullptr;
  MatrixXd r_a;
};
std::vector<SubspaceLossProblem> PrepareSubspaceLoss(const std::vector<RegressionProblem>& problems);

// L(v) summed over `problems`; if grad != nullptr, also ∂L/∂v (size n·blocks,
// laid out like sketch.values()). FailedPrecondition if some SA_i is
// rank-deficient (the loss is infinite there).
absl::StatusOr<double> SubspaceEmbeddingLoss(const CountSketch& sketch,
                                             const std::vector<SubspaceLossProblem>& problems,
                                             std::vector<double>* grad);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_SUBSPACE_EMBEDDING_LOSS_H_
