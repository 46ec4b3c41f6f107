#include "core/lowrank/dense_kernels.h"

#include <gtest/gtest.h>

#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

// d = 2048 gives 256-row panels, so 700 rows cross two panel boundaries.
TEST(DenseKernelsTest, BlasResidualEqualsPanelledResidualInBothLayouts) {
  const MatrixXd a = GaussianMatrix(700, 2048, 1);
  const MatrixXd y = GaussianMatrix(700, 6, 2);
  const MatrixXd z = GaussianMatrix(2048, 6, 3);
  const double expected = PanelledResidualNorm(RowMatrixXd(a), y, z);
  EXPECT_NEAR(DirectResidualNorm(ConstRowMajorRef(RowMatrixXd(a)), y, z), expected,
              1e-12 * expected);
  EXPECT_NEAR(DirectResidualNorm(ConstColMajorRef(a), y, z), expected, 1e-12 * expected);
  // k = 0: the norm of A itself.
  EXPECT_NEAR(DirectResidualNorm(ConstColMajorRef(a), MatrixXd(700, 0), MatrixXd(2048, 0)),
              a.norm(), 1e-12 * a.norm());
}

TEST(DenseKernelsTest, MultiplyIntoABlockMatchesEigen) {
  const MatrixXd a = GaussianMatrix(900, 300, 4);
  const MatrixXd b = GaussianMatrix(300, 12, 5);
  MatrixXd out = MatrixXd::Zero(900, 20);
  MultiplyTallByThinInto(ConstRowMajorRef(RowMatrixXd(a)), b, out.leftCols(12));
  EXPECT_LE((out.leftCols(12) - a * b).norm(), 1e-12 * (a * b).norm());
  EXPECT_EQ(out.rightCols(8).norm(), 0.0);
  MultiplyTallByThinInto(ConstColMajorRef(a), b, out.rightCols(12));
  EXPECT_LE((out.rightCols(12) - a * b).norm(), 1e-12 * (a * b).norm());
}

// Rank-deficient (100 rows of rank 50): CholeskyQR2 refuses it and LAPACK's
// gesdd finds the numerical rank; still an orthonormal basis of the row space.
TEST(DenseKernelsTest, RowSpaceBasisOfALargeRankDeficientSketch) {
  const MatrixXd x = GaussianMatrix(100, 50, 6) * GaussianMatrix(50, 400, 7);
  const MatrixXd v = RowSpaceBasis(x);
  ASSERT_EQ(v.cols(), 50);
  EXPECT_LE((v.transpose() * v - MatrixXd::Identity(50, 50)).norm(), 1e-12);
  EXPECT_LE((x - x * v * v.transpose()).norm(), 1e-12 * x.norm());
}

// Full row rank, wide: the CholeskyQR2 path (moderate κ) and the SVD path
// (κ = 1e9, past CholeskyQR2's range) both give an orthonormal basis of the
// row space with r = m.
TEST(DenseKernelsTest, RowSpaceBasisOfFullRankSketchesAtAnyCondition) {
  for (Index m : {1, 20, 64, 80}) {
    for (double kappa : {1.0, 1e3, 1e9}) {
      Eigen::HouseholderQR<MatrixXd> qu(GaussianMatrix(m, m, 8 + m)), qv(GaussianMatrix(1080, m, 9));
      VectorXd s(m);
      for (Index i = 0; i < m; ++i) s(i) = std::pow(kappa, -static_cast<double>(i) / std::max<Index>(m - 1, 1));
      const MatrixXd x = MatrixXd(qu.householderQ()) * s.asDiagonal() *
                         (qv.householderQ() * MatrixXd::Identity(1080, m)).transpose();
      const MatrixXd v = RowSpaceBasis(x);
      ASSERT_EQ(v.cols(), m) << "m=" << m << " kappa=" << kappa;
      EXPECT_LE((v.transpose() * v - MatrixXd::Identity(m, m)).norm(), 1e-13 * m);
      EXPECT_LE((x - x * v * v.transpose()).norm(), 1e-13 * m * x.norm());
    }
  }
}

// P·L spans X's columns (X of full column rank), with entries ≤ 1 and, row
// by row in pivot order, a unit lower-trapezoidal pattern.
TEST(DenseKernelsTest, LuNormalizedColumnsSpanTheInput) {
  for (Index r : {1, 20, 40}) {
    const MatrixXd x = GaussianMatrix(300, r, 11 + r) * 1e3;
    const MatrixXd pl = LuNormalizedColumns(x);
    ASSERT_EQ(pl.rows(), 300);
    ASSERT_EQ(pl.cols(), r);
    EXPECT_LE(pl.cwiseAbs().maxCoeff(), 1.0 + 1e-15);
    EXPECT_EQ((pl.array() == 1.0).count(), r);  // one unit entry per column
    const MatrixXd q = OrthonormalColumns(pl);
    EXPECT_LE((x - q * (q.transpose() * x)).norm(), 1e-12 * x.norm()) << "r=" << r;
    // And the other way: X spans P·L.
    const MatrixXd qx = OrthonormalColumns(x);
    EXPECT_LE((pl - qx * (qx.transpose() * pl)).norm(), 1e-12 * pl.norm()) << "r=" << r;
  }
}

// Columns of subnormal entries (an input scaled down next to a few huge
// entries) give LU subnormal pivots; the result falls back to Householder
// and stays finite, spanning the input.
TEST(DenseKernelsTest, LuNormalizedColumnsOfSubnormalColumnsStayFinite) {
  MatrixXd x = GaussianMatrix(50, 6, 12) * 1e-310;
  x(2, 0) = 1.0;
  x(7, 1) = -1.0;
  const MatrixXd pl = LuNormalizedColumns(x);
  ASSERT_TRUE(pl.allFinite());
  ASSERT_EQ(pl.cols(), 6);
  const MatrixXd q = OrthonormalColumns(pl);
  EXPECT_LE((x.leftCols(2) - q * (q.transpose() * x.leftCols(2))).norm(), 1e-12);
}

// All-zero rows (CountSketch rows no column hashed to) are dropped before
// CholeskyQR2: r = the number of nonzero rows, and the basis spans the rows.
TEST(DenseKernelsTest, RowSpaceBasisSkipsAllZeroRows) {
  MatrixXd x = GaussianMatrix(40, 144, 10);
  for (Index i : {0, 7, 39}) x.row(i).setZero();
  const MatrixXd v = RowSpaceBasis(x);
  ASSERT_EQ(v.cols(), 37);
  EXPECT_LE((v.transpose() * v - MatrixXd::Identity(37, 37)).norm(), 1e-13 * 37);
  EXPECT_LE((x - x * v * v.transpose()).norm(), 1e-13 * 37 * x.norm());
  // Nothing but zeros: an empty basis.
  EXPECT_EQ(RowSpaceBasis(MatrixXd::Zero(5, 30)).cols(), 0);
}

}  // namespace
}  // namespace sketchd
