#include "core/training/scw_gradient.h"

#include <cmath>
#include <vector>

#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/sketch/count_sketch.h"
#include "core/training/greedy_positions.h"
#include "gtest/gtest.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::Gaussian;

// Mean of the loss over the matrices as a function of the trainable values.
double Loss(CountSketch sketch, const std::vector<bool>& trainable, const VectorXd& params,
            const std::vector<RowMatrixXd>& as, int64_t k) {
  const int64_t n = sketch.cols();
  Index slot = 0;
  for (int b = 0; b < sketch.num_blocks(); ++b) {
    if (!trainable[b]) continue;
    for (int64_t j = 0; j < n; ++j) sketch.mutable_values()[b * n + j] = params(slot * n + j);
    ++slot;
  }
  double total = 0;
  for (const RowMatrixXd& a : as) {
    total += ScwLossAndValueGradient(sketch, a, a, a.squaredNorm(), k, trainable, nullptr);
  }
  return total;
}

VectorXd Params(const CountSketch& sketch, const std::vector<bool>& trainable) {
  const int64_t n = sketch.cols();
  std::vector<double> out;
  for (int b = 0; b < sketch.num_blocks(); ++b) {
    if (!trainable[b]) continue;
    out.insert(out.end(), sketch.values().begin() + b * n, sketch.values().begin() + (b + 1) * n);
  }
  return Eigen::Map<VectorXd>(out.data(), static_cast<Index>(out.size()));
}

VectorXd AnalyticGradient(const CountSketch& sketch, const std::vector<bool>& trainable,
                          const std::vector<RowMatrixXd>& as, int64_t k) {
  VectorXd total;
  for (const RowMatrixXd& a : as) {
    VectorXd g;
    ScwLossAndValueGradient(sketch, a, a, a.squaredNorm(), k, trainable, &g);
    total = total.size() == 0 ? g : VectorXd(total + g);
  }
  return total;
}

VectorXd CentralDifferences(const CountSketch& sketch, const std::vector<bool>& trainable,
                            const std::vector<RowMatrixXd>& as, int64_t k, double h) {
  const VectorXd p = Params(sketch, trainable);
  VectorXd g(p.size());
  for (Index i = 0; i < p.size(); ++i) {
    VectorXd plus = p, minus = p;
    plus(i) += h;
    minus(i) -= h;
    g(i) = (Loss(sketch, trainable, plus, as, k) - Loss(sketch, trainable, minus, as, k)) / (2 * h);
  }
  return g;
}

CountSketch RandomValues(CountSketch s, uint64_t seed) {
  // Non-±1 values so the test is not at a special point.
  const RowMatrixXd r = Gaussian(1, static_cast<Index>(s.values().size()), seed);
  for (size_t i = 0; i < s.values().size(); ++i) s.mutable_values()[i] = r(0, static_cast<Index>(i));
  return s;
}

TEST(ScwGradientTest, MatchesCentralDifferences) {
  const int64_t n = 30, d = 12, m = 6, k = 3;
  std::vector<RowMatrixXd> as = {Gaussian(n, d, 1), Gaussian(n, d, 2)};
  CountSketch s = RandomValues(*CountSketch::Random(m, n, 5), 6);
  const std::vector<bool> all = {true};
  const VectorXd analytic = AnalyticGradient(s, all, as, k);
  const VectorXd numeric = CentralDifferences(s, all, as, k, 1e-5);
  ASSERT_TRUE(analytic.allFinite());
  EXPECT_LT((analytic - numeric).norm(), 1e-6 * analytic.norm())
      << "analytic " << analytic.head(5).transpose() << "\nnumeric " << numeric.head(5).transpose();
}

TEST(ScwGradientTest, LossIsScwSquaredError) {
  const int64_t n = 30, d = 12, m = 6, k = 3;
  const RowMatrixXd a = Gaussian(n, d, 3);
  const CountSketch s = *CountSketch::Random(m, n, 7);
  const double loss = ScwLossAndValueGradient(s, a, a, a.squaredNorm(), k, {false}, nullptr);
  auto f = ScwLowRank(s, a, k);
  ASSERT_TRUE(f.ok());
  const double err = LowRankResidualNorm(a, f->left, f->right);
  EXPECT_NEAR(loss, err * err, 1e-10 * a.squaredNorm());
}

TEST(ScwGradientTest, TallMatrixGramFactorGivesSameLossAndGradient) {
  const int64_t n = 40, d = 8, m = 5, k = 2;
  const RowMatrixXd a = Gaussian(n, d, 4);
  Eigen::HouseholderQR<MatrixXd> qr(a);
  const RowMatrixXd r = qr.matrixQR().topRows(d).triangularView<Eigen::Upper>();
  const CountSketch s = RandomValues(*CountSketch::Random(m, n, 8), 9);
  VectorXd g1, g2;
  const double l1 = ScwLossAndValueGradient(s, a, a, a.squaredNorm(), k, {true}, &g1);
  const double l2 = ScwLossAndValueGradient(s, a, r, a.squaredNorm(), k, {true}, &g2);
  EXPECT_NEAR(l1, l2, 1e-10 * a.squaredNorm());
  EXPECT_LT((g1 - g2).norm(), 1e-9 * g1.norm());
}

