// Store on a PostgreSQL database shared by several sketchd replicas
// (--store postgresql://USER@HOST:PORT/DB).
//
// Every write is one transaction. Job claims use SELECT … FOR UPDATE SKIP
// LOCKED, so replicas polling at once never claim the same job and never
// wait for each other; leases are compared against the database's clock,
// so replicas need not agree on time. Default-pointer changes, sketch
// completion and upload commits lock the dataset's row first, so concurrent
// SetDefaultSketch / DeleteSketch / CompleteJob on one dataset serialise and
// always leave exactly one default per task with sketches.
//
// Training matrix bytes: by default in PostgreSQL (bytea chunks, TOAST
// compression off), so replicas need nothing but the database URL and rows
// and bytes commit in one transaction. That costs ingest speed (PostgreSQL
// writes each byte to its WAL and its heap, in ~2 kB TOAST rows; see
// docs/store.md for the measured figures), so with a blob directory every
// replica mounts at the same path (--blob_dir, e.g. NFS or a shared volume)
// the bytes go to fsync'd files there instead (blob_directory.h) and the
// database holds only their names: the protocol of the SQLite store. Files
// nobody references are removed at Open once they are an hour old (younger
// ones may belong to another replica's upload in flight).
//
// Connection failures surface as UNAVAILABLE; broken connections are
// dropped from the pool, so calls succeed again once the database is back,
// without restarting sketchd.
#ifndef SKETCHD_SERVER_POSTGRES_STORE_H_
#define SKETCHD_SERVER_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include <optional>

#include "server/blob_directory.h"
#include "server/postgres_connection.h"
#include "server/store.h"

namespace sketchd {

class PostgresStore : public Store {
 public:
  // Connects and applies missing migrations. UNAVAILABLE when the database
  // cannot be reached.
  // `blob_dir` empty = matrix bytes in the database.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const std::string& url,
                                                             const std::string& blob_dir = "",
                                                             int max_connections = 16);

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
  PostgresStore(std::unique_ptr<PgPool> pool, std::optional<BlobDirectory> blobs)
      : pool_(std::move(pool)), blobs_(std::move(blobs)) {}

  // Open's housekeeping in blob-directory mode.
  absl::Status RemoveStaleUploadsAndOrphans();

  absl::StatusOr<DatasetRecord> GetDatasetOn(PgConnection* conn, const std::string& name);
  absl::StatusOr<JobRecord> GetJobOn(PgConnection* conn, int64_t id, bool for_update);
  absl::StatusOr<SketchRecord> GetSketchOn(PgConnection* conn, const std::string& dataset,
                                           int64_t version);
  // Locks the dataset's row for the rest of the transaction (NotFound if absent).
  absl::Status LockDataset(PgConnection* conn, const std::string& name);
  absl::Status JobNotOwned(PgConnection* conn, int64_t id, const std::string& owner);

  std::unique_ptr<PgPool> pool_;
  std::optional<BlobDirectory> blobs_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_POSTGRES_STORE_H_
