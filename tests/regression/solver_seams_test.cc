// The seams row-distributed (MPI) solvers plug into: LSQR on an abstract
// operator, and the small sketched least-squares solve on its own.
#include <gtest/gtest.h>

#include "core/regression/data_matrix.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/lsqr.h"
#include "core/regression/sketch_and_solve.h"
#include "core/regression/triangular_factor.h"
#include "core/sketch/count_sketch.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using testing::MakeProblem;

// A split into two row blocks, summed the way MPI ranks would: each block's
// pass on its own rows of u, then Aᵀu and ‖u‖² added.
class TwoBlockOperator final : public LsqrOperator {
 public:
  TwoBlockOperator(const RowMatrixXd& a, int64_t split)
      : top_(a.topRows(split), 1), bottom_(a.bottomRows(a.rows() - split), 1), split_(split) {}
  int64_t cols() const override { return top_.cols(); }
  double MultiplyThenAdjoint(const VectorXd& v, double alpha, VectorXd* u,
                             VectorXd* w) const override {
    VectorXd u_top = u->head(split_), u_bottom = u->tail(u->size() - split_), w_top, w_bottom;
    const double sq = top_.MultiplyThenAdjoint(v, alpha, &u_top, &w_top) +
                      bottom_.MultiplyThenAdjoint(v, alpha, &u_bottom, &w_bottom);
    *u << u_top, u_bottom;
    *w = w_top + w_bottom;
    return sq;
  }
  double Norm(const Eigen::Ref<const VectorXd>& b) const override {
    return std::sqrt(b.head(split_).squaredNorm() + b.tail(b.size() - split_).squaredNorm());
  }

 private:
  DataMatrix top_, bottom_;
  int64_t split_;
};

TEST(SolverSeamsTest, LsqrOnABlockOperatorReachesTheQrSolution) {
  const RegressionProblem p = MakeProblem(400, 12, 10, 1e-2, 7);
  const MatrixXd r = *UpperTriangularFactor(CountSketch::Random(96, 400, 3)->Apply(p.a), "SA");
  const LsqrResult split = Lsqr(TwoBlockOperator(p.a, 157), p.b, &r, LsqrOptions{});
  const LsqrResult whole = Lsqr(DataMatrix(p.a, 1), p.b, &r, LsqrOptions{});
  const VectorXd exact = *QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  EXPECT_LT((split.x - exact).norm() / exact.norm(), 1e-10);
  // Same iteration, only the sums are ordered differently (the difference
  // grows like κ(A)·eps: 3e-12 at κ = 1e4, hence a well-conditioned A here).
  EXPECT_LT((split.x - whole.x).norm() / whole.x.norm(), 1e-12);
  EXPECT_NEAR(split.iterations, whole.iterations, 1);
}

// With S = I (m = n) the sketched problem is the problem itself.
TEST(SolverSeamsTest, SketchedSolveOfTheUnsketchedProblemIsExact) {
  const RegressionProblem p = MakeProblem(60, 5, 1e3, 1e-1, 8);
  auto x = SolveSketchedLeastSquares(MatrixXd(p.a), p.b);
  ASSERT_TRUE(x.ok()) << x.status();
  const VectorXd exact = *QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  EXPECT_LT((*x - exact).norm() / exact.norm(), 1e-12);
}

TEST(SolverSeamsTest, SketchedSolveRejectsWideAndRankDeficientInputs) {
  auto wide = SolveSketchedLeastSquares(MatrixXd::Ones(3, 4), VectorXd::Ones(3));
  EXPECT_EQ(wide.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wide.status().message().find("needs m >= d"), std::string::npos);
  MatrixXd dependent = testing::GaussMatrix(10, 3, 9);
  dependent.col(2) = dependent.col(0);
  auto deficient = SolveSketchedLeastSquares(dependent, VectorXd::Ones(10));
  EXPECT_EQ(deficient.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace sketchd
