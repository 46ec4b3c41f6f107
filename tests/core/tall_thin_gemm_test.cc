#include "core/lowrank/tall_thin_gemm.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/lowrank/dense_kernels.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

// Every entry within the standard dot-product bound γ_d·(|A||V|)_ij of the
// exact product (Eigen's, also within that bound: 2γ_d between the two).
void ExpectProductWithinRoundingBound(ConstRowMajorRef a, const MatrixXd& v,
                                      const RowMatrixXd& c) {
  ASSERT_EQ(c.rows(), a.rows());
  ASSERT_EQ(c.cols(), v.cols());
  const MatrixXd reference = a * v;
  const MatrixXd bound = a.cwiseAbs() * v.cwiseAbs();
  const double gamma =
      2.0 * static_cast<double>(a.cols() + 1) * std::numeric_limits<double>::epsilon();
  for (Index i = 0; i < c.rows(); ++i) {
    for (Index j = 0; j < c.cols(); ++j) {
      ASSERT_LE(std::abs(c(i, j) - reference(i, j)), gamma * bound(i, j) + 1e-300)
          << "entry (" << i << ", " << j << ") of " << a.rows() << "x" << a.cols() << " by "
          << v.cols();
    }
  }
}

// Rows not a multiple of the 4-row tile, columns across every tile width
// (1–3 vectors, partial last vector), m = 1 and m above one tile.
TEST(TallThinGemmTest, MatchesEigenAcrossShapes) {
  if (!TallThinKernelAvailable()) GTEST_SKIP() << "no AVX2/FMA on this CPU (BLAS path is used)";
  uint64_t seed = 1;
  for (Index n : {1, 2, 3, 4, 5, 7, 13, 257}) {
    for (Index d : {1, 5, 64, 301}) {
      for (Index m : {1, 2, 3, 4, 5, 8, 11, 12, 13, 20, 25, 40, 80}) {
        const RowMatrixXd a = GaussianMatrix(n, d, ++seed);
        const MatrixXd v = GaussianMatrix(d, m, ++seed);
        RowMatrixXd c;
        ASSERT_TRUE(MultiplyTallByThinAvx2(a, v, &c, 2));
        ExpectProductWithinRoundingBound(a, v, c);
      }
    }
  }
}

// A as a view with a row stride larger than its width (a block of columns
// of a wider matrix), on several threads with ranges that end mid-tile.
TEST(TallThinGemmTest, StridedViewOnSeveralThreads) {
  if (!TallThinKernelAvailable()) GTEST_SKIP() << "no AVX2/FMA on this CPU (BLAS path is used)";
  const RowMatrixXd wide = GaussianMatrix(1003, 130, 7);
  const MatrixXd v = GaussianMatrix(97, 21, 8);
  const ConstRowMajorRef a = wide.middleCols(11, 97);
  for (int threads : {1, 2, 3, 7}) {
    RowMatrixXd c;
    ASSERT_TRUE(MultiplyTallByThinAvx2(a, v, &c, threads));
    ExpectProductWithinRoundingBound(a, v, c);
  }
}

// Rank-deficient operands: zero and repeated columns of V, a rank-one A.
TEST(TallThinGemmTest, RankDeficientOperandsGiveExactZerosAndCopies) {
  if (!TallThinKernelAvailable()) GTEST_SKIP() << "no AVX2/FMA on this CPU (BLAS path is used)";
  MatrixXd v = GaussianMatrix(50, 9, 9);
  v.col(3).setZero();
  v.col(7) = v.col(1);
  const RowMatrixXd a =
      GaussianMatrix(203, 1, 10) * GaussianMatrix(1, 50, 11);  // rank one
  RowMatrixXd c;
  ASSERT_TRUE(MultiplyTallByThinAvx2(a, v, &c, 2));
  ExpectProductWithinRoundingBound(a, v, c);
  EXPECT_EQ(c.col(3).norm(), 0.0);
  EXPECT_EQ((c.col(7) - c.col(1)).norm(), 0.0);  // same arithmetic, same rounding
}

// The dispatching entry point agrees with the BLAS fallback on both sides
// of kTallThinMaxCols, whichever path this CPU takes.
TEST(TallThinGemmTest, DispatchAgreesWithBlasFallback) {
  const RowMatrixXd a = GaussianMatrix(2001, 300, 12);
  for (Index m : {Index{20}, kTallThinMaxCols, kTallThinMaxCols + 1}) {
    const MatrixXd v = GaussianMatrix(300, m, 13 + m);
    ExpectProductWithinRoundingBound(a, v, MultiplyTallByThin(a, v));
    ExpectProductWithinRoundingBound(a, v, MultiplyTallByThinBlas(a, v));
  }
}

}  // namespace
}  // namespace sketchd
