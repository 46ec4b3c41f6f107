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
#ifndef SKETCHD_SERVER_JOB_RUNNER_H_
#define SKETCHD_SERVER_JOB_RUNNER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
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
                                   const std::string& request_id = "") override;
  absl::StatusOr<JobRecord> Cancel(int64_t job_id) override;
  absl::StatusOr<JobRecord> Get(int64_t job_id) override;
  // `stop` is polled every 100 ms (client gone / server stopping).
  absl::Status Watch(int64_t job_id, const std::function<bool(const JobRecord&)>& send,
                     const std::function<bool()>& stop) override;
  std::vector<int64_t> ActiveJobs(const std::string& dataset) override;
  void CancelDatasetJobs(const std::string& dataset) override;
  void Shutdown() override;

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

  void WorkerLoop();
  // Replica mode: the next job claimed from the store, or null when stopping.
  std::shared_ptr<Slot> ClaimNext();
  // Replica mode: a job run elsewhere, watched by polling the store.
  absl::Status WatchRemote(int64_t job_id, const std::function<bool(const JobRecord&)>& send,
                           const std::function<bool()>& stop);
  void RunJob(const std::shared_ptr<Slot>& slot);
  absl::StatusOr<TrainedSketch> Train(const std::shared_ptr<Slot>& slot);
  // Under mu_: record a change and wake watchers.
  void TouchLocked(Slot* slot);
  // `why`: the code and message stored as the job's error (OK = none).
  void Finish(const std::shared_ptr<Slot>& slot, JobState state, const absl::Status& why);

  Store* store_;
  Options options_;

  std::mutex mu_;
  std::condition_variable work_cv_;    // workers: queue non-empty or stopping
  std::condition_variable change_cv_;  // watchers: some slot changed
  std::deque<std::shared_ptr<Slot>> queue_;
  std::map<int64_t, std::shared_ptr<Slot>> active_;  // QUEUED + RUNNING
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::unique_ptr<LeaseHeartbeat> heartbeat_;  // replica mode
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_JOB_RUNNER_H_
