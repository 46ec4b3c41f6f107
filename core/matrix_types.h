// The matrix vocabulary shared by every part of sketchd.
// Dense matrices are Eigen double matrices in either storage order; sparse
// inputs are CSR (Eigen row-major sparse). Wire and file formats convert to
// these at the boundary, so the maths only ever sees doubles.
#ifndef SKETCHD_CORE_MATRIX_TYPES_H_
#define SKETCHD_CORE_MATRIX_TYPES_H_

#include <Eigen/Dense>
#include <Eigen/SparseCore>

namespace sketchd {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using CsrMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, int64_t>;

// Read-only views that accept any dense block with unit inner stride.
using ConstColMajorRef = Eigen::Ref<const MatrixXd, 0, Eigen::OuterStride<>>;
using ConstRowMajorRef = Eigen::Ref<const RowMatrixXd, 0, Eigen::OuterStride<>>;

}  // namespace sketchd

#endif  // SKETCHD_CORE_MATRIX_TYPES_H_
