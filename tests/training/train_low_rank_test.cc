#include "core/training/train_low_rank.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/lowrank/scw_low_rank.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::Gaussian;
using training_testing::SharedStructureFamily;

TrainOptions Options(TrainMethod method, int64_t k, int64_t m) {
  TrainOptions o;
  o.method = method;
  o.k = k;
  o.m = m;
  o.seed = 3;
  o.validation_fraction = 0.25;
  o.threads = 2;
  return o;
}

struct Case {
  const char* name;
  TrainMethod method;
  bool refine = false;
  bool joint = true;
  bool append = false;
  bool leverage_order = false;
};

const std::vector<Case>& AllCases() {
  static const std::vector<Case> cases = {
      {"random", TrainMethod::kRandom},
      {"ivy", TrainMethod::kIvy},
      {"mixed_joint", TrainMethod::kMixed, false, true},
      {"mixed_separate", TrainMethod::kMixed, false, false},
      {"inner_product", TrainMethod::kInnerProduct},
      {"inner_product_refined", TrainMethod::kInnerProduct, true},
      {"inner_product_appended", TrainMethod::kInnerProduct, false, true, true},
      {"greedy", TrainMethod::kGreedy},
      {"greedy_leverage_refined", TrainMethod::kGreedy, true, true, false, true},
  };
  return cases;
}

TrainOptions CaseOptions(const Case& c, int64_t k, int64_t m) {
  TrainOptions o = Options(c.method, k, m);
  o.refine_values = c.refine;
  o.mixed_joint = c.joint;
  o.append_sampled_rows = c.append;
  o.greedy_leverage_order = c.leverage_order;
  o.iterations = c.method == TrainMethod::kGreedy && !c.refine ? 1 : 60;
  return o;
}

void ExpectFiniteSketch(const TrainedSketch& t) {
  for (double v : t.sketch.values()) ASSERT_TRUE(std::isfinite(v));
  EXPECT_TRUE(std::isfinite(t.validation.learned));
  EXPECT_TRUE(std::isfinite(t.validation.random));
}

TEST(TrainLowRankTest, EveryMethodBeatsRandomOnSharedStructure) {
  const auto family = SharedStructureFamily(12, 60, 40, 6, 0.05, 1);
  for (const Case& c : AllCases()) {
    SCOPED_TRACE(c.name);
    auto trained = TrainLowRankSketch(family, CaseOptions(c, 3, 8), nullptr, nullptr);
    ASSERT_TRUE(trained.ok()) << trained.status();
    ExpectFiniteSketch(*trained);
    EXPECT_EQ(trained->sketch.rows(), 8);
    EXPECT_EQ(trained->sketch.cols(), 60);
    EXPECT_EQ(trained->n, 60);
    EXPECT_EQ(trained->validation.metric, "mean_excess_error");
    EXPECT_EQ(trained->validation.num_matrices, 3);
    EXPECT_EQ(trained->validation.random_seeds, 3);
    EXPECT_GE(trained->validation.learned, -1e-9);
    if (c.method == TrainMethod::kRandom) continue;
    EXPECT_LE(trained->validation.learned, trained->validation.random * 1.001)
        << trained->notes;
  }
}

// Learned value methods improve on the sketch they start from.
TEST(TrainLowRankTest, IvyImprovesOnItsStartingSketch) {
  const auto family = SharedStructureFamily(12, 60, 40, 6, 0.05, 2);
  TrainOptions o = Options(TrainMethod::kIvy, 3, 8);
  o.iterations = 80;
  auto ivy = TrainLowRankSketch(family, o, nullptr, nullptr);
  o.method = TrainMethod::kRandom;
  auto random = TrainLowRankSketch(family, o, nullptr, nullptr);  // same seed = ivy's start
  ASSERT_TRUE(ivy.ok() && random.ok());
  EXPECT_EQ(ivy->sketch.positions(), random->sketch.positions());
  EXPECT_LT(ivy->validation.learned, random->validation.learned);
}

