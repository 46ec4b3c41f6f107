// sketchd.v1.SketchService: thin adapters from the wire to core and the
// store. Handlers are split by resource:
//   dataset_handlers.cc  datasets + training-matrix upload
//   job_handlers.cc      training jobs
//   sketch_handlers.cc   sketch registry
//   compute_handlers.cc  LowRank and Solve (streaming maths)
// Every handler runs through Handle(): auth check, the exception boundary,
// one log line with the status the client really gets, absl → grpc status
// mapping.
#ifndef SKETCHD_SERVER_SKETCH_SERVICE_H_
#define SKETCHD_SERVER_SKETCH_SERVICE_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/exception_boundary.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/lowrank/two_sided_sketch.h"
#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"
#include "server/auth.h"
#include "server/buffer_pool.h"
#include "server/jobs.h"
#include "server/memory_budget.h"
#include "server/row_stream.h"
#include "server/rpc_log.h"
#include "server/server_options.h"
#include "server/sketch_cache.h"
#include "server/status_mapping.h"
#include "server/store.h"
#include "core/io/element_type.h"
#include "sketchd/v1/sketchd.grpc.pb.h"

namespace sketchd {

class SketchServiceImpl final : public v1::SketchService::Service {
 public:
  SketchServiceImpl(const ServerOptions& options, Store* store, Jobs* jobs,
                    SketchCache* cache, MemoryBudget* memory, TokenAuth auth,
                    ServiceMetrics* metrics = nullptr);  // null: no /metrics

  // Makes long-lived handlers (WatchJob) return promptly.
  void BeginShutdown() { stopping_.store(true); }

  grpc::Status CreateDataset(grpc::ServerContext* ctx, const v1::CreateDatasetRequest* req,
                             v1::Dataset* resp) override;
  grpc::Status GetDataset(grpc::ServerContext* ctx, const v1::GetDatasetRequest* req,
                          v1::Dataset* resp) override;
  grpc::Status ListDatasets(grpc::ServerContext* ctx, const v1::ListDatasetsRequest* req,
                            v1::ListDatasetsResponse* resp) override;
  grpc::Status DeleteDataset(grpc::ServerContext* ctx, const v1::DeleteDatasetRequest* req,
                             v1::DeleteDatasetResponse* resp) override;
  grpc::Status UploadTrainingMatrices(
      grpc::ServerContext* ctx, grpc::ServerReader<v1::UploadTrainingMatricesRequest>* reader,
      v1::UploadTrainingMatricesResponse* resp) override;

  grpc::Status StartTraining(grpc::ServerContext* ctx, const v1::StartTrainingRequest* req,
                             v1::Job* resp) override;
  grpc::Status GetJob(grpc::ServerContext* ctx, const v1::GetJobRequest* req,
                      v1::Job* resp) override;
  grpc::Status WatchJob(grpc::ServerContext* ctx, const v1::WatchJobRequest* req,
                        grpc::ServerWriter<v1::Job>* writer) override;
  grpc::Status CancelJob(grpc::ServerContext* ctx, const v1::CancelJobRequest* req,
                         v1::Job* resp) override;
  grpc::Status RestartJob(grpc::ServerContext* ctx, const v1::RestartJobRequest* req,
                          v1::Job* resp) override;
  grpc::Status ListJobs(grpc::ServerContext* ctx, const v1::ListJobsRequest* req,
                        v1::ListJobsResponse* resp) override;

  grpc::Status ListSketches(grpc::ServerContext* ctx, const v1::ListSketchesRequest* req,
                            v1::ListSketchesResponse* resp) override;
  grpc::Status GetSketch(grpc::ServerContext* ctx, const v1::GetSketchRequest* req,
                         grpc::ServerWriter<v1::GetSketchResponse>* writer) override;
  grpc::Status SetDefaultSketch(grpc::ServerContext* ctx, const v1::SetDefaultSketchRequest* req,
                                v1::SetDefaultSketchResponse* resp) override;
  grpc::Status DeleteSketch(grpc::ServerContext* ctx, const v1::DeleteSketchRequest* req,
                            v1::DeleteSketchResponse* resp) override;

  grpc::Status LowRank(grpc::ServerContext* ctx,
                       grpc::ServerReaderWriter<v1::LowRankResponse, v1::LowRankRequest>* stream)
      override;
  grpc::Status Solve(grpc::ServerContext* ctx, grpc::ServerReader<v1::SolveRequest>* reader,
                     v1::SolveResponse* resp) override;

