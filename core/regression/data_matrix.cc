#include "core/regression/data_matrix.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel/parallel_for.h"

namespace sketchd {
namespace {

// Below this many stored entries a pass takes microseconds and spawning
// threads would cost more than it saves.
constexpr int64_t kMinParallelEntries = 1 << 18;

// Rows per inner block for dense passes: ~128 KiB, so the block is still in
// L2 when the Aᵀ half of the fused pass reads it again.
int64_t DenseBlockRows(int64_t d) { return std::max<int64_t>(4, (int64_t{1} << 14) / std::max<int64_t>(d, 1)); }

// A dummy matrix so ConstRowMajorRef has something to bind to for CSR views.
const RowMatrixXd& EmptyDense() {
  static const RowMatrixXd* empty = new RowMatrixXd(0, 0);
  return *empty;
}

}  // namespace

DataMatrix::DataMatrix(ConstRowMajorRef a, int threads)
    : rows_(a.rows()), cols_(a.cols()), threads_(ResolveThreads(threads)), dense_(a) {}

DataMatrix::DataMatrix(const CsrMatrix& a, int threads)
    : rows_(a.rows()), cols_(a.cols()), threads_(ResolveThreads(threads)), dense_(EmptyDense()),
      csr_(&a) {}

DataMatrix DataMatrix::Scaled(double scale) const {
  DataMatrix out = *this;
  out.scale_ = scale_ * scale;
  return out;
}

double DataMatrix::MaxAbs() const {
  if (csr_ == nullptr) {
    if (rows_ * cols_ == 0) return 0.0;
    // One of the passes every Solve makes before it starts: split over the
    // row blocks like the solvers' own passes (a max is order-independent).
    std::vector<double> partial(static_cast<size_t>(std::max(threads_, 1)), 0.0);
    ParallelRows([&](int k, int64_t r0, int64_t r1) {
      if (r1 > r0) partial[k] = dense_.middleRows(r0, r1 - r0).cwiseAbs().maxCoeff();
    });
    return *std::max_element(partial.begin(), partial.end());
  }
  double out = 0;
  for (int64_t i = 0; i < csr_->nonZeros(); ++i) out = std::max(out, std::abs(csr_->valuePtr()[i]));
  return out;
}

template <typename Fn>
void DataMatrix::ParallelRows(const Fn& fn) const {
  const int64_t entries = csr_ != nullptr ? csr_->nonZeros() : rows_ * cols_;
  const int t = entries < kMinParallelEntries ? 1 : static_cast<int>(std::min<int64_t>(threads_, rows_));
  if (t <= 1) {
    fn(0, int64_t{0}, rows_);
    return;
  }
  // Block k is always rows [n·k/t, n·(k+1)/t), whichever worker runs it, so
  // per-block partial results (and their reduction order) are deterministic.
  ParallelFor(t, t, [&](int64_t k, int) {
    fn(static_cast<int>(k), rows_ * k / t, rows_ * (k + 1) / t);
  });
}

double DataMatrix::MultiplyThenAdjoint(const VectorXd& v, double alpha, VectorXd* u,
                                       VectorXd* w) const {
  const int t = threads_;
  std::vector<VectorXd> partial(t, VectorXd::Zero(cols_));
  std::vector<double> sumsq(t, 0.0);
  ParallelRows([&](int k, int64_t r0, int64_t r1) {
    VectorXd& acc = partial[k];
    double ss = 0;
    if (csr_ == nullptr) {
      const int64_t step = DenseBlockRows(cols_);
      for (int64_t i = r0; i < r1; i += step) {
        const int64_t len = std::min(step, r1 - i);
        auto block = dense_.middleRows(i, len);
        auto ub = u->segment(i, len);
        ub = scale_ * (block * v) - alpha * ub;
        ss += ub.squaredNorm();
        acc.noalias() += block.transpose() * ub;
      }
    } else {
      const CsrMatrix& a = *csr_;
      for (int64_t i = r0; i < r1; ++i) {
        double dot = 0;
        for (CsrMatrix::InnerIterator it(a, i); it; ++it) dot += it.value() * v[it.col()];
        const double ui = scale_ * dot - alpha * (*u)[i];
        (*u)[i] = ui;
        ss += ui * ui;
        for (CsrMatrix::InnerIterator it(a, i); it; ++it) acc[it.col()] += it.value() * ui;
      }
    }
    sumsq[k] = ss;
  });
  *w = partial[0];
  double total = sumsq[0];
  for (int k = 1; k < t; ++k) {
    *w += partial[k];
    total += sumsq[k];
  }
  if (scale_ != 1) *w *= scale_;
  return total;
}

void DataMatrix::Multiply(const VectorXd& x, VectorXd* y) const {
  y->resize(rows_);
  ParallelRows([&](int, int64_t r0, int64_t r1) {
    if (csr_ == nullptr) {
      y->segment(r0, r1 - r0).noalias() = dense_.middleRows(r0, r1 - r0) * x;
    } else {
      for (int64_t i = r0; i < r1; ++i) {
        double dot = 0;
        for (CsrMatrix::InnerIterator it(*csr_, i); it; ++it) dot += it.value() * x[it.col()];
        (*y)[i] = dot;
      }
    }
  });
  if (scale_ != 1) *y *= scale_;
}

double DataMatrix::ResidualNorm(const VectorXd& x, const Eigen::Ref<const VectorXd>& b) const {
  VectorXd ax;
  Multiply(x, &ax);
  return (ax - b).norm();
}

MatrixXd DataMatrix::Sketch(const CountSketch& s) const {
  const int t = threads_;
  const int64_t m = s.rows();
  std::vector<RowMatrixXd> partial(t);
  const int blocks = s.num_blocks();
  const int64_t n = s.cols();
  ParallelRows([&](int k, int64_t r0, int64_t r1) {
    partial[k] = RowMatrixXd::Zero(m, cols_);
    if (r1 <= r0) return;
    if (csr_ == nullptr) {
      s.AccumulateRows(r0, dense_.middleRows(r0, r1 - r0), partial[k]);
    } else {
      RowMatrixXd& out = partial[k];
      for (int64_t i = r0; i < r1; ++i) {
        for (int b = 0; b < blocks; ++b) {
          const int64_t idx = b * n + i;
          const double val = s.values()[idx];
          double* dst = out.row(s.positions()[idx]).data();
          for (CsrMatrix::InnerIterator it(*csr_, i); it; ++it) dst[it.col()] += val * it.value();
        }
      }
    }
  });
  RowMatrixXd sum = std::move(partial[0]);
  for (int k = 1; k < t; ++k) {
    if (partial[k].size() != 0) sum += partial[k];
  }
  if (scale_ != 1) sum *= scale_;
  return sum;  // converted to column-major for the LAPACK factorisations
}

}  // namespace sketchd
