#include "core/lowrank/tsqr.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/lowrank/scw_low_rank.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

// R is unique up to the sign of each row: compare with signs made positive.
MatrixXd PositiveDiagonal(const MatrixXd& r) {
  MatrixXd out = r;
  for (Index i = 0; i < r.rows(); ++i) {
    if (out(i, i) < 0) out.row(i) *= -1;
  }
  return out;
}

double RelativeDifference(const MatrixXd& a, const MatrixXd& b) {
  return (a - b).norm() / b.norm();
}

TEST(TsqrTest, BlockFactorSatisfiesGramIdentity) {
  const RowMatrixXd b = GaussianMatrix(40, 6, 1);
  const MatrixXd r = BlockTriangularFactor(b);
  ASSERT_EQ(r.rows(), 6);
  EXPECT_TRUE(r.isUpperTriangular());
  EXPECT_LT(RelativeDifference(r.transpose() * r, b.transpose() * b), 1e-14);
}

TEST(TsqrTest, ShortAndEmptyBlocksArePaddedWithZeroRows) {
  const RowMatrixXd short_block = GaussianMatrix(2, 5, 2);
  const MatrixXd r = BlockTriangularFactor(short_block);
  ASSERT_EQ(r.rows(), 5);
  ASSERT_EQ(r.cols(), 5);
  EXPECT_TRUE(r.bottomRows(3).isZero(0));
  EXPECT_LT(RelativeDifference(r.transpose() * r, short_block.transpose() * short_block), 1e-14);
  const MatrixXd empty = BlockTriangularFactor(RowMatrixXd(0, 5));
  EXPECT_TRUE(empty.isZero(0));
  EXPECT_EQ(empty.rows(), 5);
}

// A block taller than one ~16 MiB panel (1.5M×3 doubles is ~36 MiB) is
// factored panel by panel; the result is still an R of the whole block.
TEST(TsqrTest, TallBlocksAreFactoredPanelByPanel) {
  RowMatrixXd b(1500000, 3);
  for (Index i = 0; i < b.rows(); ++i) {
    b.row(i) << 1.0, std::sin(0.001 * static_cast<double>(i)), static_cast<double>(i % 7);
  }
  const MatrixXd r = BlockTriangularFactor(b);
  EXPECT_TRUE(r.isUpperTriangular());
  EXPECT_LT(RelativeDifference(r.transpose() * r, b.transpose() * b), 1e-13);
}

// A tree of combinations over uneven blocks (one empty, one shorter than r)
// gives the R of the whole matrix, as a single Householder QR would.
TEST(TsqrTest, TreeOfBlocksEqualsFactorOfWholeMatrix) {
  const RowMatrixXd b = GaussianMatrix(101, 7, 3);
  const int cuts[] = {0, 3, 3, 50, 101};  // blocks of 3, 0, 47, 51 rows
  std::vector<MatrixXd> level;
  for (int i = 0; i + 1 < 5; ++i) {
    level.push_back(BlockTriangularFactor(b.middleRows(cuts[i], cuts[i + 1] - cuts[i])));
  }
  const MatrixXd left = CombineTriangularFactors(level[0], level[1]);
  const MatrixXd right = CombineTriangularFactors(level[2], level[3]);
  const MatrixXd tree = CombineTriangularFactors(left, right);
  const MatrixXd whole = BlockTriangularFactor(b);
  EXPECT_LT(RelativeDifference(PositiveDiagonal(tree), PositiveDiagonal(whole)), 1e-13);
}

// The singular values of R are those of B, and B·W spans B's top singular
// directions: TruncatedTriangleSvd is the SVD step of SCW.
TEST(TsqrTest, TruncatedTriangleSvdMatchesSvdOfWholeMatrix) {
  const MatrixXd b = GaussianMatrix(60, 5, 4);
  const TriangleSvd small = TruncatedTriangleSvd(BlockTriangularFactor(RowMatrixXd(b)), 60, 3);
  Eigen::JacobiSVD<MatrixXd> exact(b, Eigen::ComputeThinU | Eigen::ComputeThinV);
  ASSERT_EQ(small.singular_values.size(), 3);
  EXPECT_LT((small.singular_values - exact.singularValues().head(3)).norm(),
            1e-13 * exact.singularValues()(0));
  // (B W)(B W)ᵀ is the rank-3 part U_3 Σ_3² U_3ᵀ, independent of signs.
  const MatrixXd bw = b * small.right_vectors;
  const MatrixXd u3 = exact.matrixU().leftCols(3);
  const MatrixXd expected = u3 * exact.singularValues().head(3).cwiseAbs2().asDiagonal() *
                            u3.transpose();
  EXPECT_LT(RelativeDifference(bw * bw.transpose(), expected), 1e-12);
}

TEST(TsqrTest, TruncatedTriangleSvdDropsNumericallyZeroValues) {
  MatrixXd b = GaussianMatrix(30, 4, 5);
  b.col(3) = b.col(0) + b.col(1);  // rank 3
  const TriangleSvd small = TruncatedTriangleSvd(BlockTriangularFactor(RowMatrixXd(b)), 30, 4);
  EXPECT_EQ(small.singular_values.size(), 3);
  EXPECT_EQ(small.right_vectors.cols(), 3);
}

}  // namespace
}  // namespace sketchd
