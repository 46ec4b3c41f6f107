#include "core/regression/gram_refinement.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/regression/dense_row_pass.h"

namespace sketchd {
namespace {

// Past this contraction refinement needs more passes than LSQR on A R⁻¹.
constexpr double kMaxContraction = 1e-3;

// (RᵀR)⁻¹g in place, returning R⁻ᵀg's squared norm (‖Rδ‖² for δ = the result).
double SolveNormal(const MatrixXd& r, VectorXd* g) {
  r.transpose().triangularView<Eigen::Lower>().solveInPlace(*g);
  const double z2 = g->squaredNorm();
  r.triangularView<Eigen::Upper>().solveInPlace(*g);
  return z2;
}

}  // namespace

std::optional<GramRefinementResult> SolveByGramRefinement(const DataMatrix& a,
                                                          const Eigen::Ref<const VectorXd>& b,
                                                          const MatrixXd& r, double condition,
                                                          double tol, int threads,
                                                          const CancelToken* cancel) {
  if (a.sparse() || !(condition >= 1) || !std::isfinite(condition)) return std::nullopt;
  const double prior = static_cast<double>(a.rows()) * std::numeric_limits<double>::epsilon() *
                       condition * condition;
  if (prior > kMaxContraction) return std::nullopt;

  GramRefinementResult out;
  // Pass 1: Aᵀb (u = b unchanged with v = 0, alpha = −1), x₀ = (RᵀR)⁻¹Aᵀb.
  VectorXd u = b, g;
  FusedMultiplyAdjoint(a.dense(), a.scale(), VectorXd::Zero(a.cols()), -1.0, &u, &g, threads);
  SolveNormal(r, &g);
  out.x = std::move(g);

  double previous_step = -1;
  for (int k = 1; k <= kMaxRefinements; ++k) {
    if (cancel != nullptr && cancel->cancelled()) return std::nullopt;
    // u = A x − b = −r, g = Aᵀu = −Aᵀr: one fused pass.
    u = b;
    const double r2 = FusedMultiplyAdjoint(a.dense(), a.scale(), out.x, 1.0, &u, &g, threads);
    out.residuals.push_back(std::sqrt(r2));
    const double z2 = SolveNormal(r, &g);  // g = −δ, z2 = ‖R⁻ᵀAᵀr‖²
    out.x -= g;
    out.refinements = k;
    const double step = g.norm(), xnorm = out.x.norm();
    if (previous_step >= 0 && step > 0.5 * previous_step) return std::nullopt;  // not contracting
    const double contraction =
        previous_step > 0 ? std::max(prior, step / previous_step) : prior;
    previous_step = step;
    if (contraction * step <= tol * xnorm || step == 0) {
      // ‖b − A x_new‖² = ‖r‖² − ‖R⁻ᵀAᵀr‖² unless that cancels.
      if (z2 <= 0.5 * r2) {
        out.residual_norm = std::sqrt(r2 - z2);
      } else {
        out.residual_norm = DenseResidualNorm(a.dense(), a.scale(), out.x, b, threads);
      }
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace sketchd