TEST(ScwGradientTest, StackedSketchBlockGradients) {
  const int64_t n = 30, d = 12, k = 3;
  std::vector<RowMatrixXd> as = {Gaussian(n, d, 11)};
  const CountSketch top = RandomValues(*CountSketch::Random(3, n, 12), 13);
  const CountSketch bottom = *CountSketch::Random(3, n, 14);
  const CountSketch s = *CountSketch::Stack(top, bottom);
  for (const std::vector<bool>& trainable :
       {std::vector<bool>{true, false}, std::vector<bool>{true, true},
        std::vector<bool>{false, true}}) {
    const VectorXd analytic = AnalyticGradient(s, trainable, as, k);
    const VectorXd numeric = CentralDifferences(s, trainable, as, k, 1e-5);
    ASSERT_EQ(analytic.size(), numeric.size());
    EXPECT_LT((analytic - numeric).norm(), 1e-6 * analytic.norm());
  }
  // The joint (mixed J) gradient is the top block's slice of the full one.
  const VectorXd full = AnalyticGradient(s, {true, true}, as, k);
  const VectorXd joint = AnalyticGradient(s, {true, false}, as, k);
  EXPECT_LT((full.head(n) - joint).norm(), 1e-12 * (1 + joint.norm()));
}

TEST(ScwGradientTest, MoreRowsThanRankOfSketchedMatrix) {
  // m < k: every row of SA is kept (r < k), the gradient is still exact.
  const int64_t n = 25, d = 10, m = 3, k = 4;
  std::vector<RowMatrixXd> as = {Gaussian(n, d, 21)};
  const CountSketch s = RandomValues(*CountSketch::Random(m, n, 22), 23);
  const VectorXd analytic = AnalyticGradient(s, {true}, as, k);
  const VectorXd numeric = CentralDifferences(s, {true}, as, k, 1e-5);
  EXPECT_LT((analytic - numeric).norm(), 1e-6 * analytic.norm());
}

TEST(ScwGradientTest, RepeatedSingularValuesGiveFiniteDescentDirection) {
  // A = U diag(2, 1, …, 1, 0.5) Wᵀ: for a 6-row sketch, VᵀGV = I + (rank ≤ 2),
  // so its eigenvalue 1 has multiplicity ≥ 4 and the top-3 space is not unique.
  const int64_t n = 30, d = 12, m = 6, k = 3;
  Eigen::HouseholderQR<MatrixXd> qu(MatrixXd(Gaussian(n, d, 31)));
  Eigen::HouseholderQR<MatrixXd> qw(MatrixXd(Gaussian(d, d, 32)));
  const MatrixXd u = qu.householderQ() * MatrixXd::Identity(n, d);
  const MatrixXd w = qw.householderQ() * MatrixXd::Identity(d, d);
  VectorXd sigma = VectorXd::Ones(d);
  sigma(0) = 2;
  sigma(d - 1) = 0.5;
  const RowMatrixXd a = u * sigma.asDiagonal() * w.transpose();
  const CountSketch s = *CountSketch::Random(m, n, 33);
  VectorXd g;
  const double loss = ScwLossAndValueGradient(s, a, a, a.squaredNorm(), k, {true}, &g);
  ASSERT_TRUE(std::isfinite(loss));
  ASSERT_TRUE(g.allFinite());
  if (g.norm() > 1e-12) {
    std::vector<RowMatrixXd> as = {a};
    const VectorXd p = Params(s, {true});
    const double step = 1e-4 / g.norm();
    EXPECT_LE(Loss(s, {true}, p - step * g, as, k), loss + 1e-12);
  }
  // And the tie-breaking does not depend on tiny perturbations blowing up.
  const ScwObjective obj = EvaluateScwObjective(s.Apply(a), a, k, true);
  EXPECT_TRUE(obj.grad_x.allFinite());
}

TEST(ScwGradientTest, DegenerateInputsStayFinite) {
  const int64_t n = 20, d = 8, k = 2;
  const CountSketch s = *CountSketch::Random(5, n, 41);
  std::vector<RowMatrixXd> cases;
  cases.push_back(RowMatrixXd::Zero(n, d));                        // zero matrix
  cases.push_back(Gaussian(n, 1, 42) * Gaussian(1, d, 43));        // rank 1
  RowMatrixXd dup = Gaussian(n, d, 44);
  for (Index i = 1; i < n; ++i) dup.row(i) = dup.row(0);          // all rows equal
  cases.push_back(dup);
  RowMatrixXd sparse = RowMatrixXd::Zero(n, d);                   // one nonzero row
  sparse.row(3) = Gaussian(1, d, 45);
  cases.push_back(sparse);
  for (const RowMatrixXd& a : cases) {
    VectorXd g;
    const double loss = ScwLossAndValueGradient(s, a, a, a.squaredNorm(), k, {true}, &g);
    EXPECT_TRUE(std::isfinite(loss));
    EXPECT_TRUE(g.allFinite());
    EXPECT_GE(loss, -1e-10);
  }
}

TEST(ScwGradientTest, PencilFormMatchesSvdForm) {
  const int64_t n = 30, d = 12, m = 6, k = 3;
  const RowMatrixXd a = Gaussian(n, d, 51);
  const CountSketch s = RandomValues(*CountSketch::Random(m, n, 52), 53);
  const MatrixXd x = s.Apply(a);
  const MatrixXd g = a.transpose() * a;
  const double pencil = CapturedFromPencil(x * x.transpose(), x * g * x.transpose(), k);
  const double svd = EvaluateScwObjective(x, a, k, false).captured;
  EXPECT_NEAR(pencil, svd, 1e-8 * svd);
}

}  // namespace
}  // namespace sketchd
