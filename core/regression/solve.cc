#include "core/regression/solve.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/parallel/parallel_for.h"
#include "core/regression/data_matrix.h"
#include "core/regression/dense_row_pass.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/gram_preconditioner.h"
#include "core/regression/gram_refinement.h"
#include "core/regression/ihs.h"
#include "core/regression/lsqr.h"
#include "core/regression/problem_scaling.h"
#include "core/regression/sketch_and_solve.h"
#include "core/regression/triangular_factor.h"

namespace sketchd {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

absl::Status OptionError(absl::string_view field, double value, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, "=", value, " is out of range: ", rule));
}

absl::Status CheckOptions(const SolveOptions& o, int64_t n, int64_t d) {
  if (o.lasso_lambda.has_value()) {
    if (!(*o.lasso_lambda > 0) || !std::isfinite(*o.lasso_lambda)) {
      return OptionError("lasso_lambda", *o.lasso_lambda, "must be a positive finite ℓ1 radius");
    }
    if (o.solver != Solver::kIhs) {
      return absl::InvalidArgumentError(absl::StrCat("lasso_lambda is only supported by the ihs solver, not ",
                                                     SolverName(o.solver)));
    }
  }
  if (o.trained_sketch != nullptr && o.sketch != nullptr) {
    return absl::InvalidArgumentError("pass either trained_sketch or sketch, not both");
  }
  const CountSketch* s = o.sketch != nullptr ? o.sketch
                         : o.trained_sketch != nullptr ? &o.trained_sketch->sketch : nullptr;
  if (s != nullptr && s->cols() != n) {
    return absl::InvalidArgumentError(absl::StrCat("the sketch was made for n=", s->cols(),
                                                   " rows but A has ", n, " rows"));
  }
  if (s != nullptr && s->rows() < d) {
    return absl::InvalidArgumentError(absl::StrCat("the sketch has m=", s->rows(), " rows but A has d=", d,
                                                   " columns; sketched solvers need m >= d"));
  }
  if (o.sketch_rows < 0 || o.sketch_rows > n) {
    return OptionError("sketch_rows", static_cast<double>(o.sketch_rows),
                       absl::StrCat("must be in [d, n] = [", d, ", ", n, "] (0 = default): a sketch with more "
                                    "rows than A compresses nothing"));
  }
  if (o.sketch_rows > 0 && o.sketch_rows < d) {
    return OptionError("sketch_rows", static_cast<double>(o.sketch_rows),
                       absl::StrCat("is below d=", d, "; sketched solvers need m >= d"));
  }
  if (o.max_iterations < 0 || o.max_iterations > kMaxSolveIterations) {
    return OptionError("max_iterations", o.max_iterations,
                       absl::StrCat("must be in [0, ", kMaxSolveIterations, "] (0 = solver default)"));
  }
  if (!(o.tolerance > 0 && o.tolerance < 1)) {
    return OptionError("tolerance", o.tolerance, "must be in (0, 1): a relative change of x");
  }
  if (!(o.atol >= 0 && o.atol < 1)) return OptionError("atol", o.atol, "must be in [0, 1)");
  if (!(o.btol >= 0 && o.btol < 1)) return OptionError("btol", o.btol, "must be in [0, 1)");
  if (!(o.conlim == 0 || (o.conlim >= 1 && std::isfinite(o.conlim)))) {
    return OptionError("conlim", o.conlim, "must be 0 (no limit) or a finite condition number >= 1");
  }
  if (o.threads < 0 || o.threads > 1024) return OptionError("threads", o.threads, "must be in [0, 1024]");
  return absl::OkStatus();
}

// True when the caller left the sketch to us and A has too few rows for a
// sketch of the solver's default size (m = factor·d) to compress anything
// (n < 2m): a direct Householder QR is then both exact and the cheapest
// option — O(nd²) against the O(n²d) and n×n-panel cost of the dense
// Gaussian sketch with m = n that was used before.
bool TooFewRowsToSketch(const SolveOptions& o, int64_t n, int64_t d, int64_t default_factor) {
  if (o.sketch != nullptr || o.trained_sketch != nullptr || o.sketch_kind.has_value()) return false;
  const int64_t m = o.sketch_rows > 0 ? o.sketch_rows : default_factor * d;
  return n < 2 * m;
}

