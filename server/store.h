// The sketchd registry: datasets, their training matrices, training jobs and
// trained sketches. Implementations make every call atomic: a crash between
// calls never leaves a half-written record visible.
//
// Seams:
// * Backends. SqliteStore (embedded, one process per data directory, the
//   default) and PostgresStore (one database shared by several sketchd
//   replicas) implement this interface; OpenStore (store_factory.h) picks one
//   from --store. A new backend is new files behind this class; the
//   conformance suite in tests/store/ runs unchanged against every backend.
// * Job ownership. Several replicas may run jobs from one registry, so a job
//   carries an owner (the replica id that claimed it) and a lease expiry. A
//   replica takes work with ClaimJob (a QUEUED job, or a RUNNING one whose
//   owner stopped renewing its lease, i.e. died) and keeps it with RenewLease
//   heartbeats. Every job write is a compare-and-set on (id, owner, active
//   state): a replica that lost its lease can neither overwrite nor complete
//   the job, and CompleteJob is idempotent so a retried completion never adds
//   a second sketch version. Cancellation from any replica is a request
//   (RequestCancel) that the owner sees on its next heartbeat.
// * Default pointers are mutable, sketch versions are not: callers may cache
//   a sketch by (dataset, version) forever but must re-read the default.
#ifndef SKETCHD_SERVER_STORE_H_
#define SKETCHD_SERVER_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/training/trained_sketch.h"
#include "server/job_state.h"
#include "core/io/element_type.h"

