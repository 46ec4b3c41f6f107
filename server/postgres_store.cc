#include "server/postgres_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/training/train_options_text.h"
#include "server/job_ownership.h"
#include "server/postgres_migrations.h"
#include "server/wall_clock.h"
#include "server/store_rows.h"

namespace sketchd {
namespace {

// The database's clock in microseconds: leases are compared on one clock
// whatever the replicas' clocks say.
constexpr const char* kNowUs = "(extract(epoch from clock_timestamp()) * 1000000)::bigint";

// Matrix bytes per bytea row: far below PostgreSQL's 1 GB value limit, and
// large enough that per-row overhead is negligible.
constexpr int64_t kChunkBytes = int64_t{32} << 20;

constexpr int64_t kQueued = static_cast<int64_t>(JobState::kQueued);
constexpr int64_t kRunning = static_cast<int64_t>(JobState::kRunning);

bool IsForeignKeyViolation(const absl::Status& s) { return PgSqlState(s) == "23503"; }

// Older than this, an uncommitted upload or unreferenced blob file cannot
// belong to an upload still in flight on some replica.
constexpr int64_t kStaleUploadSeconds = 3600;

std::vector<std::string> FileColumn(const PgResult& r) {
  std::vector<std::string> files;
  for (int i = 0; i < r.rows(); ++i) {
    if (!r.Text(i, 0).empty()) files.push_back(r.Text(i, 0));
  }
  return files;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url,
                                                                   const std::string& blob_dir,
                                                                   int max_connections) {
  auto pool = std::make_unique<PgPool>(url, std::max(1, max_connections));
  {
    SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool->Acquire());
    SKETCHD_RETURN_IF_ERROR(MigratePostgres(conn.get()));
  }
  std::optional<BlobDirectory> blobs;
  if (!blob_dir.empty()) {
    SKETCHD_ASSIGN_OR_RETURN(BlobDirectory opened, BlobDirectory::Open(blob_dir));
    blobs.emplace(std::move(opened));
  }
  std::unique_ptr<PostgresStore> store(new PostgresStore(std::move(pool), std::move(blobs)));
  SKETCHD_RETURN_IF_ERROR(store->RemoveStaleUploadsAndOrphans());
  return store;
}

absl::Status PostgresStore::RemoveStaleUploadsAndOrphans() {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  // Uploads a dead replica left uncommitted: rows (with their chunks) go;
  // their files become orphans, removed below.
  SKETCHD_RETURN_IF_ERROR(
      conn->Exec("DELETE FROM training_matrices WHERE NOT committed AND created_us < $1",
                 PgParams().Add(NowMicros() - kStaleUploadSeconds * 1000000)));
  if (!blobs_.has_value()) return absl::OkStatus();
  SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> on_disk, blobs_->List());
  std::vector<std::string> orphans;
  for (const std::string& name : on_disk) {
    absl::StatusOr<double> age = blobs_->AgeSeconds(name);
    if (!age.ok() || *age < kStaleUploadSeconds) continue;
    SKETCHD_ASSIGN_OR_RETURN(PgResult used, conn->Query("SELECT 1 FROM training_matrices WHERE file = $1",
                                                        PgParams().Add(name)));
    if (used.rows() == 0) orphans.push_back(name);
  }
  blobs_->Remove(orphans);
  return absl::OkStatus();
}

absl::Status PostgresStore::LockDataset(PgConnection* conn, const std::string& name) {
  SKETCHD_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT 1 FROM datasets WHERE name = $1 FOR UPDATE",
                                                   PgParams().Add(name)));
  if (r.rows() == 0) return NoDatasetError(name);
  return absl::OkStatus();
}

// ---------------------------------------------------------------- datasets

