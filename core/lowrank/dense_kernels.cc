#include "core/lowrank/dense_kernels.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/huge_pages.h"
#include "core/lowrank/tall_thin_gemm.h"
#include "core/parallel/parallel_for.h"

namespace sketchd {
namespace {

// Below this many multiply-adds Eigen's inline kernel is used instead of
// BLAS. This build's Eigen kernel has no AVX (no -march), so in isolation
// OpenBLAS dgemm wins from tiny sizes up (quiet machine: 6.0 µs against
// 11.2 at 100×100·10, 32 against 103 at 146×144·40). But each threaded
// OpenBLAS call leaves its workers spinning for a while, and at 2e4 those
// spinners halved the speed of the AVX2 AV kernel that follows (5760×1080,
// m = 40: 6.6 → 12.5 ms in bench/perf). 2e5 keeps the small power
// iterations on BLAS (146×144·20 and up) without that.
constexpr double kBlasThresholdFlops = 2e5;

// Rows per residual panel: about 4 MiB of A, at least 64 rows.
Index PanelRows(Index cols) {
  return std::max<Index>(64, (Index{4} << 20) / (8 * std::max<Index>(cols, 1)));
}

}  // namespace

double DirectResidualNorm(ConstRowMajorRef a, const MatrixXd& left, const MatrixXd& right) {
  double squared = 0;
  if (SquaredResidualNormAvx2(a, left, right, ResolveThreads(0), &squared)) {
    return std::sqrt(squared);
  }
  const Index n = a.rows(), d = a.cols(), k = left.cols();
  const Index step = PanelRows(d);
  RowMatrixXd panel;
  double sum = 0;
  for (Index r0 = 0; r0 < n; r0 += step) {
    const Index rows = std::min(step, n - r0);
    panel = a.middleRows(r0, rows);
    if (k > 0) {
      // Column-major Y rows [r0, r0 + rows) is row-major (k×rows)ᵀ with ld n;
      // column-major Z (d×k) is row-major Zᵀ (k×d) with ld d.
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(rows),
                  static_cast<int>(d), static_cast<int>(k), -1.0, left.data() + r0,
                  static_cast<int>(n), right.data(), static_cast<int>(d), 1.0, panel.data(),
                  static_cast<int>(d));
    }
    sum += panel.squaredNorm();
  }
  return std::sqrt(sum);
}

double DirectResidualNorm(ConstColMajorRef a, const MatrixXd& left, const MatrixXd& right) {
  const Index n = a.rows(), d = a.cols(), k = left.cols();
  const Index step = PanelRows(d);
  MatrixXd panel;
  double sum = 0;
  for (Index r0 = 0; r0 < n; r0 += step) {
    const Index rows = std::min(step, n - r0);
    panel = a.middleRows(r0, rows);
    if (k > 0) {
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
                  static_cast<int>(d), static_cast<int>(k), -1.0, left.data() + r0,
                  static_cast<int>(n), right.data(), static_cast<int>(d), 1.0, panel.data(),
                  static_cast<int>(rows));
    }
    sum += panel.squaredNorm();
  }
  return std::sqrt(sum);
}

RowMatrixXd MultiplyTallByThin(ConstRowMajorRef a, const MatrixXd& b) {
  if (b.cols() <= kTallThinMaxCols &&
      static_cast<double>(a.rows()) * a.cols() * b.cols() >= kBlasThresholdFlops) {
    RowMatrixXd out(a.rows(), b.cols());
    AdviseHugePages(out.data(), static_cast<size_t>(out.size()) * sizeof(double));
    if (MultiplyTallByThinAvx2(a, b, &out, ResolveThreads(0))) return out;
  }
  return MultiplyTallByThinBlas(a, b);
}

RowMatrixXd MultiplyTallByThinBlas(ConstRowMajorRef a, const MatrixXd& b) {
  RowMatrixXd out(a.rows(), b.cols());
  AdviseHugePages(out.data(), static_cast<size_t>(out.size()) * sizeof(double));
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
  AdviseHugePages(out.data(), static_cast<size_t>(out.size()) * sizeof(double));
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

void MultiplyTallByThinInto(ConstRowMajorRef a, const MatrixXd& b, Eigen::Ref<MatrixXd> out) {
  if (static_cast<double>(a.rows()) * a.cols() * b.cols() < kBlasThresholdFlops || a.size() == 0 ||
      b.cols() == 0) {
    out.noalias() = a * b;
    return;
  }
  // Row-major A (n×d) is column-major Aᵀ (d×n): C = (Aᵀ)ᵀ·B.
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, static_cast<int>(a.rows()),
              static_cast<int>(b.cols()), static_cast<int>(a.cols()), 1.0, a.data(),
              static_cast<int>(a.outerStride()), b.data(), static_cast<int>(b.rows()), 0.0,
              out.data(), static_cast<int>(out.outerStride()));
}

