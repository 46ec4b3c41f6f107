// Store on an embedded SQLite database, <data_dir>/sketchd.db, with training
// matrix bytes in <data_dir>/matrices/ (blob_directory.h: written once,
// fsync'd, referenced by a row that commits after the file is durable).
// One process per data directory: SQLite has no network protocol, so
// replicas need the PostgreSQL store.
//
// Durability: WAL journal with synchronous=FULL, so every committed
// transaction is on disk before the call returns (survives SIGKILL and power
// loss; NORMAL would already survive SIGKILL in WAL mode, FULL also covers
// the OS crashing). Every public call is one transaction, so readers never
// see half of a write. On Open, uploads that never committed are deleted with
// their files, and files no row references are removed. (Jobs a previous
// process left QUEUED/RUNNING are interrupted by the server at start,
// InterruptActiveJobs.)
//
// Two connections: one writer and one reader (WAL lets them run at the same
// time), so a LowRank looking up the default sketch never waits behind a
// large training-matrix insert.
//
// Thread-safety: safe for concurrent use. write_mu_ serialises the writer
// connection (every write transaction), read_mu_ the reader; no call holds
// both, and neither is held across a call into another object.
#ifndef SKETCHD_SERVER_SQLITE_STORE_H_
#define SKETCHD_SERVER_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "server/mutex.h"
#include "server/blob_directory.h"
#include "server/sqlite_db.h"
#include "server/store.h"

namespace sketchd {

class SqliteStore : public Store {
 public:
  // Creates data_dir if needed. Fails if the directory is not writable or the
  // schema is newer than this build.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& data_dir);

  absl::StatusOr<DatasetRecord> CreateDataset(const DatasetRecord& dataset) override;
  absl::StatusOr<DatasetRecord> GetDataset(const std::string& name) override;
  absl::StatusOr<std::vector<DatasetRecord>> ListDatasets() override;
  absl::Status DeleteDataset(const std::string& name) override;

  absl::Status StageMatrix(const std::string& dataset, const std::string& upload_id,
                           int64_t rows, int64_t cols, ElementType dtype,
                           absl::string_view data) override;
  absl::StatusOr<int64_t> CommitUpload(const std::string& dataset,
                                       const std::string& upload_id) override;
  absl::Status AbortUpload(const std::string& upload_id) override;
  absl::StatusOr<std::vector<StoredMatrix>> LoadTrainingMatrices(
      const std::string& dataset) override;

  absl::StatusOr<JobRecord> CreateJob(const std::string& dataset, const TrainOptions& options,
                                      int64_t restarted_from, const std::string& request_id = "",
                                      bool* created = nullptr) override;
  absl::StatusOr<JobRecord> GetJob(int64_t id) override;
  absl::StatusOr<std::vector<JobRecord>> ListJobs(const std::string& dataset) override;
  absl::Status UpdateJob(const JobRecord& job) override;
  absl::StatusOr<SketchRecord> CompleteJob(const JobRecord& job,
                                           const TrainedSketch& trained) override;
  absl::StatusOr<std::optional<JobRecord>> ClaimJob(const std::string& owner,
                                                    int64_t lease_us) override;
  absl::StatusOr<JobRecord> RenewLease(int64_t id, const std::string& owner,
                                       int64_t lease_us) override;
  absl::StatusOr<JobRecord> RequestCancel(int64_t id) override;
  absl::StatusOr<JobRecord> FindJobByRequestId(const std::string& dataset,
                                               const std::string& request_id) override;
  absl::StatusOr<JobRecord> BindRequestId(int64_t id, const std::string& request_id) override;
  absl::StatusOr<int64_t> InterruptActiveJobs(const std::string& owner,
                                              const std::string& reason) override;

  absl::StatusOr<std::vector<SketchRecord>> ListSketches(const std::string& dataset,
                                                         std::optional<SketchTask> task) override;
  absl::StatusOr<SketchRecord> GetSketch(const std::string& dataset, int64_t version,
                                         bool with_serialized) override;
  absl::StatusOr<int64_t> DefaultSketchVersion(const std::string& dataset,
                                               SketchTask task) override;
  absl::StatusOr<SketchRecord> SetDefaultSketch(const std::string& dataset,
                                                int64_t version) override;
  absl::StatusOr<bool> ReplaceAutomaticDefault(const std::string& dataset, int64_t version,
                                               int64_t expected_default) override;
  absl::Status DeleteSketch(const std::string& dataset, int64_t version) override;

 private:
  SqliteStore(std::unique_ptr<SqliteDb> writer, std::unique_ptr<SqliteDb> reader,
              BlobDirectory blobs)
      : writer_(std::move(writer)), reader_(std::move(reader)), blobs_(std::move(blobs)) {}

  // Open's housekeeping: matrices still inside the database (schema ≤ 2)
  // move to files; staged uploads of a dead process and unreferenced files go.
  absl::Status ExportDatabaseBlobs() ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::Status RemoveUncommittedAndOrphans() ABSL_LOCKS_EXCLUDED(write_mu_);
  // Files of the matrices selected by `where` (a condition on
  // training_matrices with one text parameter), read inside the caller's
  // transaction so they can be removed once it commits.
  absl::StatusOr<std::vector<std::string>> MatrixFiles(const char* where, const std::string& arg)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::StatusOr<JobRecord> FindJobByRequestIdOn(SqliteDb* db, const std::string& dataset,
                                                 const std::string& request_id);
  absl::StatusOr<JobRecord> GetJobLocked(SqliteDb* db, int64_t id);
  // Why a compare-and-set on job `id` by `owner` matched nothing.
  absl::Status JobNotOwned(int64_t id, const std::string& owner)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // The connections, only under their mutex. The *Locked / *On helpers take
  // one of them, so the caller holds the matching mutex.
  SqliteDb* writer() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) { return writer_.get(); }
  SqliteDb* reader() ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_) { return reader_.get(); }

  absl::StatusOr<DatasetRecord> GetDatasetLocked(SqliteDb* db, const std::string& name);
  absl::StatusOr<SketchRecord> GetSketchLocked(SqliteDb* db, const std::string& dataset,
                                               int64_t version, bool with_serialized);

  Mutex write_mu_;
  const std::unique_ptr<SqliteDb> writer_ ABSL_PT_GUARDED_BY(write_mu_);
  Mutex read_mu_;
  const std::unique_ptr<SqliteDb> reader_ ABSL_PT_GUARDED_BY(read_mu_);
  BlobDirectory blobs_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_SQLITE_STORE_H_
