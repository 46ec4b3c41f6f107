// replica_bench: sketchd replicas on one PostgreSQL behind nginx
// (docker/nginx-grpc.conf, the compose stack's config), in one run:
//   * LowRank 288×384 (k=10, CountSketch m=40) and Solve 288×48 (LSQR,
//     m=96) from C concurrent clients: calls/s, p50, p99, for
//       direct    one replica, no load balancer (the baseline)
//       lb×1..3   1, 2, 3 replicas behind nginx
//     with each row's throughput as a ratio to the baseline and the
//     per-replica efficiency (calls/s ÷ (replicas × lb×1 calls/s)). All
//     replicas share this machine's cores, so more replicas cannot add
//     compute: efficiency below 1/R is the expected, honest outcome on a
//     small host.
//   * Job claim latency: StartTraining through nginx → RUNNING on whichever
//     replica claims it (started − created, from the job record), p50/p99
//     over J quick jobs with 3 replicas, and the mean ClaimJob store call
//     from the replicas' /metrics.
// Needs PostgreSQL 15 server binaries (tests/store/test_postgres.h) and nginx.
// Usage: replica_bench [--clients=8] [--calls=12] [--jobs=12]
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "client/sketchd_client.h"
#include "core/sketch/philox.h"
#include "server/sketchd_server.h"
#include "tests/store/test_postgres.h"
#include "tests/testing/http_get.h"
#include "tests/testing/nginx_balancer.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kN = 288, kD = 384, kK = 10, kM = 40;
constexpr int64_t kSolveD = 48, kSolveM = 96;

