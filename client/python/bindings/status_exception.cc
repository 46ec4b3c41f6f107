#include "bindings/status_exception.h"

#include <string>

namespace sketchd::python {

namespace py = pybind11;

void RaiseStatus(const absl::Status& status) {
  // absl::StatusCode and gRPC status codes share their numbers.
  py::object error = py::module_::import("sketchd.errors")
                         .attr("error_from_code")(static_cast<int>(status.code()),
                                                  std::string(status.message()));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw py::error_already_set();
}

}  // namespace sketchd::python
