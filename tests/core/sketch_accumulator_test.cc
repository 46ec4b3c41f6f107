#include "core/sketch/sketch_accumulator.h"

#include <gtest/gtest.h>

#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

TEST(SketchAccumulatorTest, AnyChunkingEqualsOneShot) {
  auto s = CountSketch::Stack(*CountSketch::Random(5, 97, 1), *CountSketch::Random(3, 97, 2));
  ASSERT_TRUE(s.ok());
  const RowMatrixXd a = testing::GaussianMatrix(97, 13, 3);
  const MatrixXd expected = s->Apply(a);
  for (int chunk : {1, 2, 7, 32, 96, 97, 500}) {
    SketchAccumulator acc(*s, a.cols());
    for (int64_t r0 = 0; r0 < a.rows(); r0 += chunk) {
      const int64_t rows = std::min<int64_t>(chunk, a.rows() - r0);
      ASSERT_TRUE(acc.AddRows(r0, a.middleRows(r0, rows)).ok());
    }
    EXPECT_EQ(acc.rows_added(), 97);
    EXPECT_LE((MatrixXd(acc.result()) - expected).cwiseAbs().maxCoeff(), 1e-12) << "chunk " << chunk;
  }
}

TEST(SketchAccumulatorTest, IrregularChunksInAnyOrderAndMergedPartsAgree) {
  auto s = CountSketch::Random(6, 50, 4);
  ASSERT_TRUE(s.ok());
  const RowMatrixXd a = testing::GaussianMatrix(50, 4, 5);
  // Two "ranks" each own a disjoint set of row ranges, added out of order.
  SketchAccumulator first(*s, 4), second(*s, 4);
  ASSERT_TRUE(first.AddRows(30, a.middleRows(30, 20)).ok());
  ASSERT_TRUE(first.AddRows(0, a.middleRows(0, 3)).ok());
  ASSERT_TRUE(second.AddRows(3, a.middleRows(3, 27)).ok());
  ASSERT_TRUE(first.Merge(second).ok());
  EXPECT_EQ(first.rows_added(), 50);
  EXPECT_LE((MatrixXd(first.result()) - s->Apply(a)).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(SketchAccumulatorTest, RejectsBadBlocksWithoutChangingTheSum) {
  auto s = CountSketch::Random(4, 10, 1);
  ASSERT_TRUE(s.ok());
  SketchAccumulator acc(*s, 3);
  const RowMatrixXd good = testing::GaussianMatrix(5, 3, 2);
  ASSERT_TRUE(acc.AddRows(0, good).ok());
  const RowMatrixXd before = acc.result();
  EXPECT_EQ(acc.AddRows(0, RowMatrixXd::Ones(2, 4)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(acc.AddRows(8, good).code(), absl::StatusCode::kInvalidArgument);  // past n
  EXPECT_EQ(acc.AddRows(-1, good).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(acc.result(), before);
  SketchAccumulator other(*s, 5);
  EXPECT_FALSE(acc.Merge(other).ok());
}

}  // namespace
}  // namespace sketchd
