// /metrics: scraped over HTTP from a running server; the counters must move
// by exactly the calls made, labelled with the method and final code.
#include <string>

#include "tests/server/server_test_util.h"
#include "tests/testing/http_get.h"

namespace sketchd::testing {
namespace {

class MetricsTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerOptions o = DefaultOptions();
    o.metrics_listen = "127.0.0.1:0";
    StartServer(o);
    ASSERT_GT(server_->metrics_port(), 0);
  }
  std::string Scrape() {
    absl::StatusOr<std::string> body = HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    return body.ok() ? *body : "";
  }
  static std::string Rpc(const std::string& family, const std::string& method,
                         const std::string& code) {
    return family + "{code=\"" + code + "\",method=\"" + method + "\"}";
  }
};

TEST_F(MetricsTest, RpcCountsAndLatencyByMethodAndCode) {
  const std::string before = Scrape();
  EXPECT_EQ(PrometheusSample(before, Rpc("sketchd_rpc_total", "CreateDataset", "OK")), -1);

  ASSERT_TRUE(CreateDataset("m1", 64).ok());
  ASSERT_TRUE(CreateDataset("m2", 64).ok());
  EXPECT_EQ(CreateDataset("m1", 64).error_code(), grpc::StatusCode::ALREADY_EXISTS);

  const std::string after = Scrape();
  EXPECT_EQ(PrometheusSample(after, Rpc("sketchd_rpc_total", "CreateDataset", "OK")), 2);
  EXPECT_EQ(PrometheusSample(after, Rpc("sketchd_rpc_total", "CreateDataset", "ALREADY_EXISTS")), 1);
  // The histogram saw the same calls, with positive total time.
  EXPECT_EQ(PrometheusSample(after, Rpc("sketchd_rpc_duration_seconds_count", "CreateDataset", "OK")), 2);
  EXPECT_GT(PrometheusSample(after, Rpc("sketchd_rpc_duration_seconds_sum", "CreateDataset", "OK")), 0);
  // Every store call is timed: two datasets created, one refused.
  EXPECT_GE(PrometheusSample(after, "sketchd_store_duration_seconds_count{op=\"CreateDataset\"}"), 2);

  ASSERT_TRUE(CreateDataset("m3", 64).ok());
  EXPECT_EQ(PrometheusSample(Scrape(), Rpc("sketchd_rpc_total", "CreateDataset", "OK")), 3);
}

TEST_F(MetricsTest, IngestedBytesCountLowRankPayload) {
  ASSERT_TRUE(CreateDataset("tall", 200).ok());
  const RowMatrixXd a = TestMatrix(200, 30, 5, 9);
  LowRankResult r = LowRankCall("tall", Random(20, 1), a, 5, v1::DTYPE_FLOAT64, 50);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  const std::string text = Scrape();
  EXPECT_EQ(PrometheusSample(text, Rpc("sketchd_rpc_total", "LowRank", "OK")), 1);
  EXPECT_EQ(PrometheusSample(text, "sketchd_payload_bytes_total{method=\"LowRank\"}"),
            200.0 * 30 * 8);
}

TEST_F(MetricsTest, JobGaugesAndTrainingSeconds) {
  ASSERT_TRUE(CreateDataset("faces", 64).ok());
  std::vector<RowMatrixXd> mats;
  for (int i = 0; i < 3; ++i) mats.push_back(TestMatrix(64, 16, 4, 40 + i));
  ASSERT_TRUE(Upload("faces", mats).ok());
  EXPECT_EQ(PrometheusSample(Scrape(), "sketchd_jobs{state=\"SUCCEEDED\"}"), 0);

  v1::TrainingOptions options;
  options.set_method("random");
  options.set_task(v1::TASK_LOW_RANK);
  options.set_k(4);
  options.set_m(8);
  options.set_seed(3);
  options.set_threads(1);
  ASSERT_EQ(TrainAndWait("faces", options).state(), v1::JOB_STATE_SUCCEEDED);

  const std::string text = Scrape();
  EXPECT_EQ(PrometheusSample(text, "sketchd_job_scan_ok"), 1);
  EXPECT_EQ(PrometheusSample(text, "sketchd_jobs{state=\"SUCCEEDED\"}"), 1);
  EXPECT_EQ(PrometheusSample(text, "sketchd_jobs{state=\"RUNNING\"}"), 0);
  EXPECT_EQ(PrometheusSample(text, "sketchd_job_queue_depth"), 0);
  EXPECT_EQ(PrometheusSample(text, "sketchd_training_seconds_count{outcome=\"SUCCEEDED\"}"), 1);
  EXPECT_GE(PrometheusSample(text, "sketchd_training_seconds_sum{outcome=\"SUCCEEDED\"}"), 0);
  EXPECT_EQ(PrometheusSample(text, "sketchd_payload_bytes_total{method=\"UploadTrainingMatrices\"}"),
            3 * 64.0 * 16 * 8);
}

TEST(MetricsListenTest, UnusableAddressIsNamed) {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = TempDir("metrics-bad");
  o.log_requests = false;
  o.metrics_listen = "256.1.1.1:1";
  absl::StatusOr<std::unique_ptr<SketchdServer>> s = SketchdServer::Start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.status().message().find("--metrics_listen='256.1.1.1:1'"), std::string::npos)
      << s.status();
  std::filesystem::remove_all(o.data_dir);
}

}  // namespace
}  // namespace sketchd::testing