void MultiplyTallByThinInto(ConstColMajorRef a, const MatrixXd& b, Eigen::Ref<MatrixXd> out) {
  if (static_cast<double>(a.rows()) * a.cols() * b.cols() < kBlasThresholdFlops || a.size() == 0 ||
      b.cols() == 0) {
    out.noalias() = a * b;
    return;
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(a.rows()),
              static_cast<int>(b.cols()), static_cast<int>(a.cols()), 1.0, a.data(),
              static_cast<int>(a.outerStride()), b.data(), static_cast<int>(b.rows()), 0.0,
              out.data(), static_cast<int>(out.outerStride()));
}

MatrixXd MultiplyTransposeByThin(ConstRowMajorRef a, const MatrixXd& q) {
  MatrixXd out(a.cols(), q.cols());
  if (static_cast<double>(a.rows()) * a.cols() * q.cols() < kBlasThresholdFlops || a.size() == 0 ||
      q.cols() == 0) {
    out.noalias() = a.transpose() * q;
    return out;
  }
  // Row-major A (n×d) is column-major Aᵀ (d×n) with the same leading dimension.
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(a.cols()),
              static_cast<int>(q.cols()), static_cast<int>(a.rows()), 1.0, a.data(),
              static_cast<int>(a.outerStride()), q.data(), static_cast<int>(q.rows()), 0.0,
              out.data(), static_cast<int>(a.cols()));
  return out;
}

MatrixXd MultiplyTransposeByThinColMajor(ConstColMajorRef a, const MatrixXd& q) {
  MatrixXd out(a.cols(), q.cols());
  if (static_cast<double>(a.rows()) * a.cols() * q.cols() < kBlasThresholdFlops || a.size() == 0 ||
      q.cols() == 0) {
    out.noalias() = a.transpose() * q;
    return out;
  }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, static_cast<int>(a.cols()),
              static_cast<int>(q.cols()), static_cast<int>(a.rows()), 1.0, a.data(),
              static_cast<int>(a.outerStride()), q.data(), static_cast<int>(q.rows()), 0.0,
              out.data(), static_cast<int>(a.cols()));
  return out;
}

MatrixXd OrthonormalColumns(MatrixXd tall) {
  const lapack_int rows = static_cast<lapack_int>(tall.rows());
  const lapack_int cols = static_cast<lapack_int>(tall.cols());
  if (cols == 0) return tall;
  // LAPACK only fails on invalid arguments (checked before it touches the
  // data), so Eigen's Householder QR is the fallback for shapes it refuses.
  VectorXd tau(cols);
  if (rows >= cols &&
      LAPACKE_dgeqrf(LAPACK_COL_MAJOR, rows, cols, tall.data(), rows, tau.data()) == 0 &&
      LAPACKE_dorgqr(LAPACK_COL_MAJOR, rows, cols, cols, tall.data(), rows, tau.data()) == 0) {
    return tall;
  }
  Eigen::HouseholderQR<MatrixXd> qr(tall);
  return qr.householderQ() * MatrixXd::Identity(rows, std::min(rows, cols));
}

bool LuNormalizeInPlace(MatrixXd* tall) {
  const lapack_int rows = static_cast<lapack_int>(tall->rows());
  const lapack_int cols = static_cast<lapack_int>(tall->cols());
  if (cols == 0) return true;
  if (rows < cols) {
    *tall = OrthonormalColumns(std::move(*tall));
    return true;
  }
  std::vector<lapack_int> pivots(static_cast<size_t>(cols));
  // info > 0 (an exactly zero pivot) still leaves a valid unit-diagonal L.
  if (LAPACKE_dgetrf(LAPACK_COL_MAJOR, rows, cols, tall->data(), rows, pivots.data()) < 0) {
    *tall = OrthonormalColumns(std::move(*tall));  // refused before touching the data
    return true;
  }
  // Partial pivoting keeps |L| ≤ 1, so L is finite unless a pivot was
  // subnormal (columns of subnormal entries, as when input_scale.h scales A
  // down next to a few huge entries): OpenBLAS then multiplies by its
  // infinite reciprocal. The caller recomputes X and takes Householder.
  if (!tall->allFinite()) return false;
  // Keep L: unit diagonal, zeros above it (U is not needed).
  for (lapack_int j = 0; j < cols; ++j) {
    tall->col(j).head(j).setZero();
    (*tall)(j, j) = 1.0;
  }
  // X = P·L·U with P the row swaps dgetrf applied in order 1..cols; P·L
  // undoes them in reverse order (incx = -1).
  LAPACKE_dlaswp(LAPACK_COL_MAJOR, cols, tall->data(), rows, 1, cols, pivots.data(), -1);
  return true;
}

MatrixXd LuNormalizedColumns(MatrixXd tall) {
  MatrixXd normalized = tall;
  if (LuNormalizeInPlace(&normalized)) return normalized;
  return OrthonormalColumns(std::move(tall));
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
