// Read-only view of the n×d data matrix A (dense row-major or CSR) with the
// few full passes the iterative solvers make, each split over contiguous row
// blocks on `threads` threads. Every pass reads A exactly once: LSQR and IHS
// need A·v and then Aᵀ of the result, and doing both while a row block is in
// cache halves the memory traffic, which is what bounds these solvers.
#ifndef SKETCHD_CORE_REGRESSION_DATA_MATRIX_H_
#define SKETCHD_CORE_REGRESSION_DATA_MATRIX_H_

#include <cstdint>

#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"
#include "core/training/parallel.h"  // ResolveThreads

namespace sketchd {

class DataMatrix {
 public:
  // The referenced matrix must outlive the view. threads: 0 = all cores.
  DataMatrix(ConstRowMajorRef a, int threads);
  DataMatrix(const CsrMatrix& a, int threads);

  // The same matrix seen as scale·A (every pass and sketch below includes the
  // factor), without copying A. Used by Solve to hand the solvers a problem
  // with max|A| near 1 whatever the units of the data (problem_scaling.h); a
  // power of two keeps the scaling exact. dense() / csr() stay unscaled:
  // callers that read them directly multiply by scale().
  DataMatrix Scaled(double scale) const;
  double scale() const { return scale_; }
  // max |a_ij| of the stored (unscaled) entries.
  double MaxAbs() const;

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  bool sparse() const { return csr_ != nullptr; }
  const ConstRowMajorRef& dense() const { return dense_; }
  const CsrMatrix& csr() const { return *csr_; }

  // The fused pass: u ← A·v − alpha·u, then w ← Aᵀ·u (with the new u).
  // Returns ‖u‖² of the new u.
  double MultiplyThenAdjoint(const VectorXd& v, double alpha, VectorXd* u, VectorXd* w) const;

  // y = A·x.
  void Multiply(const VectorXd& x, VectorXd* y) const;
  // ‖A·x − b‖.
  double ResidualNorm(const VectorXd& x, const Eigen::Ref<const VectorXd>& b) const;

  // S·A (m×d) for a CountSketch with n columns (any number of blocks); each
  // thread accumulates its row range into its own buffer, then they are added
  // (SA = Σ_p S[:, rows_p] A[rows_p, :]).
  MatrixXd Sketch(const CountSketch& s) const;

 private:
  template <typename Fn>
  void ParallelRows(const Fn& fn) const;

  int64_t rows_ = 0;
  int64_t cols_ = 0;
  int threads_ = 1;
  double scale_ = 1;
  ConstRowMajorRef dense_;
  const CsrMatrix* csr_ = nullptr;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_DATA_MATRIX_H_
