// Iterative Hessian sketch (Pilanci & Wainwright 2016) for least squares and
// for LASSO in constrained form C = {‖x‖₁ ≤ λ}:
//   x_{t+1} = argmin_{x∈C} ½‖S_t A(x − x_t)‖² − ⟨Aᵀ(b − Ax_t), x − x_t⟩.
// Each iteration is one fused pass over A (residual and gradient) plus the
// sketch S_t·A; the inner problem lives on the d×d sketched Hessian
// H_t = (S_tA)ᵀ(S_tA): closed form via the QR of S_tA without a constraint,
// FISTA with exact ℓ1 projection with one.
#ifndef SKETCHD_CORE_REGRESSION_IHS_H_
#define SKETCHD_CORE_REGRESSION_IHS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/regression/data_matrix.h"
#include "core/regression/embedding.h"
#include "core/regression/l1_quadratic.h"
#include "core/regression/solve_result.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

// Which sketch iteration t uses.
enum class IhsSketchMode {
  kFresh,      // a new random sketch (spec with seed + t) every iteration: the classical IHS
  // `sketch` reused unchanged (learned values belong to fixed positions). This
  // is a preconditioned iteration: it converges at rate ~‖I − H⁻¹AᵀA‖ and only
  // if λ_max(H⁻¹AᵀA) < 2, so the sketch must be a good embedding of A.
  kFixed,
  kHeavyRows,  // `sketch`'s heavy rows keep their buckets, the rest re-hashed with seed + t
};

struct IhsOptions {
  IhsSketchMode mode = IhsSketchMode::kFresh;
  SketchSpec fresh;                                // kFresh: kind, m, seed
  const CountSketch* sketch = nullptr;             // kFixed / kHeavyRows
  const std::vector<int32_t>* heavy_rows = nullptr;  // kHeavyRows
  uint64_t seed = 0;                               // kHeavyRows re-hash seed base
  std::optional<double> lasso_lambda;              // set → constrained ‖x‖₁ ≤ λ (λ > 0)
  int max_iterations = 50;
  double tolerance = 1e-10;   // stop when ‖x_{t+1} − x_t‖ ≤ tolerance·‖x_{t+1}‖; 0 = never
  bool record_objective = false;
  L1QuadraticOptions inner;   // LASSO inner solver
  const VectorXd* x0 = nullptr;  // start (default 0); projected onto C for LASSO
  // Called with (t, x_t) for t = 0 (the start) and after every iteration, for
  // callers that measure convergence exactly (objective gaps need x_t, not f).
  std::function<void(int, const VectorXd&)> on_iterate;
};

// FailedPrecondition if an unconstrained step meets a rank-deficient S_tA.
absl::StatusOr<SolveResult> IterativeHessianSketch(const DataMatrix& a,
                                                   const Eigen::Ref<const VectorXd>& b,
                                                   const IhsOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_IHS_H_
