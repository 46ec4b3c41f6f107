#include "core/lowrank/scw_low_rank.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

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

TEST(ScwLowRankTest, MLargerThanNIsAllowedInCore) {
  const MatrixXd a = LowRankPlusNoise(12, 8, 3, 0.1, 2);
  auto s = CountSketch::Random(50, 12, 4);
  auto f = ScwLowRank(*s, RowMatrixXd(a), 3);
  ASSERT_TRUE(f.ok());
  EXPECT_GE(LowRankResidualNorm(RowMatrixXd(a), f->left, f->right), OptimalError(a, 3) - 1e-12);
}

TEST(ScwLowRankTest, RequestSizesOutsideKToNAreRefusedWithBothSizes) {
  EXPECT_TRUE(CheckSketchSizes(12, 12, 3).ok());
  EXPECT_TRUE(CheckSketchSizes(12, 3, 3).ok());
  const absl::Status big = CheckSketchSizes(12, 50, 3);
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(big.message(),
            "the sketch has m = 50 rows but A has only n = 12 rows: a sketch larger than A "
            "compresses nothing; use m ≤ n");
  const absl::Status small = CheckSketchSizes(12, 2, 3);
  EXPECT_EQ(small.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(small.message(),
            "rank k = 3 exceeds the sketch's m = 2 rows: SCW returns at most m components; use a "
            "sketch with m ≥ k (m = 2k is typical)");
  LowRankOptions negative;
  negative.power_iters = -1;
  const RowMatrixXd a = LowRankPlusNoise(12, 8, 3, 0.1, 2);
  EXPECT_EQ(ScwLowRank(*CountSketch::Random(6, 12, 4), a, 3, negative).status().message(),
            "power_iters must be in [0, 100], got -1");
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
  EXPECT_EQ(ScwLowRank(*s, nan, 2).status().message(),
            "A has a non-finite entry nan at row 3, column 2; every entry must be finite");
}

// A = U diag(σ) Wᵀ with Haar-like orthonormal U, W (QR of Gaussians).
MatrixXd WithSpectrum(Index n, Index d, const VectorXd& sigma, uint64_t seed) {
  const MatrixXd u = Eigen::HouseholderQR<MatrixXd>(GaussianMatrix(n, sigma.size(), seed))
                         .householderQ() * MatrixXd::Identity(n, sigma.size());
  const MatrixXd w = Eigen::HouseholderQR<MatrixXd>(GaussianMatrix(d, sigma.size(), seed + 1))
                         .householderQ() * MatrixXd::Identity(d, sigma.size());
  return u * sigma.asDiagonal() * w.transpose();
}

TEST(ScwPowerIterationTest, ErrorFallsMonotonicallyToTheOptimumOnSlowDecay) {
  // σ_i = i^{-1/2}: slow decay, where one-pass SCW is far from optimal.
  const Index p = 120;
  VectorXd sigma(p);
  for (Index i = 0; i < p; ++i) sigma(i) = 1.0 / std::sqrt(static_cast<double>(i + 1));
  const MatrixXd a = WithSpectrum(400, 150, sigma, 21);
  const int64_t k = 5;
  const double optimal = OptimalError(a, k);
  auto s = CountSketch::Random(10, 400, 3);
  std::vector<double> excess;
  for (int64_t q = 0; q <= 8; ++q) {
    LowRankOptions options;
    options.power_iters = q;
    auto f = ScwLowRank(*s, RowMatrixXd(a), k, options);
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_EQ(f->passes, 2 + 2 * q);
    EXPECT_LE((f->right.transpose() * f->right - MatrixXd::Identity(k, k)).norm(), 1e-12);
    excess.push_back(LowRankResidualNorm(RowMatrixXd(a), f->left, f->right) / optimal - 1);
    EXPECT_GE(excess.back(), -1e-12) << "q=" << q;
  }
  for (size_t q = 1; q < excess.size(); ++q) {
    EXPECT_LE(excess[q], excess[q - 1] * (1 + 1e-9)) << "q=" << q;
  }
  EXPECT_LT(excess.back(), 0.1 * excess.front());
}

TEST(ScwPowerIterationTest, ConvergesToTheExactTruncatedSvdWithASpectralGap) {
  VectorXd sigma(40);
  for (Index i = 0; i < 40; ++i) sigma(i) = std::pow(0.8, static_cast<double>(i));
  const MatrixXd a = WithSpectrum(200, 60, sigma, 5);
  auto s = CountSketch::Random(8, 200, 9);
  LowRankOptions options;
  options.power_iters = 40;
  auto f = ScwLowRank(*s, RowMatrixXd(a), 4, options);
  ASSERT_TRUE(f.ok()) << f.status();
  auto exact = ExactTruncatedSvd(a, 4);
  ASSERT_TRUE(exact.ok());
  EXPECT_LE((f->singular_values - exact->singular_values).norm(), 1e-12);
  EXPECT_NEAR(f->error, OptimalError(a, 4), 1e-10 * OptimalError(a, 4));
}

// Row-major, column-major, CSR and pre-sketched inputs give the same answer
// under plain power iterations and under block Krylov.
TEST(ScwPowerIterationTest, AllInputLayoutsAgreeWithPowerIterations) {
  const MatrixXd a = LowRankPlusNoise(90, 30, 6, 0.1, 12);
  auto s = CountSketch::Random(10, 90, 2);
  ASSERT_TRUE(s.ok());
  for (bool krylov : {false, true}) {
    LowRankOptions options;
    options.power_iters = 2;
    options.block_krylov = krylov;
    auto row = ScwLowRank(*s, RowMatrixXd(a), 4, options);
    auto col = ScwLowRankColMajor(*s, a, 4, options);
    auto csr = ScwLowRank(*s, CsrMatrix(a.sparseView()), 4, options);
    auto from_sketched = ScwFromSketched(s->Apply(a), RowMatrixXd(a), 4, options);
    ASSERT_TRUE(row.ok() && col.ok() && csr.ok() && from_sketched.ok());
    const MatrixXd expected = row->left * row->right.transpose();
    for (const auto* f : {&*col, &*csr, &*from_sketched}) {
      EXPECT_LE((f->left * f->right.transpose() - expected).norm(), 1e-10 * a.norm())
          << "krylov=" << krylov;
      EXPECT_NEAR(f->error, row->error, 1e-10 * row->error) << "krylov=" << krylov;
    }
  }
}

// The top k singular values of AV, V an orthonormal basis of row(SA), by
// Eigen's Jacobi SVD (independent of SCW's routes).
VectorXd TopSingularValuesOfAV(const MatrixXd& s, const MatrixXd& a, int64_t k) {
  Eigen::JacobiSVD<MatrixXd> sa(s * a, Eigen::ComputeFullV);
  const MatrixXd v = sa.matrixV().leftCols(sa.rank());
  return Eigen::JacobiSVD<MatrixXd>(a * v).singularValues().head(k);
}

// SCW's last step takes the SVD of AV from its Gram matrix when the k-th
// direction is well resolved (flat spectrum) and by QR + SVD otherwise
// (steep spectrum, σ_k/σ₁ < 1e-4): either way every singular value it
// reports matches an independent SVD of AV to 1e-11 relative, and the
// factors match the dense reference.
TEST(ScwLowRankTest, SingularValuesMatchTheSvdOfAVOnFlatAndSteepSpectra) {
  for (double smallest : {0.3, 1e-15}) {  // σ₁₂/σ₁ = 0.63 and 2e-6
    VectorXd sigma(30);
    for (Index i = 0; i < 30; ++i) sigma(i) = std::pow(smallest, static_cast<double>(i) / 29.0);
    const MatrixXd a = WithSpectrum(120, 50, sigma, 31);
    auto s = CountSketch::Random(24, 120, 4);
    const int64_t k = 12;
    auto f = ScwLowRank(*s, RowMatrixXd(a), k);
    ASSERT_TRUE(f.ok()) << f.status();
    const VectorXd expected = TopSingularValuesOfAV(s->ToDense(), a, k);
    ASSERT_EQ(f->rank, k) << "smallest=" << smallest;
    for (Index i = 0; i < k; ++i) {
      EXPECT_NEAR(f->singular_values(i), expected(i), 1e-11 * expected(i))
          << "smallest=" << smallest << " i=" << i;
    }
    const MatrixXd approx = f->left * f->right.transpose();
    EXPECT_LE((approx - ReferenceScw(s->ToDense(), a, k)).norm(), 1e-10 * a.norm());
    EXPECT_NEAR(f->error, (a - approx).norm(), 1e-10 * (a - approx).norm());
  }
}

// Between those: σ_k/σ₁ ≈ 8e-5 (the Gram route refuses it) but κ(AV) ≈ 1e5,
// within CholeskyQR2's range at this small n·r (~2.5e5): the R of AV comes
// from CholeskyQR2 in AV's own buffer, and (AV)W from its first factor.
TEST(ScwLowRankTest, CholeskyQr2RouteMatchesTheSvdOfAV) {
  VectorXd sigma(12);
  for (Index i = 0; i < 12; ++i) sigma(i) = std::pow(1e-5, static_cast<double>(i) / 11.0);
  const MatrixXd a = WithSpectrum(60, 40, sigma, 41);
  auto s = CountSketch::Random(12, 60, 7);
  const int64_t k = 10;
  auto f = ScwLowRank(*s, RowMatrixXd(a), k);
  ASSERT_TRUE(f.ok()) << f.status();
  const VectorXd expected = TopSingularValuesOfAV(s->ToDense(), a, k);
  ASSERT_EQ(f->rank, k);
  for (Index i = 0; i < k; ++i) {
    EXPECT_NEAR(f->singular_values(i), expected(i), 1e-10 * expected(i)) << "i=" << i;
  }
  const MatrixXd approx = f->left * f->right.transpose();
  EXPECT_LE((approx - ReferenceScw(s->ToDense(), a, k)).norm(), 1e-10 * a.norm());
  EXPECT_LE((f->right.transpose() * f->right - MatrixXd::Identity(k, k)).norm(), 1e-12);
}

// With power iterations V₀ is LU-normalized (SA)ᵀ, of full column rank even
// where SA has zero rows: the answer is at least as good as from row(SA)
// alone, with all k components and the exact error.
TEST(ScwPowerIterationTest, ARankDeficientSketchStillStartsTheIteration) {
  const MatrixXd a = LowRankPlusNoise(100, 40, 10, 0.05, 17);
  auto s = CountSketch::Random(10, 100, 8);
  MatrixXd sketched = s->Apply(RowMatrixXd(a));
  for (Index i : {0, 3, 4, 9}) sketched.row(i).setZero();  // rank(SA) = 6
  const int64_t k = 8;
  auto plain = ScwFromSketched(sketched, RowMatrixXd(a), k);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->rank, 6);
  LowRankOptions options;
  options.power_iters = 1;
  auto iterated = ScwFromSketched(sketched, RowMatrixXd(a), k, options);
  ASSERT_TRUE(iterated.ok()) << iterated.status();
  EXPECT_EQ(iterated->rank, k);
  const double explicit_error = (a - iterated->left * iterated->right.transpose()).norm();
  EXPECT_NEAR(iterated->error, explicit_error, 1e-10 * explicit_error);
  EXPECT_LT(iterated->error, plain->error);
  EXPECT_GE(iterated->error, OptimalError(a, k) * (1 - 1e-12));
}