absl::StatusOr<DatasetRecord> PostgresStore::CreateDataset(const DatasetRecord& dataset) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  DatasetRecord r = dataset;
  r.created_us = NowMicros();
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult ins,
      conn->Query("INSERT INTO datasets(name, n, d, description, created_us) "
                  "VALUES($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
                  PgParams().Add(r.name).Add(r.n).Add(r.d).Add(r.description).Add(r.created_us)));
  if (ins.affected() == 0) {
    return absl::AlreadyExistsError(absl::StrCat("dataset '", dataset.name, "' already exists"));
  }
  return r;
}

absl::StatusOr<DatasetRecord> PostgresStore::GetDatasetOn(PgConnection* conn,
                                                          const std::string& name) {
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query(absl::StrCat("SELECT ", kDatasetColumns,
                                           " FROM datasets d WHERE name = $1"),
                              PgParams().Add(name)));
  if (r.rows() == 0) return NoDatasetError(name);
  return ReadDatasetRow(PgRow{r, 0});
}

absl::StatusOr<DatasetRecord> PostgresStore::GetDataset(const std::string& name) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  return GetDatasetOn(conn.get(), name);
}

absl::StatusOr<std::vector<DatasetRecord>> PostgresStore::ListDatasets() {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  // COLLATE "C": byte order, as SQLite sorts, whatever the database locale.
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query(absl::StrCat("SELECT ", kDatasetColumns,
                                           " FROM datasets d ORDER BY name COLLATE \"C\"")));
  std::vector<DatasetRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReadDatasetRow(PgRow{r, i}));
  return out;
}

absl::Status PostgresStore::DeleteDataset(const std::string& name) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  PgTransaction txn(conn.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  // Locking the dataset first makes concurrent StageMatrix calls wait and
  // then fail their foreign key, so the file list below is complete.
  SKETCHD_RETURN_IF_ERROR(LockDataset(conn.get(), name));
  SKETCHD_ASSIGN_OR_RETURN(PgResult files, conn->Query("SELECT file FROM training_matrices "
                                                       "WHERE dataset = $1",
                                                       PgParams().Add(name)));
  // ON DELETE CASCADE removes matrices (and their chunks), jobs, sketches.
  SKETCHD_RETURN_IF_ERROR(conn->Exec("DELETE FROM datasets WHERE name = $1", PgParams().Add(name)));
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  if (blobs_.has_value()) blobs_->Remove(FileColumn(files));
  return absl::OkStatus();
}

// ------------------------------------------------------- training matrices

