// Issue 13's choice policies through the real service: LowRank with
// `sketch: auto`, and which trained sketch becomes the default
// (--default_sketch_policy; SetDefaultSketch is never overridden).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lowrank/scw_low_rank.h"
#include "core/sketch/count_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kN = 64, kD = 24, kK = 4, kM = 8;

// A family with one shared column space on the first half of the rows.
RowMatrixXd InFamily(uint64_t seed) {
  const RowMatrixXd shared = TestMatrix(kN / 2, 5, 5, 1);  // fixed basis, 32×5
  MatrixXd u = MatrixXd::Zero(kN, 5);
  u.topRows(kN / 2) = shared;
  const RowMatrixXd g = TestMatrix(5, kD, 5, seed);
  return RowMatrixXd(u * g) + 1e-3 * TestMatrix(kN, kD, kD, seed + 7);
}

// A different structure: signal on the other half of the rows.
RowMatrixXd OutOfFamily(uint64_t seed) {
  MatrixXd u = MatrixXd::Zero(kN, 5);
  u.bottomRows(kN / 2) = TestMatrix(kN / 2, 5, 5, seed);
  return RowMatrixXd(u * TestMatrix(5, kD, 5, seed + 1)) + 1e-3 * TestMatrix(kN, kD, kD, seed + 2);
}

v1::TrainingOptions Options(const std::string& method) {
  v1::TrainingOptions o;
  o.set_method(method);
  o.set_task(v1::TASK_LOW_RANK);
  o.set_k(kK);
  o.set_m(kM);
  o.set_seed(3);
  o.set_validation_fraction(0.25);  // 25 matrices: 6 held out
  return o;
}

class AutoAndDefaultPolicyTest : public ServerFixture {
 protected:
  void MakeDataset(const std::string& name) {
    ASSERT_TRUE(CreateDataset(name, kN).ok());
    std::vector<RowMatrixXd> mats;
    for (int i = 0; i < 25; ++i) mats.push_back(InFamily(100 + i));
    ASSERT_TRUE(Upload(name, mats).ok());
  }
  int64_t Train(const std::string& dataset, const std::string& method) {
    v1::Job job = TrainAndWait(dataset, Options(method));
    EXPECT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();
    return job.sketch_version();
  }
  std::vector<v1::SketchInfo> Sketches(const std::string& dataset) {
    grpc::ClientContext ctx;
    v1::ListSketchesRequest req;
    req.set_dataset(dataset);
    v1::ListSketchesResponse resp;
    EXPECT_TRUE(stub_->ListSketches(&ctx, req, &resp).ok());
    return {resp.sketches().begin(), resp.sketches().end()};
  }
  int64_t DefaultVersion(const std::string& dataset) {
    for (const v1::SketchInfo& s : Sketches(dataset)) {
      if (s.is_default()) return s.version();
    }
    return 0;
  }
  grpc::Status SetDefault(const std::string& dataset, int64_t version) {
    grpc::ClientContext ctx;
    v1::SetDefaultSketchRequest req;
    req.set_dataset(dataset);
    req.set_version(version);
    v1::SetDefaultSketchResponse resp;
    return stub_->SetDefaultSketch(&ctx, req, &resp);
  }
  void Restart(const std::string& policy) {
    server_->Shutdown(1);
    server_.reset();
    ServerOptions o = DefaultOptions();
    o.default_sketch_policy = policy;
    StartServer(o);
  }
  static v1::SketchSelector Auto(int64_t max_passes, uint64_t seed) {
    v1::SketchSelector s;
    s.mutable_automatic()->set_max_passes(max_passes);
    s.mutable_automatic()->set_seed(seed);
    return s;
  }
};

TEST_F(AutoAndDefaultPolicyTest, BestValidationPromotesTheBetterLaterSketch) {
  MakeDataset("cam");
  const int64_t first = Train("cam", "random");
  EXPECT_EQ(DefaultVersion("cam"), first);
  const int64_t second = Train("cam", "subspace");
  const auto sketches = Sketches("cam");
  ASSERT_EQ(sketches.size(), 2u);
  // The premise: the second validates better, on ≥ 5 held-out matrices.
  EXPECT_LT(sketches[1].validation().learned(), sketches[0].validation().learned());
  EXPECT_TRUE(sketches[1].validation().comparable());
  EXPECT_EQ(sketches[1].validation().num_matrices(), 6);
  EXPECT_GT(sketches[1].validation().learned_sd(), 0);
  EXPECT_EQ(DefaultVersion("cam"), second);
  // A third, worse one (random again) does not displace it.
  Train("cam", "random");
  EXPECT_EQ(DefaultVersion("cam"), second);
}

