// heavy_rows training: leverage-based positions, analytic value gradient,
// validation figures, cancellation.
#include <atomic>
#include <set>
#include <vector>

#include "core/regression/heavy_rows_sketch.h"
#include "core/regression/leverage_scores.h"
#include "core/regression/solve.h"
#include "core/regression/subspace_embedding_loss.h"
#include "core/regression/train_regression.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using ::sketchd::testing::GaussMatrix;

// Problems sharing a few planted high-leverage rows (scaled ×50).
std::vector<RegressionProblem> PlantedFamily(int count, int64_t n, int64_t d,
                                             const std::vector<int32_t>& planted) {
  std::vector<RegressionProblem> out;
  for (int i = 0; i < count; ++i) {
    RegressionProblem p;
    p.a = GaussMatrix(n, d, 1000 + 10 * i);
    for (int32_t r : planted) p.a.row(r) *= 50;
    p.b = p.a * GaussMatrix(d, 1, 2000 + i).col(0) + GaussMatrix(n, 1, 3000 + i).col(0);
    out.push_back(std::move(p));
  }
  return out;
}

TrainOptions LearnedHeavyRows(int64_t m, int iterations) {
  TrainOptions opt;
  opt.method = TrainMethod::kHeavyRows;
  opt.task = SketchTask::kRegression;
  opt.m = m;
  opt.learn_values = true;
  opt.iterations = iterations;
  return opt;
}

TEST(LeverageTest, SumsToRankAndFindsPlantedRows) {
  const auto fam = PlantedFamily(1, 500, 6, {7, 300});
  const VectorXd lev = LeverageScores(fam[0].a);
  EXPECT_NEAR(lev.sum(), 6.0, 1e-10);
  EXPECT_GT(lev[7], 0.5);
  EXPECT_GT(lev[300], 0.5);
}