absl::Status PostgresStore::StageMatrix(const std::string& dataset, const std::string& upload_id,
                                        int64_t rows, int64_t cols, ElementType dtype,
                                        absl::string_view data) {
  std::string file;
  if (blobs_.has_value()) {
    SKETCHD_ASSIGN_OR_RETURN(file, blobs_->Write(data));
  }
  UncommittedBlob cleanup(blobs_.has_value() ? &*blobs_ : nullptr, file);
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  PgTransaction txn(conn.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  // Staged rows are invisible until CommitUpload, whose commit flushes the
  // WAL up to and including them; a crash before that loses nothing
  // anyone saw. So this commit need not wait for its own flush.
  SKETCHD_RETURN_IF_ERROR(conn->Exec("SET LOCAL synchronous_commit = off"));
  absl::StatusOr<PgResult> ins = conn->Query(
      "INSERT INTO training_matrices(dataset, upload_id, rows, cols, dtype, created_us, file) "
      "VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      PgParams().Add(dataset).Add(upload_id).Add(rows).Add(cols)
          .Add(int64_t{PackedTypeCode(dtype)}).Add(NowMicros()).Add(file));
  if (!ins.ok()) {
    if (IsForeignKeyViolation(ins.status())) return NoDatasetError(dataset);
    return ins.status();
  }
  if (!file.empty()) {
    SKETCHD_RETURN_IF_ERROR(txn.Commit());
    cleanup.Keep();
    return absl::OkStatus();
  }
  const int64_t id = ins->Int(0, 0);
  int64_t seq = 0;
  for (size_t off = 0; off < data.size() || seq == 0; off += kChunkBytes, ++seq) {
    const absl::string_view chunk = data.substr(off, kChunkBytes);
    SKETCHD_RETURN_IF_ERROR(
        conn->Exec("INSERT INTO training_matrix_chunks(matrix_id, seq, data) VALUES($1, $2, $3)",
                   PgParams().Add(id).Add(seq).AddBytes(chunk)));
  }
  return txn.Commit();
}

absl::StatusOr<int64_t> PostgresStore::CommitUpload(const std::string& dataset,
                                                    const std::string& upload_id) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  if (blobs_.has_value()) {
    // The files must be durable before the rows that publish them.
    SKETCHD_ASSIGN_OR_RETURN(PgResult files,
                             conn->Query("SELECT file FROM training_matrices WHERE upload_id = $1 "
                                         "AND NOT committed",
                                         PgParams().Add(upload_id)));
    SKETCHD_RETURN_IF_ERROR(blobs_->Sync(FileColumn(files)));
  }
  PgTransaction txn(conn.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  // Serialises commits to one dataset across replicas: the width check
  // below must see every other committed upload.
  SKETCHD_RETURN_IF_ERROR(LockDataset(conn.get(), dataset));
  SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, GetDatasetOn(conn.get(), dataset));
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult widths,
      conn->Query("SELECT DISTINCT cols FROM training_matrices WHERE dataset = $1 "
                  "AND (committed OR upload_id = $2)",
                  PgParams().Add(dataset).Add(upload_id)));
  if (widths.rows() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset '", dataset, "' already holds training matrices with ", ds.training_cols,
        " columns; every training matrix of a dataset needs the same column count"));
  }
  SKETCHD_RETURN_IF_ERROR(
      conn->Exec("UPDATE training_matrices SET committed = true WHERE upload_id = $1 "
                 "AND dataset = $2",
                 PgParams().Add(upload_id).Add(dataset)));
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult count, conn->Query("SELECT COUNT(*) FROM training_matrices WHERE dataset = $1 "
                                  "AND committed",
                                  PgParams().Add(dataset)));
  const int64_t total = count.Int(0, 0);
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return total;
}

absl::Status PostgresStore::AbortUpload(const std::string& upload_id) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult deleted, conn->Query("DELETE FROM training_matrices WHERE upload_id = $1 AND NOT "
                                    "committed RETURNING file",
                                    PgParams().Add(upload_id)));
  if (blobs_.has_value()) blobs_->Remove(FileColumn(deleted));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredMatrix>> PostgresStore::LoadTrainingMatrices(
    const std::string& dataset) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  // One snapshot for the list and every matrix's bytes.
  PgTransaction txn(conn.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult list, conn->Query("SELECT id, rows, cols, dtype, file FROM training_matrices "
                                 "WHERE dataset = $1 AND committed ORDER BY id",
                                 PgParams().Add(dataset)));
  std::vector<StoredMatrix> out(list.rows());
  for (int i = 0; i < list.rows(); ++i) {
    StoredMatrix& m = out[i];
    m.id = list.Int(i, 0);
    m.rows = list.Int(i, 1);
    m.cols = list.Int(i, 2);
    SKETCHD_ASSIGN_OR_RETURN(m.dtype, StoredElementType(list.Int(i, 3), m.id));
    const int64_t expected = m.rows * m.cols * ElementSize(m.dtype);
    const std::string file = list.Text(i, 4);
    if (!file.empty()) {
      if (!blobs_.has_value()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "training matrix ", m.id, " of dataset '", dataset, "' is stored in blob file '", file,
            "', but this replica runs without --blob_dir; start it with the shared blob directory"));
      }
      absl::StatusOr<std::string> bytes = blobs_->Read(file, expected);
      if (absl::IsNotFound(bytes.status())) {
        return absl::NotFoundError(absl::StrCat("dataset '", dataset,
                                                "' was deleted while its matrices were read"));
      }
      if (!bytes.ok()) return bytes.status();
      m.data = std::move(*bytes);
      continue;
    }
    SKETCHD_ASSIGN_OR_RETURN(
        PgResult chunks, conn->QueryBinary("SELECT data FROM training_matrix_chunks "
                                           "WHERE matrix_id = $1 ORDER BY seq",
                                           PgParams().Add(m.id)));
    int64_t total = 0;
    for (int c = 0; c < chunks.rows(); ++c) total += chunks.Bytes(c, 0).size();
    if (total != expected) {
      return absl::DataLossError(absl::StrCat("training matrix ", m.id, " of dataset '", dataset,
                                              "' has ", total, " bytes, expected ", expected));
    }
    m.data.reserve(static_cast<size_t>(expected));
    for (int c = 0; c < chunks.rows(); ++c) {
      const absl::string_view chunk = chunks.Bytes(c, 0);
      m.data.append(chunk.data(), chunk.size());
    }
  }
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return out;
}

