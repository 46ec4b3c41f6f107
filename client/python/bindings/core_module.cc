// sketchd._core: Python bindings of the core library (no server involved).
// The Python package wraps these in sketchd.local and sketchd.Sketch; users
// rarely call them directly.
#include <pybind11/pybind11.h>

namespace sketchd::python {
void RegisterSketch(pybind11::module_& m);    // sketch_bindings.cc
void RegisterCompute(pybind11::module_& m);   // compute_bindings.cc
void RegisterTraining(pybind11::module_& m);  // training_bindings.cc
}  // namespace sketchd::python

PYBIND11_MODULE(_core, m) {
  m.doc() = "In-process sketchd core: sketch files, SCW low-rank, regression, training.";
  sketchd::python::RegisterSketch(m);
  sketchd::python::RegisterCompute(m);
  sketchd::python::RegisterTraining(m);
}
