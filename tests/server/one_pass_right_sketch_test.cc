// One-pass LowRank with a learned range sketch (one_pass.right_sketch_version):
// a sketch trained with transpose on the dataset's matrices is R, the answer
// equals core's two-sided accumulator with the same S, R and seed, and every
// misfit (not transposed, wrong width, sizes, used as S) is refused with the
// field to fix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/lowrank/two_sided_sketch.h"
#include "core/training/trained_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kN = 80, kD = 50, kK = 4;

v1::TrainingOptions Options(const char* method, int64_t m, bool transpose) {
  v1::TrainingOptions o;
  o.set_method(method);
  o.set_task(v1::TASK_LOW_RANK);
  o.set_k(kK);
  o.set_m(m);
  o.set_seed(2);
  o.set_transpose(transpose);
  return o;
}

class OnePassRightSketchTest : public ServerFixture {
 protected:
  // Dataset "frames" with 10 training matrices, S = v1 (rows, m = 10, the
  // default) and R = v2 (transposed, m = 12).
  void SetUp() override {
    ServerFixture::SetUp();
    ASSERT_TRUE(CreateDataset("frames", kN).ok());
    std::vector<RowMatrixXd> mats;
    for (uint64_t i = 0; i < 10; ++i) mats.push_back(TestMatrix(kN, kD, 6, 50 + i));
    ASSERT_TRUE(Upload("frames", mats).ok());
    v1::Job s = TrainAndWait("frames", Options("inner_product", 10, false));
    ASSERT_EQ(s.state(), v1::JOB_STATE_SUCCEEDED) << s.error();
    v1::Job r = TrainAndWait("frames", Options("inner_product", 12, true));
    ASSERT_EQ(r.state(), v1::JOB_STATE_SUCCEEDED) << r.error();
    ASSERT_EQ(s.sketch_version(), 1);
    ASSERT_EQ(r.sketch_version(), 2);
  }

  TrainedSketch Stored(int64_t version) {
    grpc::ClientContext ctx;
    v1::GetSketchRequest req;
    req.set_dataset("frames");
    req.mutable_sketch()->set_version(version);
    req.set_include_serialized(true);
    v1::GetSketchResponse got;
    EXPECT_TRUE(ExportSketch(stub_.get(), &ctx, req, &got).ok());
    auto t = ParseTrainedSketch(got.serialized());
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *std::move(t) : TrainedSketch();
  }

  LowRankResult OnePass(const v1::SketchSelector& s, const v1::OnePassOptions& o) {
    return LowRankOn(stub_.get(), "frames", s, TestMatrix(kN, kD, 6, 99), kK, v1::DTYPE_FLOAT64,
                     16, 0, &o);
  }
};

TEST_F(OnePassRightSketchTest, StoredTransposedSketchIsRAndTheAnswerEqualsCore) {
  const TrainedSketch s = Stored(1), r = Stored(2);
  EXPECT_TRUE(r.options.transpose);
  EXPECT_EQ(r.sketch.cols(), kD);  // it acts on the columns
  EXPECT_EQ(r.n, kD);

  v1::OnePassOptions o;
  o.set_right_sketch_version(2);
  o.set_seed(7);
  const RowMatrixXd a = TestMatrix(kN, kD, 6, 99);
  auto sketches = WithLearnedRange(s.sketch, r.sketch, 0, 7);
  ASSERT_TRUE(sketches.ok()) << sketches.status();
  auto core = TwoSidedLowRank(*sketches, a, kK);
  ASSERT_TRUE(core.ok()) << core.status();
  LowRankResult got = OnePass(Version(1), o);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_LE((got.y * got.z.transpose() - core->left * core->right.transpose()).norm(),
            1e-10 * (core->left * core->right.transpose()).norm());
  EXPECT_EQ(got.summary.one_pass_range_m(), 12);
  EXPECT_EQ(got.summary.one_pass_right_sketch_version(), 2);
  EXPECT_EQ(got.summary.one_pass_core_m(), 2 * 12 + 1);
  EXPECT_EQ(got.summary.sketch_version(), 1);

  // The default selector is S = v1 too (v2, transposed, never becomes it).
  LowRankResult by_default = OnePass(v1::SketchSelector(), o);
  ASSERT_TRUE(by_default.status.ok()) << by_default.status.error_message();
  EXPECT_EQ(by_default.summary.sketch_version(), 1);

  // A random R (version 0) is a different sketch, so a different answer.
  v1::OnePassOptions random_r = o;
  random_r.set_right_sketch_version(0);
  LowRankResult rand = OnePass(Version(1), random_r);
  ASSERT_TRUE(rand.status.ok());
  EXPECT_EQ(rand.summary.one_pass_range_m(), 10);
  EXPECT_GT((rand.y * rand.z.transpose() - got.y * got.z.transpose()).norm(), 1e-6);
}