// -------------------------------------------------------------------- jobs

absl::StatusOr<JobRecord> PostgresStore::CreateJob(const std::string& dataset,
                                                   const TrainOptions& options,
                                                   int64_t restarted_from,
                                                   const std::string& request_id, bool* created) {
  if (created != nullptr) *created = false;
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  JobRecord j = NewJobRecord(dataset, options, restarted_from);
  // One statement: with a request id the unique (dataset, request_id)
  // index arbitrates; a concurrent insert of the same id waits for the
  // other to commit and then inserts nothing (no row returned).
  absl::StatusOr<PgResult> ins = conn->Query(
      "INSERT INTO jobs(dataset, options, state, message, created_us, restarted_from, request_id) "
      "VALUES($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (dataset, request_id) WHERE request_id <> '' DO NOTHING RETURNING id",
      PgParams().Add(dataset).Add(EncodeTrainOptions(options)).Add(kQueued).Add(j.message)
          .Add(j.created_us).Add(restarted_from).Add(request_id));
  if (!ins.ok()) {
    if (IsForeignKeyViolation(ins.status())) return NoDatasetError(dataset);
    return ins.status();
  }
  if (ins->rows() == 0) {
    SKETCHD_ASSIGN_OR_RETURN(
        PgResult r, conn->Query(absl::StrCat("SELECT ", kJobColumns,
                                             " FROM jobs WHERE dataset = $1 AND request_id = $2"),
                                PgParams().Add(dataset).Add(request_id)));
    if (r.rows() == 0) return absl::AbortedError("request id conflict, but no job holds it; retry");
    return ReadJobRow(PgRow{r, 0});
  }
  j.id = ins->Int(0, 0);
  if (created != nullptr) *created = true;
  return j;
}

absl::StatusOr<JobRecord> PostgresStore::GetJobOn(PgConnection* conn, int64_t id,
                                                  bool for_update) {
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query(absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE id = $1",
                                           for_update ? " FOR UPDATE" : ""),
                              PgParams().Add(id)));
  if (r.rows() == 0) return NoJobError(id);
  return ReadJobRow(PgRow{r, 0});
}

absl::StatusOr<JobRecord> PostgresStore::GetJob(int64_t id) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  return GetJobOn(conn.get(), id, false);
}

absl::StatusOr<std::vector<JobRecord>> PostgresStore::ListJobs(const std::string& dataset) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query(absl::StrCat("SELECT ", kJobColumns,
                                           " FROM jobs WHERE $1 = '' OR dataset = $1 "
                                           "ORDER BY id DESC"),
                              PgParams().Add(dataset)));
  std::vector<JobRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    SKETCHD_ASSIGN_OR_RETURN(JobRecord j, ReadJobRow(PgRow{r, i}));
    out.push_back(std::move(j));
  }
  return out;
}

