#include "core/lowrank/sketch_and_norm.h"

#include <gtest/gtest.h>

#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;
using testing::LowRankPlusNoise;

TEST(SketchAndNormTest, FusedPassEqualsApplyAndTheSquaredNorm) {
  const RowMatrixXd a = GaussianMatrix(503, 37, 1);
  const CountSketch one = *CountSketch::Random(11, 503, 2);
  const CountSketch two = *CountSketch::Stack(one, *CountSketch::Random(7, 503, 3));
  for (const CountSketch* s : {&one, &two}) {
    const SketchAndNorm fused = SketchWithSquaredNorm(*s, a);
    // Same axpys in the same order as CountSketch::Apply: the same bits.
    EXPECT_EQ((fused.sketched - s->Apply(a)).norm(), 0.0);
    EXPECT_LE((fused.sketched - s->ToDense() * MatrixXd(a)).norm(), 1e-12 * a.norm());
    EXPECT_EQ(fused.squared_norm, SquaredNormByRows(a));
    EXPECT_NEAR(fused.squared_norm, a.squaredNorm(), 1e-13 * a.squaredNorm());
  }
  EXPECT_THROW(SketchWithSquaredNorm(one, a.topRows(500)), std::invalid_argument);
}

// A fresh call (‖A‖_F from the sketching pass) and a call given ‖A‖_F² by
// the caller agree to the bit, and both report the explicit residual.
TEST(SketchAndNormTest, FreshScwMatchesAKnownNormCallAndTheResidual) {
  const RowMatrixXd a = LowRankPlusNoise(700, 90, 6, 0.05, 4);
  const CountSketch s = *CountSketch::Random(16, 700, 5);
  auto fresh = ScwLowRank(s, a, 8);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  LowRankOptions known;
  known.input_squared_norm = SquaredNormByRows(a);
  auto given = ScwLowRank(s, a, 8, known);
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(fresh->error, given->error);
  EXPECT_EQ(fresh->input_norm, given->input_norm);
  const double residual = LowRankResidualNorm(a, fresh->left, fresh->right);
  EXPECT_NEAR(fresh->error, residual, 1e-10 * residual);
}

}  // namespace
}  // namespace sketchd
