// Dense Gaussian sketch G (m×n, entries N(0, 1/m)): the classical
// data-oblivious baseline. Entry (i, j) is a pure function of (seed, i, j), so
// G is reproducible and can be generated block by block.
#ifndef SKETCHD_CORE_SKETCH_GAUSSIAN_SKETCH_H_
#define SKETCHD_CORE_SKETCH_GAUSSIAN_SKETCH_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

class GaussianSketch {
 public:
  static absl::StatusOr<GaussianSketch> Create(int64_t m, int64_t n, uint64_t seed);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  uint64_t seed() const { return seed_; }

  // Columns [c0, c0 + count) of G, generated on demand.
  MatrixXd Columns(int64_t c0, int64_t count) const;
  MatrixXd ToDense() const { return Columns(0, cols_); }

  // GA for dense A (n×d), generating G in column panels so memory stays O(m·panel).
  template <typename Derived>
  MatrixXd Apply(const Eigen::MatrixBase<Derived>& a) const {
    MatrixXd out = MatrixXd::Zero(rows_, a.cols());
    constexpr int64_t kPanel = 4096;
    for (int64_t c0 = 0; c0 < cols_; c0 += kPanel) {
      const int64_t count = std::min<int64_t>(kPanel, cols_ - c0);
      out.noalias() += Columns(c0, count) * a.middleRows(c0, count);
    }
    return out;
  }

 private:
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  uint64_t seed_ = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_GAUSSIAN_SKETCH_H_
