// One-pass with a learned range sketch: R trained on the transposed family
// (TrainSketch with transpose) is an m_r×d sketch of Aᵀ, and the two-sided
// answer with S and R both learned equals the dense two-sided formula built
// from the same four sketches; only a transposed low-rank CountSketch of the
// right width is accepted as R.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/lowrank/two_sided_sketch.h"
#include "core/training/range_sketch.h"
#include "core/train_sketch.h"
#include "tests/core/test_matrices.h"
#include "tests/core/two_sided_reference.h"

namespace sketchd {
namespace {

using ::testing::HasSubstr;
using testing::DenseTwoSidedReference;
using testing::GaussianMatrix;

constexpr int64_t kN = 70, kD = 45, kK = 4;

// A family sharing its dominant row and column spaces (fixed bases, varying
// weights, small noise), as frames of one camera do.
std::vector<RowMatrixXd> Family(int count) {
  const MatrixXd u = GaussianMatrix(kN, 6, 1), v = GaussianMatrix(6, kD, 2);
  std::vector<RowMatrixXd> out;
  for (int i = 0; i < count; ++i) {
    const MatrixXd w = GaussianMatrix(6, 6, 10 + i);
    out.push_back(u * w * v + 0.05 * GaussianMatrix(kN, kD, 100 + i));
  }
  return out;
}

TrainedSketch Train(TrainMethod method, bool transpose, int64_t m) {
  TrainOptions o;
  o.method = method;
  o.k = kK;
  o.m = m;
  o.seed = 3;
  o.iterations = 20;
  o.threads = 1;
  o.transpose = transpose;
  auto t = TrainSketch(Family(12), o, nullptr, nullptr);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : TrainedSketch();
}

TEST(TwoSidedLearnedRange, LearnedRAndSGiveTheDenseTwoSidedAnswer) {
  const TrainedSketch s = Train(TrainMethod::kInnerProduct, false, 10);
  for (TrainMethod method : {TrainMethod::kInnerProduct, TrainMethod::kIvy}) {
    const TrainedSketch r = Train(method, true, 9);
    ASSERT_EQ(r.sketch.cols(), kD) << "a transposed sketch acts on the d columns";
    auto right = RangeSketchFromTrained(r, kD, "R");
    ASSERT_TRUE(right.ok()) << right.status();
    auto sketches = WithLearnedRange(s.sketch, *right, 0, 5);
    ASSERT_TRUE(sketches.ok()) << sketches.status();
    // R is the learned sketch itself; T and W have the default 2·max(m, m_r) + 1 rows.
    EXPECT_EQ(sketches->right.ToDense(), r.sketch.ToDense());
    EXPECT_EQ(sketches->core_left.rows(), 21);
    EXPECT_EQ(sketches->core_right.rows(), 21);

    const RowMatrixXd a = Family(13).back();  // not a training matrix
    auto f = TwoSidedLowRank(*sketches, a, kK);
    ASSERT_TRUE(f.ok()) << f.status();
    const MatrixXd ref = DenseTwoSidedReference(*sketches, a, kK);
    const MatrixXd approx = f->left * f->right.transpose();
    EXPECT_LE((approx - ref).norm(), 1e-10 * ref.norm()) << TrainMethodName(method);
    EXPECT_EQ(f->rank, kK);
    EXPECT_LE((f->right.transpose() * f->right - MatrixXd::Identity(kK, kK)).norm(), 1e-12);
  }
}

TEST(TwoSidedLearnedRange, OnlyATransposedLowRankCountSketchOfWidthDIsAnR) {
  const TrainedSketch left = Train(TrainMethod::kInnerProduct, false, 10);
  auto st = RangeSketchFromTrained(left, kD, "sketch 2");
  EXPECT_EQ(st.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.status().message(),
              HasSubstr("sketch 2 was not trained with transpose: it sketches the rows of A"));

  const TrainedSketch r = Train(TrainMethod::kRandom, true, 9);
  st = RangeSketchFromTrained(r, kD + 1, "r.sketch");
  EXPECT_EQ(st.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.status().message(),
            "r.sketch was trained on transposes with 45 columns, but the matrix has d = 46 "
            "columns; R must act on exactly d");

  const TrainedSketch dense = Train(TrainMethod::kSubspace, true, 9);
  ASSERT_TRUE(dense.is_dense());
  st = RangeSketchFromTrained(dense, kD, "v4");
  EXPECT_EQ(st.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.status().message(), HasSubstr("v4 is a dense (subspace) sketch"));
}

TEST(TwoSidedLearnedRange, RandomCompanionsOfNeighbouringSeedsShareNoSketch) {
  // With d = n and m_r = m_t = m_w, R, T and W have one shape, so a reused
  // seed would show as equal sketches. Seeds s, s + 1, s + 2 (as before)
  // made seed 42's R equal seed 41's T.
  const CountSketch left = *CountSketch::Random(8, kN, 1);
  auto s41 = WithRandomCompanions(left, kN, 17, 17, 41);
  auto s42 = WithRandomCompanions(left, kN, 17, 17, 42);
  ASSERT_TRUE(s41.ok() && s42.ok());
  const MatrixXd r42 = s42->right.ToDense();
  EXPECT_NE(r42, s41->right.ToDense());
  EXPECT_NE(r42, s41->core_left.ToDense());
  EXPECT_NE(r42, s41->core_right.ToDense());
  EXPECT_NE(s41->core_left.ToDense(), s41->core_right.ToDense());
  EXPECT_NE(s41->right.ToDense(), s41->core_left.ToDense());
}

}  // namespace
}  // namespace sketchd
