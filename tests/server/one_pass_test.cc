// LowRank in one pass (header.one_pass): the server's answer equals core's
// two-sided accumulator with the same four sketches, whatever the block
// size, and bad sizes are rejected with messages naming the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lowrank/two_sided_sketch.h"
#include "core/sketch/count_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kN = 300, kD = 40, kK = 5, kM = 12;

class OnePassTest : public ServerFixture {};

TEST_F(OnePassTest, EqualsCoreTwoSidedWithTheSameSketches) {
  ASSERT_TRUE(CreateDataset("stream", kN).ok());
  const RowMatrixXd a = TestMatrix(kN, kD, 8, 4);
  v1::OnePassOptions one_pass;
  one_pass.set_range_m(14);
  one_pass.set_core_m(31);
  one_pass.set_seed(77);
  auto sketches = WithRandomCompanions(*CountSketch::Random(kM, kN, 3), kD, 14, 31, 77);
  ASSERT_TRUE(sketches.ok());
  auto core = TwoSidedLowRank(*sketches, a, kK);
  ASSERT_TRUE(core.ok()) << core.status();
  for (int64_t block : {1, 7, 300}) {
    LowRankResult r = LowRankOn(stub_.get(), "stream", Random(kM, 3), a, kK, v1::DTYPE_FLOAT64,
                                block, 0, &one_pass);
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    EXPECT_LE((r.y - core->left).cwiseAbs().maxCoeff(), 1e-10 * core->left.cwiseAbs().maxCoeff());
    EXPECT_LE((r.z - core->right).cwiseAbs().maxCoeff(), 1e-10);
    ASSERT_EQ(r.summary.singular_values_size(), kK);
    EXPECT_NEAR(r.summary.singular_values(0), core->singular_values(0),
                1e-10 * core->singular_values(0));
    EXPECT_EQ(r.summary.one_pass_core_m(), 31);
    // SA (12×40), AR (300×14) and TAW (31×31), nothing of size n·d.
    EXPECT_EQ(r.summary.one_pass_state_bytes(), 8 * (kM * kD + kN * 14 + 31 * 31));
  }
}

TEST_F(OnePassTest, DefaultsAndSizeErrors) {
  ASSERT_TRUE(CreateDataset("sizes", kN).ok());
  const RowMatrixXd a = TestMatrix(kN, kD, 8, 5);
  v1::OnePassOptions defaults;
  LowRankResult r =
      LowRankOn(stub_.get(), "sizes", Random(kM, 1), a, kK, v1::DTYPE_FLOAT64, 64, 0, &defaults);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.summary.one_pass_core_m(), 2 * kM + 1);
  EXPECT_EQ(r.summary.one_pass_state_bytes(), 8 * (kM * kD + kN * kM + 25 * 25));

  v1::OnePassOptions small_core;
  small_core.set_core_m(kM - 1);
  r = LowRankOn(stub_.get(), "sizes", Random(kM, 1), a, kK, v1::DTYPE_FLOAT64, 64, 0, &small_core);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("one_pass.core_m must be 0 (default 2·max(m, m_r) + 1) or in [max(m, "
                        "m_r), 1000000] = [12, 1000000], got 11"));

  v1::OnePassOptions negative_range;
  negative_range.set_range_m(-1);
  r = LowRankOn(stub_.get(), "sizes", Random(kM, 1), a, kK, v1::DTYPE_FLOAT64, 64,
                0, &negative_range);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), HasSubstr("one_pass.range_m must be in [0, 1000000], got -1"));
}

}  // namespace
}  // namespace sketchd::testing
