// One-pass two-sided sketches: the streaming accumulator against a dense
// reference built from the same four sketches formed explicitly, its
// streaming invariances, its error against the exact optimum, and its errors.
#include "core/lowrank/two_sided_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "core/lowrank/exact_svd.h"
#include "core/lowrank/low_rank_error.h"
#include "tests/core/test_matrices.h"
#include "tests/core/two_sided_reference.h"

namespace sketchd {
namespace {

using testing::DenseTwoSidedReference;
using testing::GaussianMatrix;
using testing::LowRankPlusNoise;

TwoSidedSketches RandomSketches(int64_t n, int64_t d, int64_t m, int64_t m_r, int64_t m_t,
                                int64_t m_w, uint64_t seed) {
  TwoSidedSketches s;
  s.left = *CountSketch::Random(m, n, seed);
  s.right = *CountSketch::Random(m_r, d, seed + 1);
  s.core_left = *CountSketch::Random(m_t, n, seed + 2);
  s.core_right = *CountSketch::Random(m_w, d, seed + 3);
  return s;
}

TEST(TwoSidedSketch, MatchesDenseReferenceOfTheSameSketches) {
  const MatrixXd a = LowRankPlusNoise(300, 120, 12, 0.05, 7);
  for (int64_t k : {1, 5, 10}) {
    const TwoSidedSketches s = RandomSketches(300, 120, 2 * k + 4, 2 * k + 3, 4 * k + 9,
                                              4 * k + 11, 100 + k);
    const RowMatrixXd ar = a;
    auto f = TwoSidedLowRank(s, ar, k);
    ASSERT_TRUE(f.ok()) << f.status();
    const MatrixXd approx = f->left * f->right.transpose();
    const MatrixXd ref = DenseTwoSidedReference(s, a, k);
    EXPECT_LE((approx - ref).norm(), 1e-10 * ref.norm()) << "k=" << k;
    EXPECT_EQ(f->rank, k);
    // Z has orthonormal columns and YᵀY = Σ² (the factors are an SVD of Â).
    EXPECT_LE((f->right.transpose() * f->right - MatrixXd::Identity(k, k)).norm(), 1e-12);
    const MatrixXd gram = f->left.transpose() * f->left;
    const MatrixXd sigma_sq = f->singular_values.cwiseAbs2().asDiagonal();
    EXPECT_LE((gram - sigma_sq).norm(), 1e-10 * sigma_sq.norm());
  }
}

TEST(TwoSidedSketch, RowBlocksInAnyOrderAndMergedPartsGiveTheSameAnswer) {
  const int64_t n = 257, d = 90, k = 6;
  const RowMatrixXd a = LowRankPlusNoise(n, d, 8, 0.1, 11);
  const TwoSidedSketches s = RandomSketches(n, d, 16, 14, 33, 35, 5);
  auto whole = TwoSidedLowRank(s, a, k);
  ASSERT_TRUE(whole.ok()) << whole.status();

  auto streamed = TwoSidedAccumulator::Create(s, n, d, k);
  ASSERT_TRUE(streamed.ok());
  const std::vector<std::pair<int64_t, int64_t>> blocks = {{200, 57}, {0, 13}, {13, 100}, {113, 87}};
  for (auto [r0, b] : blocks) ASSERT_TRUE(streamed->AddRows(r0, a.middleRows(r0, b)).ok());
  auto top = TwoSidedAccumulator::Create(s, n, d, k);
  auto bottom = TwoSidedAccumulator::Create(s, n, d, k);
  ASSERT_TRUE(top->AddRows(0, a.topRows(100)).ok());
  ASSERT_TRUE(bottom->AddRows(100, a.bottomRows(n - 100)).ok());
  ASSERT_TRUE(top->Merge(*bottom).ok());

  const MatrixXd expected = whole->left * whole->right.transpose();
  for (const TwoSidedAccumulator* acc : {&*streamed, &*top}) {
    auto f = acc->Finish();
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_LE((f->left * f->right.transpose() - expected).norm(), 1e-11 * expected.norm());
  }
  // The state is SA, AR and TAW, never A.
  EXPECT_EQ(streamed->state_bytes(), 8 * (16 * d + n * 14 + 33 * 35));
}

TEST(TwoSidedSketch, ErrorWithinAConstantFactorOfOptimalOnLowRankPlusNoise) {
  // Range sketches k' = 4k, core s = 2k' + 1 (Tropp et al. 2017's shape).
  // Their bound for Gaussian sketches, E‖A − Â‖² ≤ (1 + k'/(s − k' − 1))·
  // (1 + k/(k' − k − 1))·‖A − A_k‖², is 2·1.34 here: ≤ 1.64× in norm; the
  // CountSketches measure 1.53–1.58×.
  const int64_t n = 600, d = 400;
  for (uint64_t seed : {1, 2, 3}) {
    for (double noise : {0.01, 0.1}) {
      const RowMatrixXd a = LowRankPlusNoise(n, d, 10, noise, 40 + seed);
      const int64_t k = 10, m = 4 * k, mc = 2 * m + 1;
      auto f = TwoSidedLowRank(RandomSketches(n, d, m, m, mc, mc, 9 * seed), a, k);
      ASSERT_TRUE(f.ok()) << f.status();
      auto q = EvaluateLowRank(a, f->left, f->right, k);
      ASSERT_TRUE(q.ok());
      EXPECT_LE(q->error, 1.75 * q->optimal_error) << "seed " << seed << " noise " << noise;
      EXPECT_GE(q->error, q->optimal_error * (1 - 1e-12));
    }
  }
}

TEST(TwoSidedSketch, ExactlyLowRankMatrixIsRecoveredAndRankIsReported) {
  const int64_t n = 200, d = 150;
  const RowMatrixXd a = GaussianMatrix(n, 4, 3) * GaussianMatrix(4, d, 4);
  auto f = TwoSidedLowRank(RandomSketches(n, d, 12, 12, 25, 25, 17), a, 6);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->rank, 4);
  EXPECT_LE((a - f->left * f->right.transpose()).norm(), 1e-10 * a.norm());
  EXPECT_EQ(f->singular_values(4), 0.0);
  EXPECT_EQ(f->singular_values(5), 0.0);

