// Training on the transposes (TrainOptions.transpose): for every low-rank
// method TrainSketch with transpose is exactly the method trained on the
// explicitly transposed family — same sketch, same validation figures — and
// the result records that it acts on the columns. Misuse is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/train_sketch.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using ::testing::HasSubstr;
using training_testing::SharedStructureFamily;

constexpr Index kN = 40, kD = 28;

TrainOptions Options(TrainMethod method) {
  TrainOptions o;
  o.method = method;
  o.k = 3;
  o.m = 7;
  o.seed = 11;
  o.iterations = method == TrainMethod::kGreedy ? 1 : 8;
  o.threads = 1;
  return o;
}

TEST(TransposeTraining, EqualsTrainingOnTheTransposedFamilyForEveryLowRankMethod) {
  const std::vector<RowMatrixXd> family = SharedStructureFamily(10, kN, kD, 4, 0.05, 5);
  std::vector<RowMatrixXd> transposed;
  for (const RowMatrixXd& a : family) transposed.push_back(a.transpose());
  for (TrainMethod method : {TrainMethod::kRandom, TrainMethod::kIvy, TrainMethod::kMixed,
                             TrainMethod::kInnerProduct, TrainMethod::kGreedy,
                             TrainMethod::kSubspace}) {
    TrainOptions o = Options(method);
    auto plain = TrainSketch(transposed, o, nullptr, nullptr);
    o.transpose = true;
    auto flagged = TrainSketch(family, o, nullptr, nullptr);
    ASSERT_TRUE(plain.ok()) << TrainMethodName(method) << ": " << plain.status();
    ASSERT_TRUE(flagged.ok()) << TrainMethodName(method) << ": " << flagged.status();
    EXPECT_EQ(flagged->sketch_n(), kD) << TrainMethodName(method);
    EXPECT_EQ(flagged->n, kD);
    EXPECT_EQ(flagged->d, kN);
    EXPECT_TRUE(flagged->options.transpose);
    EXPECT_THAT(flagged->notes, HasSubstr("trained on the transposes"));
    if (method == TrainMethod::kSubspace) {
      EXPECT_EQ(flagged->dense, plain->dense);
    } else {
      EXPECT_EQ(flagged->sketch.ToDense(), plain->sketch.ToDense()) << TrainMethodName(method);
    }
    // Validation ran on the held-out Aᵢᵀ: the same figures as the explicit run.
    EXPECT_EQ(flagged->validation.learned, plain->validation.learned) << TrainMethodName(method);
    EXPECT_EQ(flagged->validation.random, plain->validation.random);
    EXPECT_GT(flagged->validation.num_matrices, 0);
  }
}

TEST(TransposeTraining, RefusesRegressionAndSketchesWiderThanTheColumns) {
  TrainOptions o = Options(TrainMethod::kRandom);
  o.transpose = true;
  o.m = kD + 1;
  auto wide = TrainSketch(SharedStructureFamily(4, kN, kD, 4, 0.05, 5), o, nullptr, nullptr);
  EXPECT_EQ(wide.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wide.status().message(),
            "m = 29 exceeds the 28 columns of training matrix 0: with transpose the sketch acts "
            "on the columns d; use m ≤ d");

  o.m = 10;
  o.method = TrainMethod::kHeavyRows;
  o.task = SketchTask::kRegression;
  auto regression = TrainSketch(SharedStructureFamily(4, kN, 6, 3, 0.05, 5), o, nullptr, nullptr);
  EXPECT_EQ(regression.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(regression.status().message(),
            "transpose is for the lowrank task (a range sketch for one-pass LowRank); a regression "
            "sketch acts on the rows of [A | b]: drop transpose");
}

}  // namespace
}  // namespace sketchd
