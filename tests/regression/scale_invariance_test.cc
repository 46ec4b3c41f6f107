// The same least-squares / LASSO problem scaled by 10^±150 must give the same
// relative answer (or a clear error), and the convergence flag must be honest.
// Before the fix, A and b scaled by 1e-30 gave x 1.4% off with "converged";
// by 1e153 LSQR returned NaN and IHS returned x = 0.
#include <cmath>
#include <limits>
#include <vector>

#include "core/regression/exact_solvers.h"
#include "core/regression/solve.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using ::sketchd::testing::MakeProblem;
using ::sketchd::testing::RelErr;
using ::testing::HasSubstr;

const std::vector<double>& Scales() {
  // ±150 is the requirement; ±200 shows the margin (1e153 used to give NaN).
  static const std::vector<double> scales = {1e-200, 1e-150, 1e-100, 1e-40, 1e-30, 1e-8, 1.0,
                                             1e8,    1e30,   1e40,   1e100, 1e150, 1e153, 1e200};
  return scales;
}

SolveOptions WithSolver(Solver solver) {
  SolveOptions o;
  o.solver = solver;
  return o;
}

RegressionProblem Scaled(const RegressionProblem& p, double a_scale, double b_scale) {
  RegressionProblem out;
  out.a = p.a * a_scale;
  out.b = p.b * b_scale;
  return out;
}

struct SolverCase {
  const char* name;
  Solver solver;
  bool precondition;
  double tolerance;  // relative error allowed against the unscaled reference
};

class ScaleSweepTest : public ::testing::TestWithParam<SolverCase> {};

SolveOptions CaseOptions(const SolverCase& c) {
  SolveOptions opt = WithSolver(c.solver);
  opt.precondition = c.precondition;
  if (c.solver == Solver::kLsqr && !c.precondition) opt.max_iterations = 2000;
  if (c.solver == Solver::kIhs) opt.max_iterations = 200;
  return opt;
}

// A and b scaled together: x is unchanged. Reference: Householder QR on the
// unscaled problem (the sketched direct solver against itself unscaled).
TEST_P(ScaleSweepTest, UniformScalingKeepsTheAnswer) {
  const SolverCase c = GetParam();
  const RegressionProblem p = MakeProblem(3000, 20, 1e3, 1e-2, 41);
  const SolveOptions opt = CaseOptions(c);
  VectorXd reference;
  if (c.solver == Solver::kSketchAndSolve) {
    auto r = Solve(p, opt);
    ASSERT_TRUE(r.ok()) << r.status();
    reference = r->x;
  } else {
    auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    ASSERT_TRUE(qr.ok()) << qr.status();
    reference = *qr;
  }
  const double r0 = (p.a * reference - p.b).norm();
  for (double s : Scales()) {
    const RegressionProblem q = Scaled(p, s, s);
    auto r = Solve(q, opt);
    ASSERT_TRUE(r.ok()) << c.name << " scale " << s << ": " << r.status();
    ASSERT_TRUE(r->x.allFinite()) << c.name << " scale " << s;
    EXPECT_LE(RelErr(r->x, reference), c.tolerance) << c.name << " scale " << s << " stop: " << r->stop_reason;
    EXPECT_TRUE(IsConverged(r->convergence)) << c.name << " scale " << s << " stop: " << r->stop_reason;
    EXPECT_NEAR(r->residual_norm / (s * r0), 1.0, 1e-6) << c.name << " scale " << s;
  }
}

