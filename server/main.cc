// sketchd: the sketch service daemon.
//   sketchd --listen=127.0.0.1:50051 --data_dir=./sketchd-data
// SIGTERM/SIGINT: graceful shutdown (running jobs recorded as INTERRUPTED).
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "core/parallel/blas_threads.h"
#include "server/mpi_training_backend.h"
#include "server/sketchd_server.h"

namespace {

// sketchmpi next to this binary (installed), else in the build tree's mpi/.
std::string DefaultSketchmpi() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "sketchmpi";
  const std::filesystem::path beside = self.parent_path() / "sketchmpi";
  if (std::filesystem::exists(beside, ec)) return beside.string();
  const std::filesystem::path build = self.parent_path().parent_path() / "mpi" / "sketchmpi";
  if (std::filesystem::exists(build, ec)) return build.string();
  return beside.string();
}

}  // namespace

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "host:port to listen on (port 0 = any free port)");
ABSL_FLAG(std::string, data_dir, "./sketchd-data", "directory of the SQLite store (created if missing)");
ABSL_FLAG(std::string, store, "sqlite",
          "registry: 'sqlite' (embedded, in --data_dir) or postgresql://USER@HOST:PORT/DB "
          "(one database shared by several sketchd replicas)");
ABSL_FLAG(std::string, replica_id, "",
          "with a PostgreSQL store: this replica's name as owner of the jobs it runs "
          "(default <hostname>-<pid>; a stable name lets a restarted replica interrupt its "
          "own unfinished jobs at once)");
ABSL_FLAG(std::string, blob_dir, "",
          "with a PostgreSQL store: directory shared by all replicas (same path) for "
          "training-matrix bytes; empty = bytes in the database (slower ingest, no shared "
          "filesystem needed)");
ABSL_FLAG(double, job_lease_seconds, 10,
          "with a PostgreSQL store: a job whose replica stops renewing it for this long is "
          "taken over by another replica");
ABSL_FLAG(int, train_workers, 1, "training jobs run at the same time");
ABSL_FLAG(std::string, train_backend, "inprocess",
          "what trains jobs: 'inprocess' (core in this process) or 'mpi' (mpirun -np "
          "--mpi_ranks sketchmpi train, in a subprocess)");
ABSL_FLAG(int, mpi_ranks, 2, "--train_backend mpi: ranks per training job (mpirun -np)");
ABSL_FLAG(std::string, mpirun, "mpirun", "--train_backend mpi: the mpirun binary (path or name in PATH)");
ABSL_FLAG(std::string, mpirun_args, "",
          "--train_backend mpi: extra mpirun arguments, space-separated; '...' and \"...\" "
          "quote (e.g. \"--oversubscribe --hostfile 'my hosts'\")");
ABSL_FLAG(std::string, sketchmpi, "",
          "--train_backend mpi: the sketchmpi binary (default: next to sketchd, or "
          "../mpi/sketchmpi in a build tree)");
ABSL_FLAG(std::string, mpi_work_dir, "",
          "--train_backend mpi: where each job's matrices are written for the ranks (a directory "
          "every MPI host sees at the same path; default <data_dir>/mpi-jobs)");
ABSL_FLAG(int, max_queued_jobs, 16, "QUEUED jobs allowed beyond the running ones");
ABSL_FLAG(int, training_threads, 0, "threads per training job when the job leaves it 0 (0 = all cores)");
ABSL_FLAG(int64_t, max_matrix_bytes, int64_t{1} << 30, "largest matrix accepted, as float64 bytes (rows*cols*8)");
ABSL_FLAG(int64_t, max_rows, 10000000, "largest row count of any matrix / dataset n");
ABSL_FLAG(int, max_concurrent_streams, 64, "Upload/LowRank/Solve streams served at once");
ABSL_FLAG(int64_t, max_message_bytes, 4 << 20, "gRPC message size limit, both directions");
ABSL_FLAG(int64_t, stream_window_bytes, 8 << 20, "HTTP/2 flow-control window per stream (0 = gRPC's adaptive BDP default)");
ABSL_FLAG(std::string, default_sketch_policy, "best_validation",
          "which trained sketch becomes a task's default: best_validation (a later job whose "
          "held-out figures are better at the same k and m replaces an automatic default; "
          "SetDefaultSketch is never overridden) or first_trained");
