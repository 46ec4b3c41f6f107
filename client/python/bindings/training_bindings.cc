// In-process training: core's TrainSketch (train_sketch.h) on
// NumPy matrices, with progress reported to a Python callable, and Ctrl-C (or
// an exception raised by that callable) cancelling the training.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/numpy_matrix.h"
#include "bindings/status_exception.h"
#include "core/train_sketch.h"
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
  std::optional<py::error_already_set> callback_error;  // touched only with the GIL held
  const bool has_progress = !progress.is_none();
  ProgressCallback report = [&](double fraction, const std::string& message) {
    if (!has_progress) return;
    py::gil_scoped_acquire gil;
    if (callback_error) return;
    try {
      progress(fraction, message);
    } catch (py::error_already_set& error) {
      callback_error = std::move(error);
      cancel.Cancel();
    }
  };

  // Core trains on a worker thread while this (Python's) thread waits without
  // the GIL and looks for Ctrl-C every 100 ms: Python runs signal handlers
  // only on its main thread, and core may report progress from any thread.
  absl::StatusOr<TrainedSketch> trained;
  {
    py::gil_scoped_release release;
    std::mutex mutex;
    std::condition_variable finished_cv;
    bool finished = false;
    std::thread worker([&] {
      absl::StatusOr<TrainedSketch> result = TrainSketch(std::move(owned), options, report, &cancel);
      std::lock_guard<std::mutex> lock(mutex);
      trained = std::move(result);
      finished = true;
      finished_cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished; })) {
      lock.unlock();
      {
        py::gil_scoped_acquire gil;
        if (!callback_error && PyErr_CheckSignals() != 0) {
          callback_error = py::error_already_set();
          cancel.Cancel();
        }
      }
      lock.lock();
    }
    lock.unlock();
    worker.join();
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
