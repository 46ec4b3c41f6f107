// Iterative Hessian sketch (Pilanci & Wainwright 2016) for least squares and
// for LASSO in constrained form C = {‖x‖₁ ≤ λ}:
//   x_{t+1} = argmin_{x∈C} ½‖S_t A(x − x_t)‖² − ⟨Aᵀ(b − Ax_t), x − x_t⟩.
// Each iteration is one fused pass over A (residual and gradient) plus the
// sketch S_t·A; the inner problem lives on the d×d sketched Hessian
// H_t = (S_tA)ᵀ(S_tA): closed form via the QR of S_tA without a constraint,
// FISTA with exact ℓ1 projection with one.
//
// Safeguard (line_search, default on). The IHS step Δ = x̂ − x_t is followed
// by an exact line search on the TRUE objective f(x) = ½‖Ax − b‖²:
//   η* = −∇f(x_t)ᵀΔ / ‖AΔ‖²,   x_{t+1} = x_t + ηΔ,
// η = η* for least squares (no cap: η* is the exact minimiser along Δ, and a
// sketch that overestimates curvature needs η* > 1), η = min(η*, 1) for LASSO
// (x_t and x̂ are feasible, so every η ∈ [0, 1] is). Since η = 1 is the plain
// step, f(x_{t+1}) ≤ f(plain step) at every iteration: the rate with a good
// sketch is kept, and f decreases monotonically whatever the sketch — a fixed
// sketch with λ_max(H⁻¹AᵀA) ≥ 2, on which the plain iteration diverges,
// still converges (at a rate set by κ(H⁻¹AᵀA)). It costs no extra pass over
// A: one fused pass computes AΔ and AᵀAΔ, from which u = Ax − b and ∇f are
// updated (u += ηAΔ, ∇f += ηAᵀAΔ) instead of recomputed; they are recomputed
// from A every 5 iterations and at the end to keep rounding drift at the
// level of a direct evaluation. It is on for fresh sketches too: free, and
// never worse per step than the plain step from the same x_t. Measured
// (bench/regression --learning vs --ihs_plain, tetuan weekly, IHS-LASSO mean
// ρ): learned fixed sketches 0.0221/0.0192/0.0088 → 0.0102/0.0074/0.0051 at
// m = 42/56/70, fresh random 0.0633/0.0444/0.0459 → 0.0276/0.0426/0.0465.
// Least squares with kFixed goes one step further: H never changes, so the
// iteration is Richardson preconditioned by H, and the directions are made
// H-conjugate (Polak–Ribière+, = preconditioned CG on this quadratic): the
// iterate is then never worse than t plain steps, and a bad fixed sketch
// costs O(√κ(H⁻¹AᵀA)) iterations instead of O(κ). LASSO keeps plain
// directions (the constraint breaks conjugacy) and converges at
// ~(κ' − 1)/(κ' + 1) per step with κ' = κ(H⁻¹AᵀA) on a bad sketch.
//
// Stopping (tolerance > 0), first that holds after a step:
//  - "relative change below tolerance": ‖x_{t+1} − x_t‖ ≤ tolerance·‖x_{t+1}‖;
//  - "objective decrease at rounding level": the exact decrease of f in the
//    step is ≤ 8·eps·f(x_t) (f cannot resolve less) and ‖A(x_{t+1} − x_t)‖
//    shrank by less than half vs the previous step (the steps are rounding
//    noise, not contraction). Needed because on ill-conditioned problems the
//    step criterion asks for more than rounding allows (x is only determined
//    to ~eps·κ²·‖r‖/(‖A‖‖x‖));
//  - "no descent step left (optimum reached to rounding)": Δ = 0 or
//    ∇fᵀΔ ≥ 0 (only rounding or an inexact inner LASSO solve can cause it).
// Otherwise "iteration limit reached" (the only non-converged reason).
// SolveResult::convergence: kConverged for the relative-change rule,
// kStagnated for the two rounding-level rules, kIterationLimit otherwise.
// All three rules are relative, so they mean the same thing in any units.
#ifndef SKETCHD_CORE_REGRESSION_IHS_H_
#define SKETCHD_CORE_REGRESSION_IHS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/regression/data_matrix.h"
#include "core/regression/embedding.h"
#include "core/parallel/reducer.h"
#include "core/regression/l1_quadratic.h"
#include "core/regression/solve_result.h"
#include "core/sketch/count_sketch.h"
#include "core/training/training_control.h"

namespace sketchd {

// The seed of iteration t's sketch: a Philox word of (seed, t) on its own
// stream. With seed + t, a request with seed s + 1 would reuse every sketch
// of a request with seed s but the first; with a counter-keyed word the
// sequences of different seeds share nothing.
uint64_t IhsIterationSeed(uint64_t seed, int t);

// Which sketch iteration t uses.
enum class IhsSketchMode {
  kFresh,      // a new random sketch (seed IhsIterationSeed(seed, t)) every iteration: the classical IHS
  // `sketch` reused unchanged (learned values belong to fixed positions). The
  // plain step is a preconditioned Richardson iteration that converges only
  // if λ_max(H⁻¹AᵀA) < 2; the safeguard below removes that condition.
  kFixed,
  kHeavyRows,  // `sketch`'s heavy rows keep their buckets, the rest re-hashed with IhsIterationSeed(seed, t)
};

struct IhsOptions {
  IhsSketchMode mode = IhsSketchMode::kFresh;
  SketchSpec fresh;                                // kFresh: kind, m, seed
  const CountSketch* sketch = nullptr;             // kFixed / kHeavyRows
  const std::vector<int32_t>* heavy_rows = nullptr;  // kHeavyRows
  uint64_t seed = 0;                               // kHeavyRows re-hash seed base
  std::optional<double> lasso_lambda;              // set → constrained ‖x‖₁ ≤ λ (λ > 0)
  int max_iterations = 50;
  double tolerance = 1e-10;   // see "Stopping" above; 0 = always run max_iterations
  bool line_search = true;    // see "Safeguard" above; false = the plain IHS step (comparisons)
  bool record_objective = false;
  L1QuadraticOptions inner;   // LASSO inner solver
  const VectorXd* x0 = nullptr;  // start (default 0); projected onto C for LASSO
  // Called with (t, x_t) for t = 0 (the start) and after every iteration, for
  // callers that measure convergence exactly (objective gaps need x_t, not f).
  std::function<void(int, const VectorXd&)> on_iterate;
  // Polled every iteration and inside the LASSO inner solve → CANCELLED.
  const CancelToken* cancel = nullptr;
  // Row-distributed A (sketchmpi): `a` and `b` are this process's rows
  // [row_offset, row_offset + a.rows()) of a dense matrix with total_rows
  // rows. Every sum over rows — S_tA (m×d), and Aᵀu with ‖u‖² in each fused
  // pass (d + 1 values) — goes through `reducer`; everything else is computed
  // identically on every process. Null (the default): `a` is all of A.
  Reducer* reducer = nullptr;
  int64_t row_offset = 0;
  int64_t total_rows = 0;
};

// FailedPrecondition if an unconstrained step meets a rank-deficient S_tA.
absl::StatusOr<SolveResult> IterativeHessianSketch(const DataMatrix& a,
                                                   const Eigen::Ref<const VectorXd>& b,
                                                   const IhsOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_IHS_H_
