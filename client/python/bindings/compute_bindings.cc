// In-process low-rank approximation and regression: the same core calls the
// server makes (ScwLowRank / Solve), on NumPy arrays, with the GIL released
// while core runs.
#include <cstdint>
#include <optional>
#include <string>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/numpy_matrix.h"
#include "bindings/status_exception.h"
#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/regression/solve.h"
#include "core/training/trained_sketch.h"

namespace sketchd::python {
namespace {

py::tuple LowRank(const TrainedSketch& trained, const py::handle& a, int64_t k) {
  MatrixView view = MatrixView::From(a, "A");
  absl::StatusOr<LowRankFactors> factors;
  {
    py::gil_scoped_release release;
    if (trained.is_dense()) {  // a `subspace` sketch: S·A by one GEMM, then core's SCW
      factors = view.row_major()
                    ? ScwFromSketched(MatrixXd(trained.dense * view.RowMajor()), view.RowMajor(), k)
                    : ScwFromSketchedColMajor(MatrixXd(trained.dense * view.ColMajor()),
                                              view.ColMajor(), k);
    } else {
      factors = view.row_major() ? ScwLowRank(trained.sketch, view.RowMajor(), k)
                                 : ScwLowRankColMajor(trained.sketch, view.ColMajor(), k);
    }
  }
  LowRankFactors f = ValueOrRaise(std::move(factors));
  py::dict timings;
  timings["sketch_seconds"] = f.timings.sketch_seconds;
  timings["basis_seconds"] = f.timings.basis_seconds;
  timings["project_seconds"] = f.timings.project_seconds;
  timings["svd_seconds"] = f.timings.svd_seconds;
  timings["total_seconds"] = f.timings.total_seconds;
  return py::make_tuple(std::move(f.left), std::move(f.right), std::move(f.singular_values),
                        f.rank, timings);
}

py::dict EvaluateLowRankFactors(const py::handle& a, const py::handle& left,
                                const py::handle& right, int64_t k) {
  MatrixView a_view = MatrixView::From(a, "A");
  // EvaluateLowRank reads A row-major and takes owned factors (both small).
  RowMatrixXd a_rows;
  if (!a_view.row_major()) a_rows = a_view.ColMajor();
  const MatrixXd y = MatrixView::From(left, "Y").Copy<MatrixXd>();
  const MatrixXd z = MatrixView::From(right, "Z").Copy<MatrixXd>();
  if (y.rows() != a_view.rows() || z.rows() != a_view.cols() || y.cols() != z.cols()) {
    throw py::value_error("factor shapes do not match A: Y must be n×r and Z d×r");
  }
  absl::StatusOr<LowRankQuality> quality;
  {
    py::gil_scoped_release release;
    quality = a_view.row_major() ? EvaluateLowRank(a_view.RowMajor(), y, z, k)
                                 : EvaluateLowRank(a_rows, y, z, k);
  }
  const LowRankQuality q = ValueOrRaise(std::move(quality));
  py::dict out;
  out["error"] = q.error;
  out["optimal_error"] = q.optimal_error;
  out["excess_error"] = q.excess_error;
  out["relative_excess"] = q.relative_excess;
  return out;
}

py::dict SolveLeastSquares(const py::handle& a, const py::handle& b, const std::string& solver,
                           const TrainedSketch* trained, int64_t random_m, uint64_t seed,
                           std::optional<double> lasso, double tolerance, int max_iterations,
                           bool record_objective) {
  SolveOptions options;
  options.solver = ValueOrRaise(ParseSolver(solver));
  // The same mapping as the server's Solve handler: lasso only with IHS, a
  // positive tolerance overrides the default, a random selector is (m, seed).
  options.lasso_lambda = lasso;
  if (tolerance > 0) options.tolerance = tolerance;
  options.max_iterations = max_iterations;
  options.record_objective = record_objective;
  options.trained_sketch = trained;
  if (trained == nullptr) {
    options.sketch_rows = random_m;
    options.seed = seed;
  }
  MatrixView a_view = MatrixView::From(a, "A");
  // Core's dense solvers stream A by rows: a Fortran-ordered A is copied once.
  RowMatrixXd a_rows;
  if (!a_view.row_major()) a_rows = a_view.ColMajor();
  VectorView b_view = VectorView::From(b, "b");
  absl::StatusOr<SolveResult> result;
  {
    py::gil_scoped_release release;
    result = a_view.row_major() ? Solve(a_view.RowMajor(), b_view.Vector(), options)
                                : Solve(a_rows, b_view.Vector(), options);
  }
  SolveResult r = ValueOrRaise(std::move(result));
  py::dict out;
  out["x"] = std::move(r.x);
  out["residual_norm"] = r.residual_norm;
  out["iterations"] = r.iterations;
  out["objective"] = r.objective;
  out["stop_reason"] = r.stop_reason;
  out["solver"] = std::string(SolverName(options.solver));
  py::dict timings;
  timings["sketch_seconds"] = r.timings.sketch_seconds;
  timings["factor_seconds"] = r.timings.factor_seconds;
  timings["iterate_seconds"] = r.timings.iterate_seconds;
  timings["total_seconds"] = r.timings.total_seconds;
  out["timings"] = timings;
  return out;
}

}  // namespace

void RegisterCompute(py::module_& m) {
  m.def(
      "matrix_layout",
      [](const py::handle& a) {
        MatrixView view = MatrixView::From(a, "A");
        return py::make_tuple(view.row_major() ? "row_major" : "col_major", view.zero_copy());
      },
      py::arg("A"),
      "How core will read A: (\"row_major\" | \"col_major\", read in place without a copy).");
  m.def("low_rank", &LowRank, py::arg("sketch"), py::arg("A"), py::arg("k"),
        "SCW rank-k approximation A ≈ Y Zᵀ: (Y, Z, singular_values, rank, timings).");
  m.def("evaluate_low_rank", &EvaluateLowRankFactors, py::arg("A"), py::arg("Y"), py::arg("Z"),
        py::arg("k"),
        "‖A − YZᵀ‖_F against the exact optimum ‖A − A_k‖_F (core EvaluateLowRank).");
  m.def("solve", &SolveLeastSquares, py::arg("A"), py::arg("b"), py::arg("solver") = "lsqr",
        py::arg("sketch") = nullptr, py::arg("random_m") = 0, py::arg("seed") = 0,
        py::arg("lasso") = std::nullopt, py::arg("tolerance") = 0.0,
        py::arg("max_iterations") = 0, py::arg("record_objective") = false,
        "min ‖Ax − b‖ (or the LASSO ‖x‖₁ ≤ lasso with solver='ihs').");
}

}  // namespace sketchd::python
