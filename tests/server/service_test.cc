// Every RPC's happy path against core, and each status code with its message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lowrank/scw_low_rank.h"
#include "core/regression/solve.h"
#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kN = 64, kD = 24, kK = 4, kM = 12;

class ServiceTest : public ServerFixture {
 protected:
  void Populate(const std::string& name = "faces") {
    ASSERT_TRUE(CreateDataset(name, kN).ok());
    std::vector<RowMatrixXd> mats;
    for (int i = 0; i < 6; ++i) mats.push_back(TestMatrix(kN, kD, 5, 100 + i));
    ASSERT_TRUE(Upload(name, mats).ok());
  }
  v1::TrainingOptions Options(const std::string& method = "random") {
    v1::TrainingOptions o;
    o.set_method(method);
    o.set_task(v1::TASK_LOW_RANK);
    o.set_k(kK);
    o.set_m(kM);
    o.set_seed(7);
    o.set_threads(1);
    return o;
  }
};

TEST_F(ServiceTest, DatasetLifecycle) {
  ASSERT_TRUE(CreateDataset("a.b-c_1", kN, kD).ok());
  EXPECT_EQ(CreateDataset("a.b-c_1", kN).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  grpc::ClientContext c1;
  v1::GetDatasetRequest g;
  g.set_name("a.b-c_1");
  v1::Dataset ds;
  ASSERT_TRUE(stub_->GetDataset(&c1, g, &ds).ok());
  EXPECT_EQ(ds.n(), kN);
  EXPECT_EQ(ds.d(), kD);
  EXPECT_GT(ds.create_time().seconds(), 1700000000);  // a real time, not unset

  v1::UploadTrainingMatricesResponse up;
  ASSERT_TRUE(Upload("a.b-c_1", {TestMatrix(kN, kD, 3, 1), TestMatrix(kN, kD, 3, 2)},
                     v1::DTYPE_FLOAT32, 10, &up).ok());
  EXPECT_EQ(up.matrices_received(), 2);
  EXPECT_EQ(up.total_matrices(), 2);
  EXPECT_EQ(up.bytes_received(), 2 * kN * kD * 4);

  grpc::ClientContext c2;
  v1::ListDatasetsResponse list;
  ASSERT_TRUE(stub_->ListDatasets(&c2, v1::ListDatasetsRequest(), &list).ok());
  ASSERT_EQ(list.datasets_size(), 1);
  EXPECT_EQ(list.datasets(0).num_training_matrices(), 2);
  EXPECT_EQ(list.datasets(0).training_cols(), kD);

  grpc::ClientContext c3;
  v1::DeleteDatasetRequest del;
  del.set_name("a.b-c_1");
  v1::DeleteDatasetResponse dr;
  ASSERT_TRUE(stub_->DeleteDataset(&c3, del, &dr).ok());
  grpc::ClientContext c4;
  grpc::Status s = stub_->GetDataset(&c4, g, &ds);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("a.b-c_1"));
}

