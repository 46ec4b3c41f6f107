#include "core/sketch/count_sketch.h"

#include <gtest/gtest.h>

#include <set>

#include "core/sketch/gaussian_sketch.h"
#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

TEST(PhiloxTest, MatchesRandom123KnownAnswer) {
  // Random123's published known-answer vector for Philox4x32-10 with zero
  // counter and key: our counter layout maps (seed 0, stream 0, index 0) there.
  const auto w = PhiloxWords(0, 0, 0);
  EXPECT_EQ(w[0], 0x6627e8d5u);
  EXPECT_EQ(w[1], 0xe169c58du);
  EXPECT_EQ(w[2], 0xbc57ac4cu);
  EXPECT_EQ(w[3], 0x9b00dbd8u);
}

TEST(CountSketchTest, RandomIsReproducibleAndPinned) {
  auto a = CountSketch::Random(7, 1000, 42);
  auto b = CountSketch::Random(7, 1000, 42);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  // Pinned values: Philox4x32-10 is specified bit for bit, so these hold on
  // every platform. A change here changes every stored random sketch.
  const std::vector<int32_t> expected_positions = {0, 0, 1, 0, 6, 2, 4, 2, 4, 0, 2, 3};
  const std::vector<double> expected_values = {1, -1, 1, 1, -1, 1, -1, -1, 1, 1, -1, -1};
  for (size_t j = 0; j < expected_positions.size(); ++j) {
    EXPECT_EQ(a->positions()[j], expected_positions[j]) << "column " << j;
    EXPECT_EQ(a->values()[j], expected_values[j]) << "column " << j;
  }
  auto other = CountSketch::Random(7, 1000, 43);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(a->positions(), other->positions());
}

TEST(CountSketchTest, RandomPositionsAreRoughlyUniform) {
  auto s = CountSketch::Random(10, 100000, 7);
  ASSERT_TRUE(s.ok());
  std::vector<int> counts(10, 0);
  int positive = 0;
  for (int64_t j = 0; j < s->cols(); ++j) {
    counts[s->positions()[j]]++;
    positive += s->values()[j] > 0;
  }
  // Binomial(1e5, 0.1): sd ≈ 95; 6 sd bounds never fail for a fixed seed by chance.
  for (int c : counts) EXPECT_NEAR(c, 10000, 600);
  EXPECT_NEAR(positive, 50000, 1000);
}

TEST(CountSketchTest, ApplyEqualsDenseProductForEveryLayout) {
  auto s = CountSketch::Random(9, 200, 3);
  ASSERT_TRUE(s.ok());
  const MatrixXd a = GaussianMatrix(200, 31, 5);
  const MatrixXd expected = s->ToDense() * a;
  const RowMatrixXd a_row = a;
  EXPECT_LE((s->Apply(a) - expected).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LE((s->Apply(a_row) - expected).cwiseAbs().maxCoeff(), 1e-12);
  // A strided block (every column of a wider matrix's left part).
  const MatrixXd wide = GaussianMatrix(200, 40, 6);
  EXPECT_LE((s->Apply(wide.leftCols(31)) - s->ToDense() * wide.leftCols(31)).cwiseAbs().maxCoeff(),
            1e-12);
  // A vector.
  const VectorXd v = GaussianMatrix(200, 1, 8);
  EXPECT_LE((s->Apply(v) - s->ToDense() * v).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(CountSketchTest, ApplyToCsrEqualsDense) {
  auto s = CountSketch::Random(6, 50, 11);
  ASSERT_TRUE(s.ok());
  MatrixXd a = GaussianMatrix(50, 20, 12);
  for (Index i = 0; i < a.rows(); ++i)
    for (Index j = 0; j < a.cols(); ++j)
      if ((i * 7 + j * 3) % 5 != 0) a(i, j) = 0;  // ~80% zeros
  const CsrMatrix sparse = a.sparseView();
  EXPECT_LE((s->Apply(sparse) - s->ToDense() * a).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(CountSketchTest, StackedSketchAppliesAsVerticalConcatenation) {
  auto top = CountSketch::Random(4, 60, 1);
  auto bottom = CountSketch::Random(5, 60, 2);
  ASSERT_TRUE(top.ok() && bottom.ok());
  auto stacked = CountSketch::Stack(*top, *bottom);
  ASSERT_TRUE(stacked.ok());
  EXPECT_EQ(stacked->rows(), 9);
  EXPECT_EQ(stacked->num_blocks(), 2);
  MatrixXd dense(9, 60);
  dense << top->ToDense(), bottom->ToDense();
  EXPECT_EQ(stacked->ToDense(), dense);
  const MatrixXd a = GaussianMatrix(60, 8, 3);
  EXPECT_LE((stacked->Apply(a) - dense * a).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LE((stacked->Apply(RowMatrixXd(a)) - dense * a).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_EQ(stacked->Block(0), *top);
  EXPECT_EQ(stacked->Block(1), *bottom);
  auto mismatched = CountSketch::Random(5, 61, 2);
  EXPECT_EQ(CountSketch::Stack(*top, *mismatched).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CountSketchTest, FromPartsValidatesInvariants) {
  EXPECT_TRUE(CountSketch::FromParts(3, {0, 1, 2}, {1.0, -2.0, 0.5}).ok());
  EXPECT_FALSE(CountSketch::FromParts(3, {0, 3, 2}, {1, 1, 1}).ok());   // position ≥ m
  EXPECT_FALSE(CountSketch::FromParts(3, {0, -1, 2}, {1, 1, 1}).ok());  // negative
  EXPECT_FALSE(CountSketch::FromParts(3, {0, 1}, {1, 1, 1}).ok());      // length mismatch
  EXPECT_FALSE(CountSketch::FromParts(0, {}, {}).ok());                 // m = 0
  EXPECT_FALSE(CountSketch::FromParts(3, {0, 1, 2}, {1, NAN, 1}).ok()); // NaN value
  EXPECT_FALSE(CountSketch::FromParts(3, {0, 1, 2}, {1, INFINITY, 1}).ok());
  EXPECT_FALSE(CountSketch::Random(0, 10, 1).ok());
  EXPECT_FALSE(CountSketch::Random(10, 0, 1).ok());
  // A block's positions must stay inside that block's rows.
  EXPECT_FALSE(CountSketch::FromBlocks({2, 2}, 2, {0, 1, 0, 3}, {1, 1, 1, 1}).ok());
  EXPECT_TRUE(CountSketch::FromBlocks({2, 2}, 2, {0, 1, 2, 3}, {1, 1, 1, 1}).ok());
}

TEST(GaussianSketchTest, ReproducibleAndPanelIndependent) {
  auto g = GaussianSketch::Create(7, 300, 9);
  ASSERT_TRUE(g.ok());
  const MatrixXd full = g->ToDense();
  EXPECT_EQ(full, GaussianSketch::Create(7, 300, 9)->ToDense());
  EXPECT_EQ(g->Columns(100, 50), full.middleCols(100, 50));
  const MatrixXd a = GaussianMatrix(300, 5, 4);
  EXPECT_LE((g->Apply(a) - full * a).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(GaussianSketchTest, EntriesHaveVarianceOneOverM) {
  auto g = GaussianSketch::Create(64, 4000, 1);
  ASSERT_TRUE(g.ok());
  const MatrixXd full = g->ToDense();
  const double mean = full.mean();
  const double variance = (full.array() - mean).square().mean();
  EXPECT_NEAR(mean, 0.0, 5.0 / std::sqrt(64.0 * 4000.0) / 8.0);
  EXPECT_NEAR(variance * 64, 1.0, 0.02);
}

}  // namespace
}  // namespace sketchd