  auto zero = TwoSidedLowRank(RandomSketches(n, d, 12, 12, 25, 25, 17), RowMatrixXd::Zero(n, d), 3);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->rank, 0);
  EXPECT_EQ(zero->left.norm(), 0.0);
}

TEST(TwoSidedSketch, RejectsMisfitSketchesAndIncompleteOrBadInput) {
  const int64_t n = 50, d = 40;
  TwoSidedSketches s = RandomSketches(n, d, 8, 8, 17, 17, 1);

  TwoSidedSketches wrong_n = s;
  wrong_n.core_left = *CountSketch::Random(17, n + 1, 2);
  auto bad = TwoSidedAccumulator::Create(wrong_n, n, d, 3);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "core sketch T is 17x51 but must have rows n = 50 columns and at least one row");

  TwoSidedSketches small_core = s;
  small_core.core_right = *CountSketch::Random(7, d, 3);
  bad = TwoSidedAccumulator::Create(small_core, n, d, 3);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "core sketch W has m_w=7 rows, fewer than the left sketch's m=8: the core problem "
            "would be underdetermined; use m_w ≥ m");

  EXPECT_EQ(TwoSidedAccumulator::Create(s, n, d, 41).status().message(),
            "rank k must be in [1, min(n, d)] = [1, 40], got 41");

  auto acc = TwoSidedAccumulator::Create(s, n, d, 3);
  ASSERT_TRUE(acc.ok());
  RowMatrixXd block = RowMatrixXd::Ones(10, d);
  EXPECT_EQ(acc->AddRows(45, block).message(), "rows [45, 55) are outside [0, n=50)");
  EXPECT_EQ(acc->AddRows(0, RowMatrixXd::Ones(10, d + 1)).message(),
            "row block has 41 columns, expected 40");
  block(3, 7) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(acc->AddRows(10, block).message(), "rows [10, 20) hold a NaN or infinite entry");
  EXPECT_EQ(acc->rows_added(), 0);
  ASSERT_TRUE(acc->AddRows(0, RowMatrixXd::Ones(10, d)).ok());
  auto early = acc->Finish();
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(early.status().message(),
            "two-sided sketch needs all 50 rows of A before finishing; 10 were added");
}

}  // namespace
}  // namespace sketchd
