// TrainSketch, the one training entry, gives bit for bit what the per-task
// routines it replaced in the job runner and `sketchctl local train` gave.
#include "core/train_sketch.h"

#include <vector>

#include "core/regression/train_regression.h"
#include "core/training/train_low_rank.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using ::sketchd::testing::GaussMatrix;
using ::testing::HasSubstr;

// Everything but the wall-clock time.
void ExpectSameSketch(const TrainedSketch& a, const TrainedSketch& b) {
  EXPECT_EQ(a.sketch, b.sketch);
  EXPECT_EQ(a.dense, b.dense);
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.d, b.d);
  EXPECT_EQ(a.heavy_rows, b.heavy_rows);
  // Notes end with the validation's wall-clock time.
  EXPECT_EQ(a.notes.substr(0, a.notes.rfind("validation ")),
            b.notes.substr(0, b.notes.rfind("validation ")));
  EXPECT_EQ(a.validation.metric, b.validation.metric);
  EXPECT_EQ(a.validation.learned, b.validation.learned);
  EXPECT_EQ(a.validation.random, b.validation.random);
  EXPECT_EQ(a.validation.num_matrices, b.validation.num_matrices);
}

std::vector<RowMatrixXd> Family(int count, int64_t n, int64_t d, uint64_t seed) {
  std::vector<RowMatrixXd> out;
  const MatrixXd basis = GaussMatrix(n, 3, seed);
  for (int i = 0; i < count; ++i) {
    out.push_back(basis * GaussMatrix(3, d, seed + 1 + i) + 0.01 * GaussMatrix(n, d, seed + 100 + i));
  }
  return out;
}

TEST(TrainSketchTest, LowRankIsTrainLowRankSketch) {
  const auto family = Family(6, 40, 12, 3);
  for (TrainMethod method : {TrainMethod::kRandom, TrainMethod::kIvy, TrainMethod::kInnerProduct,
                             TrainMethod::kSubspace}) {
    TrainOptions o;
    o.method = method;
    o.k = 2;
    o.m = 6;
    o.iterations = 5;
    o.threads = 1;
    auto direct = TrainLowRankSketch(family, o, nullptr, nullptr);
    auto entry = TrainSketch(family, o, nullptr, nullptr);
    ASSERT_TRUE(direct.ok() && entry.ok()) << direct.status() << entry.status();
    ExpectSameSketch(*entry, *direct);
  }
}

TEST(TrainSketchTest, RegressionSplitsTheLastColumnAsB) {
  std::vector<RowMatrixXd> ab;
  std::vector<RegressionProblem> problems;
  for (int i = 0; i < 5; ++i) {
    RowMatrixXd m = GaussMatrix(120, 5, 40 + i);
    ab.push_back(m);
    problems.push_back({m.leftCols(4), m.col(4)});
  }
  for (bool learn : {false, true}) {
    TrainOptions o;
    o.method = TrainMethod::kHeavyRows;
    o.task = SketchTask::kRegression;
    o.m = 12;
    o.learn_values = learn;
    o.iterations = 5;
    o.threads = 1;
    auto direct = TrainRegressionSketch(problems, o, nullptr, nullptr);
    auto entry = TrainSketch(ab, o, nullptr, nullptr);
    ASSERT_TRUE(direct.ok() && entry.ok()) << direct.status() << entry.status();
    ExpectSameSketch(*entry, *direct);
  }
}

TEST(TrainSketchTest, RegressionNeedsTwoColumnsAndCancelReachesTheRoutine) {
  TrainOptions o;
  o.method = TrainMethod::kHeavyRows;
  o.task = SketchTask::kRegression;
  o.m = 4;
  auto narrow = TrainSketch({RowMatrixXd::Ones(20, 1)}, o, nullptr, nullptr);
  EXPECT_EQ(narrow.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(narrow.status().message(), HasSubstr("[A | b]"));
  CancelToken cancel;
  cancel.Cancel();
  o.task = SketchTask::kLowRank;
  o.method = TrainMethod::kIvy;
  o.k = 2;
  EXPECT_EQ(TrainSketch(Family(3, 20, 6, 9), o, nullptr, &cancel).status().code(),
            absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace sketchd
