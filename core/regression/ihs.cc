#include "core/regression/ihs.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "core/regression/heavy_rows_sketch.h"
#include "core/regression/l1_projection.h"
#include "core/regression/triangular_factor.h"

namespace sketchd {
namespace {

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
  const int64_t n = a.rows(), d = a.cols();
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
        spec.seed = options.fresh.seed + static_cast<uint64_t>(t);
        auto e = Embedding::Create(spec, n);
        if (!e.ok()) return e.status();
        sa = e->Apply(a);
        break;
      }
      case IhsSketchMode::kFixed:
        sa = a.Sketch(*options.sketch);
        break;
      case IhsSketchMode::kHeavyRows: {
        auto s = RehashLightRows(*options.sketch, *options.heavy_rows, options.seed + static_cast<uint64_t>(t));
        if (!s.ok()) return s.status();
        sa = a.Sketch(*s);
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
    const double rr = a.MultiplyThenAdjoint(x, 1.0, &u, &grad);
    iterate_s += Since(ts);
    return rr;
  };
  double rr = gradient_pass();
  if (options.record_objective) out.objective.push_back(0.5 * rr);
  if (options.on_iterate) options.on_iterate(0, x);
  out.stop_reason = "iteration limit reached";
  int t = 0;
  for (; t < options.max_iterations; ++t) {
    auto hs = hessian(t);
    if (!hs.ok()) return hs.status();
    VectorXd x_next;
    const auto ts = std::chrono::steady_clock::now();
    if (lasso) {
      // ½(x − x_t)ᵀH(x − x_t) + gradᵀ(x − x_t) = ½xᵀHx − (Hx_t − grad)ᵀx + const.
      const VectorXd c = hs->h * x - grad;
      x_next = MinimizeQuadraticOnL1Ball(hs->h, c, *options.lasso_lambda, x, options.inner).x;
    } else {
      VectorXd step = -grad;  // Δ = H⁻¹(−grad) = R⁻¹R⁻ᵀ(−grad)
      hs->r.transpose().triangularView<Eigen::Lower>().solveInPlace(step);
      hs->r.triangularView<Eigen::Upper>().solveInPlace(step);
      x_next = x + step;
    }
    factor_s += Since(ts);
    const double change = (x_next - x).norm();
    x = std::move(x_next);
    rr = gradient_pass();
    if (options.record_objective) out.objective.push_back(0.5 * rr);
    if (options.on_iterate) options.on_iterate(t + 1, x);
    if (options.tolerance > 0 && change <= options.tolerance * x.norm()) {
      ++t;
      out.stop_reason = "relative change below tolerance";
      break;
    }
  }
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
