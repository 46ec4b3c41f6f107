// LowRank over gRPC with power iterations and the exact a-posteriori error:
// the server's answer equals core's with the same options, the reported
// error is the true ‖A − YZᵀ‖_F, and bad sizes get INVALID_ARGUMENT.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lowrank/scw_low_rank.h"
#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kN = 64, kD = 24, kK = 4, kM = 8;

class LowRankPowerItersTest : public ServerFixture {};

TEST_F(LowRankPowerItersTest, PowerIterationsAndErrorEqualCore) {
  ASSERT_TRUE(CreateDataset("x", kN).ok());
  const RowMatrixXd a = TestMatrix(kN, kD, 12, 4);
  for (int32_t q : {0, 2}) {
    LowRankResult r = LowRankCall("x", Random(kM, 3), a, kK, v1::DTYPE_FLOAT64, 16, q);
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    LowRankOptions options;
    options.power_iters = q;
    auto core = ScwLowRank(*CountSketch::Random(kM, kN, 3), a, kK, options);
    ASSERT_TRUE(core.ok());
    EXPECT_LE((r.y - core->left).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LE((r.z - core->right).cwiseAbs().maxCoeff(), 1e-12);
    const double explicit_error = (MatrixXd(a) - r.y * r.z.transpose()).norm();
    EXPECT_NEAR(r.summary.error(), explicit_error, 1e-10 * explicit_error);
    EXPECT_NEAR(r.summary.relative_error(), explicit_error / a.norm(), 1e-10);
    EXPECT_NEAR(r.summary.input_norm(), a.norm(), 1e-12 * a.norm());
    EXPECT_EQ(r.summary.passes(), 2 + 2 * q);
    EXPECT_EQ(r.summary.power_iters(), q);
  }
}

TEST_F(LowRankPowerItersTest, OutOfRangeRequestsAreRefusedBeforeReadingRows) {
  ASSERT_TRUE(CreateDataset("x", kN).ok());
  const RowMatrixXd a = TestMatrix(kN, kD, 6, 4);
  LowRankResult bad_q = LowRankCall("x", Random(kM, 3), a, kK, v1::DTYPE_FLOAT64, 16, 101);
  EXPECT_EQ(bad_q.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad_q.status.error_message(),
            "LowRank header: power_iters = 101 must be in [0, 100]");
  LowRankResult small_m = LowRankCall("x", Random(3, 3), a, kK);
  EXPECT_EQ(small_m.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(small_m.status.error_message(), HasSubstr("rank k = 4 exceeds the sketch's m = 3"));
}

TEST_F(LowRankPowerItersTest, DenseSubspaceSketchIsTrainedStoredAndAppliedAsCoreDoes) {
  ASSERT_TRUE(CreateDataset("faces", kN).ok());
  std::vector<RowMatrixXd> mats;
  for (int i = 0; i < 8; ++i) mats.push_back(TestMatrix(kN, kD, 5, 100 + i));
  ASSERT_TRUE(Upload("faces", mats).ok());
  v1::TrainingOptions o;
  o.set_method("subspace");
  o.set_task(v1::TASK_LOW_RANK);
  o.set_k(kK);
  o.set_m(kM);
  o.set_threads(1);
  v1::Job job = TrainAndWait("faces", o);
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();

  grpc::ClientContext c1;
  v1::GetSketchRequest gs;
  gs.set_dataset("faces");
  gs.set_task(v1::TASK_LOW_RANK);
  gs.set_include_serialized(true);
  v1::GetSketchResponse exported;
  ASSERT_TRUE(ExportSketch(stub_.get(), &c1, gs, &exported).ok());
  EXPECT_EQ(exported.info().method(), "subspace");
  EXPECT_EQ(exported.m(), kM);
  auto trained = ParseTrainedSketch(exported.serialized());
  ASSERT_TRUE(trained.ok()) << trained.status();
  ASSERT_TRUE(trained->is_dense());

  const RowMatrixXd a = TestMatrix(kN, kD, 5, 555);
  LowRankResult r = LowRankCall("faces", Version(job.sketch_version()), a, kK,
                                v1::DTYPE_FLOAT64, 16, 1);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  LowRankOptions options;
  options.power_iters = 1;
  auto core = ScwFromSketched(trained->Apply(a), a, kK, options);
  ASSERT_TRUE(core.ok());
  EXPECT_LE((r.y * r.z.transpose() - core->left * core->right.transpose()).norm(),
            1e-10 * a.norm());
  EXPECT_NEAR(r.summary.error(), core->error, 1e-10 * core->error);
  EXPECT_EQ(r.summary.sketch_m(), kM);

  // Without the serialized bytes there is nothing to export for a dense sketch.
  grpc::ClientContext c2;
  gs.set_include_serialized(false);
  grpc::Status plain = ExportSketch(stub_.get(), &c2, gs, &exported);
  EXPECT_EQ(plain.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(plain.error_message(), HasSubstr("is dense (method subspace)"));
}

}  // namespace
}  // namespace sketchd::testing
