// Three sketchd replicas on one PostgreSQL, nginx in front running the
// compose stack's config (docker/nginx-grpc.conf): 16 concurrent clients
// through the load balancer get the answers core computes, every replica
// serves some of them, and all of them see the same datasets and sketches.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/lowrank/scw_low_rank.h"
#include "core/sketch/count_sketch.h"
#include "tests/server/server_test_util.h"
#include "tests/store/test_postgres.h"
#include "tests/testing/http_get.h"
#include "tests/testing/nginx_balancer.h"

namespace sketchd::testing {
namespace {

constexpr int kReplicas = 3;
constexpr int kClients = 16;
constexpr int kCallsPerClient = 3;
// LowRank requests of the service benchmark's size.
constexpr int64_t kN = 288, kD = 384, kK = 10, kM = 40;

class LoadBalancerTest : public ServerFixture {
 protected:
  void SetUp() override {
    TestPostgres& pg = TestPostgres::Get();
    if (!pg.available()) {
      if (TestPostgres::MustRun()) FAIL() << pg.status();
      GTEST_SKIP() << "*** PostgreSQL tests NOT RUN ***: " << pg.status();
    }
    absl::StatusOr<std::string> url = pg.NewDatabase();
    ASSERT_TRUE(url.ok()) << url.status();
    std::vector<int> ports;
    for (int i = 0; i < kReplicas; ++i) {
      ServerOptions o = DefaultOptions();
      o.store = *url;
      o.replica_id = "replica-" + std::to_string(i + 1);
      o.metrics_listen = "127.0.0.1:0";
      absl::StatusOr<std::unique_ptr<SketchdServer>> replica = SketchdServer::Start(o);
      ASSERT_TRUE(replica.ok()) << replica.status();
      ports.push_back((*replica)->port());
      replicas_.push_back(std::move(*replica));
    }
    absl::StatusOr<std::unique_ptr<NginxBalancer>> lb = NginxBalancer::Start(
        std::string(SKETCHD_SOURCE_DIR) + "/docker/nginx-grpc.conf", ports);
    ASSERT_TRUE(lb.ok()) << lb.status();
    lb_ = std::move(*lb);
    // The fixture's own stub_ talks to the load balancer.
    channel_ = grpc::CreateChannel(lb_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::SketchService::NewStub(channel_);
  }
  void TearDown() override {
    lb_.reset();
    for (auto& r : replicas_) r->Shutdown(1);
    replicas_.clear();
    ServerFixture::TearDown();
  }

  double Metric(int replica, const std::string& series) {
    absl::StatusOr<std::string> text = HttpGet(replicas_[replica]->metrics_port(), "/metrics");
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? std::max(0.0, PrometheusSample(*text, series)) : -1;
  }

  std::vector<std::unique_ptr<SketchdServer>> replicas_;
  std::unique_ptr<NginxBalancer> lb_;
};

TEST_F(LoadBalancerTest, SixteenClientsGetCoreAnswersFromEveryReplica) {
  ASSERT_TRUE(HealthServing(channel_)) << "health check through nginx failed";
  // Dataset, training matrices and a trained sketch, all through nginx (so
  // on whichever replicas it picks; the job runs on whichever claims it).
  ASSERT_TRUE(CreateDataset("shared", kN, kD).ok());
  std::vector<RowMatrixXd> mats;
  for (int i = 0; i < 3; ++i) mats.push_back(TestMatrix(kN, kD, 6, 200 + i));
  ASSERT_TRUE(Upload("shared", mats, v1::DTYPE_FLOAT64, 64).ok());
  v1::TrainingOptions options;
  options.set_method("random");
  options.set_task(v1::TASK_LOW_RANK);
  options.set_k(kK);
  options.set_m(kM);
  options.set_seed(5);
  options.set_threads(1);
  const v1::Job job = TrainAndWait("shared", options);
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();
  const int64_t version = job.sketch_version();

  // The reference answers: core with the same CountSketch for the random
  // selector; replica 1 directly for the trained version.
  const RowMatrixXd a = TestMatrix(kN, kD, 12, 77);
  absl::StatusOr<LowRankFactors> core = ScwLowRank(*CountSketch::Random(kM, kN, 11), a, kK);
  ASSERT_TRUE(core.ok()) << core.status();
  v1::SketchSelector trained;
  trained.set_version(version);
  auto direct = v1::SketchService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(replicas_[0]->port()), grpc::InsecureChannelCredentials()));
  const LowRankResult reference = LowRankOn(direct.get(), "shared", trained, a, kK);
  ASSERT_TRUE(reference.status.ok()) << reference.status.error_message();

