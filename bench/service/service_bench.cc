// service_bench: sketchd over loopback gRPC vs the same core call in process,
// in one run.
//   1. LowRank e2e (client packs nothing during timing: chunks are prepared
//      up front) vs core ScwLowRank on the same data and sketch, for
//      5760×1080 and 1080×1920, float32 and float64. Target: ≤ 1.5× core
//      at 16 MiB inputs.
//   2. Ingest MB/s of UploadTrainingMatrices (includes the SQLite commit,
//      fsync'd) and of LowRank streams (bytes / server receive time).
//      Target ≥ 1 GB/s on loopback.
//   3. LowRank latency p50/p99 on 288×384 with 1, 8, 32 concurrent clients.
// Usage: service_bench [--quick] [--sections=123] [--reps=N] [--chunk_kib=1024] [--window_kib=8192]
// [--blas_threads=1]
#include <grpcpp/create_channel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "client/sketchd_client.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/parallel/blas_threads.h"
#include "core/sketch/count_sketch.h"
#include "core/sketch/philox.h"
#include "server/sketchd_server.h"
#include "sketchd/v1/sketchd.grpc.pb.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

RowMatrixXd Matrix(int64_t n, int64_t d, uint64_t seed) {
  RowMatrixXd a(n, d);
  for (int64_t i = 0; i < n * d; ++i)
    a.data()[i] = WordToOpenUnit(PhiloxWords(seed, 1, i)[0]) - 0.5;
  return a;
}

// Row blocks of ≤ chunk_bytes, packed once.
int64_t chunk_bytes = 1 << 20;
std::vector<std::pair<int64_t, std::string>> Chunks(const RowMatrixXd& a, v1::DType dtype) {
  const int64_t es = dtype == v1::DTYPE_FLOAT32 ? 4 : 8;
  const int64_t rows_per = std::max<int64_t>(1, chunk_bytes / (a.cols() * es));
  std::vector<std::pair<int64_t, std::string>> out;
  for (int64_t r = 0; r < a.rows(); r += rows_per) {
    const int64_t rows = std::min(rows_per, a.rows() - r);
    std::string data(rows * a.cols() * es, '\0');
    if (es == 8) {
      std::memcpy(data.data(), a.row(r).data(), data.size());
    } else {
      for (int64_t i = 0; i < rows * a.cols(); ++i) {
        const float f = static_cast<float>(a.data()[r * a.cols() + i]);
        std::memcpy(data.data() + 4 * i, &f, 4);
      }
    }
    out.emplace_back(rows, std::move(data));
  }
  return out;
}

struct CallResult {
  bool ok = false;
  double seconds = 0;
  double receive_seconds = 0;
  double server_seconds = 0;  // first message → result ready, server side
  std::string error;
};

CallResult LowRankCall(v1::SketchService::Stub* stub, const std::string& dataset, int64_t n,
                       int64_t d, int64_t k, int64_t m, v1::DType dtype,
                       const std::vector<std::pair<int64_t, std::string>>& chunks) {
  CallResult out;
  const auto t0 = Clock::now();
  grpc::ClientContext ctx;
  auto s = stub->LowRank(&ctx);
  v1::LowRankRequest h;
  auto* hh = h.mutable_header();
  hh->set_dataset(dataset);
  hh->mutable_sketch()->mutable_random()->set_m(m);
  hh->mutable_sketch()->mutable_random()->set_seed(1);
  hh->set_k(k);
  hh->set_n(n);
  hh->set_d(d);
  hh->set_dtype(dtype);
  s->Write(h);
  v1::LowRankRequest c;
  for (const auto& [rows, data] : chunks) {
    c.mutable_rows()->set_rows(rows);
    c.mutable_rows()->set_data(data);
    if (!s->Write(c)) break;
  }
  s->WritesDone();
  v1::LowRankResponse resp;
  while (s->Read(&resp)) {
    if (resp.has_summary()) {
      out.receive_seconds = resp.summary().timings().receive_seconds();
      out.server_seconds = resp.summary().timings().total_seconds();
    }
  }
  grpc::Status st = s->Finish();
  out.seconds = Since(t0);
  out.ok = st.ok();
  out.error = st.error_message();
  return out;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  return v[i];
}