absl::Status PostgresStore::JobNotOwned(PgConnection* conn, int64_t id, const std::string& owner) {
  absl::StatusOr<JobRecord> now = GetJobOn(conn, id, false);
  if (!now.ok()) return now.status();
  return JobOwnershipError(*now, owner);
}

absl::Status PostgresStore::UpdateJob(const JobRecord& j) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult upd,
      conn->Query("UPDATE jobs SET state = $1, progress = $2, message = $3, error = $4, "
                  "started_us = $5, finished_us = $6, sketch_version = $7, error_code = $8 "
                  "WHERE id = $9 AND owner = $10 AND state IN ($11, $12)",
                  PgParams().Add(static_cast<int64_t>(j.state)).Add(j.progress).Add(j.message)
                      .Add(j.error).Add(j.started_us).Add(j.finished_us).Add(j.sketch_version)
                      .Add(static_cast<int64_t>(j.error_code)).Add(j.id).Add(j.owner).Add(kQueued).Add(kRunning)));
  if (upd.affected() > 0) return absl::OkStatus();
  absl::Status why = JobNotOwned(conn.get(), j.id, j.owner);
  // A job of a deleted dataset is gone; nothing to update is fine.
  if (absl::IsNotFound(why)) return absl::OkStatus();
  return why;
}

absl::StatusOr<SketchRecord> PostgresStore::CompleteJob(const JobRecord& job,
                                                        const TrainedSketch& trained) {
  const std::string blob = SerializeTrainedSketch(trained);
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  PgTransaction txn(conn.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  // Dataset row first (the order every default-pointer change takes), then
  // the job: concurrent completions and SetDefaultSketch cannot deadlock.
  SKETCHD_RETURN_IF_ERROR(LockDataset(conn.get(), job.dataset));
  SKETCHD_ASSIGN_OR_RETURN(JobRecord now, GetJobOn(conn.get(), job.id, true));
  if (now.state == JobState::kSucceeded && now.owner == job.owner && now.sketch_version > 0) {
    // A retried completion: the first one stored the sketch.
    return GetSketchOn(conn.get(), now.dataset, now.sketch_version);
  }
  if (IsTerminal(now.state) || now.owner != job.owner) return JobOwnershipError(now, job.owner);
  SKETCHD_ASSIGN_OR_RETURN(PgResult next,
                           conn->Query("SELECT next_version FROM datasets WHERE name = $1",
                                       PgParams().Add(job.dataset)));
  SketchRecord r = NewSketchRecord(job, trained, next.Int(0, 0), static_cast<int64_t>(blob.size()));
  const std::string task_name(SketchTaskName(r.task));
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult has_default,
      conn->Query("SELECT 1 FROM sketches WHERE dataset = $1 AND task = $2 AND is_default",
                  PgParams().Add(r.dataset).Add(task_name)));
  r.is_default = has_default.rows() == 0;
  SKETCHD_RETURN_IF_ERROR(conn->Exec(
      "INSERT INTO sketches(dataset, version, task, method, k, m, n, d, created_us, is_default, "
      "job_id, train_seconds, val_metric, val_matrices, val_learned, val_random, "
      "val_random_seeds, notes, options, data, val_learned_sd, val_random_sd) "
      "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)",
      PgParams().Add(r.dataset).Add(r.version).Add(task_name).Add(r.method).Add(r.k).Add(r.m)
          .Add(r.n).Add(r.d).Add(r.created_us).Add(r.is_default ? "true" : "false").Add(r.job_id)
          .Add(r.train_seconds).Add(r.validation.metric).Add(r.validation.num_matrices)
          .Add(r.validation.learned).Add(r.validation.random)
          .Add(static_cast<int64_t>(r.validation.random_seeds)).Add(r.notes)
          .Add(EncodeTrainOptions(r.options)).AddBytes(blob).Add(r.validation.learned_sd)
          .Add(r.validation.random_sd)));
  SKETCHD_RETURN_IF_ERROR(
      conn->Exec("UPDATE datasets SET next_version = next_version + 1 WHERE name = $1",
                 PgParams().Add(r.dataset)));
  SKETCHD_RETURN_IF_ERROR(conn->Exec(
      "UPDATE jobs SET state = $1, progress = 1, message = $2, error = '', error_code = 0, finished_us = $3, "
      "sketch_version = $4 WHERE id = $5",
      PgParams().Add(static_cast<int64_t>(JobState::kSucceeded)).Add(job.message)
          .Add(job.finished_us > 0 ? job.finished_us : NowMicros()).Add(r.version).Add(job.id)));
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return r;
}

