// The training jobs as the RPC handlers see them. SketchServiceImpl depends on
// this interface only; JobRunner (job_runner.h) implements it over the store
// and a TrainingBackend (training_backend.h), which is where another way of
// training (an MPI backend) plugs in without touching the handlers.
#ifndef SKETCHD_SERVER_JOBS_H_
#define SKETCHD_SERVER_JOBS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/training/trained_sketch.h"
#include "server/store.h"

namespace sketchd {

class Jobs {
 public:
  virtual ~Jobs() = default;

  // Creates the job (QUEUED) and queues it. RESOURCE_EXHAUSTED when the
  // queue is full, UNAVAILABLE when shutting down. `memory_estimate` bytes
  // are reserved while the job runs (FAILED with RESOURCE_EXHAUSTED when they
  // are not free then; RestartJob later). A non-empty `request_id` makes
  // it idempotent: the store creates the job and binds the id in one
  // transaction, and if a job of `dataset` already holds the id, nothing is
  // created or queued and that job is returned.
  virtual absl::StatusOr<JobRecord> Submit(const std::string& dataset, const TrainOptions& options,
                                           int64_t restarted_from, int64_t memory_estimate,
                                           const std::string& request_id = "") = 0;
  // QUEUED → CANCELLED at once; RUNNING → the backend's cancel token fires
  // (it stops within a second, then CANCELLED). Terminal: FAILED_PRECONDITION.
  virtual absl::StatusOr<JobRecord> Cancel(int64_t job_id) = 0;
  virtual absl::StatusOr<JobRecord> Get(int64_t job_id) = 0;
  // Calls `send` with the current state and then with each change until a
  // terminal state was sent, `send` returns false, or `stop()` is true.
  virtual absl::Status Watch(int64_t job_id, const std::function<bool(const JobRecord&)>& send,
                             const std::function<bool()>& stop) = 0;
  // QUEUED/RUNNING job ids of a dataset.
  virtual std::vector<int64_t> ActiveJobs(const std::string& dataset) = 0;
  // Cancels every active job of the dataset and waits until none runs.
  virtual void CancelDatasetJobs(const std::string& dataset) = 0;
  // Stop accepting, interrupt everything, wait for the workers. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_JOBS_H_