TEST_F(ServiceTest, LowRankRandomSelectorEqualsCore) {
  ASSERT_TRUE(CreateDataset("x", kN).ok());
  const RowMatrixXd a = TestMatrix(kN, kD, 6, 9);
  for (v1::DType dtype : {v1::DTYPE_FLOAT64, v1::DTYPE_FLOAT32}) {
    LowRankResult r = LowRankCall("x", Random(kM, 5), a, kK, dtype, 7);
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    RowMatrixXd input = a;
    if (dtype == v1::DTYPE_FLOAT32) input = a.cast<float>().cast<double>();
    auto sketch = CountSketch::Random(kM, kN, 5);
    ASSERT_TRUE(sketch.ok());
    auto core = ScwLowRank(*sketch, input, kK);
    ASSERT_TRUE(core.ok());
    EXPECT_LE((r.y - core->left).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LE((r.z - core->right).cwiseAbs().maxCoeff(), 1e-12);
    ASSERT_EQ(r.summary.singular_values_size(), kK);
    for (int i = 0; i < kK; ++i) {
      EXPECT_NEAR(r.summary.singular_values(i), core->singular_values(i), 1e-12);
    }
    EXPECT_EQ(r.summary.sketch_m(), kM);
    EXPECT_EQ(r.summary.sketch_version(), 0);
  }
}

TEST_F(ServiceTest, LargeFactorsAreChunkedUnderTheLimit) {
  // Y is 3000×40 doubles = 960 KB → several chunks must reassemble exactly.
  ASSERT_TRUE(CreateDataset("tall", 3000).ok());
  const RowMatrixXd a = TestMatrix(3000, 60, 8, 3);
  LowRankResult r = LowRankCall("tall", Random(80, 1), a, 40, v1::DTYPE_FLOAT64, 500);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  auto core = ScwLowRank(*CountSketch::Random(80, 3000, 1), a, 40);
  ASSERT_TRUE(core.ok());
  EXPECT_LE((r.y - core->left).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LE((r.z - core->right).cwiseAbs().maxCoeff(), 1e-12);
}

TEST_F(ServiceTest, TrainWatchSketchesAndLowRankWithTrainedSketch) {
  Populate();
  v1::Job job = TrainAndWait("faces", Options("random"));
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();
  EXPECT_EQ(job.sketch_version(), 1);
  EXPECT_DOUBLE_EQ(job.progress(), 1.0);

  grpc::ClientContext c1;
  v1::ListSketchesRequest ls;
  ls.set_dataset("faces");
  v1::ListSketchesResponse sketches;
  ASSERT_TRUE(stub_->ListSketches(&c1, ls, &sketches).ok());
  ASSERT_EQ(sketches.sketches_size(), 1);
  const v1::SketchInfo& info = sketches.sketches(0);
  EXPECT_TRUE(info.is_default());
  EXPECT_EQ(info.task(), v1::TASK_LOW_RANK);
  EXPECT_EQ(info.method(), "random");
  EXPECT_EQ(info.m(), kM);
  EXPECT_EQ(info.k(), kK);
  EXPECT_EQ(info.n(), kN);
  EXPECT_FALSE(info.validation().metric().empty());

  grpc::ClientContext c2;
  v1::GetSketchRequest gs;
  gs.set_dataset("faces");
  gs.set_task(v1::TASK_LOW_RANK);
  gs.set_include_serialized(true);
  v1::GetSketchResponse exported;
  ASSERT_TRUE(ExportSketch(stub_.get(), &c2, gs, &exported).ok());
  auto trained = ParseTrainedSketch(exported.serialized());
  ASSERT_TRUE(trained.ok());
  EXPECT_EQ(exported.positions_size(), kN * trained->sketch.num_blocks());
  EXPECT_EQ(std::vector<int32_t>(exported.positions().begin(), exported.positions().end()),
            trained->sketch.positions());

  // LowRank with the default and with the explicit version equals core.
  const RowMatrixXd a = TestMatrix(kN, kD, 5, 555);
  auto core = ScwLowRank(trained->sketch, a, kK);
  ASSERT_TRUE(core.ok());
  for (const v1::SketchSelector& sel : {v1::SketchSelector(), Version(1)}) {
    LowRankResult r = LowRankCall("faces", sel, a, kK);
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    EXPECT_EQ(r.summary.sketch_version(), 1);
    EXPECT_LE((r.y - core->left).cwiseAbs().maxCoeff(), 1e-12);
  }

  // A second sketch; SetDefault moves the default; DeleteSketch promotes.
  v1::Job job2 = TrainAndWait("faces", Options("random"));
  ASSERT_EQ(job2.state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(job2.sketch_version(), 2);
  grpc::ClientContext c3;
  v1::SetDefaultSketchRequest sd;
  sd.set_dataset("faces");
  sd.set_version(2);
  v1::SetDefaultSketchResponse sdr;
  ASSERT_TRUE(stub_->SetDefaultSketch(&c3, sd, &sdr).ok());
  EXPECT_TRUE(sdr.sketch().is_default());
  grpc::ClientContext c4;
  v1::DeleteSketchRequest ds;
  ds.set_dataset("faces");
  ds.set_version(2);
  v1::DeleteSketchResponse dsr;
  ASSERT_TRUE(stub_->DeleteSketch(&c4, ds, &dsr).ok());
  grpc::ClientContext c5;
  v1::ListSketchesResponse after;
  ASSERT_TRUE(stub_->ListSketches(&c5, ls, &after).ok());
  ASSERT_EQ(after.sketches_size(), 1);
  EXPECT_TRUE(after.sketches(0).is_default());

  grpc::ClientContext c6;
  v1::ListJobsRequest lj;
  lj.set_dataset("faces");
  v1::ListJobsResponse jobs;
  ASSERT_TRUE(stub_->ListJobs(&c6, lj, &jobs).ok());
  ASSERT_EQ(jobs.jobs_size(), 2);
  EXPECT_EQ(jobs.jobs(0).job_id(), job2.job_id());  // newest first
}

TEST_F(ServiceTest, WatchJobSeesProgressThenTerminal) {
  Populate();
  v1::TrainingOptions o = Options("ivy");
  o.set_iterations(60);
  v1::Job job;
  grpc::ClientContext c1;
  v1::StartTrainingRequest req;
  req.set_dataset("faces");
  *req.mutable_options() = o;
  ASSERT_TRUE(stub_->StartTraining(&c1, req, &job).ok());
  EXPECT_EQ(job.state(), v1::JOB_STATE_QUEUED);
  grpc::ClientContext c2;
  v1::WatchJobRequest w;
  w.set_job_id(job.job_id());
  auto reader = stub_->WatchJob(&c2, w);
  std::vector<v1::Job> seen;
  v1::Job u;
  while (reader->Read(&u)) seen.push_back(u);
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.back().state(), v1::JOB_STATE_SUCCEEDED) << seen.back().error();
  bool saw_progress = false;
  for (const auto& s : seen) {
    if (s.state() == v1::JOB_STATE_RUNNING && s.progress() > 0 && s.progress() < 1) saw_progress = true;
  }
  EXPECT_TRUE(saw_progress);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].progress(), seen[i - 1].progress() - 1e-12);
}

