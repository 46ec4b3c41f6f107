// Sketch files with valid checksums but unusable sizes, and shape checks at
// the point a sketch is applied. A crafted 3 KB file with m = 2^31−1 used to
// pass decoding and abort `sketchctl local lowrank` on its m×d allocation;
// m = 500 000 took 1.9 GB and 45 s. Decoding now refuses m > n and m above a
// cap before anything of size m exists; the runs are in a child process so
// an abort or a large resident set is a test failure, not a lost suite.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/lowrank/scw_low_rank.h"
#include "core/sketch/count_sketch.h"
#include "core/sketch/sketch_serialization.h"
#include "core/training/trained_sketch.h"
#include "tests/core/test_matrices.h"
#include "tests/testing/child_process.h"

namespace sketchd {
namespace {

using child_process::RunInChild;
using testing::GaussianMatrix;

constexpr int64_t kPeakRssLimitMib = 256;

// A one-block sketch with m rows and n columns, all positions inside [0, m):
// structurally valid, so only the size checks stand in the way.
CountSketch TallSketch(int64_t m, int64_t n) {
  std::vector<int32_t> positions(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) positions[j] = static_cast<int32_t>((j * 7919) % m);
  return *CountSketch::FromParts(m, std::move(positions), std::vector<double>(n, 1.0));
}

// What `sketchctl local lowrank` does with a sketch file: decode, then
// sketch a matrix with n rows. Returns 0 iff decoding gave `code` with a
// message containing `part`.
int DecodeThenUse(const std::string& bytes, bool trained, absl::StatusCode code,
                  const std::string& part) {
  absl::StatusOr<CountSketch> sketch;
  if (trained) {
    auto t = ParseTrainedSketch(bytes);
    sketch = t.ok() ? absl::StatusOr<CountSketch>(t->sketch) : t.status();
  } else {
    sketch = ParseSketch(bytes);
  }
  if (sketch.ok()) {  // the old behaviour: go on and allocate m × d
    const RowMatrixXd a = GaussianMatrix(sketch->cols(), 96, 1);
    (void)ScwLowRank(*sketch, a, 10);
    return 1;
  }
  if (sketch.status().code() != code) return 2;
  if (sketch.status().message().find(part) == absl::string_view::npos) {
    std::fprintf(stderr, "message: %s\n", sketch.status().ToString().c_str());
    return 3;
  }
  return 0;
}

std::string TrainedBytes(const CountSketch& sketch) {
  TrainedSketch t;
  t.sketch = sketch;
  t.n = sketch.cols();
  t.d = 96;
  t.options.m = sketch.rows();
  return SerializeTrainedSketch(t);
}

TEST(SketchDecodeLimits, MaxInt32RowsWithValidChecksumIsRefusedWithoutAllocating) {
  const CountSketch crafted = TallSketch(2147483647, 200);
  const std::string bytes = SerializeSketch(crafted);
  ASSERT_LT(bytes.size(), 3000u);
  for (bool trained : {false, true}) {
    const auto outcome = RunInChild([&] {
      return DecodeThenUse(trained ? TrainedBytes(crafted) : bytes, trained,
                           absl::StatusCode::kInvalidArgument,
                           "sketch has m = 2147483647 rows but only n = 200 columns");
    });
    EXPECT_TRUE(outcome.succeeded()) << (trained ? "trained: " : "plain: ") << outcome;
    EXPECT_LT(outcome.peak_rss_mib, kPeakRssLimitMib) << outcome;
  }
}

TEST(SketchDecodeLimits, HalfMillionRowsOnATinyFileIsRefused) {
  const std::string bytes = SerializeSketch(TallSketch(500000, 240));
  ASSERT_LT(bytes.size(), 3000u);
  const auto outcome = RunInChild([&] {
    return DecodeThenUse(bytes, false, absl::StatusCode::kInvalidArgument, "m <= n");
  });
  EXPECT_TRUE(outcome.succeeded()) << outcome;
  EXPECT_LT(outcome.peak_rss_mib, kPeakRssLimitMib) << outcome;
}

TEST(SketchDecodeLimits, RowCapIsConfigurableAndMEqualNIsAllowed) {
  const CountSketch square = TallSketch(40, 40);
  auto parsed = ParseSketch(SerializeSketch(square));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, square);
  auto capped = ParseSketch(SerializeSketch(square), SketchDecodeLimits{.max_rows = 39});
  EXPECT_EQ(capped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(capped.status().message(),
            "sketch has m = 40 rows, above the limit of 39 (each use allocates an m x d matrix)");
  auto trained = ParseTrainedSketch(TrainedBytes(square), SketchDecodeLimits{.max_rows = 39});
  EXPECT_EQ(trained.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseTrainedSketch(TrainedBytes(square), SketchDecodeLimits{.max_rows = 40}).ok());
}

TEST(SketchDecodeLimits, TrainedSketchHeavyRowsMustLieInsideN) {
  TrainedSketch t;
  t.sketch = *CountSketch::Random(4, 30, 3);
  t.n = 30;
  t.heavy_rows = {0, 29};
  ASSERT_TRUE(ParseTrainedSketch(SerializeTrainedSketch(t)).ok());
  for (int32_t bad : {30, -1}) {
    t.heavy_rows = {0, bad};
    auto parsed = ParseTrainedSketch(SerializeTrainedSketch(t));
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss) << bad;
    EXPECT_NE(parsed.status().message().find("heavy row " + std::to_string(bad) +
                                             " is outside [0, n = 30)"),
              std::string::npos)
        << parsed.status();
  }
}

TEST(CountSketchShapes, ApplyChecksThatAHasNRows) {
  const CountSketch s = *CountSketch::Random(5, 10, 1);
  EXPECT_TRUE(s.CheckOperandRows(10).ok());
  EXPECT_EQ(s.CheckOperandRows(9).message(), "the sketch is 5×10, so A must have n = 10 rows; it has 9");
  const MatrixXd short_a = GaussianMatrix(9, 3, 2);
  const MatrixXd long_a = GaussianMatrix(11, 3, 2);
  const RowMatrixXd row_major = long_a;
  const CsrMatrix sparse = long_a.sparseView();
  EXPECT_THROW((void)s.Apply(short_a), std::invalid_argument);
  EXPECT_THROW((void)s.Apply(row_major), std::invalid_argument);
  EXPECT_THROW((void)s.Apply(sparse), std::invalid_argument);
  try {
    (void)s.ApplyColMajor(long_a);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "the sketch is 5×10, so A must have n = 10 rows; it has 11");
  }
  // The right shape still gives S·A.
  const MatrixXd a = GaussianMatrix(10, 3, 4);
  EXPECT_LT((s.Apply(a) - s.ToDense() * a).norm(), 1e-12 * a.norm());
}

TEST(CountSketchShapes, AccumulateRowsChecksTheRangeAndTheOutput) {
  const CountSketch s = *CountSketch::Random(4, 10, 1);
  const RowMatrixXd block = GaussianMatrix(3, 2, 5);
  RowMatrixXd out = RowMatrixXd::Zero(4, 2);
  s.AccumulateRows(7, block, out);  // rows 7, 8, 9: the last valid range
  EXPECT_LT((out - s.ToDense().middleCols(7, 3) * block).norm(), 1e-12);
  EXPECT_THROW(s.AccumulateRows(8, block, out), std::invalid_argument);
  EXPECT_THROW(s.AccumulateRows(-1, block, out), std::invalid_argument);
  RowMatrixXd wrong_rows = RowMatrixXd::Zero(3, 2);
  EXPECT_THROW(s.AccumulateRows(0, block, wrong_rows), std::invalid_argument);
  RowMatrixXd wrong_cols = RowMatrixXd::Zero(4, 3);
  EXPECT_THROW(s.AccumulateRows(0, block, wrong_cols), std::invalid_argument);
}

}  // namespace
}  // namespace sketchd
