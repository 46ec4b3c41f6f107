// sketchd._core.TrainedSketch: core's TrainedSketch (a CountSketch plus how it
// was made and how it validated), read from and written to the same bytes as
// `sketchctl sketches export` files and the server's store.
#include <cstdint>
#include <string>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/numpy_matrix.h"
#include "bindings/status_exception.h"
#include "core/sketch/count_sketch.h"
#include "core/training/train_options_text.h"
#include "core/training/trained_sketch.h"

namespace sketchd::python {
namespace {

template <typename T>
py::array_t<T> ToNumpy(const std::vector<T>& values) {
  py::array_t<T> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

template <typename T>
std::vector<T> FromNumpy(const py::handle& object) {
  auto array = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(object);
  if (!array || array.ndim() != 1) throw py::value_error("expected a 1-D array");
  return std::vector<T>(array.data(), array.data() + array.size());
}

py::dict ValidationDict(const ValidationFigures& v) {
  py::dict d;
  d["metric"] = v.metric;
  d["num_matrices"] = v.num_matrices;
  d["learned"] = v.learned;
  d["random"] = v.random;
  d["random_seeds"] = v.random_seeds;
  d["ratio"] = v.ratio();
  return d;
}

}  // namespace

void RegisterSketch(py::module_& m) {
  py::class_<TrainedSketch>(m, "TrainedSketch",
                            "A CountSketch with its training metadata (core TrainedSketch).")
      .def_static(
          "parse",
          [](const py::bytes& bytes) {
            const std::string data = bytes;
            return ValueOrRaise(ParseTrainedSketch(data));
          },
          py::arg("data"), "Parses the bytes of a sketch file (DATA_LOSS when corrupt).")
      .def_static(
          "random",
          [](int64_t rows, int64_t n, uint64_t seed) {
            TrainedSketch t;
            t.sketch = ValueOrRaise(CountSketch::Random(rows, n, seed));
            t.n = n;
            t.options.m = rows;
            t.options.seed = seed;
            return t;
          },
          py::arg("m"), py::arg("n"), py::arg("seed") = 0,
          "Classical CountSketch (m, n, seed): the server's random selector.")
      .def_static(
          "from_blocks",
          [](std::vector<int32_t> block_rows, int64_t n, const py::handle& positions,
             const py::handle& values) {
            TrainedSketch t;
            t.sketch = ValueOrRaise(CountSketch::FromBlocks(
                std::move(block_rows), n, FromNumpy<int32_t>(positions), FromNumpy<double>(values)));
            t.n = n;
            t.options.m = t.sketch.rows();
            return t;
          },
          py::arg("block_rows"), py::arg("n"), py::arg("positions"), py::arg("values"))
      .def(
          "serialize",
          [](const TrainedSketch& t) { return py::bytes(SerializeTrainedSketch(t)); },
          "The sketch-file bytes (what `sketchctl local` reads).")
      // m and n of the sketch as used: a dense `subspace` sketch has no CountSketch part.
      .def_property_readonly("m", [](const TrainedSketch& t) { return t.m(); })
      .def_property_readonly("n", [](const TrainedSketch& t) { return t.sketch_n(); })
      .def_property_readonly("is_dense", [](const TrainedSketch& t) { return t.is_dense(); })
      .def_property_readonly(
          "dense", [](const TrainedSketch& t) -> py::object {
            if (!t.is_dense()) return py::none();
            return py::cast(MatrixXd(t.dense));
          },
          "The m×n matrix S of a dense (`subspace`) sketch; None for a CountSketch.")
      .def_property_readonly("d", [](const TrainedSketch& t) { return t.d; })
      .def_property_readonly("k", [](const TrainedSketch& t) { return t.options.k; })
      .def_property_readonly("seed", [](const TrainedSketch& t) { return t.options.seed; })
      .def_property_readonly(
          "method", [](const TrainedSketch& t) { return std::string(TrainMethodName(t.options.method)); })
      .def_property_readonly(
          "task", [](const TrainedSketch& t) { return std::string(SketchTaskName(t.options.task)); })
      .def_property_readonly("notes", [](const TrainedSketch& t) { return t.notes; })
      .def_property_readonly("train_seconds", [](const TrainedSketch& t) { return t.train_seconds; })
      .def_property_readonly("block_rows", [](const TrainedSketch& t) { return t.sketch.block_rows(); })
      .def_property_readonly("positions",
                             [](const TrainedSketch& t) { return ToNumpy(t.sketch.positions()); })
      .def_property_readonly("values", [](const TrainedSketch& t) { return ToNumpy(t.sketch.values()); })
      .def_property_readonly("heavy_rows", [](const TrainedSketch& t) { return t.heavy_rows; })
      .def_property_readonly("validation",
                             [](const TrainedSketch& t) { return ValidationDict(t.validation); })
      .def_property_readonly(
          "options_text", [](const TrainedSketch& t) { return EncodeTrainOptions(t.options); },
          "Training options as key=value lines.")
      .def(
          "apply",
          [](const TrainedSketch& t, const py::handle& a) {
            MatrixView view = MatrixView::From(a, "A");
            if (view.rows() != t.sketch_n()) {
              throw py::value_error("A has " + std::to_string(view.rows()) +
                                    " rows but the sketch applies to " +
                                    std::to_string(t.sketch_n()));
            }
            MatrixXd sa;
            {
              py::gil_scoped_release release;
              if (t.is_dense()) {
                sa = view.row_major() ? MatrixXd(t.dense * view.RowMajor())
                                      : MatrixXd(t.dense * view.ColMajor());
              } else {
                sa = view.row_major() ? t.sketch.Apply(view.RowMajor())
                                      : t.sketch.ApplyColMajor(view.ColMajor());
              }
            }
            return sa;
          },
          py::arg("A"), "S·A (m×d float64) for a dense A with n rows.")
      .def("__eq__", [](const TrainedSketch& a, const TrainedSketch& b) {
        return a.sketch == b.sketch;
      });
}

}  // namespace sketchd::python
