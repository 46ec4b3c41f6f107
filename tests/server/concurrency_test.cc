// 16 clients × 20 LowRank/Solve calls while one training job runs and
// another is cancelled: every answer equals core's.
#include <gtest/gtest.h>

#include <thread>

#include "core/lowrank/scw_low_rank.h"
#include "core/regression/solve.h"
#include "core/sketch/count_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

constexpr int64_t kN = 96, kD = 16, kK = 3, kM = 10;

class ConcurrencyTest : public ServerFixture {};

v1::Job Start(v1::SketchService::Stub* stub, int iterations) {
  v1::TrainingOptions o;
  o.set_method("ivy");
  o.set_task(v1::TASK_LOW_RANK);
  o.set_k(kK);
  o.set_m(kM);
  o.set_iterations(iterations);
  o.set_threads(1);
  grpc::ClientContext ctx;
  v1::StartTrainingRequest req;
  req.set_dataset("c");
  *req.mutable_options() = o;
  v1::Job job;
  EXPECT_TRUE(stub->StartTraining(&ctx, req, &job).ok());
  return job;
}

TEST_F(ConcurrencyTest, SixteenClientsWhileTrainingAndCancelling) {
  ASSERT_TRUE(CreateDataset("c", kN).ok());
  std::vector<RowMatrixXd> mats;
  for (int i = 0; i < 4; ++i) mats.push_back(TestMatrix(kN, kD, 4, 50 + i));
  ASSERT_TRUE(Upload("c", mats).ok());
  const v1::Job running = Start(stub_.get(), 400);
  const v1::Job doomed = Start(stub_.get(), 100000);

  const RowMatrixXd a = TestMatrix(kN, kD, 5, 77);
  auto sketch = CountSketch::Random(kM, kN, 11);
  auto expected = ScwLowRank(*sketch, a, kK);
  ASSERT_TRUE(expected.ok());
  const RowMatrixXd ab = TestMatrix(kN, 6, 6, 78);
  SolveOptions so;
  so.solver = sketchd::Solver::kSketchAndSolve;
  so.sketch_rows = 40;
  so.seed = 2;
  RowMatrixXd a_reg = ab.leftCols(5);
  VectorXd b_reg = ab.col(5);
  auto expected_x = sketchd::Solve(a_reg, b_reg, so);
  ASSERT_TRUE(expected_x.ok());

  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&, c] {
      auto stub = v1::SketchService::NewStub(channel_);
      for (int i = 0; i < 20; ++i) {
        if ((c + i) % 2 == 0) {
          LowRankResult r = LowRankOn(stub.get(), "c", Random(kM, 11), a, kK);
          const bool ok = r.status.ok() &&
                          (r.y - expected->left).cwiseAbs().maxCoeff() <= 1e-12 &&
                          (r.z - expected->right).cwiseAbs().maxCoeff() <= 1e-12;
          (ok ? good : bad)++;
        } else {
          v1::SolveHeader h;
          h.set_dataset("c");
          *h.mutable_sketch() = Random(40, 2);
          h.set_solver(v1::SOLVER_SKETCH_AND_SOLVE);
          v1::SolveResponse resp;
          grpc::Status s = SolveOn(stub.get(), h, ab, &resp);
          bool ok = s.ok() && resp.x_size() == 5;
          for (int j = 0; ok && j < 5; ++j) ok = std::abs(resp.x(j) - expected_x->x(j)) <= 1e-12;
          (ok ? good : bad)++;
        }
      }
    });
  }
  // Cancel the second job while the clients run.
  {
    grpc::ClientContext ctx;
    v1::CancelJobRequest req;
    req.set_job_id(doomed.job_id());
    v1::Job j;
    EXPECT_TRUE(stub_->CancelJob(&ctx, req, &j).ok());
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), 320);
  EXPECT_EQ(bad.load(), 0);

  auto final_state = [&](int64_t id) {
    grpc::ClientContext ctx;
    v1::WatchJobRequest w;
    w.set_job_id(id);
    auto reader = stub_->WatchJob(&ctx, w);
    v1::Job j, last;
    while (reader->Read(&j)) last = j;
    EXPECT_TRUE(reader->Finish().ok());
    return last;
  };
  EXPECT_EQ(final_state(running.job_id()).state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(final_state(doomed.job_id()).state(), v1::JOB_STATE_CANCELLED);
  EXPECT_TRUE(HealthServing(channel_));
}

}  // namespace
}  // namespace sketchd::testing
