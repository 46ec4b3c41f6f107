// Every size that drives a training allocation is checked before allocating,
// with InvalidArgument naming the field and its limit.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/training/train_low_rank.h"
#include "core/training/training_limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sketchd {
namespace {

using ::testing::HasSubstr;

TrainOptions LowRank(int64_t k, int64_t m) {
  TrainOptions o;
  o.method = TrainMethod::kIvy;
  o.k = k;
  o.m = m;
  return o;
}

void ExpectRefused(const TrainOptions& o, int64_t n, int64_t d, int64_t count, const std::string& field,
                   const std::string& limit) {
  const absl::Status s = CheckTrainingSizes(o, n, d, count);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << field;
  EXPECT_THAT(s.message(), HasSubstr(field)) << s;
  EXPECT_THAT(s.message(), HasSubstr(limit)) << s;
}

TEST(TrainingLimitsTest, SizesAreCheckedWithFieldAndLimit) {
  EXPECT_TRUE(CheckTrainingSizes(LowRank(10, 20), 1000, 50, 10).ok());
  ExpectRefused(LowRank(10, 2000), 1000, 50, 10, "m (sketch rows)", "[1, 1000]");
  ExpectRefused(LowRank(10, int64_t{1} << 31), int64_t{1} << 31, 50, 10, "m (sketch rows)", "1048576");
  ExpectRefused(LowRank(10, 0), 1000, 50, 10, "m (sketch rows)", "[1, 1000]");
  ExpectRefused(LowRank(30, 20), 1000, 50, 10, "k (target rank)", "[1, 20]");
  ExpectRefused(LowRank(0, 20), 1000, 50, 10, "k (target rank)", "[1, 20]");
  ExpectRefused(LowRank(10, 20), 1000, 50, 0, "count of training matrices", "[1, 1000000]");
  ExpectRefused(LowRank(10, 20), 1000, 50, 2'000'000, "count of training matrices", "1000000");
  ExpectRefused(LowRank(10, 20), 1000, int64_t{1} << 21, 10, "d (columns", "1048576");
  TrainOptions o = LowRank(10, 20);
  o.iterations = 2'000'000;
  ExpectRefused(o, 1000, 50, 10, "iterations", "1000000");
  o = LowRank(10, 20);
  o.batch_size = -1;
  ExpectRefused(o, 1000, 50, 10, "batch_size", "1000000");
  o = LowRank(10, 20);
  o.learning_rate = std::numeric_limits<double>::quiet_NaN();
  ExpectRefused(o, 1000, 50, 10, "learning_rate", "must be in [0, 1000], got nan");
  o = LowRank(10, 20);
  o.time_budget_seconds = std::numeric_limits<double>::infinity();
  ExpectRefused(o, 1000, 50, 10, "time_budget_seconds", "finite");
  o = LowRank(10, 20);
  o.validation_fraction = 1;
  ExpectRefused(o, 1000, 50, 10, "validation_fraction", "[0, 1)");
  TrainOptions r;
  r.method = TrainMethod::kHeavyRows;
  r.task = SketchTask::kRegression;
  r.m = 40;
  EXPECT_TRUE(CheckTrainingSizes(r, 1000, 20, 5).ok());
  ExpectRefused(r, 1000, 50, 5, "m (sketch rows)", ">= d = 50");
  r.lasso_lambda_fraction = std::numeric_limits<double>::quiet_NaN();
  ExpectRefused(r, 1000, 20, 5, "lasso_lambda_fraction", "(0, 1]");
  r.lasso_lambda_fraction = 0.5;
  r.heavy_fraction = 1.5;
  ExpectRefused(r, 1000, 20, 5, "heavy_fraction", "[0, 1)");
}

// The entry points refuse before allocating: m = 2^31 − 1 on a 40×8 family
// would need a 2^31×8 SA per matrix.
TEST(TrainingLimitsTest, EntryPointsRefuseHugeSketchesUpFront) {
  std::vector<RowMatrixXd> family(3, RowMatrixXd::Ones(40, 8));
  for (TrainMethod method : {TrainMethod::kRandom, TrainMethod::kIvy, TrainMethod::kMixed,
                             TrainMethod::kInnerProduct, TrainMethod::kGreedy}) {
    TrainOptions o = LowRank(2, std::numeric_limits<int32_t>::max());
    o.method = method;
    auto r = TrainLowRankSketch(family, o, nullptr, nullptr);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << TrainMethodName(method);
    EXPECT_THAT(r.status().message(), HasSubstr("m (sketch rows)"));
  }
}

TEST(TrainingLimitsTest, EstimatesGrowWithTheSizesAndSaturate) {
  const int64_t small = EstimateTrainingBytes(LowRank(10, 20), 1000, 100, 10);
  EXPECT_GE(small, 1000 * 100 * 10 * 8);  // at least the training matrices
  EXPECT_GT(EstimateTrainingBytes(LowRank(10, 20), 1000, 100, 100), small);
  EXPECT_GT(EstimateTrainingBytes(LowRank(10, 200), 1000, 100, 10), small);
  EXPECT_EQ(EstimateTrainingBytes(LowRank(10, int64_t{1} << 40), int64_t{1} << 40, int64_t{1} << 40, 1 << 20),
            std::numeric_limits<int64_t>::max());
}

}  // namespace
}  // namespace sketchd
