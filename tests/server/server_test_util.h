// Helpers for the in-process service tests: a server on an ephemeral
// loopback port with its own data directory, packing matrices into row
// blocks, and one-call wrappers for the streaming RPCs.
#ifndef SKETCHD_TESTS_SERVER_SERVER_TEST_UTIL_H_
#define SKETCHD_TESTS_SERVER_SERVER_TEST_UTIL_H_

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "core/matrix_types.h"
#include "core/sketch/philox.h"
#include "server/sketchd_server.h"
#include "sketchd/v1/sketchd.grpc.pb.h"

namespace sketchd::testing {

namespace v1 = ::sketchd::v1;

inline std::string TempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("sketchd-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Deterministic test matrix: low-rank plus small noise, from Philox.
inline RowMatrixXd TestMatrix(int64_t n, int64_t d, int64_t rank, uint64_t seed) {
  auto uniform = [&](uint64_t stream, uint64_t i) {
    return WordToOpenUnit(PhiloxWords(seed, stream, i)[0]) - 0.5;
  };
  MatrixXd u(n, rank), v(d, rank);
  for (int64_t i = 0; i < n * rank; ++i) u.data()[i] = uniform(1, i);
  for (int64_t i = 0; i < d * rank; ++i) v.data()[i] = uniform(2, i);
  RowMatrixXd a = u * v.transpose();
  for (int64_t i = 0; i < n * d; ++i) a.data()[i] += 1e-2 * uniform(3, i);
  return a;
}

inline std::string Pack(const RowMatrixXd& a, int64_t r0, int64_t rows, v1::DType dtype) {
  std::string out;
  if (dtype == v1::DTYPE_FLOAT32) {
    out.resize(rows * a.cols() * 4);
    for (int64_t i = 0; i < rows * a.cols(); ++i) {
      float f = static_cast<float>(a.data()[r0 * a.cols() + i]);
      std::memcpy(out.data() + 4 * i, &f, 4);
    }
  } else {
    out.resize(rows * a.cols() * 8);
    std::memcpy(out.data(), a.data() + r0 * a.cols(), out.size());
  }
  return out;
}

inline MatrixXd Unpack(const std::string& bytes, int64_t rows, int64_t cols) {
  RowMatrixXd m(rows, cols);
  std::memcpy(m.data(), bytes.data(), bytes.size());
  return m;
}

// GetSketch is a server stream: reads every piece and joins them (positions,
// values and serialized concatenated, the first message's header fields).
inline grpc::Status ExportSketch(v1::SketchService::StubInterface* stub, grpc::ClientContext* ctx,
                                 const v1::GetSketchRequest& req, v1::GetSketchResponse* out,
                                 int* messages = nullptr) {
  out->Clear();
  auto reader = stub->GetSketch(ctx, req);
  v1::GetSketchResponse piece;
  std::string serialized;
  int count = 0;
  while (reader->Read(&piece)) {
    if (count++ == 0) {
      *out->mutable_info() = piece.info();
      out->set_m(piece.m());
      out->set_n(piece.n());
      *out->mutable_block_rows() = piece.block_rows();
    }
    out->mutable_positions()->Add(piece.positions().begin(), piece.positions().end());
    out->mutable_values()->Add(piece.values().begin(), piece.values().end());
    serialized += piece.serialized();
  }
  out->set_serialized(serialized);
  if (messages != nullptr) *messages = count;
  return reader->Finish();
}

struct LowRankResult {
  grpc::Status status;
  v1::LowRankSummary summary;
  MatrixXd y, z;
};

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(DefaultOptions()); }
  void TearDown() override {
    if (server_) server_->Shutdown(1);
    server_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  ServerOptions DefaultOptions() {
    if (data_dir_.empty()) data_dir_ = TempDir("svc");
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.data_dir = data_dir_;
    o.train_workers = 2;
    o.training_threads = 1;
    o.log_requests = false;
    o.max_matrix_bytes = 64 << 20;
    o.max_rows = 100000;
    return o;
  }

  void StartServer(const ServerOptions& o) {
    auto s = SketchdServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::SketchService::NewStub(channel_);
  }

  grpc::Status CreateDataset(const std::string& name, int64_t n, int64_t d = 0) {
    grpc::ClientContext ctx;
    v1::CreateDatasetRequest req;
    req.set_name(name);
    req.set_n(n);
    req.set_d(d);
    v1::Dataset resp;
    return stub_->CreateDataset(&ctx, req, &resp);
  }

  grpc::Status Upload(const std::string& dataset, const std::vector<RowMatrixXd>& mats,
                      v1::DType dtype = v1::DTYPE_FLOAT64, int64_t block = 16,
                      v1::UploadTrainingMatricesResponse* out = nullptr) {
    grpc::ClientContext ctx;
    v1::UploadTrainingMatricesResponse resp;
    auto w = stub_->UploadTrainingMatrices(&ctx, &resp);
    for (const RowMatrixXd& a : mats) {
      v1::UploadTrainingMatricesRequest h;
      h.mutable_header()->set_dataset(dataset);
      h.mutable_header()->set_rows(a.rows());
      h.mutable_header()->set_cols(a.cols());
      h.mutable_header()->set_dtype(dtype);
      w->Write(h);
      for (int64_t r = 0; r < a.rows(); r += block) {
        const int64_t rows = std::min(block, a.rows() - r);
        v1::UploadTrainingMatricesRequest c;
        c.mutable_rows()->set_rows(rows);
        c.mutable_rows()->set_data(Pack(a, r, rows, dtype));
        w->Write(c);
      }
    }
    w->WritesDone();
    grpc::Status s = w->Finish();
    if (out) *out = resp;
    return s;
  }

  LowRankResult LowRankCall(const std::string& dataset, const v1::SketchSelector& sel,
                            const RowMatrixXd& a, int64_t k, v1::DType dtype = v1::DTYPE_FLOAT64,
                            int64_t block = 16, int32_t power_iters = 0) {
    return LowRankOn(stub_.get(), dataset, sel, a, k, dtype, block, power_iters);
  }

  static LowRankResult LowRankOn(v1::SketchService::Stub* stub, const std::string& dataset,
                                 const v1::SketchSelector& sel, const RowMatrixXd& a, int64_t k,
                                 v1::DType dtype = v1::DTYPE_FLOAT64, int64_t block = 16,
                                 int32_t power_iters = 0,
                                 const v1::OnePassOptions* one_pass = nullptr,
                                 bool block_krylov = false) {
    LowRankResult out;
    grpc::ClientContext ctx;
    auto s = stub->LowRank(&ctx);
    v1::LowRankRequest h;
    auto* hh = h.mutable_header();
    hh->set_dataset(dataset);
    *hh->mutable_sketch() = sel;
    hh->set_k(k);
    hh->set_n(a.rows());
    hh->set_d(a.cols());
    hh->set_dtype(dtype);
    hh->set_power_iters(power_iters);
    hh->set_block_krylov(block_krylov);
    if (one_pass != nullptr) *hh->mutable_one_pass() = *one_pass;
    s->Write(h);
    for (int64_t r = 0; r < a.rows(); r += block) {
      const int64_t rows = std::min(block, a.rows() - r);
      v1::LowRankRequest c;
      c.mutable_rows()->set_rows(rows);
      c.mutable_rows()->set_data(Pack(a, r, rows, dtype));
      if (!s->Write(c)) break;
    }
    s->WritesDone();
    v1::LowRankResponse resp;
    out.y = MatrixXd::Zero(a.rows(), k);
    out.z = MatrixXd::Zero(a.cols(), k);
    while (s->Read(&resp)) {
      if (resp.has_summary()) {
        out.summary = resp.summary();
      } else {
        const auto& c = resp.chunk();
        MatrixXd& f = c.factor() == v1::FACTOR_LEFT ? out.y : out.z;
        f.middleRows(c.first_row(), c.rows()) = Unpack(c.data(), c.rows(), k);
      }
    }
    out.status = s->Finish();
    return out;
  }

  static grpc::Status SolveOn(v1::SketchService::Stub* stub, v1::SolveHeader header,
                              const RowMatrixXd& ab, v1::SolveResponse* resp, int64_t block = 16) {
    grpc::ClientContext ctx;
    auto w = stub->Solve(&ctx, resp);
    header.set_n(ab.rows());
    header.set_d(ab.cols() - 1);
    header.set_dtype(v1::DTYPE_FLOAT64);
    v1::SolveRequest h;
    *h.mutable_header() = header;
    w->Write(h);
    for (int64_t r = 0; r < ab.rows(); r += block) {
      const int64_t rows = std::min(block, ab.rows() - r);
      v1::SolveRequest c;
      c.mutable_rows()->set_rows(rows);
      c.mutable_rows()->set_data(Pack(ab, r, rows, v1::DTYPE_FLOAT64));
      if (!w->Write(c)) break;
    }
    w->WritesDone();
    return w->Finish();
  }

  // Starts a job and waits (WatchJob) for its terminal state.
  v1::Job TrainAndWait(const std::string& dataset, const v1::TrainingOptions& options) {
    v1::Job job;
    {
      grpc::ClientContext ctx;
      v1::StartTrainingRequest req;
      req.set_dataset(dataset);
      *req.mutable_options() = options;
      grpc::Status s = stub_->StartTraining(&ctx, req, &job);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return job;
    }
    grpc::ClientContext ctx;
    v1::WatchJobRequest w;
    w.set_job_id(job.job_id());
    auto reader = stub_->WatchJob(&ctx, w);
    v1::Job update;
    while (reader->Read(&update)) job = update;
    EXPECT_TRUE(reader->Finish().ok());
    return job;
  }

  // grpc.health.v1.Health/Check with an empty service name, through the
  // generic stub (no generated health stubs needed): SERVING is `08 01`.
  static bool HealthServing(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::GenericStub stub(channel);
    grpc::Slice empty("");
    grpc::ByteBuffer req(&empty, 1), resp;
    grpc::ClientContext ctx;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &req, &resp,
                   [&](grpc::Status s) { done.set_value(s); });
    grpc::Status s = done.get_future().get();
    if (!s.ok()) return false;
    std::vector<grpc::Slice> slices;
    if (!resp.Dump(&slices).ok()) return false;
    std::string bytes;
    for (auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    return bytes == std::string("\x08\x01", 2);
  }

  static v1::SketchSelector Random(int64_t m, uint64_t seed) {
    v1::SketchSelector s;
    s.mutable_random()->set_m(m);
    s.mutable_random()->set_seed(seed);
    return s;
  }
  static v1::SketchSelector Version(int64_t v) {
    v1::SketchSelector s;
    s.set_version(v);
    return s;
  }

  std::string data_dir_;
  std::unique_ptr<SketchdServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SketchService::Stub> stub_;
};

}  // namespace sketchd::testing

#endif  // SKETCHD_TESTS_SERVER_SERVER_TEST_UTIL_H_
