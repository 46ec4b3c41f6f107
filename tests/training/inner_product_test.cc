#include "core/training/inner_product_sketch.h"

#include <cmath>
#include <set>

#include "core/training/ridge_leverage.h"
#include "gtest/gtest.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::Gaussian;

TEST(RidgeLeverageTest, MatchesDirectFormula) {
  const RowMatrixXd a = Gaussian(30, 12, 1);
  const int64_t k = 3;
  auto tau = RidgeLeverageScores(a, k);
  ASSERT_TRUE(tau.ok());
  Eigen::JacobiSVD<MatrixXd> svd(a);
  const VectorXd s = svd.singularValues();
  const double lambda = s.tail(s.size() - k).squaredNorm() / k;
  const MatrixXd inv = (MatrixXd(a.transpose() * a) + lambda * MatrixXd::Identity(12, 12)).inverse();
  for (Index i = 0; i < a.rows(); ++i) {
    const double direct = a.row(i) * inv * a.row(i).transpose();
    EXPECT_NEAR((*tau)(i), direct, 1e-10);
  }
}

TEST(RidgeLeverageTest, ZeroAndLowRankMatrices) {
  auto zero = RidgeLeverageScores(RowMatrixXd::Zero(10, 4), 2);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->norm(), 0);
  // Rank 2 < k = 3: ordinary leverage scores of the rank-2 space, summing to 2.
  const RowMatrixXd low = Gaussian(20, 2, 2) * Gaussian(2, 8, 3);
  auto tau = RidgeLeverageScores(low, 3);
  ASSERT_TRUE(tau.ok());
  EXPECT_NEAR(tau->sum(), 2.0, 1e-8);
}

// Rows are ±(scaled) copies of m orthogonal directions: each must land in the
// bucket of its direction, and the sketch must then capture Ā exactly.
TEST(InnerProductSketchTest, RecoversClusteredRows) {
  const int64_t m = 4, n = 40, d = 10;
  Eigen::HouseholderQR<MatrixXd> qr(MatrixXd(Gaussian(d, m, 4)));
  const MatrixXd dirs = qr.householderQ() * MatrixXd::Identity(d, m);  // d×m
  RowMatrixXd mean(n, d);
  for (Index i = 0; i < n; ++i) {
    const double sign = (i % 3 == 0) ? -1.0 : 1.0;
    mean.row(i) = sign * (1.0 + 0.1 * static_cast<double>(i % 5)) * dirs.col(i % m).transpose();
  }
  auto built = BuildInnerProductSketch(mean, m, 2, 7, false);
  ASSERT_TRUE(built.ok()) << built.status();
  const CountSketch& s = built->sketch;
  EXPECT_EQ(built->empty_buckets, 0);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) {
      if (i % m == j % m) EXPECT_EQ(s.positions()[i], s.positions()[j]);
      else EXPECT_NE(s.positions()[i], s.positions()[j]);
    }
  }
  // Signs follow the rows: row(SĀ) = span of the m directions.
  const MatrixXd x = s.Apply(mean);
  Eigen::JacobiSVD<MatrixXd> svd(x);
  EXPECT_GT(svd.singularValues()(m - 1), 1e-6 * svd.singularValues()(0));
  // RMS of the values is 1 per bucket.
  VectorXd rms = VectorXd::Zero(m), count = VectorXd::Zero(m);
  for (Index i = 0; i < n; ++i) {
    rms(s.positions()[i]) += s.values()[i] * s.values()[i];
    count(s.positions()[i]) += 1;
  }
  for (Index p = 0; p < m; ++p) EXPECT_NEAR(rms(p) / count(p), 1.0, 1e-10);
}

TEST(InnerProductSketchTest, DegenerateInputsAreFinite) {
  const int64_t n = 12, d = 6;
  RowMatrixXd mean = Gaussian(n, d, 5);
  mean.topRows(4).setZero();                                    // zero rows
  for (Index i = 5; i < n; i += 2) mean.row(i) = mean.row(4);   // duplicates
  for (int64_t m : {3, 8, 20}) {                                // 20 > n
    for (bool append : {false, true}) {
      auto built = BuildInnerProductSketch(mean, m, 2, 1, append);
      ASSERT_TRUE(built.ok()) << built.status();
      EXPECT_EQ(built->sketch.rows(), m);
      EXPECT_EQ(built->zero_rows, 4);
      for (double v : built->sketch.values()) EXPECT_TRUE(std::isfinite(v));
      // Centres are pairwise non-parallel rows.
      std::set<int64_t> distinct(built->centres.begin(), built->centres.end());
      EXPECT_EQ(distinct.size(), built->centres.size());
    }
  }
  auto zero = BuildInnerProductSketch(RowMatrixXd::Zero(n, d), 4, 2, 1, false);
  ASSERT_TRUE(zero.ok());
  for (double v : zero->sketch.values()) EXPECT_TRUE(std::isfinite(v));
}

TEST(InnerProductSketchTest, AppendedSamplingBlock) {
  const int64_t n = 30, m = 7;
  const RowMatrixXd mean = Gaussian(n, 9, 6);
  auto built = BuildInnerProductSketch(mean, m, 2, 3, true);
  ASSERT_TRUE(built.ok());
  const CountSketch& s = built->sketch;
  ASSERT_EQ(s.num_blocks(), 2);
  EXPECT_EQ(s.block_rows()[0], 4);
  EXPECT_EQ(s.block_rows()[1], 3);
  // Block 2: row 4 + q holds exactly centre q with value 1.
  int nonzero = 0;
  for (int64_t j = 0; j < n; ++j) {
    if (s.values()[n + j] != 0) {
      ++nonzero;
      EXPECT_EQ(s.values()[n + j], 1.0);
      const int64_t q = s.positions()[n + j] - 4;
      ASSERT_GE(q, 0);
      EXPECT_EQ(built->centres[q], j);
    }
  }
  EXPECT_EQ(nonzero, 3);
}

TEST(InnerProductSketchTest, DeterministicPerSeed) {
  const RowMatrixXd mean = Gaussian(50, 10, 8);
  auto a = BuildInnerProductSketch(mean, 6, 2, 11, false);
  auto b = BuildInnerProductSketch(mean, 6, 2, 11, false);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sketch, b->sketch);
  EXPECT_EQ(a->centres, b->centres);
}

}  // namespace
}  // namespace sketchd
