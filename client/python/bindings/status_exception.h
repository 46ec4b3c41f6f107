// absl::Status → the sketchd.errors exception of the same code, so a failure
// in the in-process bindings looks exactly like the same failure from the
// server (sketchd.InvalidArgument with core's message, and so on).
#ifndef SKETCHD_CLIENT_PYTHON_BINDINGS_STATUS_EXCEPTION_H_
#define SKETCHD_CLIENT_PYTHON_BINDINGS_STATUS_EXCEPTION_H_

#include <utility>

#include <pybind11/pybind11.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sketchd::python {

// Sets the Python error and throws py::error_already_set. Needs the GIL.
[[noreturn]] void RaiseStatus(const absl::Status& status);

inline void ThrowIfError(const absl::Status& status) {
  if (!status.ok()) RaiseStatus(status);
}

template <typename T>
T ValueOrRaise(absl::StatusOr<T> result) {
  if (!result.ok()) RaiseStatus(result.status());
  return *std::move(result);
}

}  // namespace sketchd::python

#endif  // SKETCHD_CLIENT_PYTHON_BINDINGS_STATUS_EXCEPTION_H_
