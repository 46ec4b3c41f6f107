// LSQR preconditioned by the Cholesky factor of AᵀA: used only where it is
// safe, and then as accurate as Householder QR in a handful of passes.
#include "core/regression/gram_preconditioner.h"

#include "core/regression/exact_solvers.h"
#include "core/regression/solve.h"
#include "gtest/gtest.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using ::sketchd::testing::MakeProblem;
using ::sketchd::testing::RelErr;

TEST(GramPreconditionerTest, WellConditionedDenseSolvesAtQrAccuracyInAFewPasses) {
  for (const double kappa : {1.0, 1e2, 1e4}) {
    const RegressionProblem p = MakeProblem(4000, 50, kappa, 1e-2, 3);
    ASSERT_TRUE(GramPreconditioner(DataMatrix(ConstRowMajorRef(p.a), 1)).has_value());
    auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    ASSERT_TRUE(qr.ok());
    auto r = Solve(p, SolveOptions{});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_LE(r->iterations, 8) << "kappa " << kappa;
    EXPECT_EQ(r->timings.sketch_seconds, 0.0);  // no sketch was formed
    EXPECT_LE(RelErr(r->x, *qr), std::max(1e-12, 1e-14 * kappa * kappa)) << "kappa " << kappa;
    EXPECT_LE(r->residual_norm, (p.a * *qr - p.b).norm() * (1 + 1e-12));
  }
}

TEST(GramPreconditionerTest, IllConditionedOrSparseOrChosenSketchKeepsTheSketch) {
  const RegressionProblem bad = MakeProblem(4000, 30, 1e8, 1e-3, 4);
  EXPECT_FALSE(GramPreconditioner(DataMatrix(ConstRowMajorRef(bad.a), 1)).has_value());
  auto r = Solve(bad, SolveOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->timings.sketch_seconds, 0.0);

  const RegressionProblem good = MakeProblem(4000, 30, 10.0, 1e-3, 5);
  const CsrMatrix sparse = good.a.sparseView();
  EXPECT_FALSE(GramPreconditioner(DataMatrix(sparse, 1)).has_value());

  SolveOptions chosen;
  chosen.sketch_kind = SketchKind::kCountSketch;
  auto c = Solve(good, chosen);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_GT(c->timings.sketch_seconds, 0.0);
  EXPECT_GT(c->iterations, 8);
}

}  // namespace
}  // namespace sketchd
