#include "core/regression/solve_memory.h"

#include <algorithm>

#include "core/training/parallel.h"
#include "core/training/training_limits.h"

namespace sketchd {

int64_t EstimateSolveBytes(const SolveOptions& o, int64_t n_in, int64_t d_in) {
  const double n = static_cast<double>(std::max<int64_t>(n_in, 1));
  const double d = static_cast<double>(std::max<int64_t>(d_in, 1));
  const double threads = ResolveThreads(o.threads);
  constexpr double kDouble = 8;
  const double inputs = n * (d + 1) * kDouble;
  // b̂ (the normalised copy of b), the residual of the final check.
  const double vectors = 2 * n * kDouble;
  // Householder QR of A: a column-major copy (dgels works in place), |b|.
  const double direct = n * d * kDouble + n * kDouble;
  const bool given = o.sketch != nullptr || o.trained_sketch != nullptr;
  // A sketched solve with m rows: the sketch (positions + values, `blocks`
  // of them), one m×d accumulator per thread plus their sum, its factor.
  auto sketched = [&](double m, double blocks, SketchKind kind) {
    const double sketch = kind == SketchKind::kGaussian ? m * 4096 * kDouble : blocks * n * 12;
    return sketch + (threads + 2) * m * d * kDouble + 2 * d * d * kDouble;
  };
  auto rows = [&](double factor) {
    return o.sketch_rows > 0 ? static_cast<double>(o.sketch_rows) : std::min(n, factor * d);
  };
  const double given_rows = o.sketch != nullptr ? o.sketch->rows()
                            : o.trained_sketch != nullptr ? o.trained_sketch->sketch.rows() : 0;
  const double given_blocks = o.sketch != nullptr ? o.sketch->num_blocks()
                              : o.trained_sketch != nullptr ? o.trained_sketch->sketch.num_blocks() : 0;
  double work = 0;
  switch (o.solver) {
    case Solver::kQr:
      work = direct;
      break;
    case Solver::kLsqr:
    case Solver::kSketchAndSolve: {
      const double factor = o.solver == Solver::kLsqr ? 8 : 20;
      const bool small = !given && !o.sketch_kind.has_value() && n < 2 * rows(factor);
      if (small && (o.solver == Solver::kSketchAndSolve || o.precondition)) {
        work = direct;
      } else if (given) {
        work = sketched(given_rows, given_blocks, SketchKind::kCountSketch);
      } else {
        const SketchKind kind = o.sketch_kind.value_or(o.solver == Solver::kLsqr ? SketchKind::kSparseSign
                                                                              : SketchKind::kCountSketch);
        work = sketched(rows(factor), kind == SketchKind::kSparseSign ? 4 : 1, kind);
      }
      // LSQR's u, v, w and the per-thread Aᵀu partials; sketch-and-solve's Sb, QR copy.
      work += 4 * n * kDouble + threads * d * kDouble;
      break;
    }
    case Solver::kIhs: {
      const double m = given ? given_rows : rows(8);
      work = sketched(m, given ? given_blocks * 2 : 1, o.sketch_kind.value_or(SketchKind::kCountSketch));
      // u = Ax − b, AΔ, and the per-thread partial gradients.
      work += 3 * n * kDouble + threads * d * kDouble;
      break;
    }
  }
  return SaturatingBytes(inputs + vectors + work);
}

}  // namespace sketchd
