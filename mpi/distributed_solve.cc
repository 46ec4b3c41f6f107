#include "mpi/distributed_solve.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/regression/data_matrix.h"
#include "core/regression/embedding.h"
#include "core/regression/ihs.h"
#include "core/regression/lsqr.h"
#include "core/regression/sketch_and_solve.h"
#include "core/regression/triangular_factor.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A = [A_0; A_1; …] over the ranks: the local pass, then one sum of
// [Aᵀu, ‖u‖²] so every rank continues with the same d-vectors.
class DistributedOperator final : public LsqrOperator {
 public:
  DistributedOperator(Communicator* comm, const DataMatrix* local) : comm_(comm), local_(local) {}
  int64_t cols() const override { return local_->cols(); }
  double MultiplyThenAdjoint(const VectorXd& v, double alpha, VectorXd* u,
                             VectorXd* w) const override {
    const int64_t d = local_->cols();
    VectorXd local_w;
    const double local_sq = local_->MultiplyThenAdjoint(v, alpha, u, &local_w);
    VectorXd packed(d + 1);
    packed.head(d) = local_w.size() == d ? local_w : VectorXd::Zero(d);
    packed(d) = local_sq;
    comm_->SumInPlace(&packed);
    *w = packed.head(d);
    return packed(d);
  }
  double Norm(const Eigen::Ref<const VectorXd>& b) const override {
    return std::sqrt(comm_->Sum(b.squaredNorm()));
  }

 private:
  Communicator* comm_;
  const DataMatrix* local_;
};

// [A_p | b_p]'s contribution to S[A | b], summed over ranks (m×(d+1)).
RowMatrixXd SketchAugmented(Communicator& comm, const CountSketch& s, const LocalRows& a,
                            const LocalRows& b) {
  const int64_t d = a.rows.cols();
  RowMatrixXd sum = RowMatrixXd::Zero(s.rows(), d + 1);
  if (a.range.count > 0) {  // into the two column blocks: no copy of [A_p | b_p]
    s.AccumulateRows(a.range.first, a.rows, sum.leftCols(d));
    s.AccumulateRows(a.range.first, b.rows, sum.rightCols(1));
  }
  comm.SumInPlace(&sum);
  return sum;
}

double GlobalResidualNorm(Communicator& comm, const DataMatrix& a, const VectorXd& x,
                          const Eigen::Ref<const VectorXd>& b) {
  const double local = a.rows() > 0 ? a.ResidualNorm(x, b) : 0.0;
  return std::sqrt(comm.Sum(local * local));
}

// core's IHS on this rank's rows, every row sum through the communicator.
absl::StatusOr<SolveResult> DistributedIhs(Communicator& comm, const LocalRows& a,
                                           const LocalRows& b, int64_t d,
                                           const DistributedSolveOptions& options,
                                           Clock::time_point t0) {
  const int64_t n = a.total_rows;
  IhsOptions io;
  io.lasso_lambda = options.lasso_lambda;
  io.max_iterations = options.max_iterations > 0 ? options.max_iterations : 50;
  io.tolerance = options.tolerance;
  io.seed = options.seed;
  io.reducer = &comm;
  io.row_offset = a.range.first;
  io.total_rows = n;
  if (options.sketch != nullptr) {
    if (options.sketch->cols() != n) {
      return absl::InvalidArgumentError(
          absl::StrCat("the sketch was made for n=", options.sketch->cols(), " rows but A has ", n, " rows"));
    }
    io.sketch = options.sketch;
    const bool heavy_only = options.heavy_rows != nullptr && !options.heavy_rows->empty() &&
                            !options.learned_values;
    io.mode = heavy_only ? IhsSketchMode::kHeavyRows : IhsSketchMode::kFixed;
    io.heavy_rows = options.heavy_rows;
  } else {
    io.mode = IhsSketchMode::kFresh;
    io.fresh.kind = SketchKind::kCountSketch;
    io.fresh.m = std::min(n, 8 * d);
    io.fresh.seed = options.seed;
  }
  const DataMatrix local(a.rows, 1);
  const VectorXd local_b = b.rows.col(0);
  auto solved = IterativeHessianSketch(local, local_b, io);
  if (!solved.ok()) return solved.status();
  solved->residual_norm = GlobalResidualNorm(comm, local, solved->x, local_b);
  solved->timings.total_seconds = Since(t0);
  return solved;
}

}  // namespace

