// The value-learning safeguards shared by ivy and heavy_rows: a step that
// cannot be computed is rejected (not fatal), and the returned parameters are
// the best the full training loss saw, whatever the minibatches did.
#include <cmath>
#include <vector>

#include "core/training/safeguarded_adam.h"
#include "gtest/gtest.h"

namespace sketchd {
namespace {

// f(p) = ½‖p − t‖², the full training loss of these tests.
double Quadratic(const VectorXd& p, const VectorXd& t) { return 0.5 * (p - t).squaredNorm(); }

// RunSafeguardedAdam with no cancellation or budget, learning rate 0.05.
absl::StatusOr<VectorXd> RunAdam(const VectorXd& start, int iterations, const MinibatchGradientFn& minibatch,
                             const TrainingLossFn& loss, ValueLearningReport* report) {
  TrainingControl control(nullptr, nullptr, 0);
  ProgressReporter progress(&control, 0, 1);
  SafeguardedAdamConfig cfg;
  cfg.iterations = iterations;
  cfg.learning_rate = 0.05;
  return RunSafeguardedAdam(start, cfg, minibatch, loss, &progress, report);
}

TEST(SafeguardedAdamTest, FailedStepsAreRejectedAndTrainingGoesOn) {
  const VectorXd target = VectorXd::LinSpaced(6, -1, 1);
  const VectorXd start = VectorXd::Zero(6);
  std::vector<int> failed;
  auto minibatch = [&](int step, const VectorXd& p, VectorXd* g) -> absl::StatusOr<double> {
    if (step == 3 || step == 4) {
      failed.push_back(step);
      return absl::FailedPreconditionError("sketched training matrix 0 is rank-deficient");
    }
    *g = p - target;
    return Quadratic(p, target);
  };
  auto loss = [&](const VectorXd& p) -> absl::StatusOr<double> { return Quadratic(p, target); };
  ValueLearningReport report;
  auto best = RunAdam(start, 200, minibatch, loss, &report);
  ASSERT_TRUE(best.ok()) << best.status();
  EXPECT_EQ(failed, (std::vector<int>{3, 4}));
  EXPECT_EQ(report.rejected_steps, 2);
  EXPECT_EQ(report.steps, 200);
  EXPECT_DOUBLE_EQ(report.final_learning_rate, 0.05 / 4);  // halved per rejection
  EXPECT_DOUBLE_EQ(report.initial_loss, Quadratic(start, target));
  EXPECT_LT(report.best_loss, 1e-2 * report.initial_loss);
  EXPECT_DOUBLE_EQ(Quadratic(*best, target), report.best_loss);
}

TEST(SafeguardedAdamTest, ReturnsTheBestCheckpointWhenMinibatchesWander) {
  // The minibatch gradients descend for 40 steps, then point away from the
  // optimum (a bad minibatch family): the returned parameters must be those
  // of the best checkpoint, not the last ones.
  const VectorXd target = VectorXd::Constant(4, 2.0);
  const VectorXd start = VectorXd::Zero(4);
  std::vector<double> checkpoints;
  auto minibatch = [&](int step, const VectorXd& p, VectorXd* g) -> absl::StatusOr<double> {
    *g = step < 40 ? VectorXd(p - target) : VectorXd(-0.1 * (p - target));
    return Quadratic(p, target);
  };
  auto loss = [&](const VectorXd& p) -> absl::StatusOr<double> {
    checkpoints.push_back(Quadratic(p, target));
    return checkpoints.back();
  };
  ValueLearningReport report;
  auto best = RunAdam(start, 300, minibatch, loss, &report);
  ASSERT_TRUE(best.ok()) << best.status();
  const double final_loss = Quadratic(*best, target);
  ASSERT_GE(checkpoints.size(), 3u);
  for (double c : checkpoints) EXPECT_LE(final_loss, c);
  EXPECT_DOUBLE_EQ(final_loss, report.best_loss);
  EXPECT_LT(final_loss, report.initial_loss);
}

TEST(SafeguardedAdamTest, UndefinedLossAtTheStartIsBeatenByTheFirstFiniteCheckpoint) {
  auto minibatch = [&](int, const VectorXd& p, VectorXd* g) -> absl::StatusOr<double> {
    *g = p - VectorXd::Ones(2);
    return 0.0;
  };
  auto loss = [&](const VectorXd& p) -> absl::StatusOr<double> {
    if (p.norm() == 0) return absl::FailedPreconditionError("rank-deficient at the start");
    return Quadratic(p, VectorXd::Ones(2));
  };
  ValueLearningReport report;
  auto best = RunAdam(VectorXd::Zero(2), 20, minibatch, loss, &report);
  ASSERT_TRUE(best.ok()) << best.status();
  EXPECT_TRUE(std::isinf(report.initial_loss));
  EXPECT_TRUE(std::isfinite(report.best_loss));
  EXPECT_GT(best->norm(), 0);
}

TEST(SafeguardedAdamTest, CancellationInsideAStepIsReturned) {
  CancelToken cancel;
  auto minibatch = [&](int step, const VectorXd& p, VectorXd* g) -> absl::StatusOr<double> {
    if (step == 5) {
      cancel.Cancel();
      return absl::CancelledError("training cancelled");
    }
    *g = p;
    return 0.0;
  };
  auto loss = [&](const VectorXd& p) -> absl::StatusOr<double> { return p.squaredNorm(); };
  TrainingControl control(nullptr, &cancel, 0);
  ProgressReporter progress(&control, 0, 1);
  SafeguardedAdamConfig cfg;
  cfg.iterations = 100;
  auto best = RunSafeguardedAdam(VectorXd::Ones(3), cfg, minibatch, loss, &progress, nullptr);
  EXPECT_EQ(best.status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace sketchd
