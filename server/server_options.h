// Everything the server is configured with; main.cc fills it from flags,
// tests fill it directly.
#ifndef SKETCHD_SERVER_SERVER_OPTIONS_H_
#define SKETCHD_SERVER_SERVER_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sketchd {

class TrainingBackend;  // training_backend.h

struct ServerOptions {
  // host:port; port 0 picks a free one (see SketchdServer::port()).
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "./sketchd-data";
  // The registry: "sqlite" (embedded, in data_dir, one process) or
  // postgresql://USER@HOST:PORT/DB (shared by replicas; store_factory.h).
  std::string store = "sqlite";
  // Replicas (PostgreSQL store only): this server's owner id for the jobs
  // it claims ("" = <hostname>-<pid>; give a stable name so a restarted
  // replica interrupts its own previous jobs at once instead of waiting for
  // their leases to expire), and the lease a replica must renew to keep a job.
  std::string replica_id;
  // PostgreSQL store: a directory every replica mounts at this path for
  // training-matrix bytes ("" = bytes in the database; see postgres_store.h).
  std::string blob_dir;
  double job_lease_seconds = 10;
  // Which completed training job's sketch becomes a task's default:
  // "best_validation" or "first_trained" (server/default_sketch_policy.h).
  std::string default_sketch_policy = "best_validation";

  // Jobs.
  int train_workers = 1;       // training jobs running at once
  int max_queued_jobs = 16;    // QUEUED jobs beyond the running ones
  int training_threads = 0;    // threads per job when the job says 0; 0 = all cores
  // What trains the jobs (training_backend.h); null = core in this process.
  std::shared_ptr<TrainingBackend> training_backend;

  // Limits (RESOURCE_EXHAUSTED beyond them).
  int64_t max_matrix_bytes = int64_t{1} << 30;  // one matrix as float64: rows·cols·8
  int64_t max_rows = 10'000'000;                // rows of any matrix / dataset n
  int max_concurrent_streams = 64;              // Upload/LowRank/Solve streams at once
  int64_t max_message_bytes = 4 << 20;          // gRPC receive and send limit
  // HTTP/2 flow-control window per stream (fixed, BDP probing off); 0 keeps
  // gRPC's adaptive default. See sketchd_server.cc.
  int64_t stream_window_bytes = 8 << 20;
  int64_t max_sketch_rows = 1'000'000;          // m of a random selector (also ≤ n)

  // Memory admission (see memory_budget.h). Defaults fit a 2-core, 24 GiB
  // machine: one request or job may use a sixth / a third of it, and
  // everything in flight together two thirds, leaving room for SQLite's
  // cache, gRPC's buffers and the receive-buffer pool.
  int64_t max_request_bytes = int64_t{4} << 30;     // one LowRank/Solve call, one uploaded matrix
  int64_t max_job_bytes = int64_t{8} << 30;         // one training job
  int64_t memory_budget_bytes = int64_t{16} << 30;  // all calls and jobs at once (≤ 0: none)

  // Security. TLS when tls_cert and tls_key are set; mutual TLS when
  // tls_client_ca is set as well (clients must present a cert it signed).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  // Bearer tokens: from a file (one per line) and/or given directly.
  std::string auth_token_file;
  std::vector<std::string> auth_tokens;

  bool log_requests = true;  // one stderr line per RPC
  // host:port of the Prometheus /metrics endpoint (server/metrics.h); empty
  // = off. Port 0 picks a free one (SketchdServer::metrics_port()).
  std::string metrics_listen;
  // OpenBLAS threads per call (0 = leave OpenBLAS's default). Concurrent
  // requests already use the cores; a multi-threaded BLAS inside each of
  // them oversubscribes the machine (measured: LowRank p50 at 8 clients went
  // from 25 ms to 4 s), so the server defaults to 1.
  int blas_threads = 1;
  // Freed receive buffers kept for the next stream (see buffer_pool.h):
  // fresh large allocations cost more in page faults than the transfer.
  int64_t buffer_pool_bytes = int64_t{256} << 20;

  // Tests only: called with the RPC name at the start of every handler, and
  // with "TrainingJob" at the start of every job, inside the exception
  // boundary; a test makes it throw to check that the boundary holds.
  std::function<void(std::string_view where)> fault_hook_for_testing;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_SERVER_OPTIONS_H_
