// Runs training jobs (the Jobs interface, jobs.h): a bounded queue, a fixed
// pool of worker threads, live progress for any number of watchers,
// cancellation through core's CancelToken, and the store as the record of
// every state change. The training itself is the TrainingBackend's
// (training_backend.h; in-process core TrainSketch unless Options::backend
// says otherwise): the runner hands it the job's options and a source of its
// training matrices, relays its progress and fires its cancel token, and
// stores what it returns.
//
// Live state of QUEUED/RUNNING jobs is kept in memory (progress changes many
// times a second); the store gets every state transition and progress at
// most once a second. Finished jobs are read back from the store.
// Shutdown() cancels running jobs and marks them, and queued ones,
// INTERRUPTED (RestartJob or a new StartTraining runs them again).
//
// Replica mode (Options::replica_id set; several sketchd on one shared
// store): there is no local queue. Submit only records the job QUEUED;
// workers of any replica take jobs with Store::ClaimJob (polling), hold them
// by lease heartbeats (lease_heartbeat.h), and write them compare-and-set,
// so a job whose replica died is claimed again after its lease expires and
// finishes elsewhere. Get/Watch/Cancel of a job running on another replica
// go through the store (Watch polls it; Cancel is Store::RequestCancel,
// which the owner sees on its next heartbeat). Not yet in replica mode: the
// --max_queued_jobs limit (the store's queue is unbounded) and the per-job
// memory reservation (the estimate is not stored with the job, so the
// claiming replica runs it without one).
//
// Thread-safety: every public method is safe from any thread. mu_ guards the
// queue, the active set and every Slot's fields except `cancel` (a
// CancelToken, itself thread-safe); it is never held across a store or
// backend call, nor while a watcher's `send` runs.
#ifndef SKETCHD_SERVER_JOB_RUNNER_H_
#define SKETCHD_SERVER_JOB_RUNNER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "server/mutex.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_control.h"
#include "server/default_sketch_policy.h"
#include "server/lease_heartbeat.h"
#include "server/memory_budget.h"
#include "server/jobs.h"
#include "server/store.h"
#include "server/training_backend.h"

namespace sketchd {

class JobRunner final : public Jobs {
 public:
  struct Options {
    int workers = 1;          // concurrent training jobs
    int max_queued = 16;      // QUEUED jobs waiting for a worker
    int training_threads = 0; // default TrainOptions::threads when a job leaves it 0
    // Replica mode when non-empty: this replica's owner id in the store.
    std::string replica_id;
    int64_t lease_us = int64_t{10} * 1000 * 1000;  // a dead replica's jobs wait this long
    int poll_ms = 500;                              // idle workers look for QUEUED jobs
    // A job holds its estimated bytes from here while it runs (null: no budget).
    MemoryBudget* memory = nullptr;
    // Tests: called with "TrainingJob" inside the job's exception boundary.
    std::function<void(std::string_view)> fault_hook_for_testing;
    bool log_jobs = true;  // one stderr line per finished job
    // Trains the jobs (shared by the workers; null = an InProcessTrainingBackend).
    std::shared_ptr<TrainingBackend> backend;
    // Which completed sketch becomes the default (default_sketch_policy.h).
    DefaultSketchPolicy default_sketch_policy = DefaultSketchPolicy::kBestValidation;
  };
  JobRunner(Store* store, Options options);
  ~JobRunner() override;  // Shutdown()

  // Jobs (jobs.h). `memory_estimate` bytes are reserved from Options::memory.
  absl::StatusOr<JobRecord> Submit(const std::string& dataset, const TrainOptions& options,
                                   int64_t restarted_from, int64_t memory_estimate,
                                   const std::string& request_id = "") override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<JobRecord> Cancel(int64_t job_id) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<JobRecord> Get(int64_t job_id) override ABSL_LOCKS_EXCLUDED(mu_);
  // `stop` is polled every 100 ms (client gone / server stopping).
  absl::Status Watch(int64_t job_id, const std::function<bool(const JobRecord&)>& send,
                     const std::function<bool()>& stop) override ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<int64_t> ActiveJobs(const std::string& dataset) override ABSL_LOCKS_EXCLUDED(mu_);
  void CancelDatasetJobs(const std::string& dataset) override ABSL_LOCKS_EXCLUDED(mu_);
  void Shutdown() override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Slot {
    JobRecord record;
    CancelToken cancel;
    uint64_t version = 0;       // bumped on every change, for watchers
    bool interrupted = false;   // cancelled by shutdown, not by a user
    double last_persist = 0;    // steady seconds of the last progress write
    bool lease_lost = false;    // replica mode: another replica owns it now
    int64_t memory_estimate = 0;  // bytes reserved while it runs
  };

  void WorkerLoop() ABSL_LOCKS_EXCLUDED(mu_);
  // WorkerLoop's wait condition (local queue).
  bool WorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  }
  // Replica mode: the next job claimed from the store, or null when stopping.
  std::shared_ptr<Slot> ClaimNext() ABSL_LOCKS_EXCLUDED(mu_);
  // Replica mode: a job run elsewhere, watched by polling the store.
  absl::Status WatchRemote(int64_t job_id, const std::function<bool(const JobRecord&)>& send,
                           const std::function<bool()>& stop) ABSL_LOCKS_EXCLUDED(mu_);
  void RunJob(const std::shared_ptr<Slot>& slot) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<TrainedSketch> Train(const std::shared_ptr<Slot>& slot) ABSL_LOCKS_EXCLUDED(mu_);
  // Records a change; watchers waiting on the slot's version wake when mu_
  // is released.
  void TouchLocked(Slot* slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `why`: the code and message stored as the job's error (OK = none).
  void Finish(const std::shared_ptr<Slot>& slot, JobState state, const absl::Status& why)
      ABSL_LOCKS_EXCLUDED(mu_);

  Store* store_;
  Options options_;

  // Waits are Mutex::Await on conditions over the state below (no
  // condition variables): workers on WorkOrStopping or, in replica mode, on
  // `submitted_` moving; watchers on a Slot's version.
  Mutex mu_;
  std::deque<std::shared_ptr<Slot>> queue_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, std::shared_ptr<Slot>> active_ ABSL_GUARDED_BY(mu_);  // QUEUED + RUNNING
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Replica mode: bumped by Submit so idle workers claim now, not at the
  // next poll.
  uint64_t submitted_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> workers_;
  std::unique_ptr<LeaseHeartbeat> heartbeat_;  // replica mode
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_JOB_RUNNER_H_
