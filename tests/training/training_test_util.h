// Deterministic fixtures for the training suite (Philox, no std:: distributions).
#ifndef SKETCHD_TESTS_TRAINING_TRAINING_TEST_UTIL_H_
#define SKETCHD_TESTS_TRAINING_TRAINING_TEST_UTIL_H_

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/matrix_types.h"
#include "core/sketch/philox.h"

namespace sketchd::training_testing {

inline RowMatrixXd Gaussian(Index rows, Index cols, uint64_t seed) {
  RowMatrixXd g(rows, cols);
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) {
      g(i, j) = PhiloxStandardNormal(seed, 77, static_cast<uint64_t>(i * cols + j));
    }
  }
  return g;
}

// A family sharing a column space with uneven row importance (a few heavy
// rows, like the bright or moving parts of video frames), each with its own
// right factor and noise: the setting where learned sketches beat random ones.
inline std::vector<RowMatrixXd> SharedStructureFamily(int count, Index n, Index d, Index rank,
                                                      double noise, uint64_t seed) {
  RowMatrixXd left = Gaussian(n, rank, seed);
  for (Index i = 0; i < n; ++i) {
    const double w = (i % 7 == 0) ? 4.0 : (i % 3 == 0 ? 1.0 : 0.25);
    left.row(i) *= w;
  }
  std::vector<RowMatrixXd> out;
  for (int t = 0; t < count; ++t) {
    RowMatrixXd right = Gaussian(rank, d, seed + 100 + t);
    for (Index r = 0; r < rank; ++r) right.row(r) *= std::pow(0.6, static_cast<double>(r));
    out.push_back(left * right + noise * Gaussian(n, d, seed + 1000 + t));
  }
  return out;
}

}  // namespace sketchd::training_testing

#endif  // SKETCHD_TESTS_TRAINING_TRAINING_TEST_UTIL_H_