  std::vector<double> lowrank_before(kReplicas);
  for (int r = 0; r < kReplicas; ++r) {
    lowrank_before[r] = Metric(r, "sketchd_rpc_total{code=\"OK\",method=\"LowRank\"}");
  }

  std::atomic<int> wrong{0}, failed{0}, unseen{0};
  std::vector<std::string> first_error(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // One channel (one HTTP/2 connection to nginx) per client.
      auto stub = v1::SketchService::NewStub(
          grpc::CreateChannel(lb_->address(), grpc::InsecureChannelCredentials()));
      for (int call = 0; call < kCallsPerClient; ++call) {
        LowRankResult random = LowRankOn(stub.get(), "shared", Random(kM, 11), a, kK,
                                         v1::DTYPE_FLOAT64, 48);
        LowRankResult stored = LowRankOn(stub.get(), "shared", trained, a, kK,
                                         v1::DTYPE_FLOAT64, 48);
        if (!random.status.ok() || !stored.status.ok()) {
          if (failed.fetch_add(1) == 0) {
            first_error[c] = random.status.ok() ? stored.status.error_message()
                                                : random.status.error_message();
          }
          continue;
        }
        if ((random.y - core->left).cwiseAbs().maxCoeff() > 1e-12 ||
            (random.z - core->right).cwiseAbs().maxCoeff() > 1e-12 ||
            (stored.y - reference.y).cwiseAbs().maxCoeff() > 1e-12 ||
            (stored.z - reference.z).cwiseAbs().maxCoeff() > 1e-12) {
          wrong.fetch_add(1);
        }
        // Same metadata whichever replica answers.
        grpc::ClientContext ctx;
        v1::GetSketchRequest req;
        req.set_dataset("shared");
        *req.mutable_sketch() = trained;
        v1::GetSketchResponse resp;
        grpc::Status s = ExportSketch(stub.get(), &ctx, req, &resp);
        if (!s.ok() || resp.m() != kM || resp.n() != kN) unseen.fetch_add(1);
        grpc::ClientContext lctx;
        v1::ListDatasetsResponse list;
        s = stub->ListDatasets(&lctx, v1::ListDatasetsRequest(), &list);
        if (!s.ok() || list.datasets_size() != 1 || list.datasets(0).name() != "shared" ||
            list.datasets(0).num_training_matrices() != 3) {
          unseen.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  std::string errors;
  for (const std::string& e : first_error) errors += e;
  EXPECT_EQ(failed.load(), 0) << errors;
  EXPECT_EQ(wrong.load(), 0) << "answers through nginx differ from core / replica 1";
  EXPECT_EQ(unseen.load(), 0) << "a replica did not see the shared dataset or sketch";

  // nginx spread the calls: every replica served LowRank calls, and all of
  // them together exactly the 2 × 16 × 3 made.
  double served = 0;
  for (int r = 0; r < kReplicas; ++r) {
    const double n =
        Metric(r, "sketchd_rpc_total{code=\"OK\",method=\"LowRank\"}") - lowrank_before[r];
    EXPECT_GT(n, 0) << "replica " << r + 1 << " served no LowRank call";
    served += n;
  }
  EXPECT_EQ(served, 2.0 * kClients * kCallsPerClient);
}

}  // namespace
}  // namespace sketchd::testing
