#include "server/job_runner.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/exception_boundary.h"
#include "core/matrix_types.h"
#include "core/status_macros.h"
#include "server/row_blocks.h"
#include "server/wall_clock.h"

namespace sketchd {
namespace {

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

absl::StatusOr<RowMatrixXd> DecodeStored(const StoredMatrix& m) {
  RowMatrixXd out(m.rows, m.cols);
  SKETCHD_RETURN_IF_ERROR(DecodeRowBlock(absl::StrCat("training matrix ", m.id), m.dtype, m.data,
                                         0, m.rows, m.cols, out.data(), m.cols));
  return out;
}

// A job's training matrices as loaded from the store, decoded one at a time;
// each stored blob is freed once decoded.
class StoredTrainingMatrices final : public TrainingMatrices {
 public:
  explicit StoredTrainingMatrices(std::vector<StoredMatrix> stored) : stored_(std::move(stored)) {}
  int64_t count() const override { return static_cast<int64_t>(stored_.size()); }
  absl::StatusOr<RowMatrixXd> Next() override {
    if (next_ >= stored_.size()) return absl::OutOfRangeError("no more training matrices");
    StoredMatrix& m = stored_[next_++];
    SKETCHD_ASSIGN_OR_RETURN(RowMatrixXd a, DecodeStored(m));
    std::string().swap(m.data);
    return a;
  }

 private:
  std::vector<StoredMatrix> stored_;
  size_t next_ = 0;
};

}  // namespace

JobRunner::JobRunner(Store* store, Options options) : store_(store), options_(options) {
  if (options_.backend == nullptr) options_.backend = std::make_shared<InProcessTrainingBackend>();
  if (!options_.replica_id.empty()) {
    heartbeat_ = std::make_unique<LeaseHeartbeat>(store_, options_.replica_id, options_.lease_us);
  }
  const int n = std::max(1, options_.workers);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

JobRunner::~JobRunner() { Shutdown(); }

void JobRunner::TouchLocked(Slot* slot) {
  ++slot->version;
}

absl::StatusOr<JobRecord> JobRunner::Submit(const std::string& dataset,
                                            const TrainOptions& options, int64_t restarted_from,
                                            int64_t memory_estimate,
                                            const std::string& request_id) {
  {
    MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("server is shutting down; no new jobs");
    if (static_cast<int>(queue_.size()) >= options_.max_queued) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "training queue is full (", queue_.size(), " jobs waiting, limit --max_queued_jobs=",
          options_.max_queued, "); retry later or cancel a job"));
    }
  }
  SKETCHD_RETURN_IF_ERROR(options_.backend->CheckOptions(options));
  bool created = false;
  SKETCHD_ASSIGN_OR_RETURN(JobRecord record, store_->CreateJob(dataset, options, restarted_from,
                                                               request_id, &created));
  if (!created) {
    // Another call with this request id created the job: its live state.
    absl::StatusOr<JobRecord> live = Get(record.id);
    return live.ok() ? *live : record;
  }
  if (!options_.replica_id.empty()) {
    // The store is the queue: wake the idle workers of this replica to claim
    // it now rather than at their next poll (another replica may be faster).
    MutexLock lock(&mu_);
    ++submitted_;
    return record;
  }
  auto slot = std::make_shared<Slot>();
  slot->record = record;
  slot->memory_estimate = memory_estimate;
  MutexLock lock(&mu_);
  if (stopping_) {
    slot->record.state = JobState::kInterrupted;
    slot->record.error_code = absl::StatusCode::kUnavailable;
    slot->record.error = "server shut down before the job started";
    store_->UpdateJob(slot->record).IgnoreError();
    return slot->record;
  }
  active_[record.id] = slot;
  queue_.push_back(slot);  // a worker's WorkOrStopping turns true
  return record;
}

absl::StatusOr<JobRecord> JobRunner::Get(int64_t job_id) {
  {
    MutexLock lock(&mu_);
    auto it = active_.find(job_id);
    if (it != active_.end()) return it->second->record;
  }
  return store_->GetJob(job_id);
}

