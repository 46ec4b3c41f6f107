#include <cmath>
#include <vector>

#include "core/training/greedy_positions.h"
#include "core/training/ivy_training.h"
#include "core/training/training_set.h"
#include "gtest/gtest.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::SharedStructureFamily;

std::vector<TrainingMatrix> Prepare(const std::vector<RowMatrixXd>& family, int64_t k) {
  std::vector<int64_t> idx(family.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i);
  TrainingControl control(nullptr, nullptr, 0);
  return *PrepareTrainingMatrices(family, idx, true, k, 2, control);
}

TEST(TrainingSetTest, NormalisesToTopSingularValueOne) {
  auto family = SharedStructureFamily(3, 30, 20, 4, 0.1, 1);
  family[1] *= 1e-150;  // badly scaled: copied, not used raw
  family.push_back(RowMatrixXd::Zero(30, 20));
  const auto set = Prepare(family, 3);
  for (size_t i = 0; i < set.size(); ++i) {
    const RowMatrixXd normalised = set[i].raw() * set[i].inv_scale;
    Eigen::JacobiSVD<MatrixXd> svd(normalised);
    if (i + 1 < set.size()) {
      EXPECT_NEAR(svd.singularValues()(0), 1.0, 1e-9);
    }
    EXPECT_NEAR(set[i].frob_sq, normalised.squaredNorm(), 1e-9);
    EXPECT_NEAR(set[i].optimal_error,
                svd.singularValues().tail(svd.singularValues().size() - 3).norm(), 1e-9);
  }
}

TEST(ValueLearningTest, NeverWorseOnTrainingAndFrozenBlocksStay) {
  const auto family = SharedStructureFamily(6, 40, 30, 5, 0.05, 2);
  const auto set = Prepare(family, 3);
  const CountSketch start =
      *CountSketch::Stack(*CountSketch::Random(3, 40, 1), *CountSketch::Random(3, 40, 2));
  TrainingControl control(nullptr, nullptr, 0);
  ProgressReporter progress(&control, 0, 1);
  for (double lr : {0.05, 1e6}) {  // a sane rate and an absurd one
    ValueLearningConfig cfg;
    cfg.k = 3;
    cfg.iterations = 30;
    cfg.batch_size = 3;
    cfg.learning_rate = lr;
    cfg.threads = 2;
    cfg.trainable = {true, false};
    ValueLearningReport report;
    auto learned = LearnSketchValues(start, set, cfg, &progress, &report);
    ASSERT_TRUE(learned.ok());
    for (double v : learned->values()) ASSERT_TRUE(std::isfinite(v));
    EXPECT_LE(report.best_loss, report.initial_loss);
    auto loss = MeanScwLoss(*learned, set, 3, 2, control);
    EXPECT_NEAR(*loss, report.best_loss, 1e-12);
    for (int64_t j = 0; j < 40; ++j) EXPECT_EQ(learned->values()[40 + j], start.values()[40 + j]);
    if (lr == 0.05) {
      EXPECT_LT(report.best_loss, report.initial_loss);
    }
  }
}

TEST(GreedyTest, ProxyDecreasesAndMatchesScwLoss) {
  const auto family = SharedStructureFamily(4, 30, 20, 4, 0.05, 3);
  const auto set = Prepare(family, 2);
  TrainingControl control(nullptr, nullptr, 0);
  ProgressReporter progress(&control, 0, 1);
  VectorXd scores = VectorXd::Zero(30);
  for (const auto& tm : set) scores += tm.raw().rowwise().squaredNorm() * tm.loss_weight();
  GreedyConfig cfg;
  cfg.k = 2;
  cfg.threads = 2;
  GreedyReport report;
  const CountSketch start = *CountSketch::Random(5, 30, 4);
  auto placed = LearnGreedyPositions(start, set, scores, cfg, &progress, &report);
  ASSERT_TRUE(placed.ok());
  EXPECT_LE(report.final_proxy, report.initial_proxy);
  EXPECT_GT(report.moves, 0);
  EXPECT_NEAR(report.initial_proxy, *MeanScwLoss(start, set, 2, 1, control), 1e-8);
  EXPECT_NEAR(report.final_proxy, *MeanScwLoss(*placed, set, 2, 1, control), 1e-8);
  for (double v : placed->values()) EXPECT_EQ(std::abs(v), 1.0);
}

TEST(GreedyTest, CancelledTokenStopsImmediately) {
  const auto family = SharedStructureFamily(2, 30, 20, 4, 0.05, 5);
  const auto set = Prepare(family, 2);
  CancelToken token;
  token.Cancel();
  TrainingControl control(nullptr, &token, 0);
  ProgressReporter progress(&control, 0, 1);
  GreedyConfig cfg;
  auto placed = LearnGreedyPositions(*CountSketch::Random(5, 30, 4), set, VectorXd::Ones(30), cfg,
                                     &progress, nullptr);
  EXPECT_EQ(placed.status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace sketchd
