#include "core/training/inner_product_sketch.h"

#include <cmath>
#include <algorithm>
#include <set>
#include <vector>

#include "core/lowrank/scw_low_rank.h"
#include "core/training/ridge_leverage.h"
#include "core/training/training_random.h"
#include "gtest/gtest.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::Gaussian;
using training_testing::SharedStructureFamily;

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

TEST(InnerProductSketchTest, AppendedGuardIsARandomCountSketch) {
  const int64_t n = 30, m = 7;
  const RowMatrixXd mean = Gaussian(n, 9, 6);
  auto built = BuildInnerProductSketch(mean, m, 2, 3, true);
  ASSERT_TRUE(built.ok());
  const CountSketch& s = built->sketch;
  ASSERT_EQ(s.num_blocks(), 2);
  EXPECT_EQ(s.block_rows()[0], 4);
  EXPECT_EQ(s.block_rows()[1], 3);
  // Block 2 is the random CountSketch of its derived seed: every column has a
  // ±1 in one of rows 4..6 (no column is left out, unlike a row selection).
  auto guard = CountSketch::Random(3, n, DerivedSeed(3, 2));
  ASSERT_TRUE(guard.ok());
  for (int64_t j = 0; j < n; ++j) {
    EXPECT_EQ(s.positions()[n + j], 4 + guard->positions()[j]) << j;
    EXPECT_EQ(s.values()[n + j], guard->values()[j]) << j;
    EXPECT_EQ(std::abs(s.values()[n + j]), 1.0) << j;
  }
}

// SCW's squared error with `sketch`, relative to ‖A‖_F².
double ScwRelativeError(const CountSketch& sketch, const RowMatrixXd& a, int64_t k) {
  auto f = ScwLowRank(sketch, a, k);
  EXPECT_TRUE(f.ok()) << f.status();
  return (MatrixXd(a) - f->left * f->right.transpose()).squaredNorm() / a.squaredNorm();
}

// An input unlike the training family: all its energy in the rows of one
// inner-product bucket (none of them a sampled centre). S1·A then has rank 1,
// and the old 0/1 sampled-rows S2 gave S2·A = 0, so the "guarded" sketch
// captured one direction of a rank-8 input. The random guard half keeps the
// error within a constant of a random CountSketch's.
TEST(InnerProductSketchTest, GuardKeepsTheErrorOfARandomSketchOnAnUnlikeInput) {
  const int64_t n = 240, d = 30, m = 24, k = 4;
  const auto family = SharedStructureFamily(6, n, d, 3, 0.01, 11);
  RowMatrixXd mean = RowMatrixXd::Zero(n, d);
  for (const RowMatrixXd& a : family) mean += a / static_cast<double>(family.size());
  auto built = BuildInnerProductSketch(mean, m, k, 5, true);
  ASSERT_TRUE(built.ok()) << built.status();
  const CountSketch& s = built->sketch;
  // The fullest bucket of S1, without its centre.
  std::vector<std::vector<int64_t>> bucket(built->learned_rows);
  const std::set<int64_t> centres(built->centres.begin(), built->centres.end());
  for (int64_t j = 0; j < n; ++j) {
    if (!centres.count(j)) bucket[s.positions()[j]].push_back(j);
  }
  const auto& rows = *std::max_element(bucket.begin(), bucket.end(),
                                       [](const auto& a, const auto& b) { return a.size() < b.size(); });
  ASSERT_GE(rows.size(), 12u);
  RowMatrixXd unlike = RowMatrixXd::Zero(n, d);
  const RowMatrixXd g = Gaussian(static_cast<Index>(rows.size()), 8, 21) * Gaussian(8, d, 22);
  for (size_t t = 0; t < rows.size(); ++t) unlike.row(rows[t]) = g.row(static_cast<Index>(t));

  const double guarded = ScwRelativeError(s, unlike, k);
  // Random CountSketches with as many rows as the guard half (m/2), mean of 5.
  double random = 0;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    random += ScwRelativeError(*CountSketch::Random(m / 2, n, 100 + seed), unlike, k) / 5;
  }
  // S1 alone (no guard): what the unguarded part achieves, for contrast.
  auto s1 = CountSketch::FromParts(built->learned_rows,
                                   std::vector<int32_t>(s.positions().begin(), s.positions().begin() + n),
                                   std::vector<double>(s.values().begin(), s.values().begin() + n));
  ASSERT_TRUE(s1.ok());
  const double unguarded = ScwRelativeError(*s1, unlike, k);
  EXPECT_LE(guarded, 1.5 * random) << "random " << random << " unguarded " << unguarded;
  EXPECT_GT(unguarded, 2 * random);  // the input really defeats the learned half
}

TEST(InnerProductSketchTest, DeterministicPerSeed) {
  const RowMatrixXd mean = Gaussian(50, 10, 8);
  auto a = BuildInnerProductSketch(mean, 6, 2, 11, false);
  auto b = BuildInnerProductSketch(mean, 6, 2, 11, false);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sketch, b->sketch);
  EXPECT_EQ(a->centres, b->centres);
}

TEST(InnerProductSketchTest, CancelledControlStopsTheBuild) {
  const RowMatrixXd mean = Gaussian(400, 30, 9);
  CancelToken token;
  TrainingControl control(nullptr, &token, 0);
  ASSERT_TRUE(BuildInnerProductSketch(mean, 20, 5, 3, true, &control).ok());
  token.Cancel();
  EXPECT_EQ(BuildInnerProductSketch(mean, 20, 5, 3, true, &control).status().code(),
            absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace sketchd
