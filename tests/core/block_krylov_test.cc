// Block Krylov answers (LowRankOptions::block_krylov): same passes as power
// iterations, a span that contains theirs, and the exact error identity.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "core/lowrank/exact_svd.h"
#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

MatrixXd WithSpectrum(Index n, Index d, const VectorXd& sigma, uint64_t seed) {
  const MatrixXd u = Eigen::HouseholderQR<MatrixXd>(GaussianMatrix(n, sigma.size(), seed))
                         .householderQ() * MatrixXd::Identity(n, sigma.size());
  const MatrixXd w = Eigen::HouseholderQR<MatrixXd>(GaussianMatrix(d, sigma.size(), seed + 1))
                         .householderQ() * MatrixXd::Identity(d, sigma.size());
  return u * sigma.asDiagonal() * w.transpose();
}

// σ_i = i^{-1/2}: slow decay, where plain power iterations converge slowly.
MatrixXd SlowDecay(Index n, Index d, uint64_t seed) {
  const Index p = std::min(n, d);
  VectorXd sigma(p);
  for (Index i = 0; i < p; ++i) sigma(i) = 1.0 / std::sqrt(static_cast<double>(i + 1));
  return WithSpectrum(n, d, sigma, seed);
}

double OptimalError(const MatrixXd& a, int64_t k) {
  return OptimalLowRankError(*SingularValues(a), k);
}

absl::StatusOr<LowRankFactors> RunScw(const CountSketch& s, const MatrixXd& a, int64_t k,
                                   int64_t q, bool krylov) {
  LowRankOptions options;
  options.power_iters = q;
  options.block_krylov = krylov;
  return ScwLowRank(s, RowMatrixXd(a), k, options);
}

