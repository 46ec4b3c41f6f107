// Prometheus metrics of one sketchd process, served over HTTP at
// http://<--metrics_listen>/metrics (off unless the flag is given):
//
//   sketchd_rpc_total{method,code}                 calls finished, by final status
//   sketchd_rpc_duration_seconds{method,code}      their latency (histogram)
//   sketchd_payload_bytes_total{method}            matrix bytes the RPC carried: ingested
//                                                  by UploadTrainingMatrices, LowRank
//                                                  and Solve; sent by GetSketch
//   sketchd_store_duration_seconds{op}             every store call (histogram;
//                                                  op="ClaimJob" is job claim latency)
//   sketchd_training_seconds{outcome}              training jobs this process ran
//   sketchd_jobs{state}                            jobs in the store by state, read
//                                                  at scrape time (all replicas')
//   sketchd_job_queue_depth                        QUEUED jobs, the same scan
//
// RPCs are counted in one place, RpcLog (server/rpc_log.h), which every
// handler already goes through; store calls through MeteredStore.
#ifndef SKETCHD_SERVER_METRICS_H_
#define SKETCHD_SERVER_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/job_state.h"

namespace sketchd {

class Store;

class ServiceMetrics {
 public:
  // Listens on `listen` (host:port; port 0 = any free one) and serves
  // /metrics from civetweb's own threads. `store` is scanned on each scrape
  // for the job gauges and must outlive StopServing().
  static absl::StatusOr<std::unique_ptr<ServiceMetrics>> Serve(const std::string& listen,
                                                               Store* store);
  ~ServiceMetrics();

  int port() const { return port_; }
  // Stops the HTTP listener (no scrape reads the store after this returns).
  // Recording stays valid. Idempotent.
  void StopServing();

  // `payload_bytes`: what RpcLog counted (see sketchd_payload_bytes_total).
  void RecordRpc(absl::string_view method, absl::StatusCode code, double seconds,
                 int64_t payload_bytes);
  void RecordStoreCall(absl::string_view op, double seconds);
  void RecordTrainingJob(JobState outcome, double seconds);

 private:
  ServiceMetrics();

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> jobs_collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* rpc_total_;
  prometheus::Family<prometheus::Histogram>* rpc_seconds_;
  prometheus::Family<prometheus::Counter>* payload_bytes_;
  prometheus::Family<prometheus::Histogram>* store_seconds_;
  prometheus::Family<prometheus::Histogram>* training_seconds_;
  int port_ = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_METRICS_H_