std::vector<RowMatrixXd> AdversarialFamily() {
  const Index n = 24, d = 10;
  std::vector<RowMatrixXd> out;
  out.push_back(RowMatrixXd::Zero(n, d));                          // zero matrix
  out.push_back(Gaussian(n, 1, 1) * Gaussian(1, d, 2));            // rank 1
  RowMatrixXd zero_rows = Gaussian(n, d, 3);
  zero_rows.topRows(8).setZero();                                  // zero rows
  out.push_back(zero_rows);
  RowMatrixXd dup = Gaussian(n, d, 4);
  for (Index i = 1; i < n; i += 2) dup.row(i) = dup.row(i - 1);    // duplicate rows
  out.push_back(dup);
  RowMatrixXd all_same = RowMatrixXd::Zero(n, d);
  for (Index i = 0; i < n; ++i) all_same.row(i) = Gaussian(1, d, 5);  // one row repeated
  out.push_back(all_same);
  out.push_back(Gaussian(n, 2, 6) * Gaussian(2, d, 7));            // rank 2
  RowMatrixXd tiny = Gaussian(n, d, 8) * 1e-200;                   // badly scaled
  out.push_back(tiny);
  out.push_back(Gaussian(n, d, 9));
  return out;
}

TEST(TrainLowRankTest, AdversarialFamilyTrainsEveryMethod) {
  const auto family = AdversarialFamily();
  for (int64_t m : {6, 24}) {  // 24 = n: the m = n edge (m > n is refused, below)
    for (const Case& c : AllCases()) {
      SCOPED_TRACE(std::string(c.name) + " m=" + std::to_string(m));
      TrainOptions o = CaseOptions(c, 2, m);
      o.iterations = c.method == TrainMethod::kGreedy && !c.refine ? 1 : 20;
      auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
      ASSERT_TRUE(trained.ok()) << trained.status();
      ExpectFiniteSketch(*trained);
      EXPECT_LE(trained->validation.learned, trained->validation.random + 0.05) << trained->notes;
    }
  }
  TrainOptions wide = CaseOptions(AllCases()[0], 2, 30);
  auto refused = TrainLowRankSketch(family, wide, nullptr, nullptr);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("[1, 24]"));
}

TEST(TrainLowRankTest, SingleMatrixValidatesOnTrainingMatrix) {
  const auto family = SharedStructureFamily(1, 40, 30, 5, 0.05, 4);
  for (TrainMethod method : {TrainMethod::kInnerProduct, TrainMethod::kIvy, TrainMethod::kGreedy}) {
    TrainOptions o = Options(method, 3, 6);
    o.iterations = method == TrainMethod::kGreedy ? 1 : 30;
    auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
    ASSERT_TRUE(trained.ok()) << trained.status();
    EXPECT_EQ(trained->validation.num_matrices, 1);
    EXPECT_NE(trained->notes.find("training matri"), std::string::npos) << trained->notes;
    EXPECT_LE(trained->validation.learned, trained->validation.random * 1.001);
  }
}

TEST(TrainLowRankTest, DifferentColumnCountsAreAccepted) {
  auto family = SharedStructureFamily(6, 40, 30, 5, 0.05, 5);
  family[1] = family[1].leftCols(20).eval();
  family[4] = RowMatrixXd(40, 35);
  family[4] << SharedStructureFamily(1, 40, 30, 5, 0.05, 5)[0], Gaussian(40, 5, 9);
  for (TrainMethod method : {TrainMethod::kInnerProduct, TrainMethod::kIvy}) {
    TrainOptions o = Options(method, 3, 6);
    o.iterations = 20;
    auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
    ASSERT_TRUE(trained.ok()) << trained.status();
    ExpectFiniteSketch(*trained);
  }
}

