#include "core/regression/dense_row_pass.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/regression/data_matrix.h"
#include "core/regression/solve.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using testing::GaussMatrix;

// Large enough (≥ 2^18 entries) that the passes split over threads.
constexpr Index kRows = 6007, kCols = 50;

TEST(DenseRowPassTest, ScanFindsMaxAbsAndEveryNonFiniteEntry) {
  RowMatrixXd a = GaussMatrix(kRows, kCols, 1);
  a(4321, 7) = -123.5;  // the largest magnitude, negative
  for (int threads : {1, 2, 3}) {
    const DenseScan scan = ScanDense(a, threads);
    EXPECT_TRUE(scan.finite);
    EXPECT_EQ(scan.max_abs, 123.5);
  }
  const double bad[] = {std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::quiet_NaN()};
  for (double value : bad) {
    for (Index row : {Index{0}, Index{3000}, kRows - 1}) {
      RowMatrixXd b = a;
      b(row, kCols - 1) = value;
      EXPECT_FALSE(ScanDense(b, 2).finite) << value << " at row " << row;
    }
  }
  // A strided view (a block of columns) is scanned row by row.
  const RowMatrixXd wide = GaussMatrix(kRows, 2 * kCols, 2);
  RowMatrixXd copy = wide.leftCols(kCols);
  EXPECT_EQ(ScanDense(wide.leftCols(kCols), 2).max_abs, copy.cwiseAbs().maxCoeff());
  EXPECT_EQ(ScanDense(RowMatrixXd::Zero(3, 4), 1).max_abs, 0.0);
}

TEST(DenseRowPassTest, FusedPassAndResidualMatchTheirDefinitions) {
  const RowMatrixXd a = GaussMatrix(kRows + 3, kCols, 3);  // rows not a multiple of 4
  const VectorXd v = GaussMatrix(kCols, 1, 4).col(0);
  const VectorXd u0 = GaussMatrix(kRows + 3, 1, 5).col(0);
  const double scale = 0.25, alpha = 0.7;
  const VectorXd u_expected = scale * (a * v) - alpha * u0;
  const VectorXd w_expected = scale * (a.transpose() * u_expected);
  for (int threads : {1, 2, 5}) {
    VectorXd u = u0, w;
    const double sumsq = FusedMultiplyAdjoint(a, scale, v, alpha, &u, &w, threads);
    EXPECT_LE((u - u_expected).norm(), 1e-13 * u_expected.norm());
    EXPECT_LE((w - w_expected).norm(), 1e-13 * w_expected.norm());
    EXPECT_NEAR(sumsq, u_expected.squaredNorm(), 1e-13 * u_expected.squaredNorm());
    const double residual = DenseResidualNorm(a, scale, v, u0, threads);
    const double exact = (scale * (a * v) - u0).norm();
    EXPECT_NEAR(residual, exact, 1e-13 * exact);
  }
}

// Solve's own scan reports a non-finite A with its position, as
// ValidateRegressionInput does.
TEST(DenseRowPassTest, SolveLocatesANonFiniteEntryFoundByTheScan) {
  RowMatrixXd a = GaussMatrix(kRows, kCols, 6);
  const VectorXd b = GaussMatrix(kRows, 1, 7).col(0);
  a(5000, 3) = std::numeric_limits<double>::quiet_NaN();
  auto r = Solve(a, b, SolveOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("row 5000, column 3"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace sketchd