TEST_F(ServiceTest, CancelRunningJob) {
  Populate();
  v1::TrainingOptions o = Options("ivy");
  o.set_iterations(100000);
  v1::Job job;
  grpc::ClientContext c1;
  v1::StartTrainingRequest req;
  req.set_dataset("faces");
  *req.mutable_options() = o;
  ASSERT_TRUE(stub_->StartTraining(&c1, req, &job).ok());
  // Wait until it runs, then cancel.
  grpc::ClientContext c2;
  v1::WatchJobRequest w;
  w.set_job_id(job.job_id());
  auto reader = stub_->WatchJob(&c2, w);
  v1::Job u;
  bool cancelled = false;
  while (reader->Read(&u)) {
    if (!cancelled && u.state() == v1::JOB_STATE_RUNNING && u.progress() > 0) {
      grpc::ClientContext c3;
      v1::CancelJobRequest cr;
      cr.set_job_id(job.job_id());
      v1::Job cj;
      ASSERT_TRUE(stub_->CancelJob(&c3, cr, &cj).ok());
      cancelled = true;
    }
  }
  EXPECT_EQ(u.state(), v1::JOB_STATE_CANCELLED);
  // Cancelling again: FAILED_PRECONDITION; restart: new QUEUED job.
  grpc::ClientContext c4;
  v1::CancelJobRequest cr;
  cr.set_job_id(job.job_id());
  v1::Job cj;
  grpc::Status s = stub_->CancelJob(&c4, cr, &cj);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("CANCELLED"));
  grpc::ClientContext c5;
  v1::RestartJobRequest rr;
  rr.set_job_id(job.job_id());
  v1::Job restarted;
  ASSERT_TRUE(stub_->RestartJob(&c5, rr, &restarted).ok());
  EXPECT_EQ(restarted.restarted_from(), job.job_id());
  grpc::ClientContext c6;
  cr.set_job_id(restarted.job_id());
  ASSERT_TRUE(stub_->CancelJob(&c6, cr, &cj).ok());
}