RowMatrixXd Matrix(int64_t n, int64_t d, uint64_t seed) {
  RowMatrixXd a(n, d);
  for (int64_t i = 0; i < n * d; ++i) {
    a.data()[i] = WordToOpenUnit(PhiloxWords(seed, 1, i)[0]) - 0.5;
  }
  return a;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

struct Row {
  std::string name;
  int replicas = 0;
  double lowrank_per_s = 0, lowrank_p50 = 0, lowrank_p99 = 0;
  double solve_per_s = 0, solve_p50 = 0, solve_p99 = 0;
  int errors = 0;
};

std::unique_ptr<SketchdClient> Connect(const std::string& address) {
  ClientOptions o;
  o.address = address;
  absl::StatusOr<std::unique_ptr<SketchdClient>> c = SketchdClient::Connect(o);
  if (!c.ok()) {
    std::fprintf(stderr, "replica_bench: %s\n", std::string(c.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*c);
}

// `clients` threads, each with its own connection, `calls` calls each;
// returns calls/s over the wall time and the per-call latencies.
template <typename Call>
void Drive(const std::string& address, int clients, int calls, Call call, double* per_s,
           double* p50, double* p99, int* errors) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::unique_ptr<SketchdClient> client = Connect(address);
      for (int i = 0; i < calls; ++i) {
        const auto t = Clock::now();
        if (!call(*client)) failed.fetch_add(1);
        latencies[c].push_back(std::chrono::duration<double>(Clock::now() - t).count());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  *per_s = all.size() / wall;
  *p50 = Percentile(all, 0.5) * 1e3;
  *p99 = Percentile(all, 0.99) * 1e3;
  *errors += failed.load();
}

int Main(int argc, char** argv) {
  int clients = 8, calls = 12, jobs = 12;
  for (int i = 1; i < argc; ++i) {
    if (std::sscanf(argv[i], "--clients=%d", &clients) == 1) continue;
    if (std::sscanf(argv[i], "--calls=%d", &calls) == 1) continue;
    if (std::sscanf(argv[i], "--jobs=%d", &jobs) == 1) continue;
    std::fprintf(stderr, "usage: replica_bench [--clients=8] [--calls=12] [--jobs=12]\n");
    return 2;
  }
  if (clients < 1 || clients > 256 || calls < 1 || calls > 100000 || jobs < 1 || jobs > 1000) {
    std::fprintf(stderr, "replica_bench: clients in [1,256], calls in [1,1e5], jobs in [1,1000]\n");
    return 2;
  }
  testing::TestPostgres& pg = testing::TestPostgres::Get();
  if (!pg.available()) {
    std::fprintf(stderr, "replica_bench: %s\n", std::string(pg.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::string> url = pg.NewDatabase();
  if (!url.ok()) {
    std::fprintf(stderr, "replica_bench: %s\n", std::string(url.status().message()).c_str());
    return 1;
  }

  std::vector<std::unique_ptr<SketchdServer>> replicas;
  for (int i = 0; i < 3; ++i) {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.store = *url;
    o.replica_id = "bench-" + std::to_string(i + 1);
    o.log_requests = false;
    o.training_threads = 1;
    o.metrics_listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<SketchdServer>> s = SketchdServer::Start(o);
    if (!s.ok()) {
      std::fprintf(stderr, "replica_bench: %s\n", std::string(s.status().message()).c_str());
      return 1;
    }
    replicas.push_back(std::move(*s));
  }
  const std::string direct = "127.0.0.1:" + std::to_string(replicas[0]->port());
  {
    std::unique_ptr<SketchdClient> setup = Connect(direct);
    if (!setup->CreateDataset("lr", kN, kD, "").ok() ||
        !setup->CreateDataset("ls", kN, kSolveD, "").ok() ||
        !setup->UploadMatrices("lr", {Matrix(kN, kD, 1)}).ok()) {
      std::fprintf(stderr, "replica_bench: setup failed\n");
      return 1;
    }
  }
  const RowMatrixXd a = Matrix(kN, kD, 2);
  const RowMatrixXd sa = Matrix(kN, kSolveD, 3);
  VectorXd b(kN);
  for (int64_t i = 0; i < kN; ++i) b[i] = WordToOpenUnit(PhiloxWords(4, 1, i)[0]) - 0.5;
  v1::SketchSelector lr_sketch, ls_sketch;
  lr_sketch.mutable_random()->set_m(kM);
  lr_sketch.mutable_random()->set_seed(1);
  ls_sketch.mutable_random()->set_m(kSolveM);
  ls_sketch.mutable_random()->set_seed(1);
  auto lowrank = [&](SketchdClient& c) { return c.LowRank("lr", lr_sketch, kK, a).ok(); };
  auto solve = [&](SketchdClient& c) {
    return c.Solve("ls", ls_sketch, SolveRequestOptions(), sa, b).ok();
  };

  std::vector<Row> rows;
  auto measure = [&](const std::string& name, int n_replicas, const std::string& address) {
    Row r;
    r.name = name;
    r.replicas = n_replicas;
    Drive(address, clients, calls, lowrank, &r.lowrank_per_s, &r.lowrank_p50, &r.lowrank_p99,
          &r.errors);
    Drive(address, clients, calls, solve, &r.solve_per_s, &r.solve_p50, &r.solve_p99, &r.errors);
    rows.push_back(r);
  };
  {
    Row warm_up;  // connections, sketch caches, buffer pools; not reported
    Drive(direct, clients, 2, lowrank, &warm_up.lowrank_per_s, &warm_up.lowrank_p50,
          &warm_up.lowrank_p99, &warm_up.errors);
  }
  measure("direct", 1, direct);
  const std::string config = std::string(SKETCHD_SOURCE_DIR) + "/docker/nginx-grpc.conf";
  for (int n = 1; n <= 3; ++n) {
    std::vector<int> ports;
    for (int i = 0; i < 3; ++i) ports.push_back(replicas[i % n]->port());
    absl::StatusOr<std::unique_ptr<testing::NginxBalancer>> lb =
        testing::NginxBalancer::Start(config, ports);
    if (!lb.ok()) {
      std::fprintf(stderr, "replica_bench: %s\n", std::string(lb.status().message()).c_str());
      return 1;
    }
    measure("lb×" + std::to_string(n), n, (*lb)->address());
  }

  std::printf("sketchd replicas on one PostgreSQL, %d clients × %d calls; LowRank %lld×%lld "
              "k=%lld m=%lld; Solve %lld×%lld LSQR m=%lld\n",
              clients, calls, static_cast<long long>(kN), static_cast<long long>(kD),
              static_cast<long long>(kK), static_cast<long long>(kM), static_cast<long long>(kN),
              static_cast<long long>(kSolveD), static_cast<long long>(kSolveM));
  std::printf("| setup | replicas | LowRank calls/s | ×direct | per-replica eff. | p50 ms | p99 ms "
              "| Solve calls/s | ×direct | per-replica eff. | p50 ms | p99 ms | errors |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  const Row& base = rows[0];
  const Row& lb1 = rows[1];
  for (const Row& r : rows) {
    std::printf("| %s | %d | %.1f | %.2f | %.2f | %.1f | %.1f | %.1f | %.2f | %.2f | %.1f | %.1f | %d |\n",
                r.name.c_str(), r.replicas, r.lowrank_per_s, r.lowrank_per_s / base.lowrank_per_s,
                r.lowrank_per_s / (r.replicas * lb1.lowrank_per_s), r.lowrank_p50, r.lowrank_p99,
                r.solve_per_s, r.solve_per_s / base.solve_per_s,
                r.solve_per_s / (r.replicas * lb1.solve_per_s), r.solve_p50, r.solve_p99, r.errors);
  }

  // Job claim latency with all three replicas polling the store.
  std::unique_ptr<SketchdClient> client = Connect(direct);
  v1::TrainingOptions options;
  options.set_method("random");
  options.set_task(v1::TASK_LOW_RANK);
  options.set_k(kK);
  options.set_m(kM);
  options.set_threads(1);
  std::vector<double> claim_ms;
  for (int j = 0; j < jobs; ++j) {
    options.set_seed(100 + j);
    absl::StatusOr<v1::Job> job = client->StartTraining("lr", options);
    if (!job.ok()) {
      std::fprintf(stderr, "replica_bench: %s\n", std::string(job.status().message()).c_str());
      return 1;
    }
    // The receiving replica's idle worker is woken at once; the others
    // poll the store and race it with SELECT … FOR UPDATE SKIP LOCKED.
    absl::StatusOr<v1::Job> done = client->WatchJob(job->job_id());
    if (!done.ok() || done->state() != v1::JOB_STATE_SUCCEEDED) {
      std::fprintf(stderr, "replica_bench: job %lld did not succeed\n",
                   static_cast<long long>(job->job_id()));
      return 1;
    }
    claim_ms.push_back(google::protobuf::util::TimeUtil::DurationToMicroseconds(
                           done->start_time() - done->create_time()) / 1e3);
  }
  double claim_sum = 0, claim_count = 0;
  for (const auto& r : replicas) {
    absl::StatusOr<std::string> text = testing::HttpGet(r->metrics_port(), "/metrics");
    if (!text.ok()) continue;
    claim_sum += std::max(0.0, testing::PrometheusSample(
        *text, "sketchd_store_duration_seconds_sum{op=\"ClaimJob\"}"));
    claim_count += std::max(0.0, testing::PrometheusSample(
        *text, "sketchd_store_duration_seconds_count{op=\"ClaimJob\"}"));
  }
  std::printf("\njob claim latency (StartTraining → RUNNING, %d jobs, 3 replicas): p50 %.1f ms, "
              "p99 %.1f ms; ClaimJob store call mean %.2f ms over %.0f calls (idle polls included)\n",
              jobs, Percentile(claim_ms, 0.5), Percentile(claim_ms, 0.99),
              claim_count > 0 ? claim_sum / claim_count * 1e3 : 0.0, claim_count);
  for (auto& r : replicas) r->Shutdown(1);
  return 0;
}

}  // namespace
}  // namespace sketchd

int main(int argc, char** argv) { return sketchd::Main(argc, argv); }
