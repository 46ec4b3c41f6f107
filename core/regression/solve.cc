#include "core/regression/solve.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/regression/data_matrix.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/ihs.h"
#include "core/regression/lsqr.h"
#include "core/regression/sketch_and_solve.h"
#include "core/regression/triangular_factor.h"

namespace sketchd {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

absl::Status CheckOptions(const SolveOptions& o, int64_t n, int64_t d) {
  if (o.lasso_lambda.has_value()) {
    if (!(*o.lasso_lambda > 0) || !std::isfinite(*o.lasso_lambda)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "lasso_lambda must be a positive finite ℓ1 radius, got ", *o.lasso_lambda));
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
  if (o.sketch_rows < 0) return absl::InvalidArgumentError("sketch_rows must be >= 0 (0 = default)");
  if (o.sketch_rows > 0 && o.sketch_rows < d) {
    return absl::InvalidArgumentError(absl::StrCat("sketch_rows m=", o.sketch_rows, " is below d=", d,
                                                   "; sketched solvers need m >= d"));
  }
  if (o.max_iterations < 0) return absl::InvalidArgumentError("max_iterations must be >= 0 (0 = default)");
  if (!(o.atol >= 0) || !(o.btol >= 0) || !(o.tolerance >= 0) || !(o.conlim >= 0)) {
    return absl::InvalidArgumentError("tolerances must be non-negative numbers");
  }
  return absl::OkStatus();
}

// The sketch a solver uses when the caller gave none.
absl::StatusOr<Embedding> DefaultEmbedding(const SolveOptions& o, int64_t n, int64_t d,
                                           int64_t default_factor, SketchKind default_kind) {
  if (o.sketch != nullptr) return Embedding::FromCountSketch(*o.sketch);
  if (o.trained_sketch != nullptr) return Embedding::FromCountSketch(o.trained_sketch->sketch);
  SketchSpec spec;
  spec.seed = o.seed;
  spec.m = o.sketch_rows > 0 ? o.sketch_rows : default_factor * d;
  spec.kind = o.sketch_kind.value_or(default_kind);
  if (!o.sketch_kind.has_value() && n < 2 * spec.m) {
    // Too few rows for a sparse sketch to compress anything: a Gaussian
    // sketch with m = n keeps full rank whenever A has it.
    spec.kind = SketchKind::kGaussian;
    spec.m = o.sketch_rows > 0 ? o.sketch_rows : std::max(d, n);
  }
  return Embedding::Create(spec, n);
}

absl::StatusOr<SolveResult> RunLsqr(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                    const SolveOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  LsqrOptions lo;
  lo.atol = o.atol;
  lo.btol = o.btol;
  lo.conlim = o.conlim;
  lo.max_iterations = o.max_iterations;
  lo.record_residuals = o.record_objective;
  SolveResult out;
  MatrixXd r;
  if (o.precondition) {
    auto e = DefaultEmbedding(o, a.rows(), a.cols(), 8, SketchKind::kSparseSign);
    if (!e.ok()) return e.status();
    MatrixXd sa = e->Apply(a);
    out.timings.sketch_seconds = Since(t0);
    const auto t1 = std::chrono::steady_clock::now();
    auto factor = UpperTriangularFactor(std::move(sa), "sketched matrix SA (LSQR preconditioner)");
    if (!factor.ok()) return factor.status();
    r = std::move(*factor);
    out.timings.factor_seconds = Since(t1);
  }
  const auto t2 = std::chrono::steady_clock::now();
  LsqrResult res = Lsqr(a, b, o.precondition ? &r : nullptr, lo);
  out.timings.iterate_seconds = Since(t2);
  out.x = std::move(res.x);
  out.iterations = res.iterations;
  out.stop_reason = res.stop_reason;
  out.objective = std::move(res.residual_history);
  out.residual_norm = a.ResidualNorm(out.x, b);
  out.timings.total_seconds = Since(t0);
  return out;
}

absl::StatusOr<SolveResult> RunIhs(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                   const SolveOptions& o) {
  IhsOptions io;
  io.lasso_lambda = o.lasso_lambda;
  io.max_iterations = o.max_iterations > 0 ? o.max_iterations : 50;
  io.tolerance = o.tolerance;
  io.record_objective = o.record_objective;
  io.seed = o.seed;
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
    io.fresh.m = o.sketch_rows > 0 ? o.sketch_rows : given != nullptr ? given->rows() : 8 * a.cols();
    io.fresh.seed = o.seed;
  }
  return IterativeHessianSketch(a, b, io);
}

absl::StatusOr<SolveResult> SolveImpl(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                      const SolveOptions& o) {
  if (absl::Status s = CheckOptions(o, a.rows(), a.cols()); !s.ok()) return s;
  switch (o.solver) {
    case Solver::kLsqr:
      return RunLsqr(a, b, o);
    case Solver::kSketchAndSolve: {
      auto e = DefaultEmbedding(o, a.rows(), a.cols(), 20, SketchKind::kCountSketch);
      if (!e.ok()) return e.status();
      return SketchAndSolve(a, b, *e);
    }
    case Solver::kIhs:
      return RunIhs(a, b, o);
    case Solver::kQr: {
      if (a.sparse()) return absl::InvalidArgumentError("the qr solver needs dense A; use lsqr for sparse input");
      const auto t0 = std::chrono::steady_clock::now();
      auto x = QrLeastSquares(a.dense(), b);
      if (!x.ok()) return x.status();
      SolveResult out;
      out.x = std::move(*x);
      out.timings.factor_seconds = Since(t0);
      out.residual_norm = a.ResidualNorm(out.x, b);
      out.timings.total_seconds = Since(t0);
      out.stop_reason = "direct Householder QR";
      return out;
    }
  }
  return absl::InvalidArgumentError("unknown solver");
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
  if (absl::Status s = ValidateRegressionInput(a, b); !s.ok()) return s;
  return SolveImpl(DataMatrix(a, options.threads), b, options);
}

absl::StatusOr<SolveResult> Solve(const CsrMatrix& a, const Eigen::Ref<const VectorXd>& b,
                                  const SolveOptions& options) {
  if (absl::Status s = ValidateRegressionInput(a, b); !s.ok()) return s;
  return SolveImpl(DataMatrix(a, options.threads), b, options);
}

}  // namespace sketchd