TEST(ScwExactErrorTest, ReportedErrorEqualsTheExplicitResidual) {
  for (uint64_t seed = 0; seed < 6; ++seed) {
    const MatrixXd a = LowRankPlusNoise(150, 40, 8, 0.05 * (seed + 1), 300 + seed);
    auto s = CountSketch::Random(12, 150, seed);
    for (int64_t q : {0, 1, 3}) {
      LowRankOptions options;
      options.power_iters = q;
      auto f = ScwLowRank(*s, RowMatrixXd(a), 6, options);
      ASSERT_TRUE(f.ok()) << f.status();
      const double explicit_error = (a - f->left * f->right.transpose()).norm();
      EXPECT_NEAR(f->error, explicit_error, 1e-10 * explicit_error) << seed << " q=" << q;
      EXPECT_NEAR(f->input_norm, a.norm(), 1e-12 * a.norm());
      EXPECT_NEAR(f->relative_error, explicit_error / a.norm(), 1e-10 * explicit_error / a.norm());
      EXPECT_FALSE(f->error_from_residual);
    }
  }
}

TEST(ScwExactErrorTest, TinyErrorsAreSummedDirectlyInsteadOfCancelling) {
  // Rank 3 plus noise 1e-9: ‖A‖² − Σσ² would keep no correct digit.
  const MatrixXd a = LowRankPlusNoise(120, 30, 3, 1e-9, 77);
  auto s = CountSketch::Random(10, 120, 1);
  auto f = ScwLowRank(*s, RowMatrixXd(a), 3);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->error_from_residual);
  const double explicit_error = (a - f->left * f->right.transpose()).norm();
  // The explicit dense residual is itself only accurate to ~ε‖A‖_F.
  EXPECT_NEAR(f->error, explicit_error, 1e-14 * a.norm());
  EXPECT_GT(f->error, 0.5 * OptimalError(a, 3));
}

