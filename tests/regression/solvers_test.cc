// Sketched solvers against exact Householder QR / the exact LASSO optimum.
#include <cmath>
#include <vector>

#include "core/regression/exact_solvers.h"
#include "core/regression/l1_projection.h"
#include "core/regression/solve.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using ::sketchd::testing::MakeProblem;
using ::sketchd::testing::RelErr;
using ::testing::HasSubstr;

class LsqrConditionTest : public ::testing::TestWithParam<double> {};

// Forward-error scale of any backward-stable LS solver: eps·(κ + κ²·‖r‖/(‖A‖‖x‖)).
double LsErrorScale(const RegressionProblem& p, const VectorXd& x, double kappa) {
  const double eps = 2.2e-16;
  const double rn = (p.a * x - p.b).norm();
  return eps * (kappa + kappa * kappa * rn / x.norm());  // ‖A‖ = 1 by construction
}

TEST_P(LsqrConditionTest, PreconditionedLsqrMatchesQr) {
  const double kappa = GetParam();
  const RegressionProblem p = MakeProblem(3000, 40, kappa, 1e-3, 7);
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  ASSERT_TRUE(qr.ok()) << qr.status();
  SolveOptions opt;  // defaults: preconditioned LSQR
  auto r = Solve(p, opt);
  ASSERT_TRUE(r.ok()) << r.status();
  const double scale = LsErrorScale(p, *qr, kappa);
  EXPECT_LE(RelErr(r->x, *qr), std::max(1e-12, 100 * scale)) << "kappa=" << kappa << " scale=" << scale;
  EXPECT_LE(r->residual_norm, (p.a * *qr - p.b).norm() * (1 + 1e-10));
  EXPECT_LE(r->iterations, 80);  // the preconditioner makes κ(AR⁻¹) small whatever κ(A) is
}

INSTANTIATE_TEST_SUITE_P(Kappas, LsqrConditionTest, ::testing::Values(1.0, 1e2, 1e4, 1e6, 1e8));

TEST(LsqrTest, EverySketchKindPreconditions) {
  const RegressionProblem p = MakeProblem(2000, 30, 1e6, 1e-3, 11);
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  ASSERT_TRUE(qr.ok());
  for (SketchKind kind : {SketchKind::kCountSketch, SketchKind::kSparseSign, SketchKind::kGaussian}) {
    SolveOptions opt;
    opt.sketch_kind = kind;
    opt.sketch_rows = 120;
    auto r = Solve(p, opt);
    ASSERT_TRUE(r.ok()) << SketchKindName(kind) << ": " << r.status();
    EXPECT_LE(RelErr(r->x, *qr), 100 * LsErrorScale(p, *qr, 1e6)) << SketchKindName(kind);
  }
}

