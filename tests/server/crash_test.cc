// SIGKILL the real sketchd binary during training and during an upload,
// restart it on the same data directory: every committed dataset and sketch
// is intact and usable, the half-sent upload left no trace, and the jobs
// that were running are INTERRUPTED (and restartable).
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "core/lowrank/scw_low_rank.h"
#include "core/training/trained_sketch.h"
#include "tests/server/daemon.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

constexpr int64_t kN = 64, kD = 12;

class CrashTest : public ServerFixture {
 protected:
  void SetUp() override { data_dir_ = TempDir("crash"); }
};

v1::Job StartJob(v1::SketchService::Stub* stub, const std::string& method, int iterations) {
  v1::TrainingOptions o;
  o.set_method(method);
  o.set_task(v1::TASK_LOW_RANK);
  o.set_k(3);
  o.set_m(8);
  o.set_iterations(iterations);
  o.set_threads(1);
  grpc::ClientContext ctx;
  v1::StartTrainingRequest req;
  req.set_dataset("keep");
  *req.mutable_options() = o;
  v1::Job job;
  grpc::Status s = stub->StartTraining(&ctx, req, &job);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return job;
}

// Waits until the job reaches `state` (or a terminal state).
v1::Job WaitFor(v1::SketchService::Stub* stub, int64_t id, v1::JobState state) {
  grpc::ClientContext ctx;
  v1::WatchJobRequest w;
  w.set_job_id(id);
  auto reader = stub->WatchJob(&ctx, w);
  v1::Job j;
  while (reader->Read(&j)) {
    if (j.state() == state && (state != v1::JOB_STATE_RUNNING || j.progress() > 0)) {
      ctx.TryCancel();
      break;
    }
  }
  reader->Finish();
  return j;
}