// Independent reference: the Krylov space from unnormalised powers
// (AᵀA)^i V₀ in long double-free form (small q only, where they stay
// representable), a Jacobi SVD basis of it, and the dense [AK]_k Kᵀ.
double ReferenceKrylovError(const MatrixXd& a, const MatrixXd& v0, int64_t q, int64_t k) {
  MatrixXd blocks(a.cols(), v0.cols() * (q + 1));
  MatrixXd x = v0;
  for (int64_t i = 0; i <= q; ++i) {
    blocks.middleCols(i * v0.cols(), v0.cols()) = x;
    x = a.transpose() * (a * x);
    x /= x.norm();  // scale only: the span is unchanged
  }
  Eigen::JacobiSVD<MatrixXd> svd(blocks, Eigen::ComputeThinU);
  svd.setThreshold(1e-13);
  const MatrixXd basis = svd.matrixU().leftCols(svd.rank());
  Eigen::JacobiSVD<MatrixXd> ak(a * basis, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Index kk = std::min<Index>(k, ak.rank());
  const MatrixXd approx = ak.matrixU().leftCols(kk) * ak.singularValues().head(kk).asDiagonal() *
                          ak.matrixV().leftCols(kk).transpose() * basis.transpose();
  return (a - approx).norm();
}

TEST(BlockKrylovTest, NeverWorseThanPowerIterationsAndMatchesAnIndependentReference) {
  const MatrixXd a = SlowDecay(300, 120, 31);
  const int64_t k = 5;
  const double optimal = OptimalError(a, k);
  auto s = CountSketch::Random(10, 300, 4);
  ASSERT_TRUE(s.ok());
  const MatrixXd v0 = RowSpaceBasis(s->Apply(a));
  for (int64_t q = 1; q <= 3; ++q) {
    auto power = RunScw(*s, a, k, q, false);
    auto krylov = RunScw(*s, a, k, q, true);
    ASSERT_TRUE(power.ok() && krylov.ok());
    EXPECT_EQ(krylov->passes, 2 + 2 * q);
    EXPECT_LE((krylov->right.transpose() * krylov->right - MatrixXd::Identity(k, k)).norm(),
              1e-12);
    const double power_excess = power->error / optimal - 1;
    const double krylov_excess = krylov->error / optimal - 1;
    EXPECT_GE(krylov_excess, -1e-12) << "q=" << q;
    std::printf("q=%lld excess: power %.3e, block Krylov %.3e\n", static_cast<long long>(q),
                power_excess, krylov_excess);
    // The span holds V_q, so the answer is at least as good; on this slow
    // decay it is much better (measured 2.6×, 19×, 390× less excess for
    // q = 1, 2, 3).
    EXPECT_LT(krylov_excess, 0.5 * power_excess) << "q=" << q;
    EXPECT_NEAR(krylov->error, ReferenceKrylovError(a, v0, q, k), 1e-9 * optimal) << "q=" << q;
  }
}

TEST(BlockKrylovTest, ReportedErrorEqualsTheExplicitResidual) {
  for (uint64_t seed = 0; seed < 4; ++seed) {
    const MatrixXd a = SlowDecay(200, 90, 50 + seed);
    auto s = CountSketch::Random(12, 200, seed);
    ASSERT_TRUE(s.ok());
    auto f = RunScw(*s, a, 6, 2, true);
    ASSERT_TRUE(f.ok()) << f.status();
    const double explicit_residual = LowRankResidualNorm(RowMatrixXd(a), f->left, f->right);
    EXPECT_NEAR(f->error, explicit_residual, 1e-10 * explicit_residual) << "seed " << seed;
  }
}

TEST(BlockKrylovTest, AFullKrylovSpaceGivesTheExactTruncatedSvd) {
  // r·(q + 1) = 8·4 = d = 32: the blocks span everything A's rows can reach.
  const MatrixXd a = SlowDecay(100, 32, 7);
  auto s = CountSketch::Random(8, 100, 1);
  ASSERT_TRUE(s.ok());
  auto f = RunScw(*s, a, 4, 3, true);
  ASSERT_TRUE(f.ok()) << f.status();
  auto exact = ExactTruncatedSvd(a, 4);
  ASSERT_TRUE(exact.ok());
  EXPECT_LE((f->singular_values - exact->singular_values).norm(), 1e-12);
  EXPECT_NEAR(f->error, OptimalError(a, 4), 1e-10 * OptimalError(a, 4));
}

TEST(BlockKrylovTest, WithoutIterationsItIsPlainScw) {
  const MatrixXd a = SlowDecay(120, 50, 9);
  auto s = CountSketch::Random(10, 120, 2);
  ASSERT_TRUE(s.ok());
  auto plain = RunScw(*s, a, 5, 0, false);
  auto krylov = RunScw(*s, a, 5, 0, true);
  ASSERT_TRUE(plain.ok() && krylov.ok());
  EXPECT_EQ(plain->left, krylov->left);
  EXPECT_EQ(plain->right, krylov->right);
  EXPECT_EQ(plain->error, krylov->error);
}

// All input layouts agreeing under block Krylov: ScwPowerIterationTest.
// AllInputLayoutsAgreeWithPowerIterations runs both iteration kinds.

TEST(BlockKrylovTest, BasisWidthIsCappedByTheDimension) {
  EXPECT_EQ(KrylovBasisWidth(10, 0, 100), 10);
  EXPECT_EQ(KrylovBasisWidth(10, 2, 100), 30);
  EXPECT_EQ(KrylovBasisWidth(10, 20, 100), 100);
  EXPECT_EQ(KrylovBasisWidth(12, 20, 100), 96);  // whole blocks only
  EXPECT_EQ(KrylovBasisWidth(10, std::numeric_limits<int64_t>::max(), 100), 100);
  EXPECT_EQ(KrylovBasisWidth(7, 3, 5), 7);  // never below r
  EXPECT_EQ(KrylovBasisWidth(0, 3, 5), 0);
}

}  // namespace
}  // namespace sketchd