ABSL_FLAG(int64_t, max_sketch_rows, 1000000, "largest m of a random sketch selector (m must also be <= n)");
ABSL_FLAG(int64_t, max_request_bytes, int64_t{4} << 30, "estimated peak memory one LowRank/Solve call (or one matrix of an upload) may use");
ABSL_FLAG(int64_t, max_job_bytes, int64_t{8} << 30, "estimated peak memory one training job may use");
ABSL_FLAG(int64_t, memory_budget_bytes, int64_t{16} << 30, "estimated memory of all calls and jobs in flight together (0 = no total limit)");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate chain (enables TLS with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM server private key");
ABSL_FLAG(std::string, tls_client_ca, "", "PEM CA for client certificates (enables mutual TLS)");
ABSL_FLAG(std::string, auth_token_file, "", "bearer tokens, one per line; calls need 'authorization: Bearer <t>'");
ABSL_FLAG(int, blas_threads, 1, "OpenBLAS threads per call (0 = OpenBLAS default); >1 oversubscribes under concurrent requests");
ABSL_FLAG(int64_t, buffer_pool_mb, 256, "MiB of freed receive buffers kept mapped for later streams (0 = none)");
ABSL_FLAG(bool, log_requests, true, "log one line per RPC to stderr");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port serving Prometheus /metrics over HTTP (off when empty), e.g. 0.0.0.0:9090");
ABSL_FLAG(int, port_file_fd, -1, "internal/testing: write the bound port and a newline to this fd");

#ifndef SKETCHD_VERSION
#error "SKETCHD_VERSION must be defined by the build (server/CMakeLists.txt)"
#endif

int main(int argc, char** argv) {
  // Before any thread exists (core/parallel/blas_threads.h).
  sketchd::BoundBlasWorkerSpinning();
  // Training data and sketches are private to the service account: every
  // file and directory sketchd creates gets no group/other permissions.
  umask(077);
  // Abseil's default --help filter looks for flags in a file named after the
  // binary ("sketchd.cc") and finds none ("No flags matched."); ours are all
  // here. Its default --version text describes the build mode, not a version.
  absl::FlagsUsageConfig usage;
  const auto ours = [](absl::string_view file) { return absl::EndsWith(file, "server/main.cc"); };
  usage.contains_help_flags = ours;
  usage.contains_helpshort_flags = ours;
  usage.contains_helppackage_flags = ours;
  usage.normalize_filename = [](absl::string_view file) {
    const size_t at = file.rfind("server/main.cc");
    return std::string(at == absl::string_view::npos ? file : file.substr(at));
  };
  usage.version_string = [] { return std::string("sketchd ") + SKETCHD_VERSION + "\n"; };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "learned-sketch gRPC service.\n"
      "  sketchd --listen=127.0.0.1:50051 --data_dir=./sketchd-data [flags]\n"
      "SIGTERM/SIGINT stop it gracefully (running jobs are recorded as INTERRUPTED).");
  absl::ParseCommandLine(argc, argv);

  sketchd::ServerOptions o;
  o.listen = absl::GetFlag(FLAGS_listen);
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  o.store = absl::GetFlag(FLAGS_store);
  o.replica_id = absl::GetFlag(FLAGS_replica_id);
  o.blob_dir = absl::GetFlag(FLAGS_blob_dir);
  o.job_lease_seconds = absl::GetFlag(FLAGS_job_lease_seconds);
  o.train_workers = absl::GetFlag(FLAGS_train_workers);
  o.max_queued_jobs = absl::GetFlag(FLAGS_max_queued_jobs);
  o.training_threads = absl::GetFlag(FLAGS_training_threads);
  o.max_matrix_bytes = absl::GetFlag(FLAGS_max_matrix_bytes);
  o.max_rows = absl::GetFlag(FLAGS_max_rows);
  o.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  o.max_sketch_rows = absl::GetFlag(FLAGS_max_sketch_rows);
  o.default_sketch_policy = absl::GetFlag(FLAGS_default_sketch_policy);
  o.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  o.max_job_bytes = absl::GetFlag(FLAGS_max_job_bytes);
  o.memory_budget_bytes = absl::GetFlag(FLAGS_memory_budget_bytes);
  o.stream_window_bytes = absl::GetFlag(FLAGS_stream_window_bytes);
  o.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key = absl::GetFlag(FLAGS_tls_key);
  o.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  o.auth_token_file = absl::GetFlag(FLAGS_auth_token_file);
  o.log_requests = absl::GetFlag(FLAGS_log_requests);
  o.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  o.blas_threads = absl::GetFlag(FLAGS_blas_threads);
  o.buffer_pool_bytes = absl::GetFlag(FLAGS_buffer_pool_mb) << 20;

  const std::string backend = absl::GetFlag(FLAGS_train_backend);
  if (backend == "mpi") {
    sketchd::MpiTrainingBackendOptions mo;
    mo.ranks = absl::GetFlag(FLAGS_mpi_ranks);
    mo.mpirun = absl::GetFlag(FLAGS_mpirun);
    mo.sketchmpi = absl::GetFlag(FLAGS_sketchmpi);
    if (mo.sketchmpi.empty()) mo.sketchmpi = DefaultSketchmpi();
    auto mpirun_args = sketchd::SplitMpirunArgs(absl::GetFlag(FLAGS_mpirun_args));
    if (!mpirun_args.ok()) {
      std::fprintf(stderr, "sketchd: --train_backend mpi: %s\n",
                   std::string(mpirun_args.status().message()).c_str());
      return 1;
    }
    mo.mpirun_args = *std::move(mpirun_args);
    mo.work_dir = absl::GetFlag(FLAGS_mpi_work_dir);
    if (mo.work_dir.empty()) mo.work_dir = (std::filesystem::path(o.data_dir) / "mpi-jobs").string();
    auto mpi = sketchd::MpiTrainingBackend::Create(mo);
    if (!mpi.ok()) {
      std::fprintf(stderr, "sketchd: --train_backend mpi: %s\n",
                   std::string(mpi.status().message()).c_str());
      return 1;
    }
    std::fprintf(stderr, "sketchd: training jobs run as %s -np %d %s train (work dir %s)\n",
                 (*mpi)->options().mpirun.c_str(), mo.ranks, (*mpi)->options().sketchmpi.c_str(),
                 mo.work_dir.c_str());
    o.training_backend = *std::move(mpi);
  } else if (backend != "inprocess") {
    std::fprintf(stderr, "sketchd: --train_backend must be 'inprocess' or 'mpi', got '%s'\n",
                 backend.c_str());
    return 1;
  }

  // Block the stop signals in every thread (gRPC's included, which inherit
  // the mask) and take them synchronously below: no work in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = sketchd::SketchdServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "sketchd: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "sketchd: listening on port %d, data in %s%s%s; %lld job(s) from a previous run marked INTERRUPTED\n",
               (*server)->port(), o.data_dir.c_str(), o.tls_cert.empty() ? "" : ", TLS",
               o.auth_token_file.empty() ? "" : ", token auth",
               static_cast<long long>((*server)->interrupted_at_start()));
  if ((*server)->metrics_port() != 0) {
    std::fprintf(stderr, "sketchd: Prometheus metrics at http://%s/metrics (port %d)\n",
                 o.metrics_listen.c_str(), (*server)->metrics_port());
  }
  const int port_fd = absl::GetFlag(FLAGS_port_file_fd);
  if (port_fd >= 0) {
    const std::string line = std::to_string((*server)->port()) + "\n";
    if (write(port_fd, line.data(), line.size()) < 0) std::perror("sketchd: port_file_fd");
    close(port_fd);
  }

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "sketchd: %s received, shutting down\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown();
  server->reset();
  std::fprintf(stderr, "sketchd: stopped cleanly\n");
  return 0;
}
