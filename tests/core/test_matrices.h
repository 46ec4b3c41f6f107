// Deterministic test matrices for the core suites (no std:: distributions, so
// the fixtures are identical on every platform).
#ifndef SKETCHD_TESTS_CORE_TEST_MATRICES_H_
#define SKETCHD_TESTS_CORE_TEST_MATRICES_H_

#include <cmath>
#include <cstdint>

#include "core/matrix_types.h"
#include "core/sketch/philox.h"

namespace sketchd::testing {

// Standard normal entries drawn by Philox from `seed`.
inline MatrixXd GaussianMatrix(Index rows, Index cols, uint64_t seed) {
  MatrixXd g(rows, cols);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      g(i, j) = PhiloxStandardNormal(seed, 99, static_cast<uint64_t>(j * rows + i));
    }
  }
  return g;
}

// Rank-`rank` signal with geometrically decaying spectrum plus dense noise:
// the shape of matrices that sketching is for.
inline MatrixXd LowRankPlusNoise(Index n, Index d, Index rank, double noise, uint64_t seed) {
  const MatrixXd left = GaussianMatrix(n, rank, seed);
  const MatrixXd right = GaussianMatrix(rank, d, seed + 1);
  VectorXd scale(rank);
  for (Index i = 0; i < rank; ++i) scale(i) = std::pow(0.7, static_cast<double>(i));
  return left * scale.asDiagonal() * right + noise * GaussianMatrix(n, d, seed + 2);
}

}  // namespace sketchd::testing

#endif  // SKETCHD_TESTS_CORE_TEST_MATRICES_H_