TEST(HeavyRowsTest, PlantedRowsGetTheirOwnBuckets) {
  const std::vector<int32_t> planted = {3, 150, 777, 1200, 1999};
  const auto fam = PlantedFamily(6, 2000, 8, planted);
  TrainOptions opt;
  opt.method = TrainMethod::kHeavyRows;
  opt.task = SketchTask::kRegression;
  opt.m = 40;
  opt.heavy_fraction = 0.3;  // 12 heavy buckets
  auto trained = TrainRegressionSketch(fam, opt, nullptr, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  const CountSketch& s = trained->sketch;
  EXPECT_EQ(trained->heavy_rows.size(), 12u);
  const std::set<int32_t> heavy(trained->heavy_rows.begin(), trained->heavy_rows.end());
  for (int32_t r : planted) {
    EXPECT_TRUE(heavy.count(r)) << "planted row " << r;
    for (int64_t j = 0; j < s.cols(); ++j) {
      if (j != r) {
        ASSERT_NE(s.positions()[j], s.positions()[r]) << "row " << j << " shares planted row " << r;
      }
    }
  }
  EXPECT_EQ(trained->validation.metric, "ihs_lasso_rate");
  EXPECT_EQ(trained->validation.num_matrices, 1);  // round(0.2·6)
  EXPECT_EQ(trained->validation.random_seeds, 3);
  EXPECT_GT(trained->validation.random, 0);

  // The per-iteration re-hash keeps heavy rows and never puts a light row in their buckets.
  auto re = RehashLightRows(s, trained->heavy_rows, 99);
  ASSERT_TRUE(re.ok());
  std::set<int32_t> heavy_buckets;
  for (int32_t r : trained->heavy_rows) {
    EXPECT_EQ(re->positions()[r], s.positions()[r]);
    heavy_buckets.insert(s.positions()[r]);
  }
  int moved = 0;
  for (int64_t j = 0; j < s.cols(); ++j) {
    if (heavy.count(static_cast<int32_t>(j))) continue;
    EXPECT_FALSE(heavy_buckets.count(re->positions()[j]));
    moved += re->positions()[j] != s.positions()[j];
  }
  EXPECT_GT(moved, 1000);

  // Solve uses it (heavy rows kept, rest re-hashed) and reaches the exact LASSO optimum.
  SolveOptions so;
  so.solver = Solver::kIhs;
  so.trained_sketch = &*trained;
  so.lasso_lambda = 1.0;
  so.tolerance = 1e-12;
  auto r = Solve(fam[0], so);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(r->x.lpNorm<1>(), 1.0 + 1e-9);
}

TEST(SubspaceLossTest, GradientMatchesCentralDifferences) {
  std::vector<RegressionProblem> fam;
  for (int i = 0; i < 2; ++i) {
    RegressionProblem p;
    p.a = GaussMatrix(60, 4, 50 + i);
    p.a.row(5) *= 8;
    p.b = VectorXd::Zero(60);
    fam.push_back(std::move(p));
  }
  CountSketch s = *CountSketch::Random(12, 60, 4);
  for (size_t j = 0; j < s.values().size(); ++j) s.mutable_values()[j] *= 0.5 + 0.01 * (j % 37);
  const auto prepared = PrepareSubspaceLoss(fam);
  std::vector<double> grad;
  auto loss = SubspaceEmbeddingLoss(s, prepared, &grad);
  ASSERT_TRUE(loss.ok()) << loss.status();
  EXPECT_GT(*loss, 0);
  const double h = 1e-6;
  for (int j : {0, 5, 11, 23, 42, 59}) {
    CountSketch plus = s, minus = s;
    plus.mutable_values()[j] += h;
    minus.mutable_values()[j] -= h;
    const double fd = (*SubspaceEmbeddingLoss(plus, prepared, nullptr) -
                       *SubspaceEmbeddingLoss(minus, prepared, nullptr)) / (2 * h);
    EXPECT_NEAR(grad[j], fd, 1e-6 * (1 + std::abs(fd))) << "value " << j;
  }
  // Loss value equals ‖(AR⁻¹)ᵀ(AR⁻¹) − I‖_F computed directly.
  double direct = 0;
  for (const RegressionProblem& p : fam) {
    const MatrixXd sa = s.Apply(p.a);
    Eigen::HouseholderQR<MatrixXd> qr(sa);
    const MatrixXd r = qr.matrixQR().topRows(4).triangularView<Eigen::Upper>();
    const MatrixXd m = MatrixXd(p.a) * r.inverse();
    direct += (m.transpose() * m - MatrixXd::Identity(4, 4)).norm();
  }
  EXPECT_NEAR(*loss, direct, 1e-10 * direct);
}

TEST(HeavyRowsTest, LearnedValuesLowerTheLossAndAreReusedFixed) {
  const auto fam = PlantedFamily(5, 400, 5, {10, 20});
  const TrainOptions opt = LearnedHeavyRows(30, 60);
  std::vector<double> fractions;
  ProgressCallback progress = [&](double f, const std::string&) { fractions.push_back(f); };
  auto trained = TrainRegressionSketch(fam, opt, progress, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_THAT(trained->notes, ::testing::HasSubstr("subspace-embedding loss"));
  const std::vector<RegressionProblem> train(fam.begin(), fam.end() - 1);
  auto random_loss = SubspaceEmbeddingLoss(*HeavyRowsSketch(30, 400, trained->heavy_rows, 0),
                                           PrepareSubspaceLoss(train), nullptr);
  auto learned_loss = SubspaceEmbeddingLoss(trained->sketch, PrepareSubspaceLoss(train), nullptr);
  EXPECT_LT(*learned_loss, *random_loss);
  ASSERT_FALSE(fractions.empty());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
}

// Minibatches of one problem with a large learning rate: the steps wander,
// but the values returned are the best the full training loss saw, so never
// worse than the starting (±1) values (before the shared safeguards, value
// learning with minibatches returned the last values, and one rank-deficient
// step failed the job).
TEST(HeavyRowsTest, MinibatchValueLearningKeepsTheBestValues) {
  const auto fam = PlantedFamily(6, 300, 5, {10, 20});
  TrainOptions opt = LearnedHeavyRows(25, 120);
  opt.batch_size = 1;
  opt.learning_rate = 2.0;
  opt.validation_fraction = 0;
  auto trained = TrainRegressionSketch(fam, opt, nullptr, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  const auto prepared = PrepareSubspaceLoss(fam);
  auto start = HeavyRowsSketch(25, 300, trained->heavy_rows, 0);
  ASSERT_TRUE(start.ok());
  auto start_loss = SubspaceEmbeddingLoss(*start, prepared, nullptr);
  auto learned_loss = SubspaceEmbeddingLoss(trained->sketch, prepared, nullptr);
  ASSERT_TRUE(start_loss.ok() && learned_loss.ok());
  EXPECT_LE(*learned_loss, *start_loss);
  EXPECT_THAT(trained->notes, ::testing::HasSubstr("rejected"));
}

TEST(HeavyRowsTest, CancelAndBadOptions) {
  const auto fam = PlantedFamily(3, 200, 4, {1});
  TrainOptions opt;
  opt.method = TrainMethod::kHeavyRows;
  opt.task = SketchTask::kRegression;
  opt.m = 20;
  CancelToken cancel;
  cancel.Cancel();
  EXPECT_EQ(TrainRegressionSketch(fam, opt, nullptr, &cancel).status().code(), absl::StatusCode::kCancelled);
  // Cancelled from the progress callback during value learning: stops promptly.
  TrainOptions learn = opt;
  learn.learn_values = true;
  learn.iterations = 100000;
  CancelToken mid;
  int after_cancel = 0;
  ProgressCallback cancel_on_learning = [&](double, const std::string& msg) {
    if (mid.cancelled()) ++after_cancel;
    if (msg.find("learning values") != std::string::npos) mid.Cancel();
  };
  EXPECT_EQ(TrainRegressionSketch(fam, learn, cancel_on_learning, &mid).status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_LE(after_cancel, 1);
  TrainOptions small = opt;
  small.m = 3;
  EXPECT_EQ(TrainRegressionSketch(fam, small, nullptr, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  TrainOptions ivy = opt;
  ivy.method = TrainMethod::kIvy;
  EXPECT_EQ(TrainRegressionSketch(fam, ivy, nullptr, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto mixed = fam;
  mixed[1].a = GaussMatrix(201, 4, 1);
  mixed[1].b = VectorXd::Zero(201);
  EXPECT_EQ(TrainRegressionSketch(mixed, opt, nullptr, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TrainRegressionSketch({}, opt, nullptr, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  TrainOptions random = opt;
  random.method = TrainMethod::kRandom;
  auto r = TrainRegressionSketch(fam, random, nullptr, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->heavy_rows.empty());
}

}  // namespace
}  // namespace sketchd
