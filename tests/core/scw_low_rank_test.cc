#include "core/lowrank/scw_low_rank.h"

#include <gtest/gtest.h>

#include <numeric>

#include "core/lowrank/exact_svd.h"
#include "core/lowrank/low_rank_error.h"
#include "core/sketch/gaussian_sketch.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;
using testing::LowRankPlusNoise;

double OptimalError(const MatrixXd& a, int64_t k) {
  return OptimalLowRankError(*SingularValues(a), k);
}

// Reference SCW written independently with Eigen's Jacobi SVD and the dense
// projector formula [AV]_k Vᵀ.
MatrixXd ReferenceScw(const MatrixXd& s, const MatrixXd& a, int64_t k) {
  Eigen::JacobiSVD<MatrixXd> sa(s * a, Eigen::ComputeFullV);
  const Index r = sa.rank();
  const MatrixXd v = sa.matrixV().leftCols(r);
  Eigen::JacobiSVD<MatrixXd> av(a * v, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Index kk = std::min<Index>(k, r);
  return av.matrixU().leftCols(kk) * av.singularValues().head(kk).asDiagonal() *
         av.matrixV().leftCols(kk).transpose() * v.transpose();
}

TEST(ScwLowRankTest, MatchesIndependentReferenceAndFactorInvariants) {
  const MatrixXd a = LowRankPlusNoise(80, 30, 8, 0.05, 1);
  auto s = CountSketch::Random(12, 80, 2);
  auto f = ScwLowRank(*s, RowMatrixXd(a), 5);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->left.rows(), 80);
  EXPECT_EQ(f->right.rows(), 30);
  EXPECT_EQ(f->rank, 5);
  const MatrixXd approx = f->left * f->right.transpose();
  EXPECT_LE((approx - ReferenceScw(s->ToDense(), a, 5)).norm(), 1e-10 * a.norm());
  // Z has orthonormal columns; Y's column norms are the singular values.
  EXPECT_LE((f->right.transpose() * f->right - MatrixXd::Identity(5, 5)).norm(), 1e-12);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(f->left.col(i).norm(), f->singular_values(i), 1e-10);
  for (int i = 1; i < 5; ++i) EXPECT_GE(f->singular_values(i - 1), f->singular_values(i));
}

TEST(ScwLowRankTest, PermutationSketchWithMAtLeastNGivesExactTruncatedSvdError) {
  const MatrixXd a = LowRankPlusNoise(40, 25, 6, 0.1, 3);
  std::vector<int32_t> perm(40);
  std::iota(perm.begin(), perm.end(), 0);
  std::reverse(perm.begin(), perm.end());
  for (int64_t m : {40, 50}) {
    auto s = CountSketch::FromParts(m, perm, std::vector<double>(40, 1.0));
    ASSERT_TRUE(s.ok());
    for (int64_t k : {1, 4, 10}) {
      auto f = ScwLowRank(*s, RowMatrixXd(a), k);
      ASSERT_TRUE(f.ok());
      const double optimal = OptimalError(a, k);
      EXPECT_NEAR(LowRankResidualNorm(RowMatrixXd(a), f->left, f->right), optimal, 1e-10 * a.norm())
          << "m=" << m << " k=" << k;
      auto exact = ExactTruncatedSvd(a, k);
      ASSERT_TRUE(exact.ok());
      EXPECT_LE((f->singular_values - exact->singular_values).norm(), 1e-10);
    }
  }
}

TEST(ScwLowRankTest, ErrorNeverBeatsTheOptimum) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const MatrixXd a = LowRankPlusNoise(60, 20, 5, 0.2, 100 + seed);
    auto s = CountSketch::Random(8, 60, seed);
    auto f = ScwLowRank(*s, RowMatrixXd(a), 4);
    ASSERT_TRUE(f.ok());
    auto q = EvaluateLowRank(RowMatrixXd(a), f->left, f->right, 4);
    ASSERT_TRUE(q.ok());
    EXPECT_GE(q->excess_error, -1e-12 * a.norm()) << "seed " << seed;
    EXPECT_GE(q->error, q->optimal_error - 1e-12 * a.norm());
  }
}

TEST(ScwLowRankTest, MeanExcessErrorFallsAsMGrows) {
  const int64_t k = 5;
  std::vector<double> mean_excess;
  for (int64_t m : {6, 12, 24, 48}) {
    double sum = 0;
    for (uint64_t trial = 0; trial < 25; ++trial) {
      const MatrixXd a = LowRankPlusNoise(200, 40, 10, 0.05, 1000 + trial);
      auto s = CountSketch::Random(m, 200, 7 * trial + 1);
      auto f = ScwLowRank(*s, RowMatrixXd(a), k);
      ASSERT_TRUE(f.ok());
      sum += EvaluateLowRankWithOptimum(RowMatrixXd(a), f->left, f->right, OptimalError(a, k))
                 .excess_error / a.norm();
    }
    mean_excess.push_back(sum / 25);
  }
  for (size_t i = 1; i < mean_excess.size(); ++i) {
    EXPECT_LT(mean_excess[i], mean_excess[i - 1]) << "m index " << i;
  }
  EXPECT_LT(mean_excess.back(), 0.25 * mean_excess.front());
}

TEST(ScwLowRankTest, AllInputLayoutsAgree) {
  const MatrixXd a = LowRankPlusNoise(50, 16, 4, 0.1, 9);
  auto s = CountSketch::Random(10, 50, 10);
  auto row = ScwLowRank(*s, RowMatrixXd(a), 3);
  auto col = ScwLowRankColMajor(*s, a, 3);
  auto csr = ScwLowRank(*s, CsrMatrix(a.sparseView()), 3);
  auto from_sketched = ScwFromSketched(s->Apply(a), RowMatrixXd(a), 3);
  ASSERT_TRUE(row.ok() && col.ok() && csr.ok() && from_sketched.ok());
  const MatrixXd expected = row->left * row->right.transpose();
  EXPECT_LE((col->left * col->right.transpose() - expected).norm(), 1e-10);
  EXPECT_LE((csr->left * csr->right.transpose() - expected).norm(), 1e-10);
  EXPECT_LE((from_sketched->left * from_sketched->right.transpose() - expected).norm(), 1e-10);
}

