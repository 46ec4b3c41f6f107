#include "core/lowrank/dense_kernels.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>

namespace sketchd {
namespace {

// Below this many multiply-adds a BLAS call (and its thread start-up) costs
// more than Eigen's inline kernel.
constexpr double kBlasThresholdFlops = 2e6;

}  // namespace

RowMatrixXd MultiplyTallByThin(ConstRowMajorRef a, const MatrixXd& b) {
  RowMatrixXd out(a.rows(), b.cols());
  if (static_cast<double>(a.rows()) * a.cols() * b.cols() < kBlasThresholdFlops || a.size() == 0 ||
      b.cols() == 0) {
    out.noalias() = a * b;
    return out;
  }
  // Row-major C = A·B where B is column-major d×r, i.e. row-major Bᵀ (r×d).
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(a.rows()),
              static_cast<int>(b.cols()), static_cast<int>(a.cols()), 1.0, a.data(),
              static_cast<int>(a.outerStride()), b.data(), static_cast<int>(b.rows()), 0.0,
              out.data(), static_cast<int>(b.cols()));
  return out;
}

MatrixXd MultiplyTallByThinColMajor(ConstColMajorRef a, const MatrixXd& b) {
  MatrixXd out(a.rows(), b.cols());
  if (static_cast<double>(a.rows()) * a.cols() * b.cols() < kBlasThresholdFlops || a.size() == 0 ||
      b.cols() == 0) {
    out.noalias() = a * b;
    return out;
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(a.rows()),
              static_cast<int>(b.cols()), static_cast<int>(a.cols()), 1.0, a.data(),
              static_cast<int>(a.outerStride()), b.data(), static_cast<int>(b.rows()), 0.0,
              out.data(), static_cast<int>(a.rows()));
  return out;
}

MatrixXd TriangularFactor(MatrixXd tall) {
  const lapack_int rows = static_cast<lapack_int>(tall.rows());
  const lapack_int cols = static_cast<lapack_int>(tall.cols());
  if (rows < cols || cols == 0) {
    Eigen::HouseholderQR<MatrixXd> qr(tall);
    return qr.matrixQR().topRows(std::min(rows, cols)).triangularView<Eigen::Upper>();
  }
  VectorXd tau(cols);
  if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, rows, cols, tall.data(), rows, tau.data()) != 0) {
    Eigen::HouseholderQR<MatrixXd> qr(tall);
    return qr.matrixQR().topRows(cols).triangularView<Eigen::Upper>();
  }
  return tall.topRows(cols).triangularView<Eigen::Upper>();
}

}  // namespace sketchd