// Only A scaled: x scales by 1/s.
TEST_P(ScaleSweepTest, ScalingOnlyAScalesTheAnswerInversely) {
  const SolverCase c = GetParam();
  const RegressionProblem p = MakeProblem(3000, 20, 1e3, 1e-2, 42);
  const SolveOptions opt = CaseOptions(c);
  auto base = c.solver == Solver::kSketchAndSolve ? Solve(p, opt) : Solve(p, WithSolver(Solver::kQr));
  ASSERT_TRUE(base.ok()) << base.status();
  for (double s : {1e-150, 1e-30, 1e30, 1e150}) {
    auto r = Solve(Scaled(p, s, 1.0), opt);
    ASSERT_TRUE(r.ok()) << c.name << " scale " << s << ": " << r.status();
    EXPECT_LE(RelErr(r->x * s, base->x), c.tolerance) << c.name << " scale " << s << " stop: " << r->stop_reason;
    EXPECT_TRUE(IsConverged(r->convergence)) << c.name << " scale " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Solvers, ScaleSweepTest,
    ::testing::Values(SolverCase{"qr", Solver::kQr, true, 1e-12},
                      SolverCase{"lsqr", Solver::kLsqr, true, 1e-9},
                      SolverCase{"plain_lsqr", Solver::kLsqr, false, 1e-7},
                      SolverCase{"ihs", Solver::kIhs, true, 1e-8},
                      SolverCase{"sketch_and_solve", Solver::kSketchAndSolve, true, 1e-12}),
    [](const ::testing::TestParamInfo<SolverCase>& info) { return std::string(info.param.name); });

TEST(ScaleInvarianceTest, IhsLassoKeepsTheAnswerUnderUniformScaling) {
  const RegressionProblem p = MakeProblem(3000, 20, 1e2, 1e-1, 43);
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  ASSERT_TRUE(qr.ok());
  const double lambda = 0.5 * qr->lpNorm<1>();
  auto ref = LassoExact(p.a, p.b, lambda);
  ASSERT_TRUE(ref.ok()) << ref.status();
  SolveOptions opt;
  opt.solver = Solver::kIhs;
  opt.lasso_lambda = lambda;
  opt.max_iterations = 200;
  opt.tolerance = 1e-12;
  for (double s : Scales()) {
    auto r = Solve(Scaled(p, s, s), opt);
    ASSERT_TRUE(r.ok()) << "scale " << s << ": " << r.status();
    EXPECT_LE(RelErr(r->x, ref->x), 1e-6) << "scale " << s << " stop: " << r->stop_reason;
    EXPECT_TRUE(IsConverged(r->convergence)) << "scale " << s << " stop: " << r->stop_reason;
  }
}

TEST(ScaleInvarianceTest, ZeroRightHandSideGivesZero) {
  RegressionProblem p = MakeProblem(500, 10, 10, 0, 44);
  p.b.setZero();
  for (Solver solver : {Solver::kQr, Solver::kLsqr, Solver::kIhs, Solver::kSketchAndSolve}) {
    auto r = Solve(p, WithSolver(solver));
    ASSERT_TRUE(r.ok()) << SolverName(solver) << ": " << r.status();
    EXPECT_EQ(r->x.norm(), 0.0) << SolverName(solver);
    EXPECT_TRUE(IsConverged(r->convergence)) << SolverName(solver);
  }
}

TEST(ScaleInvarianceTest, SolutionBeyondDoubleRangeIsInvalidArgument) {
  // A ~ 1e-300, b ~ 1e300: x ~ 1e600 is not representable.
  const RegressionProblem p = MakeProblem(500, 10, 10, 1e-2, 45);
  for (Solver solver : {Solver::kQr, Solver::kLsqr, Solver::kIhs, Solver::kSketchAndSolve}) {
    auto r = Solve(Scaled(p, 1e-300, 1e300), WithSolver(solver));
    ASSERT_FALSE(r.ok()) << SolverName(solver);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << SolverName(solver);
    EXPECT_THAT(r.status().message(), HasSubstr("out of the range of double")) << SolverName(solver);
  }
}

TEST(ScaleInvarianceTest, IterationLimitIsReportedAsNotConverged) {
  const RegressionProblem p = MakeProblem(2000, 30, 1e6, 1e-3, 46);
  SolveOptions opt;
  opt.precondition = false;
  opt.max_iterations = 3;
  auto r = Solve(p, opt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->convergence, SolveConvergence::kIterationLimit);
  EXPECT_FALSE(IsConverged(r->convergence));
  opt.solver = Solver::kIhs;
  opt.precondition = true;
  opt.max_iterations = 1;
  r = Solve(p, opt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->convergence, SolveConvergence::kIterationLimit);
}

TEST(SolveOptionsTest, NonFiniteOrOutOfRangeOptionsAreInvalidArgument) {
  const RegressionProblem p = MakeProblem(500, 10, 10, 1e-2, 47);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    const char* field;
    SolveOptions options;
  };
  std::vector<Case> cases;
  for (double t : {nan, -1.0, 0.0, 1.0, 2.0, inf}) {
    SolveOptions o;
    o.solver = Solver::kIhs;
    o.tolerance = t;
    cases.push_back({"tolerance", o});
  }
  for (double t : {nan, -1.0, 1.0, inf}) {
    SolveOptions o;
    o.atol = t;
    cases.push_back({"atol", o});
    o = SolveOptions();
    o.btol = t;
    cases.push_back({"btol", o});
  }
  for (double t : {nan, -1.0, 0.5, inf}) {
    SolveOptions o;
    o.conlim = t;
    cases.push_back({"conlim", o});
  }
  for (int it : {-1, 100000001}) {
    SolveOptions o;
    o.max_iterations = it;
    cases.push_back({"max_iterations", o});
  }
  for (double l : {nan, -1.0, 0.0, inf}) {
    SolveOptions o;
    o.solver = Solver::kIhs;
    o.lasso_lambda = l;
    cases.push_back({"lasso_lambda", o});
  }
  for (const Case& c : cases) {
    auto r = Solve(p, c.options);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(r.status().message(), HasSubstr(c.field)) << r.status();
  }
}

}  // namespace
}  // namespace sketchd
