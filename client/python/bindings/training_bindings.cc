// In-process training: core's TrainLowRankSketch / TrainRegressionSketch on
// NumPy matrices, with progress reported to a Python callable and Ctrl-C (or
// an exception raised by that callable) cancelling the training.
#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/numpy_matrix.h"
#include "bindings/status_exception.h"
#include "core/regression/train_regression.h"
#include "core/training/train_low_rank.h"
#include "core/training/train_options_text.h"
#include "core/training/trained_sketch.h"

namespace sketchd::python {
namespace {

TrainedSketch Train(const py::sequence& matrices, const std::string& options_text,
                    const py::object& progress) {
  absl::StatusOr<TrainOptions> decoded = DecodeTrainOptions(options_text);
  if (!decoded.ok()) {
    RaiseStatus(absl::InvalidArgumentError(
        std::string("training options: ") + std::string(decoded.status().message())));
  }
  const TrainOptions options = *decoded;

  // Core trains on owned row-major float64 matrices, so each is copied once
  // (converting float32 and any layout on the way).
  std::vector<RowMatrixXd> owned;
  owned.reserve(matrices.size());
  for (size_t i = 0; i < matrices.size(); ++i) {
    MatrixView view = MatrixView::From(matrices[i], "matrices[" + std::to_string(i) + "]");
    owned.push_back(view.Copy<RowMatrixXd>());
  }

  CancelToken cancel;
  std::optional<py::error_already_set> callback_error;
  ProgressCallback report = [&](double fraction, const std::string& message) {
    py::gil_scoped_acquire gil;
    if (callback_error) return;
    try {
      // Ctrl-C: Python only notices signals when the main thread runs Python.
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!progress.is_none()) progress(fraction, message);
    } catch (py::error_already_set& error) {
      callback_error = std::move(error);
      cancel.Cancel();
    }
  };

  absl::StatusOr<TrainedSketch> trained;
  {
    py::gil_scoped_release release;
    if (options.task == SketchTask::kLowRank) {
      trained = TrainLowRankSketch(owned, options, report, &cancel);
    } else {
      std::vector<RegressionProblem> problems;
      problems.reserve(owned.size());
      for (RowMatrixXd& ab : owned) {
        if (ab.cols() < 2) {
          trained = absl::InvalidArgumentError(
              "regression training matrices are [A | b]: they need at least 2 columns");
          break;
        }
        const Index d = ab.cols() - 1;
        problems.push_back({ab.leftCols(d), ab.col(d)});
        ab.resize(0, 0);
      }
      if (problems.size() == owned.size()) {
        trained = TrainRegressionSketch(problems, options, report, &cancel);
      }
    }
  }
  if (callback_error) throw *callback_error;
  return ValueOrRaise(std::move(trained));
}

}  // namespace

void RegisterTraining(py::module_& m) {
  m.def("train", &Train, py::arg("matrices"), py::arg("options_text"),
        py::arg("progress") = py::none(),
        "Train a sketch on a sequence of equally shaped matrices. options_text holds "
        "key=value lines (core EncodeTrainOptions keys); progress(fraction, message) is "
        "called at most every 0.2 s. Regression: each matrix is [A | b].");
}

}  // namespace sketchd::python