TEST_F(CrashTest, SigkillDuringTrainingAndUpload) {
  const std::string bin = std::string(SKETCHD_BINARY_DIR) + "/server/sketchd";
  if (!std::filesystem::exists(bin)) GTEST_SKIP() << "sketchd binary not built: " << bin;
  std::vector<RowMatrixXd> mats;
  for (int i = 0; i < 4; ++i) mats.push_back(TestMatrix(kN, kD, 4, 10 + i));
  int64_t sketch_version = 0;
  std::string sketch_bytes;
  int64_t long_job = 0;
  {
    Daemon d(data_dir_);
    ASSERT_GT(d.port(), 0);
    stub_ = v1::SketchService::NewStub(d.channel());
    ASSERT_TRUE(CreateDataset("keep", kN).ok());
    ASSERT_TRUE(Upload("keep", mats).ok());
    v1::Job done = StartJob(d.stub(), "random", 0);
    done = WaitFor(d.stub(), done.job_id(), v1::JOB_STATE_SUCCEEDED);
    ASSERT_EQ(done.state(), v1::JOB_STATE_SUCCEEDED) << done.error();
    sketch_version = done.sketch_version();
    grpc::ClientContext gc;
    v1::GetSketchRequest gs;
    gs.set_dataset("keep");
    gs.mutable_sketch()->set_version(sketch_version);
    gs.set_include_serialized(true);
    v1::GetSketchResponse exported;
    ASSERT_TRUE(ExportSketch(d.stub(), &gc, gs, &exported).ok());
    sketch_bytes = exported.serialized();

    // 1) SIGKILL while a job is RUNNING.
    v1::Job running = StartJob(d.stub(), "ivy", 1000000);
    long_job = running.job_id();
    ASSERT_EQ(WaitFor(d.stub(), long_job, v1::JOB_STATE_RUNNING).state(), v1::JOB_STATE_RUNNING);
    d.Kill(SIGKILL);
  }
  {
    // 2) Restart; SIGKILL in the middle of an upload stream (one complete
    //    matrix staged, the second half sent).
    Daemon d(data_dir_);
    ASSERT_GT(d.port(), 0);
    grpc::ClientContext ctx;
    v1::UploadTrainingMatricesResponse resp;
    auto w = d.stub()->UploadTrainingMatrices(&ctx, &resp);
    for (int m = 0; m < 2; ++m) {
      v1::UploadTrainingMatricesRequest h;
      h.mutable_header()->set_dataset("keep");
      h.mutable_header()->set_rows(kN);
      h.mutable_header()->set_cols(kD);
      h.mutable_header()->set_dtype(v1::DTYPE_FLOAT64);
      ASSERT_TRUE(w->Write(h));
      const int64_t rows = m == 0 ? kN : kN / 2;
      v1::UploadTrainingMatricesRequest c;
      c.mutable_rows()->set_rows(rows);
      c.mutable_rows()->set_data(Pack(mats[m], 0, rows, v1::DTYPE_FLOAT64));
      ASSERT_TRUE(w->Write(c));
    }
    // Give the server time to stage the first matrix before the kill.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    d.Kill(SIGKILL);
    w->Finish();
  }
  {
    Daemon d(data_dir_);
    ASSERT_GT(d.port(), 0);
    EXPECT_TRUE(HealthServing(d.channel()));
    grpc::ClientContext c1;
    v1::GetDatasetRequest g;
    g.set_name("keep");
    v1::Dataset ds;
    ASSERT_TRUE(d.stub()->GetDataset(&c1, g, &ds).ok());
    EXPECT_EQ(ds.num_training_matrices(), 4);  // the killed upload left nothing
    EXPECT_EQ(ds.num_sketches(), 1);

    grpc::ClientContext c2;
    v1::GetSketchRequest gs;
    gs.set_dataset("keep");
    gs.mutable_sketch()->set_version(sketch_version);
    gs.set_include_serialized(true);
    v1::GetSketchResponse exported;
    ASSERT_TRUE(ExportSketch(d.stub(), &c2, gs, &exported).ok());
    EXPECT_EQ(exported.serialized(), sketch_bytes);
    auto trained = ParseTrainedSketch(exported.serialized());
    ASSERT_TRUE(trained.ok());
    const RowMatrixXd a = TestMatrix(kN, kD, 4, 99);
    LowRankResult r = LowRankOn(d.stub(), "keep", Version(sketch_version), a, 3);
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    auto core = ScwLowRank(trained->sketch, a, 3);
    ASSERT_TRUE(core.ok());
    EXPECT_LE((r.y - core->left).cwiseAbs().maxCoeff(), 1e-12);

    grpc::ClientContext c3;
    v1::GetJobRequest gj;
    gj.set_job_id(long_job);
    v1::Job job;
    ASSERT_TRUE(d.stub()->GetJob(&c3, gj, &job).ok());
    EXPECT_EQ(job.state(), v1::JOB_STATE_INTERRUPTED);
    EXPECT_NE(job.error().find("RestartJob"), std::string::npos);

    grpc::ClientContext c4;
    v1::RestartJobRequest rr;
    rr.set_job_id(long_job);
    v1::Job restarted;
    ASSERT_TRUE(d.stub()->RestartJob(&c4, rr, &restarted).ok());
    EXPECT_EQ(restarted.restarted_from(), long_job);
    WaitFor(d.stub(), restarted.job_id(), v1::JOB_STATE_RUNNING);

    // Graceful SIGTERM: exits 0 and records the running job INTERRUPTED.
    const int status = d.wait_status_after(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  {
    Daemon d(data_dir_);
    grpc::ClientContext c;
    v1::ListJobsRequest lj;
    lj.set_dataset("keep");
    v1::ListJobsResponse jobs;
    ASSERT_TRUE(d.stub()->ListJobs(&c, lj, &jobs).ok());
    ASSERT_EQ(jobs.jobs_size(), 3);
    EXPECT_EQ(jobs.jobs(0).state(), v1::JOB_STATE_INTERRUPTED);  // the restarted one, SIGTERM
    EXPECT_EQ(jobs.jobs(1).state(), v1::JOB_STATE_INTERRUPTED);  // SIGKILL
    EXPECT_EQ(jobs.jobs(2).state(), v1::JOB_STATE_SUCCEEDED);
  }
}

}  // namespace
}  // namespace sketchd::testing
