// The one entry point the server and CLI call to solve min ‖Ax − b‖
// (optionally with ‖x‖₁ ≤ λ). Pick a solver, optionally pass a sketch; every
// other option has a sensible default.
//
//   SolveOptions opt;                 // LSQR, random sketch, full accuracy
//   auto r = Solve(problem, opt);     // r->x, r->residual_norm, r->iterations
//
//   opt.solver = Solver::kIhs;        // LASSO with a trained heavy_rows sketch
//   opt.lasso_lambda = 3.0;
//   opt.trained_sketch = &trained;
//
// Solvers:
//  - kLsqr (default): sketch-preconditioned LSQR (Blendenpik/LSRN). R from a
//    Householder QR of SA, then LSQR on A R⁻¹ (triangular solves, never
//    formed), x = R⁻¹y. Same accuracy as Householder QR. Default sketch: a
//    sparse sign embedding (4 nonzeros per column) with m = 8d. Why not a
//    CountSketch with m = 4d: (1) when a few rows carry most of the leverage,
//    one collision of two such rows inflates κ(AR⁻¹) and the iteration count,
//    and s = 4 nonzeros per column makes that far less likely for a few
//    cheap extra scatter passes; (2) LSQR's rate is ~sqrt(d/m), so m = 8d
//    cuts the iterations to 1e-14 from ~47 to ~32 (measured, 100000×1000),
//    saving ~15 passes over A for a QR of an 8d×d instead of 4d×d sketch.
//    A Gaussian sketch is available (sketch_kind) but costs O(m·n·d). If A has
//    fewer than 2m = 16d rows and the caller chose no sketch, sketching cannot
//    compress A and the answer is a direct Householder QR (convergence
//    kDirect); for sparse A, a sparse sign sketch with m = min(n, 8d). A
//    rank-deficient SA is an error (FailedPrecondition naming the dependent
//    columns), not a silent fallback: the LS solution is then not unique and
//    the user must decide what to drop.
//    precondition = false gives plain LSQR (for comparisons).
//    Exception, when the caller chose no sketch (no sketch, trained_sketch,
//    sketch_kind or sketch_rows) and A is dense with estimated κ(A) ≤ 1e6:
//    R is the Cholesky factor of AᵀA instead (gram_preconditioner.h), one
//    BLAS-3 syrk, and LSQR on A R⁻¹ converges in 2–4 passes rather than ~30,
//    still at Householder QR accuracy (bench/perf). When moreover
//    n·ε·κ̂(A)² ≤ 1e-3 and max_iterations is 0, the answer is x₀ = (RᵀR)⁻¹Aᵀb
//    corrected by iterative refinement on A instead of LSQR
//    (gram_refinement.h): Aᵀb plus usually one refinement pass, at QR
//    accuracy; `iterations` counts the refinement passes, atol bounds the
//    estimated relative error left in x, and `objective` holds ‖b − A x‖
//    before each refinement. A refinement that does not contract hands over
//    to LSQR with the same R.
//  - kSketchAndSolve: argmin ‖SAx − Sb‖ by column-pivoted QR (m = 20d by
//    default: residual within ~(1 + d/m) of optimal; direct QR when n < 40d
//    and no sketch was chosen).
//  - kIhs: iterative Hessian sketch; the only solver that accepts
//    lasso_lambda. Default m = min(n, 8d), fresh CountSketch (seed + t) per iteration.
//    With trained_sketch: a heavy_rows sketch without learned values keeps its
//    heavy rows and re-hashes the rest each iteration; one with learned values
//    (or a plain `sketch`) is reused unchanged.
//  - kQr: exact Householder QR least squares (LAPACK), the reference.
//
// Scale invariance: every solver sees the problem normalised by exact powers
// of two so that max|A| and max|b| are in [1/2, 1) (problem_scaling.h), and
// all stopping rules are relative (LSQR: Paige–Saunders ‖Mᵀr‖ ≤
// atol·‖M‖·‖r‖, ‖r‖ ≤ btol·‖b‖ + atol·‖M‖·‖y‖; IHS: ‖Δx‖ ≤ tolerance·‖x‖).
// The same problem in other units (A and b scaled by 10^±150) gives the same
// x to rounding; an x outside the range of double is InvalidArgument.
// SolveResult::convergence says whether it converged (never parse stop_reason).
#ifndef SKETCHD_CORE_REGRESSION_SOLVE_H_
#define SKETCHD_CORE_REGRESSION_SOLVE_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/matrix_types.h"
#include "core/regression/embedding.h"
#include "core/regression/ihs.h"
#include "core/regression/regression_problem.h"
#include "core/regression/solve_result.h"
#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_control.h"

namespace sketchd {

enum class Solver { kSketchAndSolve, kLsqr, kIhs, kQr };

// Upper bound on SolveOptions::max_iterations (each iteration is a pass over A).
inline constexpr int kMaxSolveIterations = 10'000'000;

absl::string_view SolverName(Solver solver);  // "sketch_and_solve" | "lsqr" | "ihs" | "qr"
absl::StatusOr<Solver> ParseSolver(absl::string_view name);

struct SolveOptions {
  Solver solver = Solver::kLsqr;
  // LASSO radius: minimise ‖Ax − b‖ subject to ‖x‖₁ ≤ λ (ihs only; λ > 0).
  std::optional<double> lasso_lambda;

  // Sketch. At most one of the two pointers; either must have n = rows of A
  // and outlive the call. Neither → a random sketch of `sketch_kind`,
  // `sketch_rows` rows and `seed`.
  const TrainedSketch* trained_sketch = nullptr;
  const CountSketch* sketch = nullptr;
  std::optional<SketchKind> sketch_kind;  // default: per solver (see above)
  int64_t sketch_rows = 0;                // m; 0 = per-solver default
  uint64_t seed = 0;
  // IHS only: override how the sketch is chosen each iteration (kFresh needs
  // no sketch; kFixed / kHeavyRows need one, kHeavyRows a trained sketch's heavy rows).
  std::optional<IhsSketchMode> ihs_sketch_mode;

  // Stopping, all relative to the data. LSQR: atol, btol in [0, 1), conlim
  // 0 (none) or >= 1 (Paige–Saunders). IHS: relative change of x below
  // `tolerance` in (0, 1), or stagnation at rounding level (ihs.h
  // "Stopping"). Anything else (NaN, inf, out of range) is InvalidArgument
  // naming the field.
  double atol = 1e-14;
  double btol = 1e-14;
  double conlim = 1e12;
  double tolerance = 1e-10;
  int max_iterations = 0;        // [0, kMaxSolveIterations]; 0 = solver default (LSQR 2d + 1000, IHS 50)

  bool precondition = true;      // LSQR: false = plain LSQR
  bool record_objective = false; // fill SolveResult::objective
  int threads = 0;               // passes over A; 0 = all cores
  // Polled once per iteration (LSQR, IHS and its inner LASSO solve): a fired
  // token ends the solve with CANCELLED within one pass over A.
  const CancelToken* cancel = nullptr;
};

absl::StatusOr<SolveResult> Solve(const RegressionProblem& problem, const SolveOptions& options);
// Views: no copy of A (the server and benchmarks hold large A already).
absl::StatusOr<SolveResult> Solve(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b,
                                  const SolveOptions& options);
// Sparse A (CSR). kQr is not available for sparse input.
absl::StatusOr<SolveResult> Solve(const CsrMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                  const SolveOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_SOLVE_H_
