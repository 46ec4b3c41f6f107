// Proto v1 behaviour of the wire: GetSketch as a stream (sketches of any
// size), idempotent StartTraining, List pagination.
#include <gtest/gtest.h>

#include "core/training/trained_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

class WireV1Test : public ServerFixture {};

// n = 400 000 columns: 4.8 MB of positions and values plus a serialized copy
// of the same size, over gRPC's 4 MiB message limit (the unary GetSketch
// failed with RESOURCE_EXHAUSTED here).
TEST_F(WireV1Test, GetSketchStreamsASketchLargerThanTheMessageLimit) {
  TearDown();
  ServerOptions o = DefaultOptions();
  o.max_rows = 1000000;
  StartServer(o);
  constexpr int64_t kN = 400000;
  ASSERT_TRUE(CreateDataset("tall", kN).ok());
  std::vector<RowMatrixXd> mats;
  for (int i = 0; i < 3; ++i) mats.push_back(TestMatrix(kN, 2, 1, 10 + i));
  ASSERT_TRUE(Upload("tall", mats, v1::DTYPE_FLOAT32, 50000).ok());
  v1::TrainingOptions opts;
  opts.set_method("random");
  opts.set_task(v1::TASK_LOW_RANK);
  opts.set_k(1);
  opts.set_m(4);
  opts.set_threads(1);
  v1::Job job = TrainAndWait("tall", opts);
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();

  grpc::ClientContext ctx;
  v1::GetSketchRequest req;
  req.set_dataset("tall");
  req.mutable_sketch()->set_version(job.sketch_version());
  req.set_include_serialized(true);
  v1::GetSketchResponse exported;
  int messages = 0;
  grpc::Status s = ExportSketch(stub_.get(), &ctx, req, &exported, &messages);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_GT(exported.ByteSizeLong(), size_t{4} << 20);
  EXPECT_GT(messages, 5);
  EXPECT_EQ(exported.n(), kN);
  EXPECT_EQ(exported.m(), 4);
  auto trained = ParseTrainedSketch(exported.serialized());
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_EQ(trained->sketch_n(), kN);
  ASSERT_EQ(exported.positions_size(), kN * trained->sketch.num_blocks());
  EXPECT_EQ(std::vector<int32_t>(exported.positions().begin(), exported.positions().end()),
            trained->sketch.positions());
  EXPECT_EQ(std::vector<double>(exported.values().begin(), exported.values().end()),
            trained->sketch.values());
}

v1::StartTrainingRequest StartRequest(const std::string& dataset, const std::string& request_id) {
  v1::StartTrainingRequest req;
  req.set_dataset(dataset);
  req.set_request_id(request_id);
  v1::TrainingOptions* o = req.mutable_options();
  o->set_method("random");
  o->set_task(v1::TASK_LOW_RANK);
  o->set_k(1);
  o->set_m(4);
  o->set_threads(1);
  return req;
}

// A retried StartTraining (same request_id) returns the first call's job and
// starts nothing; another request_id, or none, starts a new job.
TEST_F(WireV1Test, RetriedStartTrainingReturnsTheSameJob) {
  ASSERT_TRUE(CreateDataset("retry", 32).ok());
  ASSERT_TRUE(Upload("retry", {TestMatrix(32, 3, 2, 1), TestMatrix(32, 3, 2, 2)}).ok());
  auto start = [&](const std::string& request_id, v1::Job* job) {
    grpc::ClientContext ctx;
    return stub_->StartTraining(&ctx, StartRequest("retry", request_id), job);
  };
  v1::Job first, again, other, keyless;
  ASSERT_TRUE(start("attempt-1", &first).ok());
  ASSERT_TRUE(start("attempt-1", &again).ok());
  EXPECT_EQ(again.job_id(), first.job_id());
  ASSERT_TRUE(start("attempt-2", &other).ok());
  EXPECT_NE(other.job_id(), first.job_id());
  ASSERT_TRUE(start("", &keyless).ok());
  EXPECT_NE(keyless.job_id(), first.job_id());
  EXPECT_NE(keyless.job_id(), other.job_id());

  // Only three jobs exist, and a retry after the job finished still finds it.
  grpc::ClientContext lctx;
  v1::ListJobsRequest lreq;
  lreq.set_dataset("retry");
  v1::ListJobsResponse list;
  ASSERT_TRUE(stub_->ListJobs(&lctx, lreq, &list).ok());
  EXPECT_EQ(list.jobs_size(), 3);
  grpc::ClientContext wctx;
  v1::WatchJobRequest wreq;
  wreq.set_job_id(first.job_id());
  auto reader = stub_->WatchJob(&wctx, wreq);
  v1::Job update;
  while (reader->Read(&update)) {
  }
  ASSERT_TRUE(reader->Finish().ok());
  v1::Job late;
  ASSERT_TRUE(start("attempt-1", &late).ok());
  EXPECT_EQ(late.job_id(), first.job_id());
  EXPECT_EQ(late.state(), v1::JOB_STATE_SUCCEEDED);

  v1::Job bad;
  EXPECT_EQ(start(std::string(129, 'x'), &bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(start("has space", &bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace sketchd::testing
