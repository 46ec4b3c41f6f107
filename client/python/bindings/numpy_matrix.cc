#include "bindings/numpy_matrix.h"

#include <stdexcept>
#include <string>

namespace sketchd::python {
namespace {

constexpr py::ssize_t kDouble = sizeof(double);

py::array AsArray(const py::handle& object, const std::string& what) {
  py::array array = py::array::ensure(object);
  if (!array) throw py::type_error(what + ": expected an array-like of real numbers");
  // 'b' bool, 'i'/'u' integers, 'f' floats; complex or object arrays would
  // lose information (or fail) in a silent cast.
  const char kind = array.dtype().kind();
  if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f') {
    throw py::type_error(what + ": dtype " + std::string(py::str(array.dtype())) +
                         " is not a real number type (use float32 or float64)");
  }
  return array;
}

bool IsNativeFloat64(const py::array& array) {
  return array.dtype().is(py::dtype::of<double>());
}

py::array ToContiguousFloat64(const py::array& array) {
  return py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(array);
}

}  // namespace

MatrixView MatrixView::From(const py::handle& object, const std::string& what) {
  py::array array = AsArray(object, what);
  if (array.ndim() != 2) {
    throw py::value_error(what + ": expected a 2-D matrix, got " + std::to_string(array.ndim()) +
                          " dimension(s)");
  }
  MatrixView view;
  view.rows_ = array.shape(0);
  view.cols_ = array.shape(1);
  if (IsNativeFloat64(array)) {
    const py::ssize_t s0 = array.strides(0), s1 = array.strides(1);
    // Inner stride one element, outer stride a whole number of elements that
    // does not overlap rows: exactly what an OuterStride<> Ref accepts.
    if ((s1 == kDouble || view.cols_ <= 1) && s0 % kDouble == 0 && s0 >= kDouble * view.cols_) {
      view.row_major_ = true;
      view.outer_stride_ = std::max<Index>(s0 / kDouble, std::max<Index>(view.cols_, 1));
      view.zero_copy_ = true;
    } else if ((s0 == kDouble || view.rows_ <= 1) && s1 % kDouble == 0 &&
               s1 >= kDouble * view.rows_) {
      view.row_major_ = false;
      view.outer_stride_ = std::max<Index>(s1 / kDouble, std::max<Index>(view.rows_, 1));
      view.zero_copy_ = true;
    }
  }
  if (!view.zero_copy_) {
    array = ToContiguousFloat64(array);
    view.row_major_ = true;
    view.outer_stride_ = std::max<Index>(view.cols_, 1);
  }
  view.data_ = static_cast<const double*>(array.data());
  view.owner_ = std::move(array);
  return view;
}

ConstRowMajorRef MatrixView::RowMajor() const {
  if (!row_major_) throw std::logic_error("MatrixView::RowMajor on a column-major view");
  return Eigen::Map<const RowMatrixXd, 0, Eigen::OuterStride<>>(data_, rows_, cols_,
                                                                Eigen::OuterStride<>(outer_stride_));
}

ConstColMajorRef MatrixView::ColMajor() const {
  if (row_major_) throw std::logic_error("MatrixView::ColMajor on a row-major view");
  return Eigen::Map<const MatrixXd, 0, Eigen::OuterStride<>>(data_, rows_, cols_,
                                                             Eigen::OuterStride<>(outer_stride_));
}

VectorView VectorView::From(const py::handle& object, const std::string& what) {
  py::array array = AsArray(object, what);
  if (array.ndim() != 1) {
    throw py::value_error(what + ": expected a 1-D vector, got " + std::to_string(array.ndim()) +
                          " dimension(s)");
  }
  if (!(IsNativeFloat64(array) && (array.strides(0) == kDouble || array.shape(0) <= 1))) {
    array = ToContiguousFloat64(array);
  }
  VectorView view;
  view.size_ = array.shape(0);
  view.data_ = static_cast<const double*>(array.data());
  view.owner_ = std::move(array);
  return view;
}

}  // namespace sketchd::python
