#include "core/lowrank/gram_ritz.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

// W = G·diag(σ) with σ from 1 down to `smallest` (log-spaced): its right
// singular values are close to σ and well separated.
MatrixXd Graded(Index n, Index r, double smallest, uint64_t seed) {
  VectorXd sigma(r);
  for (Index i = 0; i < r; ++i) {
    sigma(i) = std::pow(smallest, static_cast<double>(i) / static_cast<double>(r - 1));
  }
  return GaussianMatrix(n, r, seed) * sigma.asDiagonal();
}

// ‖P_X − P_Y‖ for the spans of orthonormal X and Y: the sine of the largest
// principal angle.
double SubspaceDistance(const MatrixXd& x, const MatrixXd& y) {
  return (x * x.transpose() - y * y.transpose()).norm();
}

TEST(GramRitzTest, TopVectorsMatchTheSvdInBothLayouts) {
  const MatrixXd w = Graded(300, 40, 1e-2, 1);
  Eigen::JacobiSVD<MatrixXd> svd(w, Eigen::ComputeThinV);
  const MatrixXd expected = svd.matrixV().leftCols(20);

  MatrixXd col = w;
  MatrixXd by_col;
  ASSERT_TRUE(TopRightSingularVectorsByGram({col.data(), 300, 40, 300, false}, 20, &by_col));
  RowMatrixXd row = w;
  MatrixXd by_row;
  ASSERT_TRUE(TopRightSingularVectorsByGram({row.data(), 300, 40, 40, true}, 20, &by_row));

  for (const MatrixXd* v : {&by_col, &by_row}) {
    ASSERT_EQ(v->rows(), 40);
    ASSERT_EQ(v->cols(), 20);
    EXPECT_LE((v->transpose() * *v - MatrixXd::Identity(20, 20)).norm(), 1e-13);
    EXPECT_LE(SubspaceDistance(*v, expected), 1e-10);
    // Column by column too (distinct singular values): largest first.
    for (Index j = 0; j < 20; ++j) {
      EXPECT_NEAR(std::abs(v->col(j).dot(expected.col(j))), 1.0, 1e-10) << "column " << j;
    }
  }
  // The buffer is only read.
  EXPECT_TRUE((col.array() == w.array()).all());
}

TEST(GramRitzTest, KBeyondRIsClampedToR) {
  MatrixXd w = Graded(50, 6, 1e-1, 2);
  MatrixXd v;
  ASSERT_TRUE(TopRightSingularVectorsByGram({w.data(), 50, 6, 50, false}, 10, &v));
  EXPECT_EQ(v.cols(), 6);
  EXPECT_LE((v.transpose() * v - MatrixXd::Identity(6, 6)).norm(), 1e-13);
}

// σ_k/σ₁ below 1e-4 (λ_k/λ₁ below kGramResolution): the Gram matrix cannot
// resolve the k-th direction, so the caller must take the exact route.
TEST(GramRitzTest, RefusesDirectionsTheGramMatrixCannotResolve) {
  MatrixXd steep = Graded(200, 20, 1e-6, 3);  // σ_k/σ₁ = 1e-6·(k−1)/19 in log
  MatrixXd v = MatrixXd::Constant(2, 2, 7.0);
  // σ₁₉/σ₁ ≈ 1e-6^(18/19) ≈ 2e-6: refused, `v` untouched.
  EXPECT_FALSE(TopRightSingularVectorsByGram({steep.data(), 200, 20, 200, false}, 19, &v));
  EXPECT_TRUE((v.array() == 7.0).all());
  // σ₆/σ₁ = 1e-6^(5/19) ≈ 2.6e-2: resolved.
  EXPECT_TRUE(TopRightSingularVectorsByGram({steep.data(), 200, 20, 200, false}, 6, &v));
  EXPECT_EQ(v.cols(), 6);
  // Exactly rank-deficient: refused.
  MatrixXd deficient = GaussianMatrix(60, 3, 4) * GaussianMatrix(3, 8, 5);
  EXPECT_FALSE(TopRightSingularVectorsByGram({deficient.data(), 60, 8, 60, false}, 5, &v));
  // Zero, non-finite, empty: refused.
  MatrixXd zero = MatrixXd::Zero(10, 4);
  EXPECT_FALSE(TopRightSingularVectorsByGram({zero.data(), 10, 4, 10, false}, 2, &v));
  MatrixXd bad = GaussianMatrix(10, 4, 6);
  bad(3, 2) = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(TopRightSingularVectorsByGram({bad.data(), 10, 4, 10, false}, 2, &v));
  EXPECT_FALSE(TopRightSingularVectorsByGram({bad.data(), 10, 4, 10, false}, 0, &v));
}

// Above the eigensolver switch (r > 48, LAPACK dsyevd) the same contract.
TEST(GramRitzTest, LargeOrderUsesLapackWithTheSameResult) {
  const MatrixXd w = Graded(400, 120, 1e-2, 7);
  Eigen::JacobiSVD<MatrixXd> svd(w, Eigen::ComputeThinV);
  MatrixXd copy = w, v;
  ASSERT_TRUE(TopRightSingularVectorsByGram({copy.data(), 400, 120, 400, false}, 30, &v));
  EXPECT_LE((v.transpose() * v - MatrixXd::Identity(30, 30)).norm(), 1e-12);
  EXPECT_LE(SubspaceDistance(v, svd.matrixV().leftCols(30)), 1e-10);
}

}  // namespace
}  // namespace sketchd
