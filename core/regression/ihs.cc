#include "core/regression/ihs.h"

#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/regression/heavy_rows_sketch.h"
#include "core/regression/l1_projection.h"
#include "core/regression/triangular_factor.h"
#include "core/sketch/philox.h"

namespace sketchd {

uint64_t IhsIterationSeed(uint64_t seed, int t) {
  const auto w = PhiloxWords(seed, kIhsIterationStream, static_cast<uint64_t>(t));
  return (static_cast<uint64_t>(w[0]) << 32) | w[1];
}

namespace {

// Exact recomputation of u = Ax − b and ∇f after this many recurrence updates.
constexpr int kRefreshEvery = 5;
constexpr double kEps = 2.220446049250313e-16;
// Steps without a new smallest ‖AΔ‖ before IHS counts as stagnated.
constexpr int kStallSteps = 3;

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The sketched Hessian of one iteration: SA and, for least squares, its R.
struct SketchedHessian {
  MatrixXd h;  // (SA)ᵀSA
  MatrixXd r;  // R with RᵀR = H (least squares only)
};

}  // namespace

absl::StatusOr<SolveResult> IterativeHessianSketch(const DataMatrix& a,
                                                   const Eigen::Ref<const VectorXd>& b,
                                                   const IhsOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  Reducer* const reducer = options.reducer;
  // n: rows of all of A (the sketches' width); a.rows() are this process's.
  const int64_t n = reducer != nullptr ? options.total_rows : a.rows(), d = a.cols();
  if (reducer != nullptr &&
      (a.sparse() || options.row_offset < 0 || options.row_offset + a.rows() > n)) {
    return absl::InvalidArgumentError(
        "distributed IHS needs a dense block of rows inside [0, total_rows)");
  }
  // A·v then Aᵀ of the result (see DataMatrix), summed over processes.
  auto fused = [&](const VectorXd& v, double alpha, VectorXd* u, VectorXd* w) -> double {
    const double local = a.MultiplyThenAdjoint(v, alpha, u, w);
    if (reducer == nullptr) return local;
    VectorXd packed(d + 1);
    packed.head(d) = w->size() == d ? *w : VectorXd::Zero(d);
    packed(d) = local;
    reducer->SumInPlace(packed.data(), packed.size());
    *w = packed.head(d);
    return packed(d);
  };
  // S·A for a CountSketch over all n rows.
  auto sketch_of = [&](const CountSketch& s) -> MatrixXd {
    if (reducer == nullptr) return a.Sketch(s);
    RowMatrixXd sum = RowMatrixXd::Zero(s.rows(), d);
    if (a.rows() > 0) s.AccumulateRows(options.row_offset, a.dense(), sum);
    reducer->SumInPlace(sum.data(), sum.size());
    if (a.scale() != 1) sum *= a.scale();
    return MatrixXd(sum);
  };
  const bool lasso = options.lasso_lambda.has_value();
  if (lasso && !(*options.lasso_lambda > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("LASSO radius lambda must be positive, got ", *options.lasso_lambda));
  }
  if (options.mode != IhsSketchMode::kFresh) {
    if (options.sketch == nullptr) return absl::InvalidArgumentError("IHS with a fixed or heavy-rows sketch needs the sketch");
    if (options.sketch->cols() != n) {
      return absl::InvalidArgumentError(absl::StrCat("sketch has n=", options.sketch->cols(),
                                                     " columns but A has ", n, " rows"));
    }
    if (options.mode == IhsSketchMode::kHeavyRows && options.heavy_rows == nullptr) {
      return absl::InvalidArgumentError("IHS heavy-rows mode needs the list of heavy rows");
    }
  }
  const int64_t m = options.mode == IhsSketchMode::kFresh ? options.fresh.m : options.sketch->rows();
  if (m < d) {
    return absl::InvalidArgumentError(absl::StrCat("IHS sketch has m=", m, " rows but A has d=", d,
                                                   " columns; the sketched Hessian needs m >= d"));
  }

  SolveResult out;
  double sketch_s = 0, factor_s = 0;
  std::optional<SketchedHessian> fixed;  // cached when the sketch never changes
  auto hessian = [&](int t) -> absl::StatusOr<SketchedHessian> {
    if (options.mode == IhsSketchMode::kFixed && fixed) return *fixed;
    auto ts = std::chrono::steady_clock::now();
    MatrixXd sa;
    switch (options.mode) {
      case IhsSketchMode::kFresh: {
        SketchSpec spec = options.fresh;
        spec.seed = IhsIterationSeed(options.fresh.seed, t);
        auto e = Embedding::Create(spec, n);
        if (!e.ok()) return e.status();
        if (reducer != nullptr) {
          if (e->count_sketch() == nullptr) {
            return absl::InvalidArgumentError(
                "distributed IHS needs a CountSketch or sparse sign sketch, not a Gaussian");
          }
          sa = sketch_of(*e->count_sketch());
          break;
        }
        auto applied = e->Apply(a);
        if (!applied.ok()) return applied.status();
        sa = *std::move(applied);
        break;
      }
      case IhsSketchMode::kFixed:
        sa = sketch_of(*options.sketch);
        break;
      case IhsSketchMode::kHeavyRows: {
        auto s = RehashLightRows(*options.sketch, *options.heavy_rows,
                                 IhsIterationSeed(options.seed, t));
        if (!s.ok()) return s.status();
        sa = sketch_of(*s);
        break;
      }
    }
    sketch_s += Since(ts);
    ts = std::chrono::steady_clock::now();
    SketchedHessian hs;
    if (lasso) {
      hs.h = sa.transpose() * sa;
    } else {
      auto r = UpperTriangularFactor(std::move(sa), "sketched matrix SA (IHS)");
      if (!r.ok()) return r.status();
      hs.r = std::move(*r);
    }
    factor_s += Since(ts);
    if (options.mode == IhsSketchMode::kFixed) fixed = hs;
    return hs;
  };

  VectorXd x = options.x0 != nullptr ? *options.x0 : VectorXd::Zero(d);
  if (x.size() != d) return absl::InvalidArgumentError("IHS start x0 has the wrong length");
  if (lasso) x = ProjectOntoL1Ball(x, *options.lasso_lambda);
  VectorXd u, grad;  // u = Ax − b, grad = Aᵀ(Ax − b)
  double iterate_s = 0;
  auto gradient_pass = [&] {
    const auto ts = std::chrono::steady_clock::now();
    u = b;
    const double rr = fused(x, 1.0, &u, &grad);
    iterate_s += Since(ts);
    return rr;
  };
  double rr = gradient_pass();
  if (options.record_objective) out.objective.push_back(0.5 * rr);
  if (options.on_iterate) options.on_iterate(0, x);
  out.stop_reason = "iteration limit reached";
  out.convergence = SolveConvergence::kIterationLimit;
  L1QuadraticOptions inner = options.inner;
  if (inner.cancel == nullptr) inner.cancel = options.cancel;
  const bool stopping = options.tolerance > 0;
  // Line-search state: AΔ and AᵀAΔ from one fused pass; u and grad are then
  // updated by recurrence and recomputed from A every kRefreshEvery steps
  // (and at the end), which keeps their rounding drift at the level of a
  // direct evaluation.
  VectorXd a_step = VectorXd::Zero(a.rows()), ata_step;
  int since_refresh = 0;
  double min_change_a = INFINITY;  // smallest ‖A(x_{t+1} − x_t)‖ so far
  int stalled = 0;                 // steps since it last decreased
  // A fixed sketch without a constraint makes IHS the Richardson iteration
  // preconditioned by H; conjugate directions turn it into PCG (see ihs.h).
  const bool conjugate = options.line_search && !lasso && options.mode == IhsSketchMode::kFixed;
  VectorXd direction, grad_prev;
  double gz_prev = 0;
  int t = 0;
  for (; t < options.max_iterations; ++t) {
    if (options.cancel != nullptr && options.cancel->cancelled()) {
      return absl::CancelledError(absl::StrCat("IHS cancelled after ", t, " iterations"));
    }
    auto hs = hessian(t);
    if (!hs.ok()) return hs.status();
    VectorXd step;
    auto ts = std::chrono::steady_clock::now();
    if (lasso) {
      // ½(x − x_t)ᵀH(x − x_t) + gradᵀ(x − x_t) = ½xᵀHx − (Hx_t − grad)ᵀx + const.
      const VectorXd c = hs->h * x - grad;
      L1QuadraticResult sub = MinimizeQuadraticOnL1Ball(hs->h, c, *options.lasso_lambda, x, inner);
      if (sub.cancelled) return absl::CancelledError(absl::StrCat("IHS cancelled in iteration ", t + 1));
      step = sub.x - x;
    } else {
      step = -grad;  // Δ = H⁻¹(−grad) = R⁻¹R⁻ᵀ(−grad)
      hs->r.transpose().triangularView<Eigen::Lower>().solveInPlace(step);
      hs->r.triangularView<Eigen::Upper>().solveInPlace(step);
    }
    factor_s += Since(ts);
    if (conjugate) {
      // Polak–Ribière+ with the fixed preconditioner H: z = H⁻¹(−g) (= step),
      // β = max(0, −zᵀ(g − g_prev) / g_prevᵀH⁻¹g_prev); equal to PCG's β on
      // this quadratic in exact arithmetic, and restarts itself (β = 0) when
      // rounding spoils conjugacy. Not a descent direction → plain step.
      const double gz = -grad.dot(step);  // gᵀH⁻¹g ≥ 0
      if (gz_prev > 0) {
        const double beta = std::max(0.0, (gz + step.dot(grad_prev)) / gz_prev);
        VectorXd p = step + beta * direction;
        if (grad.dot(p) < 0) step = std::move(p);
      }
      gz_prev = gz;
      grad_prev = grad;
      direction = step;
    }
    const double f_before = 0.5 * rr;
    double eta = 1, decrease = 0, change_a = 0;
    if (options.line_search) {
      ts = std::chrono::steady_clock::now();
      const double aa = fused(step, 0.0, &a_step, &ata_step);  // ‖AΔ‖²
      iterate_s += Since(ts);
      const double slope = grad.dot(step);  // ∇f(x_t)ᵀΔ, < 0 for a descent step
      eta = aa > 0 && slope < 0 ? -slope / aa : 0.0;
      if (lasso) eta = std::min(eta, 1.0);
      decrease = eta * (-slope) - 0.5 * eta * eta * aa;  // f(x_t) − f(x_t + ηΔ), exact
      change_a = eta * std::sqrt(aa);
      if (eta > 0) {
        x += eta * step;
        u += eta * a_step;
        grad += eta * ata_step;
        if (++since_refresh >= kRefreshEvery) {
          rr = gradient_pass();
          since_refresh = 0;
        } else {
          rr = u.squaredNorm();
        }
      }
    } else {
      x += step;
      rr = gradient_pass();
      decrease = f_before - 0.5 * rr;
    }
    const double change = eta * step.norm();
    if (options.record_objective) out.objective.push_back(0.5 * rr);
    if (options.on_iterate) options.on_iterate(t + 1, x);
    if (!stopping) continue;
    if (options.line_search && eta == 0) {
      // Δ = 0, or no descent along it: only rounding is left to remove.
      ++t;
      out.stop_reason = "no descent step left (optimum reached to rounding)";
      out.convergence = SolveConvergence::kStagnated;
      break;
    }
    if (change <= options.tolerance * x.norm()) {
      ++t;
      out.stop_reason = "relative change below tolerance";
      out.convergence = SolveConvergence::kConverged;
      break;
    }
    // Stagnation: the steps stopped contracting (no new smallest ‖A(x_{t+1} − x_t)‖
    // for kStallSteps steps) while f no longer changes by more than its
    // rounding: what is left of the steps is rounding noise.
    if (!options.line_search) {
      continue;
    } else if (change_a < min_change_a) {
      min_change_a = change_a;
      stalled = 0;
    } else {
      ++stalled;
    }
    if (stalled >= kStallSteps && decrease <= kEps * f_before) {
      ++t;
      out.stop_reason = "stagnated at rounding level";
      out.convergence = SolveConvergence::kStagnated;
      break;
    }
  }
  if (since_refresh > 0) rr = gradient_pass();  // the reported residual comes from A
  out.iterations = t;
  out.x = std::move(x);
  out.residual_norm = std::sqrt(rr);
  out.timings.sketch_seconds = sketch_s;
  out.timings.factor_seconds = factor_s;
  out.timings.iterate_seconds = iterate_s;
  out.timings.total_seconds = Since(t0);
  return out;
}

}  // namespace sketchd
