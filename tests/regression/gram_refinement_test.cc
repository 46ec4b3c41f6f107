// Cholesky of AᵀA plus refinement on A: QR accuracy in one or two passes
// where it is used, and refused where it would not pay.
#include "core/regression/gram_refinement.h"

#include <optional>

#include "core/regression/exact_solvers.h"
#include "core/regression/gram_preconditioner.h"
#include "core/regression/solve.h"
#include "gtest/gtest.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using ::sketchd::testing::MakeProblem;
using ::sketchd::testing::RelErr;

TEST(GramRefinementTest, ReachesQrAccuracyAndTheExactResidual) {
  for (const double kappa : {1.0, 1e2, 1e3}) {
    const RegressionProblem p = MakeProblem(20000, 30, kappa, 1e-2, 11);
    const DataMatrix a(ConstRowMajorRef(p.a), 2);
    double condition = 0;
    const std::optional<MatrixXd> r = GramPreconditioner(a, &condition);
    ASSERT_TRUE(r.has_value());
    const auto refined = SolveByGramRefinement(a, p.b, *r, condition, 1e-14, 2, nullptr);
    ASSERT_TRUE(refined.has_value()) << "kappa " << kappa;
    const VectorXd qr = *QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    EXPECT_LE(RelErr(refined->x, qr), 1e-14 * std::max(10.0, kappa)) << "kappa " << kappa;
    EXPECT_LE(refined->refinements, 2) << "kappa " << kappa;
    const double direct = (p.a * refined->x - p.b).norm();
    EXPECT_NEAR(refined->residual_norm, direct, 1e-10 * direct) << "kappa " << kappa;
    // Solve's default path takes it: the same x and residual.
    auto s = Solve(p, SolveOptions{});
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->iterations, refined->refinements);
    EXPECT_LE(RelErr(s->x, qr), 1e-14 * std::max(10.0, kappa));
    EXPECT_NEAR(s->residual_norm, direct, 1e-10 * direct);
  }
}

// b in the range of A: ‖r‖² − ‖R⁻ᵀAᵀr‖² would cancel, so the residual is
// summed directly (and is at rounding level).
TEST(GramRefinementTest, CompatibleSystemSumsTheResidualDirectly) {
  const RegressionProblem p = MakeProblem(20000, 30, 1e2, 0.0, 12);
  const DataMatrix a(ConstRowMajorRef(p.a), 2);
  double condition = 0;
  const std::optional<MatrixXd> r = GramPreconditioner(a, &condition);
  ASSERT_TRUE(r.has_value());
  const auto refined = SolveByGramRefinement(a, p.b, *r, condition, 1e-14, 2, nullptr);
  ASSERT_TRUE(refined.has_value());
  const double direct = (p.a * refined->x - p.b).norm();
  EXPECT_LE(refined->residual_norm, 1e-12 * p.b.norm());
  EXPECT_NEAR(refined->residual_norm, direct, 1e-14 * p.b.norm());
}

// n·ε·κ² above 1e-3: LSQR with the same R is cheaper, so refinement declines
// and Solve still reaches the QR answer.
TEST(GramRefinementTest, DeclinesWhenTheContractionBoundIsLarge) {
  const RegressionProblem p = MakeProblem(20000, 30, 1e5, 1e-2, 13);
  const DataMatrix a(ConstRowMajorRef(p.a), 2);
  double condition = 0;
  const std::optional<MatrixXd> r = GramPreconditioner(a, &condition);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(SolveByGramRefinement(a, p.b, *r, condition, 1e-14, 2, nullptr).has_value());
  auto s = Solve(p, SolveOptions{});
  ASSERT_TRUE(s.ok()) << s.status();
  const VectorXd qr = *QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  EXPECT_LE(RelErr(s->x, qr), 1e-8);
}

}  // namespace
}  // namespace sketchd