// The sketch a solver uses when the caller gave none. For sparse A with few
// rows (no direct QR) a sparse sign embedding with m = min(n, factor·d).
absl::StatusOr<Embedding> DefaultEmbedding(const SolveOptions& o, int64_t n, int64_t d,
                                           int64_t default_factor, SketchKind default_kind) {
  if (o.sketch != nullptr) return Embedding::FromCountSketch(*o.sketch);
  if (o.trained_sketch != nullptr) return Embedding::FromCountSketch(o.trained_sketch->sketch);
  SketchSpec spec;
  spec.seed = o.seed;
  spec.m = o.sketch_rows > 0 ? o.sketch_rows : std::min(n, default_factor * d);
  spec.kind = o.sketch_kind.value_or(default_kind);
  if (TooFewRowsToSketch(o, n, d, default_factor)) spec.kind = SketchKind::kSparseSign;
  return Embedding::Create(spec, n);
}

// Exact Householder QR least squares on the (scaled) view.
absl::StatusOr<SolveResult> DirectQr(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                     absl::string_view reason) {
  if (a.sparse()) return absl::InvalidArgumentError("the qr solver needs dense A; use lsqr for sparse input");
  const auto t0 = std::chrono::steady_clock::now();
  MatrixXd col = a.dense();
  if (a.scale() != 1) col *= a.scale();
  auto x = QrLeastSquaresInPlace(&col, b);
  if (!x.ok()) return x.status();
  col.resize(0, 0);
  SolveResult out;
  out.x = std::move(*x);
  out.timings.factor_seconds = Since(t0);
  out.residual_norm = a.ResidualNorm(out.x, b);
  out.timings.total_seconds = Since(t0);
  out.convergence = SolveConvergence::kDirect;
  out.stop_reason = std::string(reason);
  return out;
}

absl::StatusOr<SolveResult> RunLsqr(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                    const SolveOptions& o) {
  if (o.precondition && !a.sparse() && TooFewRowsToSketch(o, a.rows(), a.cols(), 8)) {
    return DirectQr(a, b, "direct Householder QR (n < 16d: a sketch would not compress A)");
  }
  const auto t0 = std::chrono::steady_clock::now();
  LsqrOptions lo;
  lo.atol = o.atol;
  lo.btol = o.btol;
  lo.conlim = o.conlim;
  lo.max_iterations = o.max_iterations;
  lo.record_residuals = o.record_objective;
  lo.cancel = o.cancel;
  lo.threads = o.threads;
  SolveResult out;
  MatrixXd r;
  // With no sketch chosen by the caller, a well-conditioned dense A is
  // preconditioned by the Cholesky factor of its Gram matrix: 2–4 LSQR passes
  // instead of ~30 (gram_preconditioner.h). Otherwise, or when A is too
  // ill-conditioned for it, R comes from the QR of the sketch SA.
  const bool caller_chose_sketch = o.sketch != nullptr || o.trained_sketch != nullptr ||
                                   o.sketch_kind.has_value() || o.sketch_rows > 0;
  bool have_r = false;
  if (o.precondition && !caller_chose_sketch && !a.sparse()) {
    double condition = 0;
    if (std::optional<MatrixXd> gram = GramPreconditioner(a, &condition)) {
      r = std::move(*gram);
      have_r = true;
      out.timings.factor_seconds = Since(t0);
      // Well inside the Gram factor's range, refinement on A needs fewer
      // passes than LSQR (gram_refinement.h); otherwise LSQR with this R.
      if (o.max_iterations == 0) {
        const auto t1 = std::chrono::steady_clock::now();
        std::optional<GramRefinementResult> refined =
            SolveByGramRefinement(a, b, r, condition, o.atol, ResolveThreads(o.threads), o.cancel);
        if (o.cancel != nullptr && o.cancel->cancelled()) {
          return absl::CancelledError("LSQR cancelled during Gram refinement");
        }
        if (refined.has_value()) {
          out.timings.iterate_seconds = Since(t1);
          out.x = std::move(refined->x);
          out.iterations = refined->refinements;
          out.convergence = SolveConvergence::kConverged;
          out.stop_reason = "Cholesky of AᵀA with iterative refinement on A: error estimate below atol";
          if (o.record_objective) out.objective = std::move(refined->residuals);
          out.residual_norm = refined->residual_norm;
          out.timings.total_seconds = Since(t0);
          return out;
        }
      }
    }
  }
  if (o.precondition && !have_r) {
    auto e = DefaultEmbedding(o, a.rows(), a.cols(), 8, SketchKind::kSparseSign);
    if (!e.ok()) return e.status();
    auto sa = e->Apply(a);
    if (!sa.ok()) return sa.status();
    out.timings.sketch_seconds = Since(t0);
    const auto t1 = std::chrono::steady_clock::now();
    auto factor = UpperTriangularFactor(*std::move(sa), "sketched matrix SA (LSQR preconditioner)");
    if (!factor.ok()) return factor.status();
    r = std::move(*factor);
    out.timings.factor_seconds = Since(t1);
  }
  const auto t2 = std::chrono::steady_clock::now();
  LsqrResult res = Lsqr(a, b, o.precondition ? &r : nullptr, lo);
  if (res.istop == 8) return absl::CancelledError(absl::StrCat("LSQR cancelled after ", res.iterations, " iterations"));
  out.timings.iterate_seconds = Since(t2);
  out.x = std::move(res.x);
  out.iterations = res.iterations;
  out.convergence = LsqrConvergence(res.istop);
  out.stop_reason = res.stop_reason;
  out.objective = std::move(res.residual_history);
  out.residual_norm = a.sparse() ? a.ResidualNorm(out.x, b)
                                 : DenseResidualNorm(a.dense(), a.scale(), out.x, b,
                                                     ResolveThreads(o.threads));
  out.timings.total_seconds = Since(t0);
  return out;
}