int Main(int argc, char** argv) {
  bool quick = false;
  int reps = 0;
  int blas_threads = 1;       // server's (process-wide, so core's too); 0 = OpenBLAS default
  int64_t window_kib = 8192;  // HTTP/2 stream window, both sides; 0 = gRPC's BDP default
  std::string sections = "123";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg.rfind("--sections=", 0) == 0) {
      sections = arg.substr(11);
    } else if (arg.rfind("--reps=", 0) == 0) {
      reps = std::atoi(arg.c_str() + 7);
    } else if (arg.rfind("--blas_threads=", 0) == 0) {
      blas_threads = std::atoi(arg.c_str() + 15);
    } else if (arg.rfind("--window_kib=", 0) == 0) {
      window_kib = std::atoi(arg.c_str() + 13);
    } else if (arg.rfind("--chunk_kib=", 0) == 0) {
      chunk_bytes = int64_t{std::atoi(arg.c_str() + 12)} << 10;
    } else {
      std::fprintf(stderr,
                   "usage: service_bench [--quick] [--sections=123] [--reps=N] [--chunk_kib=1024] "
                   "[--window_kib=8192] [--blas_threads=1]\n");
      return 2;
    }
  }
  if (reps < 1) reps = quick ? 2 : 5;
  auto section = [&](char c) { return sections.find(c) != std::string::npos; };
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("sketchd-bench-" + std::to_string(getpid())))
          .string();
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = dir;
  o.log_requests = false;
  o.max_matrix_bytes = int64_t{4} << 30;
  o.stream_window_bytes = window_kib << 10;
  o.blas_threads = blas_threads;
  auto server = SketchdServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "start: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(4 << 20);
  ApplyBulkStreamArguments(window_kib << 10, &args);  // what SketchdClient uses
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string((*server)->port()),
                                           grpc::InsecureChannelCredentials(), args);
  auto stub = v1::SketchService::NewStub(channel);
  auto create = [&](const std::string& name, int64_t n) {
    grpc::ClientContext ctx;
    v1::CreateDatasetRequest req;
    req.set_name(name);
    req.set_n(n);
    v1::Dataset ds;
    stub->CreateDataset(&ctx, req, &ds);
  };

  std::printf(
      "sketchd service_bench (%s, loopback, %d reps, median, %lld KiB row blocks, "
      "%lld KiB stream window, blas_threads %d)\n\n",
      quick ? "quick" : "full", reps, static_cast<long long>(chunk_bytes >> 10),
      static_cast<long long>(window_kib), blas_threads);
  if (section('1')) {
    std::printf(
        "1) LowRank end-to-end over gRPC vs core ScwLowRank in process (k=20, m=60, random "
        "CountSketch)\n");
    std::printf("%-12s %-8s %8s %9s %9s %7s %12s %8s %8s\n", "shape", "dtype", "MiB", "core_ms",
                "grpc_ms", "ratio", "ingest_MB/s", "recv_ms", "tail_ms");
    struct Shape {
      int64_t n, d;
    };
    for (Shape sh : {Shape{5760, 1080}, Shape{1080, 1920}}) {
      const std::string name = "lr" + std::to_string(sh.n) + "x" + std::to_string(sh.d);
      create(name, sh.n);
      const RowMatrixXd a = Matrix(sh.n, sh.d, 7);
      auto sketch = CountSketch::Random(60, sh.n, 1);
      for (v1::DType dtype : {v1::DTYPE_FLOAT32, v1::DTYPE_FLOAT64}) {
        const RowMatrixXd input =
            dtype == v1::DTYPE_FLOAT32 ? RowMatrixXd(a.cast<float>().cast<double>()) : a;
        const auto chunks = Chunks(a, dtype);
        std::vector<double> core_t, grpc_t, ingest, recv_t, tail_t;
        double bytes = 0;
        for (const auto& c : chunks) bytes += c.second.size();
        for (int r = 0; r < reps; ++r) {
          auto t0 = Clock::now();
          auto f = ScwLowRank(*sketch, input, 20);
          core_t.push_back(Since(t0));
          if (!f.ok()) return 1;
          CallResult cr = LowRankCall(stub.get(), name, sh.n, sh.d, 20, 60, dtype, chunks);
          if (!cr.ok) {
            std::fprintf(stderr, "LowRank failed: %s\n", cr.error.c_str());
            return 1;
          }
          grpc_t.push_back(cr.seconds);
          ingest.push_back(bytes / cr.receive_seconds / 1e6);
          recv_t.push_back(cr.receive_seconds);
          tail_t.push_back(cr.seconds - cr.receive_seconds);  // after the last row: maths + reply
        }
        std::printf("%-12s %-8s %8.1f %9.1f %9.1f %7.2f %12.0f %8.1f %8.1f\n",
                    (std::to_string(sh.n) + "x" + std::to_string(sh.d)).c_str(),
                    dtype == v1::DTYPE_FLOAT32 ? "float32" : "float64", bytes / (1 << 20),
                    1e3 * Median(core_t), 1e3 * Median(grpc_t), Median(grpc_t) / Median(core_t),
                    Median(ingest), 1e3 * Median(recv_t), 1e3 * Median(tail_t));
      }
    }
  }

  if (section('2')) {
    std::printf(
        "\n2) UploadTrainingMatrices ingest (validated, staged and committed to SQLite, "
        "fsync'd)\n");
    {
      create("up", 1080);
      const RowMatrixXd a = Matrix(1080, 1920, 9);
      const auto chunks = Chunks(a, v1::DTYPE_FLOAT64);
      const int matrices = quick ? 2 : 6;
      std::vector<double> rates;
      for (int r = 0; r < (quick ? 1 : 3); ++r) {
        const auto t0 = Clock::now();
        grpc::ClientContext ctx;
        v1::UploadTrainingMatricesResponse resp;
        auto w = stub->UploadTrainingMatrices(&ctx, &resp);
        v1::UploadTrainingMatricesRequest msg;
        for (int i = 0; i < matrices; ++i) {
          msg.mutable_header()->set_dataset("up");
          msg.mutable_header()->set_rows(1080);
          msg.mutable_header()->set_cols(1920);
          msg.mutable_header()->set_dtype(v1::DTYPE_FLOAT64);
          w->Write(msg);
          for (const auto& [rows, data] : chunks) {
            msg.mutable_rows()->set_rows(rows);
            msg.mutable_rows()->set_data(data);
            w->Write(msg);
          }
        }
        w->WritesDone();
        grpc::Status s = w->Finish();
        if (!s.ok()) {
          std::fprintf(stderr, "upload: %s\n", s.error_message().c_str());
          return 1;
        }
        rates.push_back(resp.bytes_received() / Since(t0) / 1e6);
      }
      std::printf("%d × 1080x1920 float64 (%.0f MB per stream): %.0f MB/s (median of %zu)\n",
                  matrices, matrices * 1080.0 * 1920 * 8 / 1e6, Median(rates), rates.size());
    }
  }
  if (section('3')) {
    std::printf("\n3) LowRank latency, 288x384 float64, k=10, m=40\n");
    std::printf("%8s %8s %10s %10s %10s\n", "clients", "calls", "p50_ms", "p99_ms", "calls/s");
    {
      create("lat", 288);
      const RowMatrixXd a = Matrix(288, 384, 3);
      const auto chunks = Chunks(a, v1::DTYPE_FLOAT64);
      for (int clients : {1, 8, 32}) {
        const int per = quick ? std::max(4, 64 / clients) : std::max(10, 400 / clients);
        std::vector<std::vector<double>> lat(clients);
        std::vector<std::thread> threads;
        const auto t0 = Clock::now();
        for (int c = 0; c < clients; ++c) {
          threads.emplace_back([&, c] {
            auto my_stub = v1::SketchService::NewStub(channel);
            for (int i = 0; i < per; ++i) {
              CallResult r =
                  LowRankCall(my_stub.get(), "lat", 288, 384, 10, 40, v1::DTYPE_FLOAT64, chunks);
              if (r.ok) lat[c].push_back(r.seconds);
            }
          });
        }
        for (auto& t : threads) t.join();
        const double wall = Since(t0);
        std::vector<double> all;
        for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
        if (all.size() != static_cast<size_t>(clients * per))
          std::printf("  (%zu calls failed)\n", clients * per - all.size());
        std::printf("%8d %8zu %10.2f %10.2f %10.0f\n", clients, all.size(),
                    1e3 * Percentile(all, 0.5), 1e3 * Percentile(all, 0.99), all.size() / wall);
      }
    }
  }
  (*server)->Shutdown(1);
  server->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace sketchd

int main(int argc, char** argv) {
  sketchd::BoundBlasWorkerSpinning();  // as sketchd's binaries do
  return sketchd::Main(argc, argv);
}