absl::StatusOr<SolveResult> DistributedSolve(Communicator& comm, const LocalRows& a,
                                             const LocalRows& b, int64_t cols,
                                             const DistributedSolveOptions& options) {
  const auto t0 = Clock::now();
  const int64_t n = a.total_rows, d = cols;
  if (b.total_rows != n || b.rows.cols() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("b must be a vector with one value per row of A (",
                                                   n, "), got ", b.total_rows, "x", b.rows.cols()));
  }
  if (d < 1 || d > n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "A is ", n, "x", d, ": least squares by sketching needs a tall A (1 ≤ d ≤ n)"));
  }
  if (options.solver == Solver::kIhs) return DistributedIhs(comm, a, b, d, options, t0);
  if (options.solver != Solver::kLsqr && options.solver != Solver::kSketchAndSolve) {
    return absl::InvalidArgumentError(absl::StrCat("solver ", SolverName(options.solver),
                                                   " is not available over MPI; use lsqr or sketch_and_solve"));
  }
  std::optional<CountSketch> default_sketch;
  const CountSketch* s = options.sketch;
  if (s == nullptr) {
    absl::StatusOr<CountSketch> made =
        options.solver == Solver::kLsqr ? SparseSignSketch(8 * d, n, 4, options.seed)
                                        : CountSketch::Random(20 * d, n, options.seed);
    if (!made.ok()) return made.status();
    default_sketch = std::move(*made);
    s = &*default_sketch;
  }
  if (s->cols() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("the sketch was made for n=", s->cols(), " rows but A has ", n, " rows"));
  }
  // Checked before the m×(d+1) sum is allocated (the defaults are 8d, 20d).
  if (s->rows() > std::max(n, 20 * d)) {
    return absl::InvalidArgumentError(absl::StrCat("the sketch has m=", s->rows(),
                                                   " rows, more than max(n, 20d) = ",
                                                   std::max(n, 20 * d), "; it would compress nothing"));
  }
  if (s->rows() < d) {
    return absl::InvalidArgumentError(absl::StrCat("the sketch has m=", s->rows(), " rows but A has d=", d,
                                                   " columns; sketched solvers need m >= d"));
  }

  const DataMatrix local(a.rows, 1);  // ranks are the parallelism: one thread each
  const VectorXd local_b = b.rows.col(0);
  SolveResult out;
  const RowMatrixXd sketched = SketchAugmented(comm, *s, a, b);
  out.timings.sketch_seconds = Since(t0);
  const auto t1 = Clock::now();
  if (options.solver == Solver::kSketchAndSolve) {
    auto x = SolveSketchedLeastSquares(sketched.leftCols(d), sketched.col(d));
    if (!x.ok()) return x.status();
    out.x = std::move(*x);
    out.timings.factor_seconds = Since(t1);
    out.convergence = SolveConvergence::kDirect;
    out.stop_reason = "direct solve of the sketched problem";
  } else {
    auto r = UpperTriangularFactor(sketched.leftCols(d),
                                   "sketched matrix SA (LSQR preconditioner)");
    if (!r.ok()) return r.status();
    out.timings.factor_seconds = Since(t1);
    const auto t2 = Clock::now();
    LsqrOptions lo;
    lo.atol = options.atol;
    lo.btol = options.btol;
    lo.conlim = options.conlim;
    lo.max_iterations = options.max_iterations;
    LsqrResult res = Lsqr(DistributedOperator(&comm, &local), local_b, &*r, lo);
    out.timings.iterate_seconds = Since(t2);
    out.x = std::move(res.x);
    out.iterations = res.iterations;
    out.convergence = LsqrConvergence(res.istop);
    out.stop_reason = res.stop_reason;
  }
  out.residual_norm = GlobalResidualNorm(comm, local, out.x, local_b);
  out.timings.total_seconds = Since(t0);
  return out;
}

}  // namespace sketchd