absl::StatusOr<JobRecord> JobRunner::Cancel(int64_t job_id) {
  std::shared_ptr<Slot> slot;
  {
    MutexLock lock(&mu_);
    auto it = active_.find(job_id);
    if (it != active_.end()) slot = it->second;
  }
  if (slot == nullptr) {
    if (!options_.replica_id.empty()) return store_->RequestCancel(job_id);
    SKETCHD_ASSIGN_OR_RETURN(JobRecord record, store_->GetJob(job_id));
    if (!IsTerminal(record.state)) {
      // Active in another process's view only (should not happen with one server).
      return absl::FailedPreconditionError(absl::StrCat("job ", job_id, " is not run by this server"));
    }
    return absl::FailedPreconditionError(absl::StrCat("job ", job_id, " already finished (",
                                                      JobStateName(record.state), ")"));
  }
  bool was_queued = false;
  {
    MutexLock lock(&mu_);
    slot->cancel.Cancel();
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (*it == slot) {
        queue_.erase(it);
        was_queued = true;
        break;
      }
    }
    if (!was_queued) {
      slot->record.message = "cancelling";
      TouchLocked(slot.get());
    }
  }
  if (was_queued) Finish(slot, JobState::kCancelled, absl::CancelledError("cancelled before it started"));
  MutexLock lock(&mu_);
  return slot->record;
}

absl::Status JobRunner::Watch(int64_t job_id, const std::function<bool(const JobRecord&)>& send,
                              const std::function<bool()>& stop) {
  std::shared_ptr<Slot> slot;
  {
    MutexLock lock(&mu_);
    auto it = active_.find(job_id);
    if (it != active_.end()) slot = it->second;
  }
  if (slot == nullptr) {
    if (!options_.replica_id.empty()) return WatchRemote(job_id, send, stop);
    SKETCHD_ASSIGN_OR_RETURN(JobRecord record, store_->GetJob(job_id));
    send(record);
    return absl::OkStatus();
  }
  uint64_t seen = 0;
  bool first = true;
  while (true) {
    JobRecord snapshot;
    bool lease_lost = false;
    {
      MutexLock lock(&mu_);
      auto changed = [&] {
        mu_.AssertHeld();
        return slot->version != seen;
      };
      while (!first && !changed()) {
        if (stop()) return absl::CancelledError("watch ended: client went away or server stopping");
        mu_.AwaitWithTimeout(changed, std::chrono::milliseconds(100));
      }
      first = false;
      seen = slot->version;
      snapshot = slot->record;
      lease_lost = slot->lease_lost;
    }
    // Taken over by another replica: follow it there.
    if (lease_lost) return WatchRemote(job_id, send, stop);
    // Send outside the lock: a slow client must not block training.
    if (!send(snapshot)) return absl::CancelledError("watch ended: client went away");
    if (IsTerminal(snapshot.state)) return absl::OkStatus();
  }
}

std::vector<int64_t> JobRunner::ActiveJobs(const std::string& dataset) {
  MutexLock lock(&mu_);
  std::vector<int64_t> ids;
  for (const auto& [id, slot] : active_) {
    if (slot->record.dataset == dataset) ids.push_back(id);
  }
  return ids;
}

void JobRunner::CancelDatasetJobs(const std::string& dataset) {
  for (int64_t id : ActiveJobs(dataset)) Cancel(id).IgnoreError();
  MutexLock lock(&mu_);
  auto none_left = [&] {
    mu_.AssertHeld();
    for (const auto& [id, slot] : active_) {
      if (slot->record.dataset == dataset) return false;
    }
    return true;
  };
  mu_.Await(none_left);
}

