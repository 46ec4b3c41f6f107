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

// ‖A − YZᵀ‖² summed directly through the kernel, against the dense
// residual: ragged shapes (rows not in whole chunks or blocks of 4, d not in
// whole vectors), k = 1, a strided A, one and two threads.
TEST(TallThinGemmTest, SquaredResidualMatchesTheDenseResidual) {
  if (!TallThinKernelAvailable()) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  struct Shape { Index n, d, k; };
  for (const Shape& s : {Shape{1, 1, 1}, Shape{3, 5, 1}, Shape{37, 13, 2}, Shape{101, 45, 7},
                         Shape{1000, 300, 40}, Shape{333, 1083, 16}}) {
    const RowMatrixXd a = GaussianMatrix(s.n, s.d, 3 + s.n);
    const MatrixXd y = GaussianMatrix(s.n, s.k, 4 + s.d);
    const MatrixXd z = GaussianMatrix(s.d, s.k, 5 + s.k);
    const double expected = (MatrixXd(a) - y * z.transpose()).squaredNorm();
    for (int threads : {1, 2}) {
      double got = -1;
      ASSERT_TRUE(SquaredResidualNormAvx2(a, y, z, threads, &got));
      EXPECT_NEAR(got, expected, 1e-12 * expected)
          << s.n << "x" << s.d << " k=" << s.k << " threads=" << threads;
    }
  }
  // A strided view (every other column block of a wider matrix).
  const RowMatrixXd wide = GaussianMatrix(90, 70, 6);
  const ConstRowMajorRef view = wide.leftCols(50);
  const MatrixXd y = GaussianMatrix(90, 6, 7), z = GaussianMatrix(50, 6, 8);
  double got = -1;
  ASSERT_TRUE(SquaredResidualNormAvx2(view, y, z, 2, &got));
  const double expected = (MatrixXd(wide.leftCols(50)) - y * z.transpose()).squaredNorm();
  EXPECT_NEAR(got, expected, 1e-12 * expected);
  // k = 0: ‖A‖².
  ASSERT_TRUE(SquaredResidualNormAvx2(view, MatrixXd(90, 0), MatrixXd(50, 0), 1, &got));
  EXPECT_NEAR(got, wide.leftCols(50).squaredNorm(), 1e-13 * got);
}

}  // namespace
}  // namespace sketchd
