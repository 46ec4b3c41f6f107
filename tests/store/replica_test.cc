// Several real sketchd processes on one PostgreSQL (test_postgres.h): they
// share datasets and sketches, a job whose replica is SIGKILLed mid-training
// is taken over after its lease and finishes on another replica with one
// sketch version, and jobs are watched and cancelled from any replica.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/server/daemon.h"
#include "tests/server/server_test_util.h"
#include "tests/store/test_postgres.h"

namespace sketchd::testing {
namespace {

constexpr int64_t kN = 64, kD = 12;
constexpr double kLeaseSeconds = 2;

class ReplicaTest : public ServerFixture {
 protected:
  void SetUp() override {
    const std::string bin = std::string(SKETCHD_BINARY_DIR) + "/server/sketchd";
    if (!std::filesystem::exists(bin)) GTEST_SKIP() << "sketchd binary not built: " << bin;
    SKETCHD_REQUIRE_TEST_POSTGRES();
    absl::StatusOr<std::string> url = TestPostgres::Get().NewDatabase();
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    data_dir_ = TempDir("replicas");  // unused by the replicas: the store is PostgreSQL
  }

  // The real binary on the shared store (tests/server/daemon.h).
  std::unique_ptr<Daemon> Start(const std::string& id) {
    auto r = std::make_unique<Daemon>(
        data_dir_ + "/" + id, std::vector<std::string>{
                                  "--store=" + url_, "--replica_id=" + id,
                                  "--job_lease_seconds=" + std::to_string(kLeaseSeconds)});
    EXPECT_GT(r->port(), 0) << "replica " << id << " did not start";
    return r;
  }

  std::string url_;
};

v1::Job StartJob(v1::SketchService::Stub* stub, const std::string& dataset,
                 double time_budget_seconds) {
  v1::TrainingOptions o;
  o.set_method("ivy");
  o.set_task(v1::TASK_LOW_RANK);
  o.set_k(3);
  o.set_m(8);
  o.set_iterations(1000000);  // the cap; ends by the time budget (or a cancel)
  o.set_time_budget_seconds(time_budget_seconds);
  o.set_threads(1);
  grpc::ClientContext ctx;
  v1::StartTrainingRequest req;
  req.set_dataset(dataset);
  *req.mutable_options() = o;
  v1::Job job;
  grpc::Status s = stub->StartTraining(&ctx, req, &job);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return job;
}

v1::Job GetJob(v1::SketchService::Stub* stub, int64_t id) {
  grpc::ClientContext ctx;
  v1::GetJobRequest req;
  req.set_job_id(id);
  v1::Job job;
  grpc::Status s = stub->GetJob(&ctx, req, &job);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return job;
}

// Watches until a terminal state (or `deadline_seconds`).
v1::Job WatchToEnd(v1::SketchService::Stub* stub, int64_t id, double deadline_seconds) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(static_cast<int64_t>(deadline_seconds * 1000)));
  v1::WatchJobRequest w;
  w.set_job_id(id);
  auto reader = stub->WatchJob(&ctx, w);
  v1::Job j;
  int messages = 0;
  while (reader->Read(&j)) ++messages;
  // A watch that ends before the job does must say why (it once ended after
  // 2 s with a RUNNING job under load, and the status was thrown away).
  const grpc::Status s = reader->Finish();
  if (!s.ok()) {
    ADD_FAILURE() << "WatchJob(" << id << ") ended with " << s.error_code() << ": "
                  << s.error_message() << " after " << messages << " messages";
  }
  return j;
}