TEST_F(ServiceTest, SolveEqualsCore) {
  ASSERT_TRUE(CreateDataset("reg", 400).ok());
  RowMatrixXd ab = TestMatrix(400, 9, 9, 4);  // [A | b], A 400×8 full rank
  v1::SolveHeader h;
  h.set_dataset("reg");
  *h.mutable_sketch() = Random(64, 3);
  h.set_solver(v1::SOLVER_LSQR);
  h.set_record_objective(true);
  v1::SolveResponse resp;
  grpc::Status s = SolveOn(stub_.get(), h, ab, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  SolveOptions opt;
  opt.solver = sketchd::Solver::kLsqr;
  opt.sketch_rows = 64;
  opt.seed = 3;
  opt.record_objective = true;
  RowMatrixXd a = ab.leftCols(8);
  VectorXd b = ab.col(8);
  auto core = sketchd::Solve(a, b, opt);
  ASSERT_TRUE(core.ok());
  ASSERT_EQ(resp.x_size(), 8);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(resp.x(i), core->x(i), 1e-12);
  EXPECT_NEAR(resp.residual_norm(), core->residual_norm, 1e-12);
  EXPECT_EQ(resp.iterations(), core->iterations);
  EXPECT_EQ(resp.solver(), "lsqr");
  EXPECT_FALSE(resp.objective_history().empty());
  // Least squares optimality: Aᵀ(Ax − b) ≈ 0.
  VectorXd x = Eigen::Map<const VectorXd>(resp.x().data(), 8);
  EXPECT_LE((a.transpose() * (a * x - b)).norm(), 1e-8);
}

TEST_F(ServiceTest, ErrorCodesAndMessages) {
  auto get = [&](const std::string& name) {
    grpc::ClientContext c;
    v1::GetDatasetRequest g;
    g.set_name(name);
    v1::Dataset ds;
    return stub_->GetDataset(&c, g, &ds);
  };
  grpc::Status s = get("../etc");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("invalid dataset name"));
  EXPECT_EQ(get(std::string(65, 'a')).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(get("-x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(get("missing").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CreateDataset("zero", 0).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(CreateDataset("huge", 1'000'000'000).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // No default sketch yet: FAILED_PRECONDITION naming the fix.
  ASSERT_TRUE(CreateDataset("empty", kN).ok());
  LowRankResult r = LowRankCall("empty", v1::SketchSelector(), TestMatrix(kN, kD, 3, 1), kK);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(r.status.error_message(), HasSubstr("no default lowrank sketch"));
  // Training without matrices: FAILED_PRECONDITION.
  grpc::ClientContext c1;
  v1::StartTrainingRequest st;
  st.set_dataset("empty");
  *st.mutable_options() = Options();
  v1::Job job;
  s = stub_->StartTraining(&c1, st, &job);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("no training matrices"));
  // Bad method: INVALID_ARGUMENT.
  grpc::ClientContext c2;
  st.mutable_options()->set_method("magic");
  s = stub_->StartTraining(&c2, st, &job);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("magic"));
  // Unknown job / sketch version.
  grpc::ClientContext c3;
  v1::GetJobRequest gj;
  gj.set_job_id(999);
  s = stub_->GetJob(&c3, gj, &job);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext c4;
  v1::SetDefaultSketchRequest sd;
  sd.set_dataset("empty");
  sd.set_version(3);
  v1::SetDefaultSketchResponse sdr;
  s = stub_->SetDefaultSketch(&c4, sd, &sdr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("no sketch version 3"));
  // Deadline: CANCELLED/DEADLINE_EXCEEDED surfaces to the client.
  grpc::ClientContext c5;
  c5.set_deadline(std::chrono::system_clock::now() - std::chrono::seconds(1));
  v1::ListDatasetsResponse list;
  s = stub_->ListDatasets(&c5, v1::ListDatasetsRequest(), &list);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(ServiceTest, DeleteDatasetWithActiveJobNeedsForce) {
  Populate();
  v1::TrainingOptions o = Options("ivy");
  o.set_iterations(100000);
  grpc::ClientContext c1;
  v1::StartTrainingRequest req;
  req.set_dataset("faces");
  *req.mutable_options() = o;
  v1::Job job;
  ASSERT_TRUE(stub_->StartTraining(&c1, req, &job).ok());
  grpc::ClientContext c2;
  v1::DeleteDatasetRequest del;
  del.set_name("faces");
  v1::DeleteDatasetResponse dr;
  grpc::Status s = stub_->DeleteDataset(&c2, del, &dr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  grpc::ClientContext c3;
  del.set_force(true);
  ASSERT_TRUE(stub_->DeleteDataset(&c3, del, &dr).ok());
  grpc::ClientContext c4;
  v1::GetJobRequest gj;
  gj.set_job_id(job.job_id());
  EXPECT_EQ(stub_->GetJob(&c4, gj, &job).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace sketchd::testing