TEST(LsqrTest, PlainLsqrConvergesOnWellConditionedProblem) {
  const RegressionProblem p = MakeProblem(2000, 30, 10.0, 1e-2, 12);
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  ASSERT_TRUE(qr.ok());
  SolveOptions opt;
  opt.precondition = false;
  opt.record_objective = true;
  auto r = Solve(p, opt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(RelErr(r->x, *qr), 1e-10);
  EXPECT_EQ(static_cast<int>(r->objective.size()), r->iterations);
  SolveOptions pre;
  auto rp = Solve(p, pre);
  ASSERT_TRUE(rp.ok());
  EXPECT_LT(rp->iterations, r->iterations);
}

TEST(LsqrTest, NormalEquationsAgreeOnWellConditionedProblem) {
  const RegressionProblem p = MakeProblem(1000, 20, 10.0, 1e-2, 13);
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  auto ne = NormalEquationsLeastSquares(p.a, p.b);
  ASSERT_TRUE(qr.ok() && ne.ok());
  EXPECT_LE(RelErr(*ne, *qr), 1e-12);
}

TEST(SketchAndSolveTest, ResidualWithinOnePlusEpsOfOptimal) {
  const RegressionProblem p = MakeProblem(20000, 10, 1e3, 1.0, 14);
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  ASSERT_TRUE(qr.ok());
  const double opt_res = (p.a * *qr - p.b).norm();
  for (int64_t m : {200, 2000}) {
    SolveOptions opt;
    opt.solver = Solver::kSketchAndSolve;
    opt.sketch_rows = m;
    auto r = Solve(p, opt);
    ASSERT_TRUE(r.ok()) << r.status();
    // Subspace embedding with distortion ε gives ≤ (1+ε)/(1−ε); ε ~ sqrt(d/m) here.
    const double eps = std::sqrt(10.0 / m);
    EXPECT_LE(r->residual_norm, opt_res * (1 + eps) / (1 - eps)) << "m=" << m;
    EXPECT_GE(r->residual_norm, opt_res * (1 - 1e-12));
  }
}

TEST(IhsTest, LeastSquaresConvergesToQrSolution) {
  for (double kappa : {1.0, 1e4, 1e8}) {
    const RegressionProblem p = MakeProblem(4000, 20, kappa, 1e-3, 15);
    auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    ASSERT_TRUE(qr.ok());
    SolveOptions opt;
    opt.solver = Solver::kIhs;
    opt.sketch_rows = 200;
    opt.tolerance = 1e-14;
    opt.max_iterations = 60;
    opt.record_objective = true;
    auto r = Solve(p, opt);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_LE(RelErr(r->x, *qr), std::max(1e-11, 1000 * LsErrorScale(p, *qr, kappa))) << kappa;
    EXPECT_EQ(static_cast<int>(r->objective.size()), r->iterations + 1);
  }
}

// Optimality of x for min f over the ℓ1 ball, f = ½‖Ax − b‖²: with g = ∇f(x),
// min over the ball of gᵀz is −λ‖g‖_∞, so x is optimal iff gᵀx = −λ‖g‖_∞.
double KktViolation(const RegressionProblem& p, const VectorXd& x, double lambda) {
  const VectorXd g = p.a.transpose() * (p.a * x - p.b);
  const double ginf = g.cwiseAbs().maxCoeff();
  return (g.dot(x) + lambda * ginf) / (lambda * ginf);
}

TEST(IhsTest, LassoIsFeasibleOptimalAndMatchesExact) {
  const RegressionProblem p = MakeProblem(3000, 12, 1e2, 0.5, 16);
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  ASSERT_TRUE(qr.ok());
  const double lambda = 0.5 * qr->lpNorm<1>();
  auto exact = LassoExact(p.a, p.b, lambda);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_TRUE(exact->constraint_active);
  EXPECT_LE(exact->x.lpNorm<1>(), lambda * (1 + 1e-12));
  EXPECT_LE(std::abs(KktViolation(p, exact->x, lambda)), 1e-10);
  for (IhsSketchMode mode : {IhsSketchMode::kFresh, IhsSketchMode::kFixed}) {
    SolveOptions opt;
    opt.solver = Solver::kIhs;
    opt.lasso_lambda = lambda;
    opt.sketch_rows = 8 * 12;
    opt.tolerance = 1e-13;
    opt.max_iterations = 100;
    // A fixed sketch makes IHS a preconditioned Richardson iteration, which
    // converges only if λ_max(H⁻¹AᵀA) < 2: it needs a better embedding (larger m).
    CountSketch fixed = *CountSketch::Random(40 * 12, 3000, 5);
    if (mode == IhsSketchMode::kFixed) opt.sketch = &fixed;
    auto r = Solve(p, opt);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_LE(r->x.lpNorm<1>(), lambda * (1 + 1e-9)) << r->iterations << " " << r->stop_reason << " mode " << static_cast<int>(mode);
    EXPECT_LE(std::abs(KktViolation(p, r->x, lambda)), 1e-7) << r->iterations << " " << r->stop_reason << " mode " << static_cast<int>(mode);
    const double gap = LeastSquaresObjectiveGap(p.a, p.b, r->x, exact->x);
    EXPECT_LE(gap, 1e-9 * exact->objective);
    EXPECT_GE(gap, -1e-12 * exact->objective);
  }
}

TEST(IhsTest, LassoWithInactiveConstraintIsLeastSquares) {
  const RegressionProblem p = MakeProblem(1000, 5, 10.0, 0.1, 17);
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  SolveOptions opt;
  opt.solver = Solver::kIhs;
  opt.lasso_lambda = 10 * qr->lpNorm<1>();
  opt.tolerance = 1e-13;
  auto r = Solve(p, opt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(RelErr(r->x, *qr), 1e-9);
}

TEST(L1ProjectionTest, ExactAgainstVertexCharacterisation) {
  // p = Π(v) iff p is in the ball and ⟨v − p, z − p⟩ ≤ 0 for every z in the
  // ball; the inequality is linear in z, so the 2d vertices ±λe_i suffice.
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const int d = 1 + static_cast<int>(seed % 9);
    VectorXd v = testing::GaussMatrix(d, 1, 100 + seed).col(0) * 3;
    const double lambda = 0.1 + 0.5 * (seed % 5);
    const VectorXd p = ProjectOntoL1Ball(v, lambda);
    EXPECT_LE(p.lpNorm<1>(), lambda * (1 + 1e-12));
    for (int i = 0; i < d; ++i) {
      for (double sgn : {-1.0, 1.0}) {
        VectorXd z = VectorXd::Zero(d);
        z[i] = sgn * lambda;
        EXPECT_LE((v - p).dot(z - p), 1e-12 * (1 + v.squaredNorm())) << "seed " << seed;
      }
    }
    if (v.lpNorm<1>() <= lambda) {
      EXPECT_EQ(p, v);
    }
  }
  // Ties and a hand-computed case: v = (3, 1, -1), λ = 2 → θ = 1 → (2, 0, 0).
  VectorXd v(3);
  v << 3, 1, -1;
  const VectorXd p = ProjectOntoL1Ball(v, 2);
  EXPECT_NEAR(p[0], 2, 1e-15);
  EXPECT_EQ(p[1], 0);
  EXPECT_EQ(p[2], 0);
}

TEST(SparseTest, CsrPathEqualsDense) {
  // A sparse A with column scaling (κ ~ 1e4) stored both ways.
  const int64_t n = 5000, d = 30;
  std::vector<Eigen::Triplet<double, int64_t>> trips;
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 4; ++k) {
      const auto w = PhiloxWords(3, 7, static_cast<uint64_t>(i * 4 + k));
      const int64_t j = WordToIndex(w[0], d);
      trips.emplace_back(i, j, (WordToOpenUnit(w[1]) - 0.5) * std::pow(10.0, -4.0 * j / (d - 1)));
    }
  }
  CsrMatrix csr(n, d);
  csr.setFromTriplets(trips.begin(), trips.end());
  const RowMatrixXd dense = RowMatrixXd(csr);
  const VectorXd b = testing::GaussMatrix(n, 1, 5).col(0);
  for (Solver solver : {Solver::kLsqr, Solver::kSketchAndSolve, Solver::kIhs}) {
    SolveOptions opt;
    opt.solver = solver;
    opt.tolerance = 1e-14;
    auto rs = Solve(csr, b, opt);
    auto rd = Solve(ConstRowMajorRef(dense), b, opt);
    ASSERT_TRUE(rs.ok() && rd.ok()) << rs.status() << rd.status();
    EXPECT_LE(RelErr(rs->x, rd->x), 1e-10) << SolverName(solver);
    EXPECT_NEAR(rs->residual_norm, rd->residual_norm, 1e-10 * rd->residual_norm);
  }
  SolveOptions plain;
  plain.precondition = false;
  plain.max_iterations = 20000;
  auto rp = Solve(csr, b, plain);
  auto rq = QrLeastSquares(ConstRowMajorRef(dense), b);
  ASSERT_TRUE(rp.ok() && rq.ok());
  EXPECT_LE(RelErr(rp->x, *rq), 1e-6);
}