absl::StatusOr<std::optional<JobRecord>> PostgresStore::ClaimJob(const std::string& owner,
                                                                 int64_t lease_us) {
  if (owner.empty()) return absl::InvalidArgumentError("ClaimJob needs a non-empty owner id");
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  // SKIP LOCKED: a job another replica is claiming right now is skipped,
  // not waited for; the inner WHERE is re-checked on the locked row.
  // Unowned RUNNING jobs belong to a single-process runner and have no lease.
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query(absl::StrCat(
                      "UPDATE jobs SET state = $1, owner = $2, lease_expires_us = ", kNowUs,
                      " + $3, started_us = CASE WHEN started_us = 0 THEN $4 ELSE started_us END, "
                      "message = $5 WHERE id = (SELECT id FROM jobs "
                      "WHERE (state = $6 AND NOT cancel_requested) "
                      "OR (state = $1 AND owner <> '' AND lease_expires_us < ", kNowUs, ") "
                      "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ", kJobColumns),
                  PgParams().Add(kRunning).Add(owner).Add(lease_us).Add(NowMicros())
                      .Add(absl::StrCat("claimed by ", owner)).Add(kQueued)));
  if (r.rows() == 0) return std::optional<JobRecord>();
  SKETCHD_ASSIGN_OR_RETURN(JobRecord claimed, ReadJobRow(PgRow{r, 0}));
  return std::optional<JobRecord>(std::move(claimed));
}

absl::StatusOr<JobRecord> PostgresStore::RenewLease(int64_t id, const std::string& owner,
                                                    int64_t lease_us) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query(absl::StrCat("UPDATE jobs SET lease_expires_us = ", kNowUs,
                               " + $1 WHERE id = $2 AND owner = $3 AND owner <> '' AND state = $4 "
                               "RETURNING ", kJobColumns),
                  PgParams().Add(lease_us).Add(id).Add(owner).Add(kRunning)));
  if (r.rows() == 0) return JobNotOwned(conn.get(), id, owner);
  return ReadJobRow(PgRow{r, 0});
}

absl::StatusOr<JobRecord> PostgresStore::RequestCancel(int64_t id) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  PgTransaction txn(conn.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(JobRecord job, GetJobOn(conn.get(), id, true));
  if (IsTerminal(job.state)) return JobAlreadyFinishedError(job);
  if (job.state == JobState::kQueued) {
    SKETCHD_RETURN_IF_ERROR(
        conn->Exec("UPDATE jobs SET state = $1, message = 'cancelled', "
                   "error = 'cancelled before it started', error_code = 1, "
                   "finished_us = $2 WHERE id = $3",
                   PgParams().Add(static_cast<int64_t>(JobState::kCancelled)).Add(NowMicros())
                       .Add(id)));
  } else {
    SKETCHD_RETURN_IF_ERROR(conn->Exec(
        "UPDATE jobs SET cancel_requested = true, message = 'cancelling' WHERE id = $1",
        PgParams().Add(id)));
  }
  SKETCHD_ASSIGN_OR_RETURN(job, GetJobOn(conn.get(), id, false));
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return job;
}