void JobRunner::Shutdown() {
  std::vector<std::shared_ptr<Slot>> queued;
  {
    MutexLock lock(&mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (auto& [id, slot] : active_) {
      slot->interrupted = true;
      slot->cancel.Cancel();
    }
    queued.assign(queue_.begin(), queue_.end());
    queue_.clear();
  }  // the workers' waits see stopping_ when the lock is released
  for (auto& slot : queued) Finish(slot, JobState::kInterrupted,
                                   absl::UnavailableError("server shut down before the job started"));
  for (auto& t : workers_) t.join();
  workers_.clear();
  heartbeat_.reset();
}

absl::Status JobRunner::WatchRemote(int64_t job_id,
                                     const std::function<bool(const JobRecord&)>& send,
                                     const std::function<bool()>& stop) {
  std::optional<JobRecord> last;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(JobRecord now, store_->GetJob(job_id));
    const bool changed = !last.has_value() || now.state != last->state ||
                         now.progress != last->progress || now.message != last->message ||
                         now.error_code != last->error_code || now.error != last->error;
    if (changed) {
      if (!send(now)) return absl::CancelledError("watch ended: client went away");
      last = now;
    }
    if (IsTerminal(now.state)) return absl::OkStatus();
    // The owner writes progress at most once a second; poll a bit faster.
    for (int i = 0; i < 5; ++i) {
      if (stop()) return absl::CancelledError("watch ended: client went away or server stopping");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

std::shared_ptr<JobRunner::Slot> JobRunner::ClaimNext() {
  while (true) {
    uint64_t submitted;  // a Submit from here on ends the wait below early
    {
      MutexLock lock(&mu_);
      if (stopping_) return nullptr;
      submitted = submitted_;
    }
    absl::StatusOr<std::optional<JobRecord>> claimed =
        store_->ClaimJob(options_.replica_id, options_.lease_us);
    if (!claimed.ok()) {
      std::fprintf(stderr, "sketchd: claiming a job failed (retrying): %s\n",
                   std::string(claimed.status().message()).c_str());
    } else if (claimed->has_value()) {
      auto slot = std::make_shared<Slot>();
      slot->record = **claimed;
      const int64_t id = slot->record.id;
      heartbeat_->Add(id, [this, weak = std::weak_ptr<Slot>(slot)](LeaseHeartbeat::StopReason why) {
        std::shared_ptr<Slot> s = weak.lock();
        if (s == nullptr) return;
        MutexLock lock(&mu_);
        if (why == LeaseHeartbeat::StopReason::kLeaseLost) {
          s->lease_lost = true;
        } else {
          s->record.message = "cancelling";
        }
        s->cancel.Cancel();
        TouchLocked(s.get());
      });
      bool stopping;
      {
        MutexLock lock(&mu_);
        stopping = stopping_;
        active_[id] = slot;
        slot->record.message = "loading training matrices";
        TouchLocked(slot.get());
      }
      if (!stopping) return slot;
      Finish(slot, JobState::kInterrupted,
                                   absl::UnavailableError("server shut down before the job started"));
      return nullptr;
    }
    MutexLock lock(&mu_);
    if (stopping_) return nullptr;
    // Woken early by Submit or Shutdown; otherwise poll again.
    auto woken = [&] {
      mu_.AssertHeld();
      return stopping_ || submitted_ != submitted;
    };
    mu_.AwaitWithTimeout(woken, std::chrono::milliseconds(options_.poll_ms));
  }
}

void JobRunner::WorkerLoop() {
  while (true) {
    std::shared_ptr<Slot> slot;
    if (!options_.replica_id.empty()) {
      slot = ClaimNext();
      if (slot == nullptr) return;
      RunJob(slot);
      continue;
    }
    {
      MutexLock lock(&mu_);
      mu_.Await([this] {
        mu_.AssertHeld();
        return WorkOrStopping();
      });
      if (stopping_) return;
      slot = queue_.front();
      queue_.pop_front();
      slot->record.state = JobState::kRunning;
      slot->record.started_us = NowMicros();
      slot->record.message = "loading training matrices";
      TouchLocked(slot.get());
    }
    RunJob(slot);
  }
}

void JobRunner::Finish(const std::shared_ptr<Slot>& slot, JobState state, const absl::Status& why) {
  const std::string error(why.message());
  JobRecord record;
  bool lease_lost;
  {
    MutexLock lock(&mu_);
    record = slot->record;
    lease_lost = slot->lease_lost;
  }
  if (heartbeat_ != nullptr) heartbeat_->Remove(record.id);
  if (lease_lost) {
    // Another replica owns the job now and will record how it ends.
    MutexLock lock(&mu_);
    active_.erase(record.id);
    TouchLocked(slot.get());
    return;
  }
  record.state = state;
  record.error_code = why.code();
  record.error = error;
  record.finished_us = NowMicros();
  if (state == JobState::kCancelled) record.message = "cancelled";
  if (state == JobState::kInterrupted) record.message = "interrupted";
  // Persist before anyone can see the terminal state, so a client that saw
  // it (WatchJob) and calls GetJob/CancelJob finds the same; then publish
  // and leave the active set in one step.
  if (options_.log_jobs) {
    std::string line = absl::StrCat("sketchd job=", record.id, " dataset=", record.dataset,
                                    " state=", JobStateName(state));
    if (!why.ok()) {
      absl::StrAppend(&line, " code=", absl::StatusCodeToString(why.code()), " error=\"",
                      error.substr(0, 300), "\"");
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  absl::Status s = store_->UpdateJob(record);
  if (!s.ok()) std::fprintf(stderr, "sketchd: job %lld: cannot record final state: %s\n",
                            static_cast<long long>(record.id), std::string(s.message()).c_str());
  MutexLock lock(&mu_);
  slot->record = record;
  active_.erase(record.id);
  TouchLocked(slot.get());
}

absl::StatusOr<TrainedSketch> JobRunner::Train(const std::shared_ptr<Slot>& slot) {
  TrainOptions options;
  {
    MutexLock lock(&mu_);
    options = slot->record.options;
  }
  if (options.threads == 0) options.threads = options_.training_threads;
  SKETCHD_ASSIGN_OR_RETURN(std::vector<StoredMatrix> stored,
                           store_->LoadTrainingMatrices(slot->record.dataset));
  if (stored.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset '", slot->record.dataset, "' has no training matrices; upload some first"));
  }
  ProgressCallback progress = [this, slot](double fraction, const std::string& message) {
    JobRecord to_persist;
    bool persist = false;
    {
      MutexLock lock(&mu_);
      slot->record.progress = std::min(1.0, std::max(0.0, fraction));
      slot->record.message = message;
      TouchLocked(slot.get());
      const double now = SteadySeconds();
      if (now - slot->last_persist >= 1.0) {
        slot->last_persist = now;
        to_persist = slot->record;
        persist = true;
      }
    }
    if (persist) store_->UpdateJob(to_persist).IgnoreError();
  };
  StoredTrainingMatrices matrices(std::move(stored));
  TrainingRequest request;
  request.job_id = slot->record.id;
  request.dataset = slot->record.dataset;
  request.options = options;
  request.matrices = &matrices;
  return options_.backend->Train(request, progress, slot->cancel);
}

void JobRunner::RunJob(const std::shared_ptr<Slot>& slot) {
  {
    JobRecord running;
    {
      MutexLock lock(&mu_);
      running = slot->record;
    }
    store_->UpdateJob(running).IgnoreError();
  }
  const std::string where = absl::StrCat("training job ", slot->record.id);
  MemoryBudget::Reservation memory;
  if (options_.memory != nullptr) {
    // The per-job limit was checked at StartTraining; here only the total.
    absl::StatusOr<MemoryBudget::Reservation> reserved =
        options_.memory->Reserve(where, slot->memory_estimate, 0, "max_job_bytes");
    if (!reserved.ok()) {
      Finish(slot, JobState::kFailed,
             absl::ResourceExhaustedError(
                 absl::StrCat(reserved.status().message(),
                              "; restart it with RestartJob when the server is less busy")));
      return;
    }
    memory = std::move(*reserved);
  }
  // Nothing the maths throws (std::bad_alloc above all) may leave this thread:
  // it would abort the whole server.
  absl::StatusOr<TrainedSketch> trained =
      CallAtBoundary(where.c_str(), [&]() -> absl::StatusOr<TrainedSketch> {
        if (options_.fault_hook_for_testing) options_.fault_hook_for_testing("TrainingJob");
        return Train(slot);
      });
  if (slot->cancel.cancelled()) {
    bool interrupted;
    {
      MutexLock lock(&mu_);
      interrupted = slot->interrupted;
    }
    if (interrupted) {
      Finish(slot, JobState::kInterrupted,
             absl::UnavailableError(
                 "server shut down while the job was running; use RestartJob to run it again"));
    } else {
      Finish(slot, JobState::kCancelled, absl::CancelledError("cancelled by CancelJob"));
    }
    return;
  }
  if (!trained.ok()) {
    // The code travels as Job.error_code; the message alone as Job.error.
    absl::Status failed = trained.status();
    if (failed.ok()) failed = absl::UnknownError("training returned no sketch");
    Finish(slot, JobState::kFailed, failed);
    return;
  }
  JobRecord record;
  {
    MutexLock lock(&mu_);
    slot->record.message = trained->notes.empty() ? "done" : trained->notes;
    slot->record.finished_us = NowMicros();
    record = slot->record;
  }
  // The one place a trained sketch is stored (whatever the backend): the
  // store makes it the default when its task has none; a policy for the
  // default sketch hooks in right after this.
  absl::StatusOr<SketchRecord> sketch = CallAtBoundary(
      where.c_str(), [&]() -> absl::StatusOr<SketchRecord> { return store_->CompleteJob(record, *trained); });
  if (!sketch.ok()) {
    Finish(slot, JobState::kFailed,
           absl::Status(sketch.status().code(),
                        absl::StrCat("trained, but storing the sketch failed: ",
                                     sketch.status().message())));
    return;
  }
  if (heartbeat_ != nullptr) heartbeat_->Remove(record.id);
  ApplyDefaultSketchPolicyOrLog(store_, options_.default_sketch_policy, *sketch);
  MutexLock lock(&mu_);
  slot->record.state = JobState::kSucceeded;
  slot->record.progress = 1;
  slot->record.sketch_version = sketch->version;
  slot->record.error_code = absl::StatusCode::kOk;
  slot->record.error.clear();
  active_.erase(record.id);
  TouchLocked(slot.get());
}

}  // namespace sketchd
