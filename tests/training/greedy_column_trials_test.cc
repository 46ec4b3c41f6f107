// The one-eigendecomposition-per-column trial update of greedy position
// learning against full recomputations, and greedy's cancellation latency.
#include "core/training/greedy_column_trials.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <atomic>
#include <string>
#include <vector>

#include "core/sketch/count_sketch.h"
#include "core/sketch/philox.h"
#include "core/training/greedy_positions.h"
#include "core/training/training_set.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::Gaussian;
using training_testing::SharedStructureFamily;

double Uniform(uint64_t seed, uint64_t i) { return 0.5 + 0.5 * std::erf(PhiloxStandardNormal(seed, 5, i) / std::sqrt(2.0)); }

// Σ top-k eigenvalues of diag(λ) restricted to z⊥, by a dense eigensolve.
double DenseCompressedSum(const VectorXd& lambda, const VectorXd& z, int64_t k) {
  const Index n = lambda.size();
  Eigen::HouseholderQR<MatrixXd> qr(z);
  const MatrixXd basis = (qr.householderQ() * MatrixXd::Identity(n, n)).rightCols(n - 1);
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(basis.transpose() * lambda.asDiagonal() * basis,
                                             Eigen::EigenvaluesOnly);
  return es.eigenvalues().tail(std::min<Index>(k, n - 1)).sum();
}

TEST(GreedyColumnTrials, SecularSumMatchesDenseCompression) {
  SecularScratch scratch;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const Index n = 3 + static_cast<Index>(seed * 7 % 40);
    VectorXd lambda(n), z(n);
    for (Index i = 0; i < n; ++i) {
      lambda(i) = 10 * Uniform(seed, i);
      z(i) = PhiloxStandardNormal(seed, 6, static_cast<uint64_t>(i));
    }
    if (seed % 3 == 0) {  // repeated eigenvalues and components of z that vanish
      lambda(1) = lambda(0);
      lambda(n - 1) = lambda(n - 2);
      z(n / 2) = 0;
    }
    std::sort(lambda.data(), lambda.data() + n);
    z.normalize();
    for (int64_t k : {int64_t{1}, int64_t{n / 2}, int64_t{n - 1}, int64_t{n + 3}}) {
      if (k < 1) continue;
      const double fast = TopCompressedEigenvalueSum(lambda, z, k, &scratch);
      const double dense = DenseCompressedSum(lambda, z, k);
      EXPECT_NEAR(fast, dense, 1e-11 * lambda.cwiseAbs().maxCoeff() * k)
          << "seed " << seed << " n " << n << " k " << k;
    }
  }
}

TEST(GreedyColumnTrials, EveryTrialMatchesAFullRecomputationOfThePencil) {
  const Index n = 60, d = 40;
  // Decaying column scales, so the captured energy depends on the placement.
  VectorXd scales(d);
  for (Index c = 0; c < d; ++c) scales(c) = std::pow(0.85, static_cast<double>(c));
  const RowMatrixXd a = Gaussian(n, d, 3) * scales.asDiagonal();
  const MatrixXd g = a.transpose() * a;
  SecularScratch scratch;
  for (Index m : {3, 8, 16}) {
    const CountSketch sketch = *CountSketch::Random(m, n, 10 + m);
    for (int64_t k : {int64_t{1}, int64_t{m / 2}, int64_t{m}}) {
      for (Index j : {0, 17, 59}) {
        MatrixXd x = sketch.Apply(a);
        const auto row = a.row(j);
        x.row(sketch.positions()[j]) -= sketch.values()[j] * row;  // column j taken out
        if (j == 0) x.row((sketch.positions()[j] + 1) % m).setZero();  // an empty bucket
        const VectorXd ga = g * row.transpose();
        ColumnTrials trials;
        ASSERT_TRUE(trials.Prepare(x * x.transpose(), x * g * x.transpose(), x * row.transpose(),
                                   x * ga, row.squaredNorm(), row.dot(ga), k))
            << "m " << m << " k " << k << " column " << j;
        for (Index p = 0; p < m; ++p) {
          for (double s : {1.0, -1.0}) {
            MatrixXd moved = x;
            moved.row(p) += s * row;
            const double full =
                CapturedFromPencil(moved * moved.transpose(), moved * g * moved.transpose(), k);
            EXPECT_NEAR(trials.Captured(p, s, &scratch), full, 1e-10 * full)
                << "m " << m << " k " << k << " column " << j << " trial " << p << "," << s;
          }
        }
      }
    }
  }
}

TEST(GreedyColumnTrials, RankDeficientBorderedPencilIsDeclined) {
  const Index n = 30, d = 12;
  const RowMatrixXd a = Gaussian(n, d, 8);
  const MatrixXd g = a.transpose() * a;
  const auto row = a.row(4);
  const VectorXd ga = g * row.transpose();
  ColumnTrials trials;
  // d = m: [X; a] has m + 1 rows in d dimensions, so a lies in row(X).
  std::vector<int32_t> positions(n);
  for (Index i = 0; i < n; ++i) positions[i] = static_cast<int32_t>(i % d);  // no empty bucket
  const MatrixXd x = CountSketch::FromParts(d, positions, std::vector<double>(n, 1.0))->Apply(a);
  EXPECT_FALSE(trials.Prepare(x * x.transpose(), x * g * x.transpose(), x * row.transpose(), x * ga,
                              row.squaredNorm(), row.dot(ga), 2));
}

TEST(GreedyColumnTrials, GreedyUsesTheUpdateAndStopsWithinASecondOfCancel) {
  // Large enough that one pass takes many seconds on one thread.
  const auto family = SharedStructureFamily(6, 2000, 300, 8, 0.05, 21);
  TrainingControl prep_control(nullptr, nullptr, 0);
  std::vector<int64_t> all(family.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  auto set = PrepareTrainingMatrices(family, all, false, 8, 1, prep_control);
  ASSERT_TRUE(set.ok());
  // Cancelled from the progress callback once the first columns have been
  // visited (greedy reports after each column, at most every 0.2 s), so the
  // test does not depend on how fast the machine prepares: a fixed 0.5 s
  // delay was too short under ASan on a loaded machine.
  CancelToken token;
  std::atomic<int64_t> cancelled_ns{0};
  ProgressCallback cancel_on_first_report = [&](double, const std::string&) {
    if (cancelled_ns.load() != 0) return;
    cancelled_ns = std::chrono::steady_clock::now().time_since_epoch().count();
    token.Cancel();
  };
  TrainingControl control(&cancel_on_first_report, &token, 0);
  ProgressReporter progress(&control, 0, 1);
  GreedyConfig cfg;
  cfg.k = 8;
  cfg.threads = 1;
  GreedyReport report;
  const absl::StatusOr<CountSketch> placed = LearnGreedyPositions(
      *CountSketch::Random(40, 2000, 3), *set, VectorXd::Ones(2000), cfg, &progress, &report);
  const auto returned = std::chrono::steady_clock::now();
  ASSERT_NE(cancelled_ns.load(), 0) << "greedy never reported progress: " << placed.status();
  const std::chrono::steady_clock::time_point cancelled_at{
      std::chrono::steady_clock::duration(cancelled_ns.load())};
  EXPECT_EQ(placed.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(std::chrono::duration<double>(returned - cancelled_at).count(), 1.0);
  EXPECT_GT(report.columns_visited, 0);
  // Random Gaussian-like rows are never in the span of the others here.
  EXPECT_EQ(report.full_recomputations, 0);
}

}  // namespace
}  // namespace sketchd
