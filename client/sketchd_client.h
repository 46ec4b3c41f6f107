// SketchdClient: a small C++ API over the generated sketchd.v1 stubs, used by
// sketchctl and by tests.
//
// What it adds over the raw stubs:
//  * one place for connection setup (plain or TLS, optional client
//    certificate for mutual TLS) and the bearer token (sent as
//    `authorization: Bearer …` metadata on every call);
//  * a deadline on every call (unary: `timeout`; streams: `stream_timeout`);
//  * retries with exponential backoff, only for UNAVAILABLE and only on
//    idempotent calls (Get*/List*/health/WatchJob, and StartTraining, which
//    carries a request id) — a retried Create or Upload could act twice;
//  * the chunked streaming of matrices (row blocks ≤ ~1 MiB, so every message
//    stays far below gRPC's 4 MiB default) from Eigen matrices or straight
//    from files (an .npy is read block by block, never loaded whole);
//  * errors as absl::Status with the server's code and message.
#ifndef SKETCHD_CLIENT_SKETCHD_CLIENT_H_
#define SKETCHD_CLIENT_SKETCHD_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/support/channel_arguments.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/matrix_inputs.h"
#include "core/matrix_types.h"
#include "sketchd/v1/sketchd.grpc.pb.h"

namespace sketchd {

struct ClientOptions {
  std::string address = "127.0.0.1:50051";
  std::string token;            // empty: no authorization metadata
  // TLS is used when any of these is set. Files hold PEM.
  std::string tls_ca_file;      // roots to verify the server (empty: system roots)
  std::string tls_cert_file;    // client certificate (mutual TLS)
  std::string tls_key_file;     // its private key
  std::string tls_server_name;  // name to verify instead of the address's host
  bool use_tls = false;         // TLS with system roots even if no file is given
  double timeout_seconds = 30;          // unary calls
  double stream_timeout_seconds = 600;  // upload / LowRank / Solve / one Watch stream
  int max_attempts = 5;                 // idempotent calls on UNAVAILABLE
  double initial_backoff_seconds = 0.1;
  double max_backoff_seconds = 2;
  int64_t chunk_bytes = 1 << 20;        // target size of one row block
  // HTTP/2 window per stream for the factors coming back (0 = gRPC's
  // adaptive default); see ApplyBulkStreamArguments.
  int64_t stream_window_bytes = 8 << 20;
};

// Channel arguments for streaming megabytes over one call: a fixed HTTP/2
// window of `window_bytes` with BDP probing off (gRPC's adaptive window
// stayed small on loopback: 200–300 MB/s instead of ~1 GB/s). The server
// sets the same on its side (ServerOptions::stream_window_bytes).
void ApplyBulkStreamArguments(int64_t window_bytes, grpc::ChannelArguments* args);

// Progress of a stream: bytes of matrix payload sent so far and the total.
using TransferCallback = std::function<void(int64_t sent_bytes, int64_t total_bytes)>;
// Every state a watched job goes through (coalesced by the server).
using JobCallback = std::function<void(const v1::Job& job)>;

struct LowRankResult {
  v1::LowRankSummary summary;
  MatrixXd left;   // Y, n×k
  MatrixXd right;  // Z, d×k
};

// How the server computes one LowRank answer (the header fields besides the
// matrix and the sketch).
struct LowRankCallOptions {
  // q: subspace iterations on the server (2 + 2q passes over A).
  int32_t power_iters = 0;
  // With q ≥ 1: answer from all iterates' blocks (block Krylov), same passes,
  // wider basis, smaller error. The server refuses it with one_pass.
  bool block_krylov = false;
  // Set: the server answers with a two-sided sketch and never holds A.
  std::optional<v1::OnePassOptions> one_pass;
};

struct SolveRequestOptions {
  v1::Solver solver = v1::SOLVER_LSQR;
  std::optional<double> lasso_lambda;
  double tolerance = 0;
  int max_iterations = 0;
  bool record_objective = false;
};

class SketchdClient {
 public:
  // Builds the channel (no network traffic yet; the first call connects).
  // Fails only on unreadable TLS files.
  static absl::StatusOr<std::unique_ptr<SketchdClient>> Connect(const ClientOptions& options);

  const ClientOptions& options() const { return options_; }

  // grpc.health.v1: "SERVING", "NOT_SERVING", "UNKNOWN", "SERVICE_UNKNOWN".
  absl::StatusOr<std::string> Health(const std::string& service = "");

  absl::StatusOr<v1::Dataset> CreateDataset(const std::string& name, int64_t n, int64_t d,
                                            const std::string& description);
  absl::StatusOr<v1::Dataset> GetDataset(const std::string& name);
  absl::StatusOr<std::vector<v1::Dataset>> ListDatasets();
  absl::Status DeleteDataset(const std::string& name, bool force);

  // One header + row blocks per matrix of `source`, in one stream (committed
  // by the server atomically at the end).
  absl::StatusOr<v1::UploadTrainingMatricesResponse> UploadMatrices(
      const std::string& dataset, RowBlockSource& source, const TransferCallback& progress = {});
  absl::StatusOr<v1::UploadTrainingMatricesResponse> UploadMatrices(
      const std::string& dataset, const std::vector<RowMatrixXd>& matrices);
  absl::StatusOr<v1::UploadTrainingMatricesResponse> UploadFiles(
      const std::string& dataset, const std::vector<std::string>& paths,
      const TransferCallback& progress = {});