TEST(TrainLowRankTest, DeterministicForASeed) {
  const auto family = SharedStructureFamily(8, 40, 30, 5, 0.05, 6);
  for (TrainMethod method : {TrainMethod::kInnerProduct, TrainMethod::kIvy}) {
    TrainOptions o = Options(method, 3, 6);
    o.iterations = 20;
    o.threads = 2;
    auto a = TrainLowRankSketch(family, o, nullptr, nullptr);
    o.threads = 1;
    auto b = TrainLowRankSketch(family, o, nullptr, nullptr);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->sketch, b->sketch);
  }
}

TEST(TrainLowRankTest, ReportsProgress) {
  const auto family = SharedStructureFamily(8, 40, 30, 5, 0.05, 7);
  std::vector<double> fractions;
  ProgressCallback cb = [&](double f, const std::string&) { fractions.push_back(f); };
  auto trained = TrainLowRankSketch(family, Options(TrainMethod::kInnerProduct, 3, 6), cb, nullptr);
  ASSERT_TRUE(trained.ok());
  ASSERT_FALSE(fractions.empty());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  for (double f : fractions) EXPECT_TRUE(f >= 0 && f <= 1);
}

TEST(TrainLowRankTest, CancelFromAnotherThread) {
  const auto family = SharedStructureFamily(16, 80, 60, 8, 0.05, 8);
  for (TrainMethod method : {TrainMethod::kIvy, TrainMethod::kGreedy}) {
    TrainOptions o = Options(method, 4, 10);
    o.iterations = method == TrainMethod::kGreedy ? 1000 : 1000000;  // far too long
    CancelToken token;
    std::atomic<bool> started{false};
    ProgressCallback cb = [&](double, const std::string&) { started = true; };
    std::thread canceller([&] {
      while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      token.Cancel();
    });
    auto trained = TrainLowRankSketch(family, o, cb, &token);
    canceller.join();
    EXPECT_EQ(trained.status().code(), absl::StatusCode::kCancelled) << trained.status();
  }
}

TEST(TrainLowRankTest, TimeBudgetStopsAndKeepsBest) {
  const auto family = SharedStructureFamily(12, 60, 40, 6, 0.05, 9);
  TrainOptions o = Options(TrainMethod::kIvy, 3, 8);
  o.iterations = 1000000;
  o.time_budget_seconds = 0.3;
  auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  ExpectFiniteSketch(*trained);
  EXPECT_NE(trained->notes.find("time budget"), std::string::npos) << trained->notes;
}

TEST(TrainLowRankTest, BadOptionsAreInvalidArgument) {
  const auto family = SharedStructureFamily(4, 20, 10, 3, 0.05, 10);
  auto expect_invalid = [](const std::vector<RowMatrixXd>& f, const TrainOptions& o) {
    auto r = TrainLowRankSketch(f, o, nullptr, nullptr);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  };
  TrainOptions o = Options(TrainMethod::kIvy, 3, 6);
  TrainOptions bad = o;
  bad.k = 0;
  expect_invalid(family, bad);
  bad = o;
  bad.m = 0;
  expect_invalid(family, bad);
  bad = o;
  bad.k = 11;  // > min(n, d) = 10
  expect_invalid(family, bad);
  bad = o;
  bad.validation_fraction = 1.0;
  expect_invalid(family, bad);
  bad = o;
  bad.learning_rate = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(family, bad);
  bad = o;
  bad.method = TrainMethod::kHeavyRows;
  expect_invalid(family, bad);
  bad = o;
  bad.task = SketchTask::kRegression;
  expect_invalid(family, bad);
  expect_invalid({}, o);
  auto mismatched = family;
  mismatched[2] = Gaussian(21, 10, 1);
  expect_invalid(mismatched, o);
  auto nan = family;
  nan[1](4, 2) = std::numeric_limits<double>::quiet_NaN();
  auto r = TrainLowRankSketch(nan, o, nullptr, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(r.status().message()).find("row 4, column 2"), std::string::npos)
      << r.status();
}

}  // namespace
}  // namespace sketchd
