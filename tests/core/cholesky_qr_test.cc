#include "core/lowrank/cholesky_qr.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/lowrank/scw_low_rank.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

// |R| of a Householder QR, rows signed so the diagonal is non-negative (the
// QR is unique up to those signs).
MatrixXd HouseholderR(const MatrixXd& b) {
  Eigen::HouseholderQR<MatrixXd> qr(b);
  MatrixXd r = qr.matrixQR().topRows(b.cols()).triangularView<Eigen::Upper>();
  for (Index i = 0; i < r.rows(); ++i) {
    if (r(i, i) < 0) r.row(i) *= -1;
  }
  return r;
}

TEST(CholeskyQrTest, WellConditionedMatchesHouseholderInBothLayouts) {
  const MatrixXd b = GaussianMatrix(600, 25, 3) * VectorXd::LinSpaced(25, 1.0, 1e-3).asDiagonal();
  const MatrixXd expected = HouseholderR(b);

  MatrixXd col = b;
  CholeskyQrFactors cf;
  ASSERT_EQ(CholeskyQr2InPlace({col.data(), 600, 25, 600, false}, &cf), CholeskyQrOutcome::kDone);
  EXPECT_LE((cf.triangle - expected).norm(), 1e-12 * expected.norm());
  // The buffer now holds Q₁ with Q₁R₁ = B.
  EXPECT_LE((col * cf.first - b).norm(), 1e-12 * b.norm());

  RowMatrixXd row = b;
  CholeskyQrFactors rf;
  ASSERT_EQ(CholeskyQr2InPlace({row.data(), 600, 25, 25, true}, &rf), CholeskyQrOutcome::kDone);
  EXPECT_LE((rf.triangle - expected).norm(), 1e-12 * expected.norm());
  EXPECT_LE((MatrixXd(row) * rf.first - b).norm(), 1e-12 * b.norm());
  // Q = B R⁻¹ is orthonormal to working precision.
  const MatrixXd q = rf.triangle.triangularView<Eigen::Upper>().solve<Eigen::OnTheRight>(b);
  EXPECT_LE((q.transpose() * q - MatrixXd::Identity(25, 25)).norm(), 1e-13);
}

TEST(CholeskyQrTest, IllConditionedLeavesTheBufferUntouched) {
  // κ = 1e12: the Gram matrix cannot resolve the small columns.
  const MatrixXd b =
      GaussianMatrix(400, 12, 4) * VectorXd::LinSpaced(12, 0.0, -12.0).unaryExpr([](double e) {
        return std::pow(10.0, e);
      }).asDiagonal();
  MatrixXd copy = b;
  CholeskyQrFactors f;
  EXPECT_EQ(CholeskyQr2InPlace({copy.data(), 400, 12, 400, false}, &f),
            CholeskyQrOutcome::kUntouched);
  EXPECT_TRUE((copy.array() == b.array()).all());

  MatrixXd wide = GaussianMatrix(5, 8, 5);
  EXPECT_EQ(CholeskyQr2InPlace({wide.data(), 5, 8, 5, false}, &f), CholeskyQrOutcome::kUntouched);
}

// SCW answers the same whichever QR it took: a graded spectrum that forces
// the Householder fallback and a flat one that takes CholeskyQR2 both give
// singular values equal to those of AV computed independently.
TEST(CholeskyQrTest, ScwSingularValuesMatchAnIndependentSvdOnBothPaths) {
  for (const double decay : {1e-1, 1e-13}) {
    const MatrixXd a = GaussianMatrix(300, 40, 6) *
                       VectorXd::LinSpaced(40, 0.0, std::log10(decay)).unaryExpr([](double e) {
                         return std::pow(10.0, e);
                       }).asDiagonal() *
                       GaussianMatrix(40, 40, 7);
    auto s = CountSketch::Random(30, 300, 8);
    ASSERT_TRUE(s.ok());
    auto f = ScwLowRank(*s, RowMatrixXd(a), 10);
    ASSERT_TRUE(f.ok()) << f.status();
    const MatrixXd v = RowSpaceBasis(s->ToDense() * a);
    Eigen::JacobiSVD<MatrixXd> av(a * v);
    for (int i = 0; i < 10; ++i) {
      EXPECT_NEAR(f->singular_values(i), av.singularValues()(i),
                  1e-11 * av.singularValues()(0))
          << "decay " << decay << " i " << i;
      EXPECT_NEAR(f->left.col(i).norm(), f->singular_values(i), 1e-11 * av.singularValues()(0));
    }
  }
}

// κ = 1e7, beyond CholeskyQR2's range at 600×25 (~5e4): CholeskyQR2
// refuses, shifted CholeskyQR3 gives an orthonormal Q and the R of B.
TEST(CholeskyQrTest, ShiftedCholeskyQr3TakesWhatCholeskyQr2Refuses) {
  const MatrixXd b =
      GaussianMatrix(600, 25, 8) * VectorXd::LinSpaced(25, 0.0, -7.0).unaryExpr([](double e) {
        return std::pow(10.0, e);
      }).asDiagonal();
  MatrixXd copy = b;
  CholeskyQrFactors f;
  ASSERT_EQ(CholeskyQr2OrthonormalizeInPlace({copy.data(), 600, 25, 600, false}, &f),
            CholeskyQrOutcome::kUntouched);
  for (bool row_major : {false, true}) {
    RowMatrixXd row = b;
    MatrixXd col = b;
    const TallMatrixView view = row_major ? TallMatrixView{row.data(), 600, 25, 25, true}
                                          : TallMatrixView{col.data(), 600, 25, 600, false};
    ASSERT_EQ(ShiftedCholeskyQr3OrthonormalizeInPlace(view, &f), CholeskyQrOutcome::kDone);
    const MatrixXd q = row_major ? MatrixXd(row) : col;
    EXPECT_LE((q.transpose() * q - MatrixXd::Identity(25, 25)).norm(), 1e-13);
    EXPECT_LE((q * f.triangle - b).norm(), 1e-13 * b.norm());
    // The same span as B, column by column (R upper triangular).
    const MatrixXd householder_q = Eigen::HouseholderQR<MatrixXd>(b).householderQ() *
                                   MatrixXd::Identity(600, 25);
    EXPECT_LE((q * q.transpose() - householder_q * householder_q.transpose()).norm(), 1e-9);
  }
  // Numerically rank-deficient: never kDone.
  MatrixXd deficient = GaussianMatrix(200, 3, 9) * GaussianMatrix(3, 8, 10);
  EXPECT_NE(ShiftedCholeskyQr3OrthonormalizeInPlace({deficient.data(), 200, 8, 200, false}, &f),
            CholeskyQrOutcome::kDone);
}

}  // namespace
}  // namespace sketchd