  // Idempotent through `request_id` (empty: a fresh random one per call), so
  // it is retried on UNAVAILABLE: a repeat with the same id returns the job
  // the first attempt created.
  absl::StatusOr<v1::Job> StartTraining(const std::string& dataset,
                                        const v1::TrainingOptions& options,
                                        const std::string& request_id = "");
  absl::StatusOr<v1::Job> GetJob(int64_t job_id);
  absl::StatusOr<std::vector<v1::Job>> ListJobs(const std::string& dataset);
  absl::StatusOr<v1::Job> CancelJob(int64_t job_id);
  absl::StatusOr<v1::Job> RestartJob(int64_t job_id);
  // Follows the job until it is terminal and returns that final state.
  // Reconnects (with backoff) when the stream breaks with UNAVAILABLE or a
  // per-stream deadline passes before the job ends.
  absl::StatusOr<v1::Job> WatchJob(int64_t job_id, const JobCallback& on_update = {});

  absl::StatusOr<std::vector<v1::SketchInfo>> ListSketches(const std::string& dataset,
                                                           v1::Task task = v1::TASK_UNSPECIFIED);
  absl::StatusOr<v1::GetSketchResponse> GetSketch(const std::string& dataset,
                                                  const v1::SketchSelector& selector,
                                                  v1::Task task, bool include_serialized);
  absl::StatusOr<v1::SketchInfo> SetDefaultSketch(const std::string& dataset, int64_t version);
  absl::Status DeleteSketch(const std::string& dataset, int64_t version);

  // Low-rank approximation of the NEXT matrix of `source` (so a stack of
  // matrices is answered by calling this matrix_count() times).
  // `call`: power iterations, block Krylov, one pass (LowRankCallOptions).
  absl::StatusOr<LowRankResult> LowRank(const std::string& dataset,
                                        const v1::SketchSelector& selector, int64_t k,
                                        RowBlockSource& source,
                                        const TransferCallback& progress = {},
                                        const LowRankCallOptions& call = {});
  absl::StatusOr<LowRankResult> LowRank(const std::string& dataset,
                                        const v1::SketchSelector& selector, int64_t k,
                                        const RowMatrixXd& a,
                                        const LowRankCallOptions& call = {});

  // min ‖Ax − b‖ (or the LASSO) for the next matrix of `a_source` and b.
  absl::StatusOr<v1::SolveResponse> Solve(const std::string& dataset,
                                          const v1::SketchSelector& selector,
                                          const SolveRequestOptions& options, RowBlockSource& a_source,
                                          const VectorXd& b, const TransferCallback& progress = {});
  absl::StatusOr<v1::SolveResponse> Solve(const std::string& dataset,
                                          const v1::SketchSelector& selector,
                                          const SolveRequestOptions& options, const RowMatrixXd& a,
                                          const VectorXd& b);

 private:
  SketchdClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel);

  std::unique_ptr<grpc::ClientContext> NewContext(double timeout_seconds) const;
  // Runs `attempt` until it succeeds or fails with anything but UNAVAILABLE
  // (at most max_attempts times, sleeping with exponential backoff between).
  absl::Status Retry(const std::function<grpc::Status()>& attempt) const;

  template <typename Request, typename Response>
  using UnaryMethod = grpc::Status (v1::SketchService::Stub::*)(grpc::ClientContext*,
                                                                const Request&, Response*);
  // One unary call with the default deadline, tried once: for calls that are
  // not idempotent (create, start, cancel, restart, delete).
  template <typename Request, typename Response>
  absl::Status CallOnce(UnaryMethod<Request, Response> method, const Request& request,
                        Response* response) const;
  // The same for idempotent reads, retried on UNAVAILABLE (see Retry).
  template <typename Request, typename Response>
  absl::Status CallWithRetry(UnaryMethod<Request, Response> method, const Request& request,
                             Response* response) const;

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SketchService::Stub> stub_;
};

// grpc::Status → absl::Status with the same code and the server's message
// (plus a hint when the server could not be reached at all).
absl::Status FromGrpcStatus(const grpc::Status& status, const std::string& address);

template <typename Request, typename Response>
absl::Status SketchdClient::CallOnce(UnaryMethod<Request, Response> method, const Request& request,
                                     Response* response) const {
  auto context = NewContext(options_.timeout_seconds);
  return FromGrpcStatus((stub_.get()->*method)(context.get(), request, response), options_.address);
}

template <typename Request, typename Response>
absl::Status SketchdClient::CallWithRetry(UnaryMethod<Request, Response> method,
                                          const Request& request, Response* response) const {
  return Retry([&] {
    auto context = NewContext(options_.timeout_seconds);
    return (stub_.get()->*method)(context.get(), request, response);
  });
}

// "lowrank"/"regression" ↔ v1::Task, "sketch_and_solve"/"lsqr"/"ihs" → v1::Solver.
absl::StatusOr<v1::Task> ParseWireTask(const std::string& name);
std::string WireTaskName(v1::Task task);
absl::StatusOr<v1::Solver> ParseWireSolver(const std::string& name);
std::string JobStateName(v1::JobState state);  // "queued", "running", ...
bool IsTerminal(v1::JobState state);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_SKETCHD_CLIENT_H_
