// Least squares on a dense, well-conditioned A from the Cholesky factor of
// its Gram matrix, corrected by iterative refinement on A itself (the
// corrected semi-normal equations, Björck 1987).
//
// Why: with R = chol(fl(AᵀA)) (gram_preconditioner.h), x₀ = R⁻¹R⁻ᵀAᵀb has
// relative error about ρ = ‖I − (RᵀR)⁻¹AᵀA‖ ≲ n·ε·κ(A)² and each refinement
//   r = b − A x,  δ = R⁻¹R⁻ᵀ Aᵀr,  x ← x + δ
// (one fused pass over A) multiplies the error by ρ again, while r is
// formed from A in working precision, so the limiting accuracy is that of
// Householder QR, not of the normal equations. At ρ ≤ 1e-5 (e.g. κ = 1e2 at
// n = 500 000) one refinement takes x₀'s ~1e-12 error to rounding level:
// Aᵀb and one refinement are two passes over A, where LSQR on A R⁻¹ needs
// three plus a fourth for the residual (bench/perf, 500 000×50: LSQR
// total 2.1–3.3× normal-equations Cholesky).
//
// Stopping: after a refinement, the error left in x is about ρ̂·‖δ‖, with
// ρ̂ the larger of the a-priori bound n·ε·κ̂² (κ̂ from dtrcon) and the
// observed contraction ‖δ_k‖/‖δ_{k−1}‖; stop when ρ̂·‖δ‖ ≤ tol·‖x‖.
// Not used (nullopt, the caller runs LSQR with the same R) when ρ̂ > 1e-3,
// when a refinement fails to contract, or after kMaxRefinements passes.
//
// Residual: ‖b − A x_new‖² = ‖r‖² − ‖R⁻ᵀAᵀr‖² − δᵀEδ (E = RᵀR − AᵀA), from
// the last pass's r, with the E term below ρ·‖R δ‖² (negligible); when the
// subtraction would cancel (an almost compatible system) the residual is
// summed directly in one more pass.
#ifndef SKETCHD_CORE_REGRESSION_GRAM_REFINEMENT_H_
#define SKETCHD_CORE_REGRESSION_GRAM_REFINEMENT_H_

#include <optional>
#include <vector>

#include "core/matrix_types.h"
#include "core/regression/data_matrix.h"
#include "core/training/training_control.h"

namespace sketchd {

inline constexpr int kMaxRefinements = 6;

struct GramRefinementResult {
  VectorXd x;
  int refinements = 0;            // passes after the one for Aᵀb
  double residual_norm = 0;       // ‖A x − b‖ (see the header comment)
  std::vector<double> residuals;  // ‖b − A x_k‖ before each refinement
};

// `a` dense (scale included), `r` = chol(AᵀA) of that scaled A, `condition`
// its estimated condition number. nullopt: use LSQR (see above); a fired
// `cancel` also returns nullopt after the pass it interrupts.
std::optional<GramRefinementResult> SolveByGramRefinement(const DataMatrix& a,
                                                          const Eigen::Ref<const VectorXd>& b,
                                                          const MatrixXd& r, double condition,
                                                          double tol, int threads,
                                                          const CancelToken* cancel);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_GRAM_REFINEMENT_H_