absl::StatusOr<JobRecord> PostgresStore::FindJobByRequestId(const std::string& dataset,
                                                            const std::string& request_id) {
  if (request_id.empty()) return absl::InvalidArgumentError("empty request id");
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query(absl::StrCat("SELECT ", kJobColumns,
                                           " FROM jobs WHERE dataset = $1 AND request_id = $2"),
                              PgParams().Add(dataset).Add(request_id)));
  if (r.rows() == 0) {
    return absl::NotFoundError(
        absl::StrCat("dataset '", dataset, "' has no job for request id '", request_id, "'"));
  }
  return ReadJobRow(PgRow{r, 0});
}

absl::StatusOr<JobRecord> PostgresStore::BindRequestId(int64_t id, const std::string& request_id) {
  if (request_id.empty()) return absl::InvalidArgumentError("empty request id");
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(JobRecord job, GetJobOn(conn.get(), id, false));
  // The unique index (dataset, request_id) decides between concurrent binds,
  // across replicas: the loser's UPDATE fails and it reads the winner.
  absl::Status s = conn->Exec("UPDATE jobs SET request_id = $2 WHERE id = $1",
                              PgParams().Add(id).Add(request_id));
  if (s.ok()) return job;
  if (PgSqlState(s) != "23505") return s;  // unique_violation
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query(absl::StrCat("SELECT ", kJobColumns,
                                           " FROM jobs WHERE dataset = $1 AND request_id = $2"),
                              PgParams().Add(job.dataset).Add(request_id)));
  if (r.rows() == 0) return s;
  return ReadJobRow(PgRow{r, 0});
}

absl::StatusOr<int64_t> PostgresStore::InterruptActiveJobs(const std::string& owner,
                                                           const std::string& reason) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query(absl::StrCat("UPDATE jobs SET state = $1, error = $2, error_code = 14, finished_us = $3 "
                               "WHERE state IN ($4, $5) AND owner = $6"),
                  PgParams().Add(static_cast<int64_t>(JobState::kInterrupted)).Add(reason)
                      .Add(NowMicros()).Add(kQueued).Add(kRunning).Add(owner)));
  return r.affected();
}

// ---------------------------------------------------------------- sketches

absl::StatusOr<std::vector<SketchRecord>> PostgresStore::ListSketches(
    const std::string& dataset, std::optional<SketchTask> task) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_RETURN_IF_ERROR(GetDatasetOn(conn.get(), dataset).status());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query(absl::StrCat("SELECT ", kSketchColumns,
                                           " FROM sketches WHERE dataset = $1 AND "
                                           "($2 = '' OR task = $2) ORDER BY version"),
                              PgParams().Add(dataset).Add(
                                  task ? std::string(SketchTaskName(*task)) : std::string())));
  std::vector<SketchRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    SKETCHD_ASSIGN_OR_RETURN(SketchRecord s, ReadSketchRow(PgRow{r, i}));
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<SketchRecord> PostgresStore::GetSketchOn(PgConnection* conn,
                                                        const std::string& dataset,
                                                        int64_t version) {
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query(absl::StrCat("SELECT ", kSketchColumns,
                                           " FROM sketches WHERE dataset = $1 AND version = $2"),
                              PgParams().Add(dataset).Add(version)));
  if (r.rows() == 0) {
    SKETCHD_RETURN_IF_ERROR(GetDatasetOn(conn, dataset).status());
    return NoSketchVersionError(dataset, version);
  }
  return ReadSketchRow(PgRow{r, 0});
}

absl::StatusOr<SketchRecord> PostgresStore::GetSketch(const std::string& dataset, int64_t version,
                                                      bool with_serialized) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchOn(conn.get(), dataset, version));
  if (with_serialized) {
    // Versions are immutable, so a second statement reads the same bytes
    // (or none, if the sketch was deleted in between).
    SKETCHD_ASSIGN_OR_RETURN(
        PgResult data, conn->QueryBinary("SELECT data FROM sketches WHERE dataset = $1 AND "
                                         "version = $2",
                                         PgParams().Add(dataset).Add(version)));
    if (data.rows() == 0) return NoSketchVersionError(dataset, version);
    r.serialized = std::string(data.Bytes(0, 0));
  }
  return r;
}