absl::StatusOr<SolveResult> RunIhs(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                   const SolveOptions& o, std::optional<double> lasso_lambda) {
  IhsOptions io;
  io.lasso_lambda = lasso_lambda;
  io.max_iterations = o.max_iterations > 0 ? o.max_iterations : 50;
  io.tolerance = o.tolerance;
  io.record_objective = o.record_objective;
  io.seed = o.seed;
  io.cancel = o.cancel;
  const CountSketch* given = o.sketch != nullptr ? o.sketch
                             : o.trained_sketch != nullptr ? &o.trained_sketch->sketch : nullptr;
  IhsSketchMode mode = IhsSketchMode::kFresh;
  if (given != nullptr) {
    const bool heavy_only = o.trained_sketch != nullptr && !o.trained_sketch->heavy_rows.empty() &&
                            !o.trained_sketch->options.learn_values;
    mode = heavy_only ? IhsSketchMode::kHeavyRows : IhsSketchMode::kFixed;
  }
  if (o.ihs_sketch_mode.has_value()) mode = *o.ihs_sketch_mode;
  io.mode = mode;
  if (mode != IhsSketchMode::kFresh) {
    if (given == nullptr) {
      return absl::InvalidArgumentError("ihs_sketch_mode fixed/heavy_rows needs a sketch or trained_sketch");
    }
    io.sketch = given;
    if (mode == IhsSketchMode::kHeavyRows) {
      if (o.trained_sketch == nullptr || o.trained_sketch->heavy_rows.empty()) {
        return absl::InvalidArgumentError("ihs_sketch_mode heavy_rows needs a trained sketch with heavy rows");
      }
      io.heavy_rows = &o.trained_sketch->heavy_rows;
    }
  } else {
    io.fresh.kind = o.sketch_kind.value_or(SketchKind::kCountSketch);
    io.fresh.m = o.sketch_rows > 0               ? o.sketch_rows
                 : given != nullptr             ? given->rows()
                                                : std::min(a.rows(), 8 * a.cols());
    io.fresh.seed = o.seed;
  }
  return IterativeHessianSketch(a, b, io);
}

