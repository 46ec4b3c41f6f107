#include "core/lowrank/auto_sketch.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/training/train_low_rank.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

constexpr Index kN = 120, kD = 60, kRank = 6;
constexpr int64_t kK = 5, kM = 10;

// The training family: every matrix's column space lies in one fixed
// kRank-dimensional subspace supported on the first half of the rows, plus
// small noise (the shape of frames of one camera).
RowMatrixXd InFamily(uint64_t seed) {
  MatrixXd u = MatrixXd::Zero(kN, kRank);
  u.topRows(kN / 2) = GaussianMatrix(kN / 2, kRank, 7);  // fixed across the family
  VectorXd scale(kRank);
  for (Index i = 0; i < kRank; ++i) scale(i) = std::pow(0.6, static_cast<double>(i));
  return u * scale.asDiagonal() * GaussianMatrix(kRank, kD, seed) +
         0.01 * GaussianMatrix(kN, kD, seed + 1000);
}

// A different structure: the signal lives on the rows the family never used.
RowMatrixXd OutOfFamily(uint64_t seed) {
  MatrixXd u = MatrixXd::Zero(kN, kRank);
  u.bottomRows(kN / 2) = GaussianMatrix(kN / 2, kRank, seed);
  return u * GaussianMatrix(kRank, kD, seed + 1) + 0.01 * GaussianMatrix(kN, kD, seed + 2);
}

TrainedSketch Train(TrainMethod method) {
  std::vector<RowMatrixXd> family;
  for (uint64_t s = 0; s < 12; ++s) family.push_back(InFamily(100 + 10 * s));
  TrainOptions o;
  o.method = method;
  o.k = kK;
  o.m = kM;
  o.seed = 3;
  o.threads = 1;
  auto t = TrainLowRankSketch(family, o, nullptr, nullptr);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

// The exact error of an answer, independently: the singular values of the
// explicit residual A − YZᵀ (Jacobi SVD), ‖·‖_F² = Σσ².
double ExactErrorBySvd(const RowMatrixXd& a, const LowRankFactors& f) {
  const MatrixXd residual = MatrixXd(a) - f.left * f.right.transpose();
  Eigen::JacobiSVD<MatrixXd> svd(residual);
  return svd.singularValues().norm();
}

struct Sketches {
  TrainedSketch learned = Train(TrainMethod::kInnerProduct);
  TrainedSketch subspace = Train(TrainMethod::kSubspace);
  CountSketch random = *CountSketch::Random(kM, kN, 42);

  std::vector<AutoCandidate> Candidates() const {
    return {{"default", 1, &learned.sketch, nullptr},
            {"subspace", 2, nullptr, &subspace.dense},
            {"random", 0, &random, nullptr}};
  }
};

const Sketches& Shared() {
  static const Sketches* s = new Sketches();
  return *s;
}

TEST(AutoSketchTest, NeverWorseThanRandomOutOfFamily) {
  const Sketches& s = Shared();
  for (int64_t passes : {2, 4}) {
    for (uint64_t seed : {500, 600, 700}) {
      const RowMatrixXd a = OutOfFamily(seed);
      AutoOptions opt;
      opt.max_passes = passes;
      auto choice = ChooseLowRankSketch(s.Candidates(), a, kK, opt);
      ASSERT_TRUE(choice.ok()) << choice.status();
      LowRankOptions scw;
      scw.power_iters = (passes - 2) / 2;
      auto random = ScwLowRank(s.random, a, kK, scw);
      ASSERT_TRUE(random.ok());
      EXPECT_LE(choice->factors.error, random->error) << "passes " << passes << " seed " << seed;
      EXPECT_EQ(choice->factors.passes, passes);
      EXPECT_EQ(choice->total_passes, 3 * passes);
      // The learned sketches really are worse here (so the choice mattered).
      if (passes == 2) {
        EXPECT_GT(choice->trials[0].error, random->error);
        EXPECT_GT(choice->trials[1].error, random->error);
        EXPECT_EQ(choice->trials[choice->chosen].label, "random");
      }
    }
  }
}

TEST(AutoSketchTest, PicksLearnedInFamilyWhenBetter) {
  const Sketches& s = Shared();
  for (uint64_t seed : {900, 910, 920}) {
    const RowMatrixXd a = InFamily(seed);
    auto choice = ChooseLowRankSketch(s.Candidates(), a, kK);
    ASSERT_TRUE(choice.ok()) << choice.status();
    ASSERT_EQ(choice->trials.size(), 3u);
    const double random_error = choice->trials[2].error;
    const std::string& label = choice->trials[choice->chosen].label;
    EXPECT_NE(label, "random");
    EXPECT_LT(choice->factors.error, random_error);
    // Without the subspace candidate, the sparse learned one wins over random.
    std::vector<AutoCandidate> two = {s.Candidates()[0], s.Candidates()[2]};
    auto sparse = ChooseLowRankSketch(two, a, kK);
    ASSERT_TRUE(sparse.ok());
    EXPECT_LT(sparse->trials[0].error, sparse->trials[1].error);
    EXPECT_EQ(sparse->chosen, 0);
  }
}

TEST(AutoSketchTest, ChosenErrorIsExactBySvd) {
  const Sketches& s = Shared();
  for (int64_t passes : {2, 4, 6}) {
    for (const RowMatrixXd& a : {InFamily(950), OutOfFamily(960)}) {
      AutoOptions opt;
      opt.max_passes = passes;
      auto choice = ChooseLowRankSketch(s.Candidates(), a, kK, opt);
      ASSERT_TRUE(choice.ok());
      const double exact = ExactErrorBySvd(a, choice->factors);
      EXPECT_NEAR(choice->factors.error, exact, 1e-10 * exact) << "passes " << passes;
      EXPECT_DOUBLE_EQ(choice->trials[choice->chosen].error, choice->factors.error);
      for (const AutoTrial& t : choice->trials) {
        EXPECT_TRUE(t.tried);
        EXPECT_GE(t.error, choice->factors.error);
        EXPECT_EQ(t.passes, passes);
      }
    }
  }
}

TEST(AutoSketchTest, BudgetAndSkippedCandidates) {
  const Sketches& s = Shared();
  const RowMatrixXd a = InFamily(970);
  AutoOptions opt;
  opt.max_passes = 1;
  EXPECT_EQ(ChooseLowRankSketch(s.Candidates(), a, kK, opt).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*AutoPowerIters(5), 1);
  // k > m: every candidate is skipped, with a reason.
  auto none = ChooseLowRankSketch(s.Candidates(), a, kM + 1);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("no candidate fits"), std::string::npos);
  // One too-small random candidate is skipped, the others still tried.
  const CountSketch tiny = *CountSketch::Random(2, kN, 1);
  std::vector<AutoCandidate> c = s.Candidates();
  c.push_back({"tiny", 0, &tiny, nullptr});
  auto choice = ChooseLowRankSketch(c, a, kK);
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(choice->trials[3].tried);
  EXPECT_FALSE(choice->trials[3].skipped_reason.empty());
}

}  // namespace
}  // namespace sketchd