absl::StatusOr<int64_t> PostgresStore::DefaultSketchVersion(const std::string& dataset,
                                                            SketchTask task) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult r, conn->Query("SELECT version FROM sketches WHERE dataset = $1 AND task = $2 AND "
                              "is_default",
                              PgParams().Add(dataset).Add(SketchTaskName(task))));
  if (r.rows() > 0) return r.Int(0, 0);
  SKETCHD_RETURN_IF_ERROR(GetDatasetOn(conn.get(), dataset).status());
  return NoDefaultSketchError(dataset, task);
}

absl::StatusOr<SketchRecord> PostgresStore::SetDefaultSketch(const std::string& dataset,
                                                             int64_t version) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  PgTransaction txn(conn.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_RETURN_IF_ERROR(LockDataset(conn.get(), dataset));
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchOn(conn.get(), dataset, version));
  SKETCHD_RETURN_IF_ERROR(
      conn->Exec("UPDATE sketches SET is_default = false, default_explicit = false "
                 "WHERE dataset = $1 AND task = $2 AND is_default",
                 PgParams().Add(dataset).Add(SketchTaskName(r.task))));
  SKETCHD_RETURN_IF_ERROR(
      conn->Exec("UPDATE sketches SET is_default = true, default_explicit = true "
                 "WHERE dataset = $1 AND version = $2",
                 PgParams().Add(dataset).Add(version)));
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  r.is_default = true;
  r.default_explicit = true;
  return r;
}

absl::StatusOr<bool> PostgresStore::ReplaceAutomaticDefault(const std::string& dataset,
                                                            int64_t version,
                                                            int64_t expected_default) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  PgTransaction txn(conn.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_RETURN_IF_ERROR(LockDataset(conn.get(), dataset));
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchOn(conn.get(), dataset, version));
  SKETCHD_ASSIGN_OR_RETURN(
      PgResult current,
      conn->Query("SELECT version, CAST(default_explicit AS INTEGER) FROM sketches "
                  "WHERE dataset = $1 AND task = $2 AND is_default",
                  PgParams().Add(dataset).Add(SketchTaskName(r.task))));
  if (current.rows() == 0 || current.Int(0, 0) != expected_default || current.Int(0, 1) != 0) {
    return false;  // the transaction rolls back unchanged
  }
  SKETCHD_RETURN_IF_ERROR(
      conn->Exec("UPDATE sketches SET is_default = false WHERE dataset = $1 AND version = $2",
                 PgParams().Add(dataset).Add(expected_default)));
  SKETCHD_RETURN_IF_ERROR(
      conn->Exec("UPDATE sketches SET is_default = true, default_explicit = false "
                 "WHERE dataset = $1 AND version = $2",
                 PgParams().Add(dataset).Add(version)));
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return true;
}

absl::Status PostgresStore::DeleteSketch(const std::string& dataset, int64_t version) {
  SKETCHD_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_->Acquire());
  PgTransaction txn(conn.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_RETURN_IF_ERROR(LockDataset(conn.get(), dataset));
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchOn(conn.get(), dataset, version));
  SKETCHD_RETURN_IF_ERROR(conn->Exec("DELETE FROM sketches WHERE dataset = $1 AND version = $2",
                                     PgParams().Add(dataset).Add(version)));
  if (r.is_default) {
    // The newest remaining sketch of the task takes over.
    SKETCHD_RETURN_IF_ERROR(conn->Exec(
        "UPDATE sketches SET is_default = true WHERE dataset = $1 AND version = "
        "(SELECT MAX(version) FROM sketches WHERE dataset = $1 AND task = $2)",
        PgParams().Add(dataset).Add(SketchTaskName(r.task))));
  }
  return txn.Commit();
}

}  // namespace sketchd