TEST(ScwLowRankTest, GaussianSketchWorksThroughSketchedEntryPoint) {
  const MatrixXd a = LowRankPlusNoise(70, 20, 3, 0.01, 5);
  auto g = GaussianSketch::Create(10, 70, 3);
  auto f = ScwFromSketched(g->Apply(a), RowMatrixXd(a), 3);
  ASSERT_TRUE(f.ok());
  EXPECT_LE((f->left * f->right.transpose() - ReferenceScw(g->ToDense(), a, 3)).norm(),
            1e-10 * a.norm());
}

TEST(ScwLowRankTest, RankDeficientSketchPadsWithZeros) {
  // rank(A) = 2 < k = 4: two components, two zero columns, rank reported.
  const MatrixXd a = GaussianMatrix(30, 2, 1) * GaussianMatrix(2, 10, 2);
  auto s = CountSketch::Random(8, 30, 3);
  auto f = ScwLowRank(*s, RowMatrixXd(a), 4);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->rank, 2);
  EXPECT_EQ(f->left.cols(), 4);
  EXPECT_EQ(f->left.rightCols(2).norm(), 0.0);
  EXPECT_EQ(f->right.rightCols(2).norm(), 0.0);
  EXPECT_EQ(f->singular_values.tail(2).norm(), 0.0);
  EXPECT_LE(LowRankResidualNorm(RowMatrixXd(a), f->left, f->right), 1e-10 * a.norm());
  // m < k: at most m components.
  auto tiny = CountSketch::Random(1, 30, 3);
  auto g = ScwLowRank(*tiny, RowMatrixXd(a), 2);
  ASSERT_TRUE(g.ok());
  EXPECT_LE(g->rank, 1);
}

TEST(ScwLowRankTest, ZeroMatrixGivesZeroFactors) {
  auto s = CountSketch::Random(4, 10, 1);
  auto f = ScwLowRank(*s, RowMatrixXd::Zero(10, 6), 3);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->rank, 0);
  EXPECT_EQ(f->left.norm(), 0.0);
  EXPECT_EQ(f->right.norm(), 0.0);
}

TEST(ScwLowRankTest, MLargerThanNIsAllowed) {
  const MatrixXd a = LowRankPlusNoise(12, 8, 3, 0.1, 2);
  auto s = CountSketch::Random(50, 12, 4);
  auto f = ScwLowRank(*s, RowMatrixXd(a), 3);
  ASSERT_TRUE(f.ok());
  EXPECT_GE(LowRankResidualNorm(RowMatrixXd(a), f->left, f->right), OptimalError(a, 3) - 1e-12);
}

TEST(ScwLowRankTest, BadArgumentsAreRejected) {
  auto s = CountSketch::Random(4, 10, 1);
  const RowMatrixXd a = GaussianMatrix(10, 6, 1);
  EXPECT_EQ(ScwLowRank(*s, a, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ScwLowRank(*s, a, 7).status().code(), absl::StatusCode::kInvalidArgument);
  const RowMatrixXd wrong_n = GaussianMatrix(11, 6, 1);
  EXPECT_EQ(ScwLowRank(*s, wrong_n, 2).status().code(), absl::StatusCode::kInvalidArgument);
  RowMatrixXd nan = a;
  nan(3, 2) = NAN;
  EXPECT_EQ(ScwLowRank(*s, nan, 2).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExactSvdTest, AgreesWithJacobiAndOptimalErrorFormula) {
  const MatrixXd a = LowRankPlusNoise(45, 17, 5, 0.3, 8);
  auto sigma = SingularValues(a);
  ASSERT_TRUE(sigma.ok());
  Eigen::JacobiSVD<MatrixXd> jacobi(a);
  EXPECT_LE((*sigma - jacobi.singularValues()).norm(), 1e-12 * a.norm());
  auto t = ExactTruncatedSvd(a, 4);
  ASSERT_TRUE(t.ok());
  const MatrixXd a4 = t->u * t->singular_values.asDiagonal() * t->v.transpose();
  EXPECT_NEAR((a - a4).norm(), OptimalLowRankError(*sigma, 4), 1e-12 * a.norm());
  EXPECT_EQ(OptimalLowRankError(*sigma, 17), 0.0);
  EXPECT_FALSE(ExactTruncatedSvd(a, 18).ok());
  MatrixXd bad = a;
  bad(0, 0) = INFINITY;
  EXPECT_FALSE(SingularValues(bad).ok());
}

TEST(LowRankErrorTest, PanelledResidualEqualsDenseResidual) {
  const RowMatrixXd a = GaussianMatrix(700, 9, 3);  // several 256-row panels
  const MatrixXd y = GaussianMatrix(700, 3, 4), z = GaussianMatrix(9, 3, 5);
  EXPECT_NEAR(LowRankResidualNorm(a, y, z), (MatrixXd(a) - y * z.transpose()).norm(), 1e-10);
  auto q = EvaluateLowRank(a, y, z, 3);
  ASSERT_TRUE(q.ok());
  EXPECT_NEAR(q->excess_error, q->error - q->optimal_error, 1e-14);
  EXPECT_NEAR(q->relative_excess, q->excess_error / q->optimal_error, 1e-14);
}

}  // namespace
}  // namespace sketchd