namespace sketchd {

struct DatasetRecord {
  std::string name;
  int64_t n = 0;
  int64_t d = 0;  // 0 = unconstrained
  std::string description;
  int64_t created_us = 0;
  // Derived (filled by Get/List).
  int64_t num_matrices = 0;
  int64_t training_cols = 0;
  int64_t training_bytes = 0;
  int64_t num_sketches = 0;
};

// A training matrix exactly as it was uploaded (validated packed rows).
struct StoredMatrix {
  int64_t id = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  ElementType dtype = ElementType::kFloat64;
  std::string data;  // rows·cols little-endian values, row-major
};

struct JobRecord {
  int64_t id = 0;
  std::string dataset;
  TrainOptions options;
  JobState state = JobState::kQueued;
  double progress = 0;
  std::string message;
  // FAILED / INTERRUPTED / CANCELLED: why, as a status code (the gRPC code
  // numbers; Job.error_code on the wire) and its message without the code.
  // OK and "" otherwise. Rows from before the code was stored read UNKNOWN.
  absl::StatusCode error_code = absl::StatusCode::kOk;
  std::string error;
  int64_t created_us = 0;
  int64_t started_us = 0;
  int64_t finished_us = 0;
  int64_t sketch_version = 0;
  int64_t restarted_from = 0;
  // Ownership: "" = not claimed (QUEUED, or run by a single-process runner
  // that never claims). The lease is in the store's clock (microseconds
  // since the epoch); an owner that misses it loses the job.
  std::string owner;
  int64_t lease_expires_us = 0;
  bool cancel_requested = false;  // set by RequestCancel on a RUNNING job
};

struct SketchRecord {
  std::string dataset;
  int64_t version = 0;
  SketchTask task = SketchTask::kLowRank;
  std::string method;
  int64_t k = 0, m = 0, n = 0, d = 0;
  int64_t created_us = 0;
  bool is_default = false;
  // The default was chosen by SetDefaultSketch: a later training job never
  // replaces it (default_sketch_policy.h). False for defaults the store or
  // the policy picked.
  bool default_explicit = false;
  int64_t job_id = 0;
  double train_seconds = 0;
  ValidationFigures validation;
  std::string notes;
  TrainOptions options;
  int64_t serialized_bytes = 0;
  std::string serialized;  // SerializeTrainedSketch bytes, when asked for
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- datasets
  // AlreadyExists if the name is taken.
  virtual absl::StatusOr<DatasetRecord> CreateDataset(const DatasetRecord& dataset) = 0;
  virtual absl::StatusOr<DatasetRecord> GetDataset(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<DatasetRecord>> ListDatasets() = 0;
  // Removes the dataset with its matrices, jobs and sketches, atomically.
  virtual absl::Status DeleteDataset(const std::string& name) = 0;

  // ---- training matrices
  // Uploads are staged matrix by matrix (bounded memory) and invisible until
  // CommitUpload flips them all in one transaction. Staged rows of uploads
  // that never commit (client gone, crash) are removed by AbortUpload or at
  // the next Open.
  virtual absl::Status StageMatrix(const std::string& dataset, const std::string& upload_id,
                                   int64_t rows, int64_t cols, ElementType dtype,
                                   absl::string_view data) = 0;
  // Returns the dataset's committed matrix count afterwards. Fails (and
  // aborts the upload) if the column count disagrees with committed matrices.
  virtual absl::StatusOr<int64_t> CommitUpload(const std::string& dataset,
                                               const std::string& upload_id) = 0;
  virtual absl::Status AbortUpload(const std::string& upload_id) = 0;
  virtual absl::StatusOr<std::vector<StoredMatrix>> LoadTrainingMatrices(
      const std::string& dataset) = 0;

  // ---- jobs
  // With a non-empty `request_id` (idempotent StartTraining), creating and
  // binding the id are one transaction: if a job of `dataset` already holds
  // the id (an earlier or a concurrent retry), nothing is created and that
  // job is returned with *created = false. Otherwise *created = true.
  virtual absl::StatusOr<JobRecord> CreateJob(const std::string& dataset,
                                              const TrainOptions& options,
                                              int64_t restarted_from,
                                              const std::string& request_id = "",
                                              bool* created = nullptr) = 0;
  virtual absl::StatusOr<JobRecord> GetJob(int64_t id) = 0;
  // Newest first; empty dataset = all.
  virtual absl::StatusOr<std::vector<JobRecord>> ListJobs(const std::string& dataset) = 0;
  // Compare-and-set: writes state, progress, message, error and times of a
  // job that is still QUEUED/RUNNING and owned by `job.owner` (the lease is
  // left alone). FailedPrecondition when another owner holds it or it has
  // finished; OK when the job no longer exists (its dataset was deleted).
  virtual absl::Status UpdateJob(const JobRecord& job) = 0;
  // Compare-and-set like UpdateJob, in one transaction: stores the sketch as
  // the dataset's next version (default for its task if the task has none)
  // and marks the job SUCCEEDED. Idempotent: if this owner already completed
  // the job, returns the sketch stored then (no second version).
  virtual absl::StatusOr<SketchRecord> CompleteJob(const JobRecord& job,
                                                   const TrainedSketch& trained) = 0;
  // Claims the oldest QUEUED job without a cancel request, or else the
  // oldest RUNNING job whose lease expired before now: it becomes RUNNING,
  // owned by `owner` until now + lease_us. nullopt when there is nothing to
  // claim. Two replicas never claim the same job.
  virtual absl::StatusOr<std::optional<JobRecord>> ClaimJob(const std::string& owner,
                                                            int64_t lease_us) = 0;
  // Heartbeat: extends the lease of a RUNNING job owned by `owner` to now +
  // lease_us and returns the job (cancel_requested tells the owner to stop).
  // FailedPrecondition if the job is no longer this owner's (lease lost).
  virtual absl::StatusOr<JobRecord> RenewLease(int64_t id, const std::string& owner,
                                               int64_t lease_us) = 0;
  // From any replica: a QUEUED job becomes CANCELLED at once; a RUNNING one
  // gets cancel_requested (its owner stops and records CANCELLED).
  // FailedPrecondition for finished jobs. Returns the job afterwards.
  virtual absl::StatusOr<JobRecord> RequestCancel(int64_t id) = 0;
  // QUEUED/RUNNING jobs owned by `owner` → INTERRUPTED with `reason`;
  // returns how many. A starting replica calls it with its own id, so it
  // interrupts nothing another replica owns (a dead replica's jobs are taken
  // over through ClaimJob once their lease expires). "" = the unowned jobs
  // of a single-process server.
  virtual absl::StatusOr<int64_t> InterruptActiveJobs(const std::string& owner,
                                                      const std::string& reason) = 0;

  // ---- idempotent StartTraining
  // A client names each StartTraining with a request id so that a retried
  // call returns the job the first call created instead of starting another.
  // Request ids are unique per dataset (empty = none). The job of `dataset`
  // created for `request_id`; NotFound when there is none.
  virtual absl::StatusOr<JobRecord> FindJobByRequestId(const std::string& dataset,
                                                       const std::string& request_id) = 0;
  // Records that job `id` was created for `request_id`, atomically: if
  // another job of the same dataset already holds it (a concurrent retry
  // won), nothing changes and that job is returned; otherwise job `id`.
  virtual absl::StatusOr<JobRecord> BindRequestId(int64_t id, const std::string& request_id) = 0;

  // ---- sketches
  // Ordered by version; nullopt task = all tasks. Without serialized bytes.
  virtual absl::StatusOr<std::vector<SketchRecord>> ListSketches(
      const std::string& dataset, std::optional<SketchTask> task) = 0;
  virtual absl::StatusOr<SketchRecord> GetSketch(const std::string& dataset, int64_t version,
                                                 bool with_serialized) = 0;
  // FailedPrecondition when the task has no default yet.
  virtual absl::StatusOr<int64_t> DefaultSketchVersion(const std::string& dataset,
                                                       SketchTask task) = 0;
  // An explicit choice: the sketch becomes the default of its task with
  // default_explicit set (the previous default's flag is cleared).
  virtual absl::StatusOr<SketchRecord> SetDefaultSketch(const std::string& dataset,
                                                        int64_t version) = 0;
  // Compare-and-set for the default-sketch policy: makes `version` the
  // default of its task (default_explicit false) only if the task's default
  // is still `expected_default` and was not chosen explicitly. false (and no
  // change) otherwise; NotFound for an unknown dataset or version.
  virtual absl::StatusOr<bool> ReplaceAutomaticDefault(const std::string& dataset,
                                                       int64_t version,
                                                       int64_t expected_default) = 0;
  virtual absl::Status DeleteSketch(const std::string& dataset, int64_t version) = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_STORE_H_