TEST_F(OnePassRightSketchTest, MisfitRightSketchesAreRefusedWithTheFieldToFix) {
  v1::OnePassOptions o;
  o.set_right_sketch_version(1);  // S: trained on the rows
  LowRankResult r = OnePass(Version(1), o);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("right sketch 1 was not trained with transpose: it sketches the rows of A"));

  o.set_right_sketch_version(9);
  r = OnePass(Version(1), o);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::NOT_FOUND) << r.status.error_message();

  o.set_right_sketch_version(-2);
  r = OnePass(Version(1), o);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("one_pass.right_sketch_version must be 0 (a random range sketch R from "
                        "one_pass.seed) or a stored sketch version ≥ 1 trained with transpose, "
                        "got -2"));

  o.set_right_sketch_version(2);
  o.set_range_m(20);
  r = OnePass(Version(1), o);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("one_pass.range_m = 20 but right sketch 2 has m_r = 12 rows; leave "
                        "range_m 0 with a stored right sketch"));

  o.set_range_m(0);
  o.set_core_m(11);  // ≥ m = 10 but below m_r = 12
  r = OnePass(Version(1), o);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), HasSubstr("= [12, 1000000], got 11"));

  // The transposed sketch is never a left sketch S, even by version.
  o.set_core_m(0);
  r = OnePass(Version(2), o);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("sketch 2 was trained with transpose: it is a range sketch R"));
  r = LowRankCall("frames", Version(2), TestMatrix(kN, kD, 6, 99), kK);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(OnePassRightSketchTest, TransposedTrainingChecksItsSizesAgainstTheColumns) {
  grpc::ClientContext ctx;
  v1::StartTrainingRequest req;
  req.set_dataset("frames");
  *req.mutable_options() = Options("random", 60, true);  // 60 ≤ n = 80 but > d = 50
  v1::Job job;
  grpc::Status s = stub_->StartTraining(&ctx, req, &job);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("options.m = 60 exceeds the columns d = 50 of dataset "
                                           "'frames' (the transposed matrices' rows)"));

  grpc::ClientContext ctx2;
  v1::TrainingOptions regression = Options("heavy_rows", 20, true);
  regression.set_task(v1::TASK_REGRESSION);
  *req.mutable_options() = regression;
  s = stub_->StartTraining(&ctx2, req, &job);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("transpose is for the lowrank task"));
}

// A range sketch trained first is the default only by the store's
// first-sketch rule; the first sketch of the rows replaces it (policy
// best_validation), and until then LowRank with the default says why it fails.
class RangeSketchTrainedFirstTest : public ServerFixture {};

TEST_F(RangeSketchTrainedFirstTest, TheFirstSketchOfTheRowsReplacesItAsDefault) {
  ASSERT_TRUE(CreateDataset("first", kN).ok());
  std::vector<RowMatrixXd> mats;
  for (uint64_t i = 0; i < 8; ++i) mats.push_back(TestMatrix(kN, kD, 6, 70 + i));
  ASSERT_TRUE(Upload("first", mats).ok());
  v1::Job r = TrainAndWait("first", Options("random", 12, true));
  ASSERT_EQ(r.state(), v1::JOB_STATE_SUCCEEDED) << r.error();
  const RowMatrixXd a = TestMatrix(kN, kD, 6, 99);
  LowRankResult got = LowRankCall("first", v1::SketchSelector(), a, kK);
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(got.status.error_message(), HasSubstr("was trained with transpose"));

  v1::Job s = TrainAndWait("first", Options("random", 10, false));
  ASSERT_EQ(s.state(), v1::JOB_STATE_SUCCEEDED) << s.error();
  v1::SketchSelector use_default;
  use_default.set_use_default(true);
  got = LowRankCall("first", use_default, a, kK);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_EQ(got.summary.sketch_version(), s.sketch_version());
}

}  // namespace
}  // namespace sketchd::testing
