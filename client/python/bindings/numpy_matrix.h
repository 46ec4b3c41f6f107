// NumPy arrays as the Eigen views core takes, without copying when the
// array's layout allows it.
//
// Core works on float64. A float64 array whose rows (or columns) are
// contiguous — C order, Fortran order, or a slice of either with a larger
// outer stride — is viewed in place. Anything else (float32, integers,
// byte-swapped, arbitrary strides) is converted once, by NumPy, into a
// C-ordered float64 array that the view then keeps alive.
//
// Views must be built with the GIL held; the data they point to may then be
// read with the GIL released (the owning array is referenced by the view).
#ifndef SKETCHD_CLIENT_PYTHON_BINDINGS_NUMPY_MATRIX_H_
#define SKETCHD_CLIENT_PYTHON_BINDINGS_NUMPY_MATRIX_H_

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "core/matrix_types.h"

namespace sketchd::python {

namespace py = pybind11;

class MatrixView {
 public:
  // `what` names the argument in error messages ("A", "matrices[3]").
  // Raises TypeError for non-real dtypes and ValueError for ndim ≠ 2.
  static MatrixView From(const py::handle& object, const std::string& what);

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  bool row_major() const { return row_major_; }
  // True when no conversion was needed (the caller's memory is read in place).
  bool zero_copy() const { return zero_copy_; }

  // The view in its own layout; asking for the other one is a programming
  // error (std::logic_error).
  ConstRowMajorRef RowMajor() const;
  ConstColMajorRef ColMajor() const;
  // An owned copy in whichever layout the caller's type asks for.
  template <typename Matrix>
  Matrix Copy() const {
    return row_major_ ? Matrix(RowMajor()) : Matrix(ColMajor());
  }

 private:
  py::array owner_;
  const double* data_ = nullptr;
  Index rows_ = 0;
  Index cols_ = 0;
  Index outer_stride_ = 0;  // in doubles
  bool row_major_ = true;
  bool zero_copy_ = false;
};

// A 1-D float64 view of a vector (zero-copy when contiguous float64).
class VectorView {
 public:
  static VectorView From(const py::handle& object, const std::string& what);
  Eigen::Map<const VectorXd> Vector() const { return {data_, size_}; }

 private:
  py::array owner_;
  const double* data_ = nullptr;
  Index size_ = 0;
};

}  // namespace sketchd::python

#endif  // SKETCHD_CLIENT_PYTHON_BINDINGS_NUMPY_MATRIX_H_