TEST(ScwExactErrorTest, ErrorOfAZeroSketchIsTheNormOfA) {
  const RowMatrixXd a = GaussianMatrix(10, 6, 4);
  auto f = ScwFromSketched(MatrixXd::Zero(4, 6), a, 2);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->rank, 0);
  EXPECT_NEAR(f->error, a.norm(), 1e-14 * a.norm());
  EXPECT_NEAR(f->relative_error, 1.0, 1e-14);
}

TEST(ScwExtremeValuesTest, EntriesNearTheDoubleRangeGiveTheScaledAnswer) {
  // Two entries of ±1e308 (issue 9) on top of a modest matrix: SCW is
  // homogeneous, so the answer must be the answer for A/2^1023 times 2^1023.
  RowMatrixXd a = LowRankPlusNoise(40, 20, 4, 0.1, 8);
  a(3, 5) = 1e308;
  a(17, 11) = -1e308;
  auto s = CountSketch::Random(10, 40, 5);
  LowRankOptions options;
  options.power_iters = 1;
  auto f = ScwLowRank(*s, a, 3, options);
  ASSERT_TRUE(f.ok()) << f.status();
  const double factor = std::ldexp(1.0, 1023);
  auto reference = ScwLowRank(*s, RowMatrixXd(a / factor), 3, options);
  ASSERT_TRUE(reference.ok());
  EXPECT_NEAR(f->singular_values(0), 1e308, 1e-12 * 1e308);
  EXPECT_NEAR(f->singular_values(1), 1e308, 1e-12 * 1e308);
  EXPECT_LE((f->singular_values / factor - reference->singular_values).norm(),
            1e-13 * reference->singular_values.norm());
  EXPECT_LE((f->left / factor - reference->left).norm(), 1e-13 * reference->left.norm());
  EXPECT_NEAR(f->error / factor, reference->error, 1e-12 * reference->error);
  EXPECT_TRUE(std::isfinite(f->input_norm));
}