TEST_F(AutoAndDefaultPolicyTest, FirstTrainedKeepsTheFirst) {
  Restart("first_trained");
  MakeDataset("cam");
  const int64_t first = Train("cam", "random");
  Train("cam", "subspace");
  EXPECT_EQ(DefaultVersion("cam"), first);
}

TEST_F(AutoAndDefaultPolicyTest, ExplicitDefaultIsNeverOverriddenByALaterJob) {
  MakeDataset("cam");
  const int64_t first = Train("cam", "random");
  ASSERT_TRUE(SetDefault("cam", first).ok());
  Train("cam", "subspace");  // validates better, but the choice was explicit
  EXPECT_EQ(DefaultVersion("cam"), first);
  // ...also after a restart (the flag is stored).
  Restart("best_validation");
  Train("cam", "subspace");
  EXPECT_EQ(DefaultVersion("cam"), first);
}

TEST_F(AutoAndDefaultPolicyTest, AutoIsNeverWorseThanRandomAndPicksTheLearnedInFamily) {
  MakeDataset("cam");
  const int64_t learned = Train("cam", "subspace");
  for (uint64_t seed : {501, 502}) {
    const RowMatrixXd out = OutOfFamily(seed);
    for (int64_t passes : {2, 4}) {
      LowRankResult a = LowRankCall("cam", Auto(passes, 9), out, kK);
      ASSERT_TRUE(a.status.ok()) << a.status.error_message();
      LowRankResult r = LowRankCall("cam", Random(kM, 9), out, kK, v1::DTYPE_FLOAT64, 16,
                                    static_cast<int32_t>((passes - 2) / 2));
      ASSERT_TRUE(r.status.ok());
      EXPECT_LE(a.summary.error(), r.summary.error());
      EXPECT_EQ(a.summary.passes(), passes);
      const v1::AutoChoice& c = a.summary.auto_choice();
      ASSERT_EQ(c.trials_size(), 2);
      EXPECT_EQ(c.trials(0).candidate(), "default");
      EXPECT_EQ(c.trials(0).sketch_version(), learned);
      EXPECT_EQ(c.trials(1).candidate(), "random");
      EXPECT_DOUBLE_EQ(c.trials(1).error(), r.summary.error());
      EXPECT_EQ(c.total_passes(), 2 * passes);
      if (passes == 2) {
        EXPECT_EQ(c.chosen(), "random");
      }
      // The reported error is the true one.
      Eigen::JacobiSVD<MatrixXd> svd(MatrixXd(out) - a.y * a.z.transpose());
      const double exact = svd.singularValues().norm();
      EXPECT_NEAR(a.summary.error(), exact, 1e-10 * exact);
    }
  }
  const RowMatrixXd in = InFamily(900);
  LowRankResult a = LowRankCall("cam", Auto(0, 9), in, kK);
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  EXPECT_EQ(a.summary.auto_choice().chosen(), "default");
  EXPECT_EQ(a.summary.sketch_version(), learned);
  EXPECT_LT(a.summary.auto_choice().trials(0).error(), a.summary.auto_choice().trials(1).error());
  Eigen::JacobiSVD<MatrixXd> svd(MatrixXd(in) - a.y * a.z.transpose());
  EXPECT_NEAR(a.summary.error(), svd.singularValues().norm(), 1e-10 * svd.singularValues().norm());
}

TEST_F(AutoAndDefaultPolicyTest, AutoRefusalsNameTheFix) {
  ASSERT_TRUE(CreateDataset("empty", kN).ok());
  LowRankResult none = LowRankCall("empty", Auto(0, 1), InFamily(1), kK);
  EXPECT_EQ(none.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(none.status.error_message(), HasSubstr("random_m"));
  v1::SketchSelector with_m = Auto(3, 1);
  with_m.mutable_automatic()->set_random_m(kM);
  LowRankResult ok = LowRankCall("empty", with_m, InFamily(1), kK);
  ASSERT_TRUE(ok.status.ok()) << ok.status.error_message();
  EXPECT_EQ(ok.summary.auto_choice().chosen(), "random");
  EXPECT_EQ(ok.summary.passes(), 2);  // 3 passes allow q = 0
  LowRankResult bad = LowRankCall("empty", Auto(1, 1), InFamily(1), kK);
  EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace sketchd::testing