std::vector<v1::SketchInfo> ListSketches(v1::SketchService::Stub* stub, const std::string& dataset) {
  grpc::ClientContext ctx;
  v1::ListSketchesRequest req;
  req.set_dataset(dataset);
  v1::ListSketchesResponse resp;
  grpc::Status s = stub->ListSketches(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return {resp.sketches().begin(), resp.sketches().end()};
}

TEST_F(ReplicaTest, KilledReplicasJobFinishesElsewhereOnce) {
  std::unique_ptr<Daemon> r1 = Start("r1");
  stub_ = v1::SketchService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(r1->port()), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(CreateDataset("shared", kN).ok());
  std::vector<RowMatrixXd> mats;
  for (int i = 0; i < 4; ++i) mats.push_back(TestMatrix(kN, kD, 4, 20 + i));
  ASSERT_TRUE(Upload("shared", mats).ok());

  // r1 is the only replica, so it claims the job.
  const v1::Job job = StartJob(r1->stub(), "shared", 3);
  const auto t_start = std::chrono::steady_clock::now();
  while (GetJob(r1->stub(), job.job_id()).state() != v1::JOB_STATE_RUNNING) {
    ASSERT_LT(std::chrono::steady_clock::now() - t_start, std::chrono::seconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::unique_ptr<Daemon> r2 = Start("r2");
  // The second replica sees the same registry.
  {
    grpc::ClientContext ctx;
    v1::GetDatasetRequest g;
    g.set_name("shared");
    v1::Dataset ds;
    ASSERT_TRUE(r2->stub()->GetDataset(&ctx, g, &ds).ok());
    EXPECT_EQ(ds.num_training_matrices(), 4);
    EXPECT_EQ(GetJob(r2->stub(), job.job_id()).state(), v1::JOB_STATE_RUNNING);
  }

  r1->Kill(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  const v1::Job done = WatchToEnd(r2->stub(), job.job_id(), kLeaseSeconds + 30);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  ASSERT_EQ(done.state(), v1::JOB_STATE_SUCCEEDED) << done.error() << " " << done.message();
  // Lease expiry + a fresh 3 s training run + polling, well within lease + 10 s.
  EXPECT_LT(seconds, kLeaseSeconds + 10);
  std::printf("job %lld finished on r2 %.1f s after r1 was killed (lease %.0f s, budget 3 s)\n",
              static_cast<long long>(job.job_id()), seconds, kLeaseSeconds);
  const std::vector<v1::SketchInfo> sketches = ListSketches(r2->stub(), "shared");
  ASSERT_EQ(sketches.size(), 1u) << "a second sketch version means a duplicate completion";
  EXPECT_EQ(sketches[0].version(), done.sketch_version());
  EXPECT_EQ(sketches[0].job_id(), job.job_id());
}

TEST_F(ReplicaTest, JobsAreWatchedAndCancelledFromAnyReplica) {
  std::unique_ptr<Daemon> r1 = Start("r1");
  std::unique_ptr<Daemon> r2 = Start("r2");
  std::unique_ptr<Daemon> r3 = Start("r3");
  stub_ = v1::SketchService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(r3->port()), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(CreateDataset("shared", kN).ok());
  std::vector<RowMatrixXd> mats;
  for (int i = 0; i < 4; ++i) mats.push_back(TestMatrix(kN, kD, 4, 30 + i));
  ASSERT_TRUE(Upload("shared", mats).ok());

  // Submitted on r1, cancelled on r2, watched on r3: whichever replica runs it.
  const v1::Job job = StartJob(r1->stub(), "shared", 120);
  const auto t0 = std::chrono::steady_clock::now();
  while (GetJob(r3->stub(), job.job_id()).state() != v1::JOB_STATE_RUNNING) {
    ASSERT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  {
    grpc::ClientContext ctx;
    v1::CancelJobRequest req;
    req.set_job_id(job.job_id());
    v1::Job resp;
    grpc::Status s = r2->stub()->CancelJob(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const v1::Job done = WatchToEnd(r3->stub(), job.job_id(), 30);
  EXPECT_EQ(done.state(), v1::JOB_STATE_CANCELLED) << done.error();
  EXPECT_EQ(GetJob(r1->stub(), job.job_id()).state(), v1::JOB_STATE_CANCELLED);
  EXPECT_TRUE(ListSketches(r2->stub(), "shared").empty());

  // Finished jobs: cancelling from any replica names the state.
  grpc::ClientContext ctx;
  v1::CancelJobRequest req;
  req.set_job_id(job.job_id());
  v1::Job resp;
  grpc::Status again = r1->stub()->CancelJob(&ctx, req, &resp);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(again.error_message(),
            "job " + std::to_string(job.job_id()) + " already finished (CANCELLED)");
}

// Versions are cached, default pointers are not; and a version number that
// another replica deleted and reused (dataset deleted and re-created) never
// serves the old sketch.
TEST_F(ReplicaTest, NoStaleSketchAfterChangesOnAnotherReplica) {
  ServerOptions o = DefaultOptions();
  o.store = url_;
  o.replica_id = "a";
  absl::StatusOr<std::unique_ptr<SketchdServer>> a = SketchdServer::Start(o);
  ASSERT_TRUE(a.ok()) << a.status();
  o.replica_id = "b";
  absl::StatusOr<std::unique_ptr<SketchdServer>> b = SketchdServer::Start(o);
  ASSERT_TRUE(b.ok()) << b.status();
  auto stub_of = [](SketchdServer* s) {
    return v1::SketchService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(s->port()), grpc::InsecureChannelCredentials()));
  };
  auto sa = stub_of(a->get());
  auto sb = stub_of(b->get());
  stub_ = stub_of(a->get());  // CreateDataset / Upload go to replica a

  auto train = [&](uint64_t seed) -> int64_t {
    v1::TrainingOptions opt;
    opt.set_method("random");
    opt.set_task(v1::TASK_LOW_RANK);
    opt.set_k(3);
    opt.set_m(8);
    opt.set_seed(seed);
    grpc::ClientContext ctx;
    v1::StartTrainingRequest req;
    req.set_dataset("d");
    *req.mutable_options() = opt;
    v1::Job job;
    EXPECT_TRUE(sa->StartTraining(&ctx, req, &job).ok());
    const v1::Job done = WatchToEnd(sa.get(), job.job_id(), 30);
    EXPECT_EQ(done.state(), v1::JOB_STATE_SUCCEEDED) << done.error();
    return done.sketch_version();
  };
  const RowMatrixXd probe = TestMatrix(kN, kD, 4, 99);
  // Y·Zᵀ of a LowRank call: equal results mean the same sketch was used.
  auto approx = [&](v1::SketchService::Stub* stub, int64_t version) {
    v1::SketchSelector sel;
    if (version > 0) sel.set_version(version);
    LowRankResult r = LowRankOn(stub, "d", sel, probe, 3);
    EXPECT_TRUE(r.status.ok()) << r.status.error_message();
    return MatrixXd(r.y * r.z.transpose());
  };
  auto reupload = [&] {
    ASSERT_TRUE(CreateDataset("d", kN).ok());
    std::vector<RowMatrixXd> mats;
    for (int i = 0; i < 3; ++i) mats.push_back(TestMatrix(kN, kD, 4, 40 + i));
    ASSERT_TRUE(Upload("d", mats).ok());
  };

  reupload();
  ASSERT_EQ(train(1), 1);
  const MatrixXd first = approx(sb.get(), 1);  // now cached on b
  EXPECT_TRUE(first.isApprox(approx(sa.get(), 1)));

  // Replica a deletes and re-creates the dataset; version 1 is a new sketch.
  {
    grpc::ClientContext ctx;
    v1::DeleteDatasetRequest del;
    del.set_name("d");
    v1::DeleteDatasetResponse resp;
    ASSERT_TRUE(sa->DeleteDataset(&ctx, del, &resp).ok());
  }
  reupload();
  ASSERT_EQ(train(2), 1);
  const MatrixXd second = approx(sa.get(), 1);
  EXPECT_FALSE(second.isApprox(first)) << "seeds 1 and 2 should give different sketches";
  EXPECT_TRUE(approx(sb.get(), 1).isApprox(second)) << "replica b served the deleted sketch";

  // The default pointer moves on a; b follows at once.
  ASSERT_EQ(train(3), 2);
  EXPECT_TRUE(approx(sb.get(), 0).isApprox(second));  // default is still version 1
  {
    grpc::ClientContext ctx;
    v1::SetDefaultSketchRequest req;
    req.set_dataset("d");
    req.set_version(2);
    v1::SetDefaultSketchResponse resp;
    ASSERT_TRUE(sa->SetDefaultSketch(&ctx, req, &resp).ok());
  }
  EXPECT_TRUE(approx(sb.get(), 0).isApprox(approx(sa.get(), 2)));
  EXPECT_FALSE(approx(sb.get(), 0).isApprox(second));
}

}  // namespace
}  // namespace sketchd::testing