TEST(ScwExtremeValuesTest, TinyInputsGiveTheScaledAnswer) {
  const MatrixXd base = LowRankPlusNoise(60, 20, 4, 0.1, 3);
  auto s = CountSketch::Random(8, 60, 6);
  auto reference = ScwLowRank(*s, RowMatrixXd(base), 4);
  auto tiny = ScwLowRank(*s, RowMatrixXd(base * 1e-300), 4);
  ASSERT_TRUE(reference.ok() && tiny.ok()) << tiny.status();
  EXPECT_EQ(tiny->rank, 4);
  EXPECT_LE((tiny->singular_values * 1e300 - reference->singular_values).norm(),
            1e-12 * reference->singular_values.norm());
  EXPECT_NEAR(tiny->relative_error, reference->relative_error, 1e-12);
}

TEST(ScwExtremeValuesTest, FactorsBeyondTheDoubleRangeAreRejected) {
  RowMatrixXd a = RowMatrixXd::Constant(20, 10, 1e308);
  auto f = ScwLowRank(*CountSketch::Random(4, 20, 1), a, 1);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("beyond the double range"), absl::string_view::npos)
      << f.status();
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

// The σ₁-scaled excess of A equals the plain excess of A / σ₁(A), and is the
// same for every multiple cA (scale-free); 0 for a zero σ₁.
TEST(LowRankErrorTest, SigmaOneScaledExcessIsTheExcessOfTheNormalisedMatrix) {
  const MatrixXd a = LowRankPlusNoise(80, 16, 4, 0.3, 21);
  auto s = CountSketch::Random(6, 80, 3);
  ASSERT_TRUE(s.ok());
  const double sigma1 = (*SingularValues(a))(0);
  const MatrixXd normalised = a / sigma1;
  auto f = ScwLowRank(*s, RowMatrixXd(normalised), 3);
  ASSERT_TRUE(f.ok());
  auto direct = EvaluateLowRank(RowMatrixXd(normalised), f->left, f->right, 3);
  ASSERT_TRUE(direct.ok());
  ASSERT_GT(direct->excess_error, 1e-6);  // a random sketch is not optimal here
  for (double c : {1e-3, 1.0, 250.0}) {
    const MatrixXd scaled_a = c * sigma1 * normalised;
    auto q = EvaluateLowRank(RowMatrixXd(scaled_a), c * sigma1 * f->left, f->right, 3);
    ASSERT_TRUE(q.ok());
    EXPECT_NEAR(SigmaOneScaledExcess(*q, c * sigma1), direct->excess_error,
                1e-10 * direct->error)
        << "c=" << c;
  }
  EXPECT_EQ(SigmaOneScaledExcess(*direct, 0.0), 0.0);
}

}  // namespace
}  // namespace sketchd
