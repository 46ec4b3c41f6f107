// Sizes are checked before anything is allocated: heavy_rows training with a
// huge m, a sketch applied to data of another n.
#include <limits>
#include <vector>

#include "core/regression/embedding.h"
#include "core/regression/train_regression.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sketchd {
namespace {

using ::testing::HasSubstr;

TEST(RegressionSizeLimitsTest, HeavyRowsRefusesHugeSketchUpFront) {
  std::vector<RegressionProblem> problems(3);
  for (RegressionProblem& p : problems) {
    p.a = RowMatrixXd::Random(40, 4);
    p.b = VectorXd::Random(40);
  }
  TrainOptions r;
  r.method = TrainMethod::kHeavyRows;
  r.task = SketchTask::kRegression;
  r.m = std::numeric_limits<int32_t>::max();
  auto t = TrainRegressionSketch(problems, r, nullptr, nullptr);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("m (sketch rows)"));
  EXPECT_THAT(t.status().message(), HasSubstr("[1, min(n, 1048576)] = [1, 40]"));
  r.m = 10;
  r.iterations = -5;
  t = TrainRegressionSketch(problems, r, nullptr, nullptr);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("iterations"));
}

TEST(RegressionSizeLimitsTest, EmbeddingChecksTheRowsOfA) {
  SketchSpec spec;
  spec.m = 10;
  for (SketchKind kind : {SketchKind::kCountSketch, SketchKind::kSparseSign, SketchKind::kGaussian}) {
    spec.kind = kind;
    auto e = Embedding::Create(spec, 100);
    ASSERT_TRUE(e.ok());
    const RowMatrixXd a = RowMatrixXd::Ones(99, 3);
    auto sa = e->Apply(DataMatrix(a, 1));
    EXPECT_EQ(sa.status().code(), absl::StatusCode::kInvalidArgument) << SketchKindName(kind);
    EXPECT_THAT(sa.status().message(), HasSubstr("n=100 rows but A has 99")) << SketchKindName(kind);
    auto sb = e->Apply(VectorXd::Ones(101));
    EXPECT_THAT(sb.status().message(), HasSubstr("n=100 rows but b has 101")) << SketchKindName(kind);
    const RowMatrixXd ok = RowMatrixXd::Ones(100, 3);
    EXPECT_TRUE(e->Apply(DataMatrix(ok, 1)).ok());
  }
}

}  // namespace
}  // namespace sketchd
