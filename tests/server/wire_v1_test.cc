// Proto v1 behaviour of the wire: GetSketch as a stream (sketches of any
// size), idempotent StartTraining, List pagination, Timestamp times.
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/training/trained_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

class WireV1Test : public ServerFixture {};

// n = 400 000 columns: 4.8 MB of positions and values plus a serialized copy
// of the same size, over gRPC's 4 MiB message limit (the unary GetSketch
// failed with RESOURCE_EXHAUSTED here). A learned method, because a random
// sketch is serialized as its seed (46 bytes) and would not test the stream.
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
  opts.set_method("inner_product");
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
  EXPECT_GT(exported.serialized().size(), size_t{4} << 20);
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
  // Times are Timestamps: set once they happened, in order.
  ASSERT_TRUE(late.has_create_time() && late.has_start_time() && late.has_end_time());
  EXPECT_GT(late.create_time().seconds(), 1700000000);
  EXPECT_LE(google::protobuf::util::TimeUtil::TimestampToMicroseconds(late.create_time()),
            google::protobuf::util::TimeUtil::TimestampToMicroseconds(late.start_time()));
  EXPECT_LE(google::protobuf::util::TimeUtil::TimestampToMicroseconds(late.start_time()),
            google::protobuf::util::TimeUtil::TimestampToMicroseconds(late.end_time()));

  v1::Job bad;
  EXPECT_EQ(start(std::string(129, 'x'), &bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(start("has space", &bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Retries racing each other (same request_id, at the same time) get one
// job between them: creation and binding of the id are one store
// transaction, so no duplicate job is created (not even one cancelled
// right away).
TEST_F(WireV1Test, RacingStartTrainingWithOneRequestIdCreatesOneJob) {
  ASSERT_TRUE(CreateDataset("race", 32).ok());
  ASSERT_TRUE(Upload("race", {TestMatrix(32, 3, 2, 1), TestMatrix(32, 3, 2, 2)}).ok());
  constexpr int kCallers = 8;
  for (int round = 0; round < 3; ++round) {
    const std::string request_id = "race-" + std::to_string(round);
    std::atomic<int> ready{0};
    std::vector<v1::Job> jobs(kCallers);
    std::vector<grpc::Status> statuses(kCallers);
    std::vector<std::thread> callers;
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back([&, i] {
        ready.fetch_add(1);
        while (ready.load() < kCallers) std::this_thread::yield();
        grpc::ClientContext ctx;
        statuses[i] = stub_->StartTraining(&ctx, StartRequest("race", request_id), &jobs[i]);
      });
    }
    for (auto& t : callers) t.join();
    for (int i = 0; i < kCallers; ++i) {
      ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
      EXPECT_EQ(jobs[i].job_id(), jobs[0].job_id()) << i;
    }
  }
  grpc::ClientContext lctx;
  v1::ListJobsRequest lreq;
  lreq.set_dataset("race");
  v1::ListJobsResponse list;
  ASSERT_TRUE(stub_->ListJobs(&lctx, lreq, &list).ok());
  EXPECT_EQ(list.jobs_size(), 3);  // one per request id
  for (const v1::Job& j : list.jobs()) EXPECT_NE(j.state(), v1::JOB_STATE_CANCELLED);
}

// Walks a List with page_size `size` until next_page_token is empty; every
// page but the last is full.
template <typename Request, typename Response, typename Call, typename Items>
std::vector<std::string> WalkPages(Request req, int size, Call call, Items items) {
  std::vector<std::string> seen;
  req.set_page_size(size);
  const int cap = size == 0 ? 1000 : size;  // 0 = the server's maximum
  for (int pages = 0; pages < 100; ++pages) {
    grpc::ClientContext ctx;
    Response resp;
    grpc::Status s = call(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    const std::vector<std::string> page = items(resp);
    EXPECT_LE(static_cast<int>(page.size()), cap);
    if (!resp.next_page_token().empty()) {
      EXPECT_EQ(static_cast<int>(page.size()), cap);
    }
    seen.insert(seen.end(), page.begin(), page.end());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return seen;
}

TEST_F(WireV1Test, ListPaginationWalksEveryItemExactlyOnce) {
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) {
    names.push_back("ds" + std::to_string(i));
    ASSERT_TRUE(CreateDataset(names.back(), 32).ok());
  }
  ASSERT_TRUE(Upload("ds0", {TestMatrix(32, 3, 2, 1), TestMatrix(32, 3, 2, 2)}).ok());
  std::vector<std::string> job_ids, versions;
  for (int i = 0; i < 5; ++i) {
    v1::TrainingOptions o;
    o.set_method("random");
    o.set_task(v1::TASK_LOW_RANK);
    o.set_k(1);
    o.set_m(4);
    o.set_seed(i);
    o.set_threads(1);
    v1::Job job = TrainAndWait("ds0", o);
    ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();
    job_ids.insert(job_ids.begin(), std::to_string(job.job_id()));  // newest first
    versions.push_back(std::to_string(job.sketch_version()));
  }
  auto list_datasets = [&](grpc::ClientContext* c, const v1::ListDatasetsRequest& r,
                           v1::ListDatasetsResponse* out) { return stub_->ListDatasets(c, r, out); };
  auto list_jobs = [&](grpc::ClientContext* c, const v1::ListJobsRequest& r,
                       v1::ListJobsResponse* out) { return stub_->ListJobs(c, r, out); };
  auto list_sketches = [&](grpc::ClientContext* c, const v1::ListSketchesRequest& r,
                           v1::ListSketchesResponse* out) { return stub_->ListSketches(c, r, out); };
  v1::ListJobsRequest jobs_req;
  jobs_req.set_dataset("ds0");
  v1::ListSketchesRequest sketches_req;
  sketches_req.set_dataset("ds0");
  for (int size : {1, 2, 3, 5, 7, 100, 0}) {
    SCOPED_TRACE(size);
    const auto datasets = WalkPages<v1::ListDatasetsRequest, v1::ListDatasetsResponse>(
        v1::ListDatasetsRequest(), size, list_datasets, [](const v1::ListDatasetsResponse& r) {
          std::vector<std::string> out;
          for (const auto& d : r.datasets()) out.push_back(d.name());
          return out;
        });
    EXPECT_EQ(datasets, names);
    const auto jobs = WalkPages<v1::ListJobsRequest, v1::ListJobsResponse>(
        jobs_req, size, list_jobs, [](const v1::ListJobsResponse& r) {
          std::vector<std::string> out;
          for (const auto& j : r.jobs()) out.push_back(std::to_string(j.job_id()));
          return out;
        });
    EXPECT_EQ(jobs, job_ids);
    const auto sketches = WalkPages<v1::ListSketchesRequest, v1::ListSketchesResponse>(
        sketches_req, size, list_sketches, [](const v1::ListSketchesResponse& r) {
          std::vector<std::string> out;
          for (const auto& k : r.sketches()) out.push_back(std::to_string(k.version()));
          return out;
        });
    EXPECT_EQ(sketches, versions);
  }

  // A cursor survives changes between pages: deleting the item it names
  // neither repeats nor skips the others.
  v1::ListDatasetsRequest req;
  req.set_page_size(3);
  grpc::ClientContext c1;
  v1::ListDatasetsResponse first;
  ASSERT_TRUE(stub_->ListDatasets(&c1, req, &first).ok());
  ASSERT_EQ(first.datasets_size(), 3);
  grpc::ClientContext cd;
  v1::DeleteDatasetRequest del;
  del.set_name("ds2");
  v1::DeleteDatasetResponse deleted;
  ASSERT_TRUE(stub_->DeleteDataset(&cd, del, &deleted).ok());
  req.set_page_token(first.next_page_token());
  grpc::ClientContext c2;
  v1::ListDatasetsResponse second;
  ASSERT_TRUE(stub_->ListDatasets(&c2, req, &second).ok());
  ASSERT_GE(second.datasets_size(), 1);
  EXPECT_EQ(second.datasets(0).name(), "ds3");

  // Tokens are checked: garbage, or another List's token.
  for (const std::string& token : {std::string("not a token"), first.next_page_token()}) {
    grpc::ClientContext c;
    v1::ListJobsRequest bad;
    bad.set_page_token(token);
    v1::ListJobsResponse out;
    EXPECT_EQ(stub_->ListJobs(&c, bad, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  grpc::ClientContext cn;
  v1::ListSketchesRequest negative;
  negative.set_dataset("ds0");
  negative.set_page_size(-1);
  v1::ListSketchesResponse out;
  EXPECT_EQ(stub_->ListSketches(&cn, negative, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace sketchd::testing
