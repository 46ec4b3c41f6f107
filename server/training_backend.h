// The training-backend seam: how a job's sketch gets trained, below the job
// runner (which owns queueing, state, the store record, leases and memory
// admission) and above core.
//
//   handlers ──▶ Jobs (jobs.h) ──▶ JobRunner ──▶ TrainingBackend::Train ──▶ TrainedSketch
//                                                  │
//                      InProcessTrainingBackend ───┘ core TrainSketch in this process (default)
//                      MpiTrainingBackend ─────────┘ `mpirun … sketchmpi train` in a subprocess
//                                                      (mpi_training_backend.h, --train_backend mpi)
//
// The contract, so that a backend can train out of process:
//  * Input: a TrainingRequest — job id, dataset name, the resolved options
//    (threads already defaulted by the server) and the training matrices as
//    a TrainingMatrices source, read on demand in upload order (the runner
//    backs it by the store and frees each stored blob as it is decoded). A
//    backend reads them at most once; an out-of-process backend may write
//    them to files for its workers instead of holding them.
//  * Output: the TrainedSketch (the runner stores it with CompleteJob, which
//    is also where "maybe set the default sketch" happens) or a Status; the
//    runner maps it to the job's terminal state. Exceptions are caught by the
//    runner's exception boundary, but a backend should not rely on that.
//  * Progress: call `progress(fraction, message)` as core does (any thread,
//    at least every second or so while work goes on); the runner coalesces
//    it into the job record and the store.
//  * Cancellation: poll `cancel` (CancelJob, DeleteDataset, server shutdown,
//    a lost lease all fire it) at least once a second, stop the work (kill
//    the subprocess) and return CANCELLED; the runner decides which terminal
//    state that is.
//  * Train is called concurrently from up to --train_workers threads.
#ifndef SKETCHD_SERVER_TRAINING_BACKEND_H_
#define SKETCHD_SERVER_TRAINING_BACKEND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_control.h"

namespace sketchd {

// A job's training matrices, one at a time.
class TrainingMatrices {
 public:
  virtual ~TrainingMatrices() = default;
  virtual int64_t count() const = 0;
  // The next matrix in upload order, decoded to float64; call at most count()
  // times. Regression matrices are [A | b] with b the last column.
  virtual absl::StatusOr<RowMatrixXd> Next() = 0;
};

struct TrainingRequest {
  int64_t job_id = 0;
  std::string dataset;
  TrainOptions options;
  TrainingMatrices* matrices = nullptr;  // owned by the caller, valid during Train
};

class TrainingBackend {
 public:
  virtual ~TrainingBackend() = default;
  // Short name for logs ("in-process", "mpi").
  virtual std::string_view name() const = 0;
  // Whether this backend can run `options` at all: the job runner calls it
  // before a job is recorded, so StartTraining refuses what the backend
  // never could (a job restarted or claimed elsewhere still meets Train's
  // own check). OK by default.
  virtual absl::Status CheckOptions(const TrainOptions& options) const {
    (void)options;
    return absl::OkStatus();
  }
  virtual absl::StatusOr<TrainedSketch> Train(const TrainingRequest& request,
                                              const ProgressCallback& progress,
                                              const CancelToken& cancel) = 0;
};

// Core's TrainSketch in this process: reads every matrix (checking `cancel`
// between them), then trains.
class InProcessTrainingBackend final : public TrainingBackend {
 public:
  std::string_view name() const override { return "in-process"; }
  absl::StatusOr<TrainedSketch> Train(const TrainingRequest& request,
                                      const ProgressCallback& progress,
                                      const CancelToken& cancel) override;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_TRAINING_BACKEND_H_