TEST(ValidationTest, BadInputsGiveClearErrors) {
  RegressionProblem p = MakeProblem(200, 5, 10.0, 0.1, 18);
  SolveOptions opt;
  {
    RegressionProblem q = p;
    q.b.conservativeResize(199);
    auto r = Solve(q, opt);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("length 199"));
  }
  {
    RegressionProblem q = p;
    q.a(17, 3) = std::nan("");
    auto r = Solve(q, opt);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("row 17, column 3"));
    q = p;
    q.b[9] = INFINITY;
    EXPECT_THAT(Solve(q, opt).status().message(), HasSubstr("row 9"));
  }
  {
    RegressionProblem q{RowMatrixXd::Ones(3, 5), VectorXd::Ones(3)};
    auto r = Solve(q, opt);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("d > n"));
    RegressionProblem empty;
    EXPECT_EQ(Solve(empty, opt).status().code(), absl::StatusCode::kInvalidArgument);
  }
  for (double lambda : {0.0, -1.0}) {
    SolveOptions l = opt;
    l.solver = Solver::kIhs;
    l.lasso_lambda = lambda;
    auto r = Solve(p, l);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("lasso_lambda"));
  }
  SolveOptions wrong_solver = opt;
  wrong_solver.lasso_lambda = 1.0;
  EXPECT_EQ(Solve(p, wrong_solver).status().code(), absl::StatusCode::kInvalidArgument);
  CountSketch small = *CountSketch::Random(10, 100, 1);
  SolveOptions wrong_n = opt;
  wrong_n.sketch = &small;
  EXPECT_THAT(Solve(p, wrong_n).status().message(), HasSubstr("n=100"));
}

TEST(ValidationTest, RankDeficientAIsFailedPrecondition) {
  RegressionProblem p = MakeProblem(3000, 8, 10.0, 0.1, 19);
  p.a.col(5) = 2 * p.a.col(1) - p.a.col(2);  // column 5 is a combination
  for (Solver solver : {Solver::kLsqr, Solver::kSketchAndSolve, Solver::kIhs, Solver::kQr}) {
    SolveOptions opt;
    opt.solver = solver;
    auto r = Solve(p, opt);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << SolverName(solver);
    EXPECT_THAT(r.status().message(), HasSubstr("rank-deficient")) << SolverName(solver);
  }
}

TEST(SolveTest, ParseSolverNames) {
  for (Solver s : {Solver::kSketchAndSolve, Solver::kLsqr, Solver::kIhs, Solver::kQr}) {
    EXPECT_EQ(*ParseSolver(SolverName(s)), s);
  }
  EXPECT_FALSE(ParseSolver("cholesky").ok());
}

}  // namespace
}  // namespace sketchd