 private:
  template <typename Body>
  grpc::Status Handle(grpc::ServerContext* ctx, const char* method, Body&& body) {
    RpcLog log(options_.log_requests, method, metrics_);
    absl::Status status = auth_.Check(*ctx);
    if (status.ok()) {
      status = CallAtBoundary(method, [&]() -> absl::Status {
        if (options_.fault_hook_for_testing) options_.fault_hook_for_testing(method);
        return body(log);
      });
    }
    log.set_status(status);
    return ToGrpcStatus(status);
  }

  // Admits a LowRank/Solve call (or an upload's matrix buffer) of `estimate` bytes against
  // --max_request_bytes and --memory_budget_bytes.
  absl::StatusOr<MemoryBudget::Reservation> ReserveRequest(const char* what, int64_t estimate) {
    return memory_->Reserve(what, estimate, options_.max_request_bytes, "max_request_bytes");
  }

  // Counts a streaming RPC against --max_concurrent_streams for its lifetime.
  class StreamSlot {
   public:
    explicit StreamSlot(SketchServiceImpl* s);
    ~StreamSlot();
    absl::Status status() const { return status_; }

   private:
    SketchServiceImpl* service_;
    absl::Status status_;
  };

  // A sketch resolved from a selector: stored (trained set) or random.
  struct ResolvedSketch {
    std::shared_ptr<const TrainedSketch> trained;  // stored version
    std::shared_ptr<const CountSketch> random;     // random selector
    int64_t version = 0;
    const CountSketch& sketch() const { return trained ? trained->sketch : *random; }
  };
  absl::StatusOr<ResolvedSketch> ResolveSketch(const std::string& dataset,
                                               const v1::SketchSelector& selector,
                                               SketchTask default_task, int64_t n);

  using LowRankStream = grpc::ServerReaderWriter<v1::LowRankResponse, v1::LowRankRequest>;
  // LowRank's rows arrive through it after LowRank read the header.
  using LowRankReader = RowStreamReader<v1::LowRankRequest, LowRankStream>;
  // S, R, T and W of a one-pass LowRank with its size checks
  // (one_pass_sketches.cc): R random, or the stored transposed-trained
  // sketch one_pass.right_sketch_version.
  absl::StatusOr<TwoSidedSketches> OnePassSketches(const v1::LowRankHeader& h,
                                                   const ResolvedSketch& sketch);
  // LowRank with header.one_pass: the two-sided sketch, rows decoded one
  // block at a time into the accumulator, A never held.
  absl::Status OnePassLowRank(grpc::ServerContext* ctx, LowRankStream* stream, LowRankReader& in,
                              const v1::LowRankHeader& h, ElementType dtype,
                              const ResolvedSketch& sketch,
                              std::chrono::steady_clock::time_point start);
  // LowRank with sketch.automatic (auto_low_rank.cc): A is held, every
  // candidate sketch is tried on it and the smallest exact error answers.
  absl::Status AutoLowRank(grpc::ServerContext* ctx, LowRankStream* stream, LowRankReader& in,
                           const v1::LowRankHeader& h, ElementType dtype, const DatasetRecord& ds,
                           std::chrono::steady_clock::time_point start);
  // The summary fields both LowRank paths share (shape, rank, singular
  // values, sketch, core timings).
  static void FillLowRankSummary(const v1::LowRankHeader& h, const ResolvedSketch& sketch,
                                 const LowRankFactors& f, v1::LowRankSummary* sum);
  // Streams Y then Z after the summary, in ≤ 1 MiB chunks.
  static absl::Status WriteFactorChunks(grpc::ServerContext* ctx, LowRankStream* stream,
                                        const LowRankFactors& f);

  // m of a random sketch selector: 1 ≤ m ≤ min(n, --max_sketch_rows).
  absl::Status CheckRandomSketchRows(int64_t m, int64_t n) const;
  absl::Status CheckShape(const char* what, int64_t rows, int64_t cols) const;

  ServerOptions options_;
  Store* store_;
  Jobs* jobs_;  // jobs.h: the handlers see jobs through this interface only
  SketchCache* cache_;
  MemoryBudget* memory_;
  TokenAuth auth_;
  ServiceMetrics* metrics_;
  std::atomic<int> streams_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> upload_counter_{0};
  // Receive buffers of LowRank/Solve/Upload streams, kept mapped between calls.
  BufferPool buffers_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_SKETCH_SERVICE_H_
