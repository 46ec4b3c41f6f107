// The whole sketchd server as one object: store, job runner, sketch cache,
// SketchService, health and reflection, on one gRPC listening port. main.cc
// and the in-process tests both use it.
//
// Thread-safety: Shutdown() may be called from any thread, also while Wait()
// blocks in another (main.cc's signal thread does that); the first call does
// the work, later ones return at once. The accessors are for the thread that
// started the server.
#ifndef SKETCHD_SERVER_SKETCHD_SERVER_H_
#define SKETCHD_SERVER_SKETCHD_SERVER_H_

#include <grpcpp/server.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "server/mutex.h"
#include "server/job_runner.h"
#include "server/memory_budget.h"
#include "server/metrics.h"
#include "server/server_options.h"
#include "server/sketch_cache.h"
#include "server/sketch_service.h"
#include "server/store.h"

namespace sketchd {

class SketchdServer {
 public:
  // Opens the store (marking jobs of a previous process INTERRUPTED), starts
  // the workers and listens. Fails on a bad address, TLS files, token file or
  // data directory.
  static absl::StatusOr<std::unique_ptr<SketchdServer>> Start(const ServerOptions& options);
  ~SketchdServer();  // Shutdown()

  int port() const { return port_; }
  // Port of /metrics; 0 when --metrics_listen is off.
  int metrics_port() const { return metrics_ != nullptr ? metrics_->port() : 0; }
  Store* store() { return store_.get(); }
  int64_t interrupted_at_start() const { return interrupted_at_start_; }

  // Graceful stop: health NOT_SERVING, running jobs interrupted (recorded as
  // INTERRUPTED), in-flight RPCs given `grace_seconds` to finish, then the
  // store is closed. Idempotent.
  void Shutdown(double grace_seconds = 5) ABSL_LOCKS_EXCLUDED(mu_);
  // Blocks until Shutdown() has run (from another thread).
  void Wait();

 private:
  SketchdServer() = default;

  ServerOptions options_;
  // Before store_: the store records into it until it is closed.
  std::unique_ptr<ServiceMetrics> metrics_;
  std::unique_ptr<Store> store_;
  int64_t interrupted_at_start_ = 0;
  std::unique_ptr<SketchCache> cache_;
  std::unique_ptr<MemoryBudget> memory_;
  std::unique_ptr<JobRunner> jobs_;
  std::unique_ptr<SketchServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_SKETCHD_SERVER_H_
