// Small reproducible test problems for the regression suite.
#ifndef SKETCHD_TESTS_REGRESSION_REGRESSION_TEST_UTIL_H_
#define SKETCHD_TESTS_REGRESSION_REGRESSION_TEST_UTIL_H_

#include <cmath>
#include <cstdint>

#include "core/matrix_types.h"
#include "core/regression/regression_problem.h"
#include "core/sketch/philox.h"

namespace sketchd::testing {

// Standard normal from Philox (Box–Muller), a pure function of (seed, index).
inline double Gauss(uint64_t seed, uint64_t index) {
  const auto w = PhiloxWords(seed, 99, index);
  const double u1 = WordToOpenUnit(w[0]), u2 = WordToOpenUnit(w[1]);
  return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

inline MatrixXd GaussMatrix(int64_t rows, int64_t cols, uint64_t seed) {
  MatrixXd g(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) g(i, j) = Gauss(seed, static_cast<uint64_t>(i * cols + j));
  return g;
}

// A = U diag(σ) Vᵀ with σ log-spaced from 1 to 1/κ; b = A x_true + noise·g.
inline RegressionProblem MakeProblem(int64_t n, int64_t d, double kappa, double noise, uint64_t seed) {
  Eigen::HouseholderQR<MatrixXd> qu(GaussMatrix(n, d, seed));
  const MatrixXd u = qu.householderQ() * MatrixXd::Identity(n, d);
  Eigen::HouseholderQR<MatrixXd> qv(GaussMatrix(d, d, seed + 1));
  const MatrixXd v = qv.householderQ() * MatrixXd::Identity(d, d);
  VectorXd sigma(d);
  for (int64_t j = 0; j < d; ++j) sigma[j] = std::pow(kappa, -static_cast<double>(j) / std::max<int64_t>(d - 1, 1));
  RegressionProblem p;
  p.a = u * sigma.asDiagonal() * v.transpose();
  const VectorXd x_true = GaussMatrix(d, 1, seed + 2).col(0);
  p.b = p.a * x_true + noise * GaussMatrix(n, 1, seed + 3).col(0);
  return p;
}

inline double RelErr(const VectorXd& x, const VectorXd& ref) { return (x - ref).norm() / ref.norm(); }

}  // namespace sketchd::testing

#endif  // SKETCHD_TESTS_REGRESSION_REGRESSION_TEST_UTIL_H_