absl::StatusOr<SolveResult> RunSolver(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                      const SolveOptions& o, std::optional<double> lasso_lambda) {
  switch (o.solver) {
    case Solver::kLsqr:
      return RunLsqr(a, b, o);
    case Solver::kSketchAndSolve: {
      if (!a.sparse() && TooFewRowsToSketch(o, a.rows(), a.cols(), 20)) {
        return DirectQr(a, b, "direct Householder QR (n < 40d: a sketch would not compress A)");
      }
      auto e = DefaultEmbedding(o, a.rows(), a.cols(), 20, SketchKind::kCountSketch);
      if (!e.ok()) return e.status();
      return SketchAndSolve(a, b, *e);
    }
    case Solver::kIhs:
      return RunIhs(a, b, o, lasso_lambda);
    case Solver::kQr:
      return DirectQr(a, b, "direct Householder QR");
  }
  return absl::InvalidArgumentError("unknown solver");
}

// Every solver runs on the normalised problem (problem_scaling.h); the answer
// is mapped back here, so no solver depends on the units of the data.
// `a_max_abs`: max|A| when the caller already scanned A (< 0: scan here).
absl::StatusOr<SolveResult> SolveImpl(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                      const SolveOptions& o, double a_max_abs = -1) {
  if (absl::Status s = CheckOptions(o, a.rows(), a.cols()); !s.ok()) return s;
  const ProblemScaling scaling = ProblemScaling::FromMaxAbs(
      a_max_abs >= 0 ? a_max_abs : a.MaxAbs(), b.cwiseAbs().maxCoeff());
  const DataMatrix a_hat = a.Scaled(MultiplyByPowerOfTwo(-scaling.a_exponent, 1.0));
  VectorXd b_hat = b;
  MultiplyByPowerOfTwo(-scaling.b_exponent, b_hat);
  std::optional<double> lambda_hat;
  if (o.lasso_lambda.has_value()) {
    auto l = ScaledLassoRadius(scaling, *o.lasso_lambda);
    if (!l.ok()) return l.status();
    lambda_hat = *l;
  }
  auto result = RunSolver(a_hat, b_hat, o, lambda_hat);
  if (!result.ok()) return result;
  if (absl::Status s = UnscaleSolution(scaling, &result->x); !s.ok()) return s;
  result->residual_norm = MultiplyByPowerOfTwo(scaling.b_exponent, result->residual_norm);
  // LSQR records ‖r‖ estimates, IHS ½‖r‖² (solve_result.h).
  const int objective_power = o.solver == Solver::kIhs ? 2 : 1;
  for (double& f : result->objective) f = MultiplyByPowerOfTwo(objective_power * scaling.b_exponent, f);
  return result;
}

}  // namespace

absl::string_view SolverName(Solver solver) {
  switch (solver) {
    case Solver::kSketchAndSolve: return "sketch_and_solve";
    case Solver::kLsqr: return "lsqr";
    case Solver::kIhs: return "ihs";
    case Solver::kQr: return "qr";
  }
  return "unknown";
}

absl::StatusOr<Solver> ParseSolver(absl::string_view name) {
  for (Solver s : {Solver::kSketchAndSolve, Solver::kLsqr, Solver::kIhs, Solver::kQr}) {
    if (name == SolverName(s)) return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown solver \"", name, "\"; expected sketch_and_solve, lsqr, ihs or qr"));
}

absl::StatusOr<SolveResult> Solve(const RegressionProblem& problem, const SolveOptions& options) {
  return Solve(ConstRowMajorRef(problem.a), problem.b, options);
}

absl::StatusOr<SolveResult> Solve(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b,
                                  const SolveOptions& options) {
  // One parallel pass both proves A finite and finds max|A| for the scaling
  // (the separate single-threaded finiteness check cost as much as the whole
  // default solve on 500 000×50, bench/perf); a non-finite A is then located
  // by ValidateRegressionInput for the message.
  if (absl::Status s = ValidateRegressionShape(a.rows(), a.cols(), b); !s.ok()) return s;
  const DenseScan scan = ScanDense(a, ResolveThreads(options.threads));
  if (!scan.finite) {
    if (absl::Status s = ValidateRegressionInput(a, b); !s.ok()) return s;
    return absl::InternalError("A has a non-finite entry that could not be located");
  }
  return SolveImpl(DataMatrix(a, options.threads), b, options, scan.max_abs);
}

absl::StatusOr<SolveResult> Solve(const CsrMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                  const SolveOptions& options) {
  if (absl::Status s = ValidateRegressionInput(a, b); !s.ok()) return s;
  return SolveImpl(DataMatrix(a, options.threads), b, options);
}

}  // namespace sketchd
