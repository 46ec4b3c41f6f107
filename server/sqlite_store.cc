#include "server/sqlite_store.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/job_ownership.h"
#include "server/sqlite_migrations.h"
#include "server/store_rows.h"
#include "server/wall_clock.h"
#include "core/training/train_options_text.h"

namespace sketchd {
namespace {

constexpr int64_t kQueued = static_cast<int64_t>(JobState::kQueued);
constexpr int64_t kRunning = static_cast<int64_t>(JobState::kRunning);

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory '", data_dir, "': ", ec.message()));
  }
  const std::string path = (std::filesystem::path(data_dir) / "sketchd.db").string();
  SKETCHD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> writer, SqliteDb::Open(path));
  // page_size only takes effect on a new database (before WAL is enabled):
  // 64 KiB pages suit the multi-megabyte matrix blobs this database mostly holds.
  SKETCHD_RETURN_IF_ERROR(writer->Exec("PRAGMA page_size = 65536"));
  SKETCHD_RETURN_IF_ERROR(writer->Exec("PRAGMA journal_mode = WAL"));
  SKETCHD_RETURN_IF_ERROR(writer->Exec("PRAGMA synchronous = FULL"));
  SKETCHD_RETURN_IF_ERROR(writer->Exec("PRAGMA foreign_keys = ON"));
  SKETCHD_RETURN_IF_ERROR(MigrateSqlite(writer.get()));
  SKETCHD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> reader, SqliteDb::Open(path));
  SKETCHD_RETURN_IF_ERROR(reader->Exec("PRAGMA foreign_keys = ON"));
  SKETCHD_ASSIGN_OR_RETURN(
      BlobDirectory blobs,
      BlobDirectory::Open((std::filesystem::path(data_dir) / "matrices").string()));

  std::unique_ptr<SqliteStore> store(
      new SqliteStore(std::move(writer), std::move(reader), std::move(blobs)));
  SKETCHD_RETURN_IF_ERROR(store->RemoveUncommittedAndOrphans());
  SKETCHD_RETURN_IF_ERROR(store->ExportDatabaseBlobs());
  return store;
}

absl::StatusOr<std::vector<std::string>> SqliteStore::MatrixFiles(const char* where,
                                                                  const std::string& arg) {
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, writer()->Prepare(absl::StrCat("SELECT file FROM training_matrices WHERE file <> '' AND ",
                                            where)));
  q->Bind(1, arg);
  std::vector<std::string> files;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    files.push_back(q->Text(0));
  }
  return files;
}

absl::Status SqliteStore::RemoveUncommittedAndOrphans() {
  MutexLock lock(&write_mu_);
  {
    // Uploads of a previous process that never committed are garbage.
    SqliteTransaction txn(writer());
    SKETCHD_RETURN_IF_ERROR(txn.status());
    SKETCHD_RETURN_IF_ERROR(writer()->Exec("DELETE FROM training_matrices WHERE committed = 0"));
    SKETCHD_RETURN_IF_ERROR(txn.Commit());
  }
  // Files are written before their row commits and removed after its
  // deletion commits, so a crash leaves only files no row names.
  SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> on_disk, blobs_.List());
  std::vector<std::string> orphans;
  for (const std::string& name : on_disk) {
    SKETCHD_ASSIGN_OR_RETURN(auto q, writer()->Prepare("SELECT 1 FROM training_matrices WHERE file = ?"));
    q->Bind(1, name);
    SKETCHD_ASSIGN_OR_RETURN(bool used, q->Step());
    if (!used) orphans.push_back(name);
  }
  blobs_.Remove(orphans);
  return absl::OkStatus();
}

absl::Status SqliteStore::ExportDatabaseBlobs() {
  MutexLock lock(&write_mu_);
  while (true) {
    // One matrix per round: memory stays bounded by the largest matrix, and
    // an interrupted export resumes where it stopped.
    SKETCHD_ASSIGN_OR_RETURN(
        auto q, writer()->Prepare("SELECT b.matrix_id, b.data FROM training_matrix_data b "
                                 "JOIN training_matrices t ON t.id = b.matrix_id LIMIT 1"));
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    const int64_t id = q->Int(0);
    SKETCHD_ASSIGN_OR_RETURN(std::string file, blobs_.Write(q->Blob(1)));
    q.reset();
    SKETCHD_RETURN_IF_ERROR(blobs_.Sync({file}));
    SqliteTransaction txn(writer());
    SKETCHD_RETURN_IF_ERROR(txn.status());
    SKETCHD_ASSIGN_OR_RETURN(auto upd,
                             writer()->Prepare("UPDATE training_matrices SET file = ? WHERE id = ?"));
    upd->Bind(1, file).Bind(2, id);
    SKETCHD_RETURN_IF_ERROR(upd->Run());
    SKETCHD_ASSIGN_OR_RETURN(auto del,
                             writer()->Prepare("DELETE FROM training_matrix_data WHERE matrix_id = ?"));
    del->Bind(1, id);
    SKETCHD_RETURN_IF_ERROR(del->Run());
    SKETCHD_RETURN_IF_ERROR(txn.Commit());
  }
  // Blob rows whose matrix is gone (none expected) are dead weight.
  return writer()->Exec("DELETE FROM training_matrix_data");
}

// ---------------------------------------------------------------- datasets

absl::StatusOr<DatasetRecord> SqliteStore::CreateDataset(const DatasetRecord& dataset) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  {
    SKETCHD_ASSIGN_OR_RETURN(auto exists, writer()->Prepare("SELECT 1 FROM datasets WHERE name = ?"));
    exists->Bind(1, dataset.name);
    SKETCHD_ASSIGN_OR_RETURN(bool found, exists->Step());
    if (found) {
      return absl::AlreadyExistsError(absl::StrCat("dataset '", dataset.name, "' already exists"));
    }
  }
  SKETCHD_ASSIGN_OR_RETURN(
      auto ins, writer()->Prepare("INSERT INTO datasets(name, n, d, description, created_us) "
                                 "VALUES(?, ?, ?, ?, ?)"));
  DatasetRecord r = dataset;
  r.created_us = NowMicros();
  ins->Bind(1, r.name).Bind(2, r.n).Bind(3, r.d).Bind(4, r.description).Bind(5, r.created_us);
  SKETCHD_RETURN_IF_ERROR(ins->Run());
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return r;
}

absl::StatusOr<DatasetRecord> SqliteStore::GetDatasetLocked(SqliteDb* db, const std::string& name) {
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, db->Prepare(absl::StrCat("SELECT ", kDatasetColumns, " FROM datasets d WHERE name = ?")));
  q->Bind(1, name);
  SKETCHD_ASSIGN_OR_RETURN(bool found, q->Step());
  if (!found) return NoDatasetError(name);
  return ReadDatasetRow(*q);
}

absl::StatusOr<DatasetRecord> SqliteStore::GetDataset(const std::string& name) {
  MutexLock lock(&read_mu_);
  return GetDatasetLocked(reader(), name);
}

absl::StatusOr<std::vector<DatasetRecord>> SqliteStore::ListDatasets() {
  MutexLock lock(&read_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader()->Prepare(absl::StrCat("SELECT ", kDatasetColumns, " FROM datasets d ORDER BY name")));
  std::vector<DatasetRecord> out;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    out.push_back(ReadDatasetRow(*q));
  }
  return out;
}

absl::Status SqliteStore::DeleteDataset(const std::string& name) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> files, MatrixFiles("dataset = ?", name));
  SKETCHD_ASSIGN_OR_RETURN(auto del, writer()->Prepare("DELETE FROM datasets WHERE name = ?"));
  del->Bind(1, name);
  SKETCHD_RETURN_IF_ERROR(del->Run());
  if (writer()->Changes() == 0) return NoDatasetError(name);
  SKETCHD_RETURN_IF_ERROR(txn.Commit());  // ON DELETE CASCADE removes matrices, jobs, sketches
  blobs_.Remove(files);
  return absl::OkStatus();
}

// ------------------------------------------------------- training matrices

absl::Status SqliteStore::StageMatrix(const std::string& dataset, const std::string& upload_id,
                                      int64_t rows, int64_t cols, ElementType dtype,
                                      absl::string_view data) {
  // The bytes go to their file outside the lock: concurrent uploads write
  // in parallel, and only the small row insert is serialised.
  SKETCHD_ASSIGN_OR_RETURN(std::string file, blobs_.Write(data));
  UncommittedBlob cleanup(&blobs_, file);
  MutexLock lock(&write_mu_);
  // Staged rows are invisible and worthless after a crash (Open deletes
  // them), so their commit need not reach the disk: synchronous = NORMAL
  // skips the per-matrix WAL fsync (WAL stays consistent). CommitUpload
  // syncs the files, then runs with FULL, and its fsync of the WAL makes the
  // staged rows durable together with the flip that publishes them.
  SKETCHD_RETURN_IF_ERROR(writer()->Exec("PRAGMA synchronous = NORMAL"));
  struct RestoreFull {
    SqliteDb* db;
    ~RestoreFull() { db->Exec("PRAGMA synchronous = FULL").IgnoreError(); }
  } restore{writer()};
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(
      auto ins, writer()->Prepare("INSERT INTO training_matrices(dataset, upload_id, committed, "
                                 "rows, cols, dtype, data, created_us, file) "
                                 "VALUES(?, ?, 0, ?, ?, ?, x'', ?, ?)"));
  ins->Bind(1, dataset).Bind(2, upload_id).Bind(3, rows).Bind(4, cols)
      .Bind(5, int64_t{PackedTypeCode(dtype)}).Bind(6, NowMicros()).Bind(7, file);
  absl::Status s = ins->Run();
  if (!s.ok()) {
    if (absl::StrContains(s.message(), "FOREIGN KEY")) return NoDatasetError(dataset);
    return s;
  }
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  cleanup.Keep();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteStore::CommitUpload(const std::string& dataset,
                                                  const std::string& upload_id) {
  MutexLock lock(&write_mu_);
  {
    // The files must be durable before the rows that publish them.
    SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> files,
                             MatrixFiles("committed = 0 AND upload_id = ?", upload_id));
    SKETCHD_RETURN_IF_ERROR(blobs_.Sync(files));
  }
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, GetDatasetLocked(writer(), dataset));
  // Another upload may have committed a different width meanwhile.
  SKETCHD_ASSIGN_OR_RETURN(
      auto widths, writer()->Prepare("SELECT DISTINCT cols FROM training_matrices WHERE dataset = ? "
                                    "AND (committed = 1 OR upload_id = ?)"));
  widths->Bind(1, dataset).Bind(2, upload_id);
  int64_t distinct = 0, width = 0;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, widths->Step());
    if (!row) break;
    ++distinct;
    width = widths->Int(0);
  }
  if (distinct > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset '", dataset, "' already holds training matrices with ", ds.training_cols,
        " columns; every training matrix of a dataset needs the same column count"));
  }
  (void)width;
  SKETCHD_ASSIGN_OR_RETURN(
      auto upd, writer()->Prepare("UPDATE training_matrices SET committed = 1 WHERE upload_id = ? "
                                 "AND dataset = ?"));
  upd->Bind(1, upload_id).Bind(2, dataset);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  SKETCHD_ASSIGN_OR_RETURN(
      auto count, writer()->Prepare("SELECT COUNT(*) FROM training_matrices WHERE dataset = ? AND "
                                   "committed = 1"));
  count->Bind(1, dataset);
  SKETCHD_RETURN_IF_ERROR(count->Step().status());
  const int64_t total = count->Int(0);
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return total;
}

absl::Status SqliteStore::AbortUpload(const std::string& upload_id) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> files,
                           MatrixFiles("committed = 0 AND upload_id = ?", upload_id));
  SKETCHD_ASSIGN_OR_RETURN(
      auto del, writer()->Prepare("DELETE FROM training_matrices WHERE upload_id = ? AND committed = 0"));
  del->Bind(1, upload_id);
  SKETCHD_RETURN_IF_ERROR(del->Run());
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  blobs_.Remove(files);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredMatrix>> SqliteStore::LoadTrainingMatrices(
    const std::string& dataset) {
  std::vector<StoredMatrix> out;
  std::vector<std::string> files;
  {
    MutexLock lock(&read_mu_);
    SKETCHD_ASSIGN_OR_RETURN(
        auto q, reader()->Prepare("SELECT id, rows, cols, dtype, file FROM training_matrices "
                                 "WHERE dataset = ? AND committed = 1 ORDER BY id"));
    q->Bind(1, dataset);
    while (true) {
      SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
      if (!row) break;
      StoredMatrix m;
      m.id = q->Int(0);
      m.rows = q->Int(1);
      m.cols = q->Int(2);
      SKETCHD_ASSIGN_OR_RETURN(m.dtype, StoredElementType(q->Int(3), m.id));
      files.push_back(q->Text(4));
      out.push_back(std::move(m));
    }
  }
  // Files are read without the lock (they are immutable); one deleted
  // meanwhile means the dataset went away.
  for (size_t i = 0; i < out.size(); ++i) {
    StoredMatrix& m = out[i];
    absl::StatusOr<std::string> bytes =
        blobs_.Read(files[i], m.rows * m.cols * ElementSize(m.dtype));
    if (absl::IsNotFound(bytes.status())) {
      return absl::NotFoundError(absl::StrCat("dataset '", dataset,
                                              "' was deleted while its matrices were read"));
    }
    if (!bytes.ok()) return bytes.status();
    m.data = std::move(*bytes);
  }
  return out;
}

// -------------------------------------------------------------------- jobs

absl::StatusOr<JobRecord> SqliteStore::CreateJob(const std::string& dataset,
                                                 const TrainOptions& options,
                                                 int64_t restarted_from,
                                                 const std::string& request_id, bool* created) {
  if (created != nullptr) *created = false;
  MutexLock lock(&write_mu_);
  {
    SqliteTransaction txn(writer());
    SKETCHD_RETURN_IF_ERROR(txn.status());
    if (!request_id.empty()) {
      // BEGIN IMMEDIATE holds the database's write lock: no other writer
      // (thread or process) can bind the id between here and COMMIT.
      absl::StatusOr<JobRecord> earlier = FindJobByRequestIdOn(writer(), dataset, request_id);
      if (earlier.ok() || !absl::IsNotFound(earlier.status())) return earlier;
    }
    JobRecord j = NewJobRecord(dataset, options, restarted_from);
    SKETCHD_ASSIGN_OR_RETURN(
        auto ins, writer()->Prepare("INSERT INTO jobs(dataset, options, state, message, created_us, "
                                   "restarted_from, request_id) VALUES(?, ?, ?, ?, ?, ?, ?)"));
    ins->Bind(1, dataset).Bind(2, EncodeTrainOptions(options))
        .Bind(3, static_cast<int64_t>(j.state)).Bind(4, j.message).Bind(5, j.created_us)
        .Bind(6, restarted_from).Bind(7, request_id);
    absl::Status s = ins->Run();
    if (s.ok()) {
      j.id = writer()->LastInsertId();
      SKETCHD_RETURN_IF_ERROR(txn.Commit());
      if (created != nullptr) *created = true;
      return j;
    }
    if (absl::StrContains(s.message(), "FOREIGN KEY")) return NoDatasetError(dataset);
    if (request_id.empty() || !absl::StrContains(s.message(), "UNIQUE")) return s;
  }
  // The unique index refused the id (should the lookup above ever miss a
  // committed holder): return the job that holds it.
  return FindJobByRequestIdOn(writer(), dataset, request_id);
}

absl::StatusOr<JobRecord> SqliteStore::GetJobLocked(SqliteDb* db, int64_t id) {
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, db->Prepare(absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE id = ?")));
  q->Bind(1, id);
  SKETCHD_ASSIGN_OR_RETURN(bool found, q->Step());
  if (!found) return NoJobError(id);
  return ReadJobRow(*q);
}

absl::StatusOr<JobRecord> SqliteStore::GetJob(int64_t id) {
  MutexLock lock(&read_mu_);
  return GetJobLocked(reader(), id);
}

absl::Status SqliteStore::JobNotOwned(int64_t id, const std::string& owner) {
  absl::StatusOr<JobRecord> now = GetJobLocked(writer(), id);
  if (!now.ok()) return now.status();
  return JobOwnershipError(*now, owner);
}

absl::StatusOr<std::vector<JobRecord>> SqliteStore::ListJobs(const std::string& dataset) {
  MutexLock lock(&read_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader()->Prepare(absl::StrCat("SELECT ", kJobColumns,
                                            " FROM jobs WHERE ?1 = '' OR dataset = ?1 ORDER BY id DESC")));
  q->Bind(1, dataset);
  std::vector<JobRecord> out;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    SKETCHD_ASSIGN_OR_RETURN(JobRecord j, ReadJobRow(*q));
    out.push_back(std::move(j));
  }
  return out;
}

absl::Status SqliteStore::UpdateJob(const JobRecord& j) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(
      auto upd, writer()->Prepare("UPDATE jobs SET state = ?, progress = ?, message = ?, error = ?, "
                                 "started_us = ?, finished_us = ?, sketch_version = ?, "
                                 "error_code = ? "
                                 "WHERE id = ? AND owner = ? AND state IN (?, ?)"));
  upd->Bind(1, static_cast<int64_t>(j.state)).Bind(2, j.progress).Bind(3, j.message)
      .Bind(4, j.error).Bind(5, j.started_us).Bind(6, j.finished_us).Bind(7, j.sketch_version)
      .Bind(8, static_cast<int64_t>(j.error_code))
      .Bind(9, j.id).Bind(10, j.owner).Bind(11, kQueued).Bind(12, kRunning);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  if (writer()->Changes() == 0) {
    absl::Status why = JobNotOwned(j.id, j.owner);
    // A job of a deleted dataset is gone; nothing to update is fine.
    if (absl::IsNotFound(why)) return absl::OkStatus();
    return why;
  }
  return txn.Commit();
}

absl::StatusOr<SketchRecord> SqliteStore::CompleteJob(const JobRecord& job,
                                                      const TrainedSketch& trained) {
  const std::string blob = SerializeTrainedSketch(trained);
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  {
    SKETCHD_ASSIGN_OR_RETURN(JobRecord now, GetJobLocked(writer(), job.id));
    if (now.state == JobState::kSucceeded && now.owner == job.owner && now.sketch_version > 0) {
      // A retried completion: the first one stored the sketch.
      return GetSketchLocked(writer(), now.dataset, now.sketch_version, false);
    }
    if (IsTerminal(now.state) || now.owner != job.owner) return JobOwnershipError(now, job.owner);
  }
  SKETCHD_ASSIGN_OR_RETURN(auto next, writer()->Prepare("SELECT next_version FROM datasets WHERE name = ?"));
  next->Bind(1, job.dataset);
  SKETCHD_ASSIGN_OR_RETURN(bool found, next->Step());
  if (!found) return NoDatasetError(job.dataset);
  SketchRecord r = NewSketchRecord(job, trained, next->Int(0), static_cast<int64_t>(blob.size()));
  const std::string task_name(SketchTaskName(r.task));
  {
    SKETCHD_ASSIGN_OR_RETURN(
        auto has_default, writer()->Prepare("SELECT 1 FROM sketches WHERE dataset = ? AND task = ? "
                                           "AND is_default = 1"));
    has_default->Bind(1, r.dataset).Bind(2, task_name);
    SKETCHD_ASSIGN_OR_RETURN(bool exists, has_default->Step());
    r.is_default = !exists;
  }
  SKETCHD_ASSIGN_OR_RETURN(
      auto ins, writer()->Prepare(
                    "INSERT INTO sketches(dataset, version, task, method, k, m, n, d, created_us, "
                    "is_default, job_id, train_seconds, val_metric, val_matrices, val_learned, "
                    "val_random, val_random_seeds, notes, options, data, val_learned_sd, "
                    "val_random_sd) "
                    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  ins->Bind(1, r.dataset).Bind(2, r.version).Bind(3, task_name).Bind(4, r.method).Bind(5, r.k)
      .Bind(6, r.m).Bind(7, r.n).Bind(8, r.d).Bind(9, r.created_us)
      .Bind(10, static_cast<int64_t>(r.is_default)).Bind(11, r.job_id).Bind(12, r.train_seconds)
      .Bind(13, r.validation.metric).Bind(14, r.validation.num_matrices)
      .Bind(15, r.validation.learned).Bind(16, r.validation.random)
      .Bind(17, static_cast<int64_t>(r.validation.random_seeds)).Bind(18, r.notes)
      .Bind(19, EncodeTrainOptions(r.options)).BindStaticBlob(20, blob)
      .Bind(21, r.validation.learned_sd).Bind(22, r.validation.random_sd);
  SKETCHD_RETURN_IF_ERROR(ins->Run());
  SKETCHD_ASSIGN_OR_RETURN(auto bump, writer()->Prepare("UPDATE datasets SET next_version = next_version + 1 WHERE name = ?"));
  bump->Bind(1, r.dataset);
  SKETCHD_RETURN_IF_ERROR(bump->Run());
  JobRecord done = job;
  SKETCHD_ASSIGN_OR_RETURN(
      auto upd, writer()->Prepare("UPDATE jobs SET state = ?, progress = 1, message = ?, error = '', error_code = 0, "
                                 "finished_us = ?, sketch_version = ? WHERE id = ?"));
  upd->Bind(1, static_cast<int64_t>(JobState::kSucceeded)).Bind(2, job.message)
      .Bind(3, job.finished_us > 0 ? job.finished_us : NowMicros()).Bind(4, r.version).Bind(5, job.id);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return r;
}

absl::StatusOr<std::optional<JobRecord>> SqliteStore::ClaimJob(const std::string& owner,
                                                              int64_t lease_us) {
  if (owner.empty()) return absl::InvalidArgumentError("ClaimJob needs a non-empty owner id");
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());  // BEGIN IMMEDIATE: one claimer at a time
  SKETCHD_RETURN_IF_ERROR(txn.status());
  const int64_t now = NowMicros();
  // Unowned RUNNING jobs belong to a single-process runner (no lease) and
  // are never taken over.
  SKETCHD_ASSIGN_OR_RETURN(
      auto pick, writer()->Prepare("SELECT id FROM jobs WHERE (state = ? AND cancel_requested = 0) "
                                  "OR (state = ? AND owner <> '' AND lease_expires_us < ?) "
                                  "ORDER BY id LIMIT 1"));
  pick->Bind(1, kQueued).Bind(2, kRunning).Bind(3, now);
  SKETCHD_ASSIGN_OR_RETURN(bool found, pick->Step());
  if (!found) return std::optional<JobRecord>();
  const int64_t id = pick->Int(0);
  SKETCHD_ASSIGN_OR_RETURN(
      auto claim, writer()->Prepare("UPDATE jobs SET state = ?, owner = ?, lease_expires_us = ?, "
                                   "started_us = CASE started_us WHEN 0 THEN ? ELSE started_us END, "
                                   "message = ? WHERE id = ?"));
  claim->Bind(1, kRunning).Bind(2, owner).Bind(3, now + lease_us).Bind(4, now)
      .Bind(5, absl::StrCat("claimed by ", owner)).Bind(6, id);
  SKETCHD_RETURN_IF_ERROR(claim->Run());
  SKETCHD_ASSIGN_OR_RETURN(JobRecord claimed, GetJobLocked(writer(), id));
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return std::optional<JobRecord>(std::move(claimed));
}

absl::StatusOr<JobRecord> SqliteStore::RenewLease(int64_t id, const std::string& owner,
                                                  int64_t lease_us) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(
      auto upd, writer()->Prepare("UPDATE jobs SET lease_expires_us = ? "
                                 "WHERE id = ? AND owner = ? AND owner <> '' AND state = ?"));
  upd->Bind(1, NowMicros() + lease_us).Bind(2, id).Bind(3, owner).Bind(4, kRunning);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  if (writer()->Changes() == 0) return JobNotOwned(id, owner);
  SKETCHD_ASSIGN_OR_RETURN(JobRecord renewed, GetJobLocked(writer(), id));
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return renewed;
}

absl::StatusOr<JobRecord> SqliteStore::RequestCancel(int64_t id) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(JobRecord job, GetJobLocked(writer(), id));
  if (IsTerminal(job.state)) return JobAlreadyFinishedError(job);
  std::unique_ptr<SqliteStatement> upd;
  if (job.state == JobState::kQueued) {
    SKETCHD_ASSIGN_OR_RETURN(
        upd, writer()->Prepare("UPDATE jobs SET state = ?, message = 'cancelled', "
                              "error = 'cancelled before it started', error_code = 1, "
                              "finished_us = ? WHERE id = ?"));
    upd->Bind(1, static_cast<int64_t>(JobState::kCancelled)).Bind(2, NowMicros()).Bind(3, id);
  } else {
    SKETCHD_ASSIGN_OR_RETURN(
        upd, writer()->Prepare("UPDATE jobs SET cancel_requested = 1, message = 'cancelling' "
                              "WHERE id = ?"));
    upd->Bind(1, id);
  }
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  SKETCHD_ASSIGN_OR_RETURN(job, GetJobLocked(writer(), id));
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return job;
}

absl::StatusOr<JobRecord> SqliteStore::FindJobByRequestId(const std::string& dataset,
                                                          const std::string& request_id) {
  MutexLock lock(&read_mu_);
  return FindJobByRequestIdOn(reader(), dataset, request_id);
}

absl::StatusOr<JobRecord> SqliteStore::FindJobByRequestIdOn(SqliteDb* db,
                                                            const std::string& dataset,
                                                            const std::string& request_id) {
  if (request_id.empty()) return absl::InvalidArgumentError("empty request id");
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, db->Prepare(absl::StrCat("SELECT ", kJobColumns,
                                       " FROM jobs WHERE dataset = ? AND request_id = ?")));
  q->Bind(1, dataset).Bind(2, request_id);
  SKETCHD_ASSIGN_OR_RETURN(bool found, q->Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("dataset '", dataset, "' has no job for request id '", request_id, "'"));
  }
  return ReadJobRow(*q);
}

absl::StatusOr<JobRecord> SqliteStore::BindRequestId(int64_t id, const std::string& request_id) {
  if (request_id.empty()) return absl::InvalidArgumentError("empty request id");
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(JobRecord job, GetJobLocked(writer(), id));
  absl::StatusOr<JobRecord> holder = FindJobByRequestIdOn(writer(), job.dataset, request_id);
  if (holder.ok()) return holder;
  if (!absl::IsNotFound(holder.status())) return holder.status();
  SKETCHD_ASSIGN_OR_RETURN(auto upd,
                           writer()->Prepare("UPDATE jobs SET request_id = ? WHERE id = ?"));
  upd->Bind(1, request_id).Bind(2, id);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return job;
}

absl::StatusOr<int64_t> SqliteStore::InterruptActiveJobs(const std::string& owner,
                                                         const std::string& reason) {
  MutexLock lock(&write_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto upd, writer()->Prepare("UPDATE jobs SET state = ?, error = ?, error_code = 14, finished_us = ? "
                                 "WHERE state IN (?, ?) AND owner = ?"));
  upd->Bind(1, static_cast<int64_t>(JobState::kInterrupted)).Bind(2, reason).Bind(3, NowMicros())
      .Bind(4, kQueued).Bind(5, kRunning).Bind(6, owner);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  return writer()->Changes();
}

// ---------------------------------------------------------------- sketches

absl::StatusOr<std::vector<SketchRecord>> SqliteStore::ListSketches(
    const std::string& dataset, std::optional<SketchTask> task) {
  MutexLock lock(&read_mu_);
  SKETCHD_RETURN_IF_ERROR(GetDatasetLocked(reader(), dataset).status());
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader()->Prepare(absl::StrCat("SELECT ", kSketchColumns,
                                            " FROM sketches WHERE dataset = ?1 AND (?2 = '' OR task = ?2) "
                                            "ORDER BY version")));
  q->Bind(1, dataset).Bind(2, task ? std::string(SketchTaskName(*task)) : std::string());
  std::vector<SketchRecord> out;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, ReadSketchRow(*q));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<SketchRecord> SqliteStore::GetSketchLocked(SqliteDb* db, const std::string& dataset,
                                                          int64_t version, bool with_serialized) {
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, db->Prepare(absl::StrCat("SELECT ", kSketchColumns, with_serialized ? ", data" : "",
                                       " FROM sketches WHERE dataset = ? AND version = ?")));
  q->Bind(1, dataset).Bind(2, version);
  SKETCHD_ASSIGN_OR_RETURN(bool found, q->Step());
  if (!found) {
    SKETCHD_RETURN_IF_ERROR(GetDatasetLocked(db, dataset).status());
    return NoSketchVersionError(dataset, version);
  }
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, ReadSketchRow(*q));
  if (with_serialized) r.serialized = q->Blob(kSketchColumnCount);
  return r;
}

absl::StatusOr<SketchRecord> SqliteStore::GetSketch(const std::string& dataset, int64_t version,
                                                    bool with_serialized) {
  MutexLock lock(&read_mu_);
  return GetSketchLocked(reader(), dataset, version, with_serialized);
}

absl::StatusOr<int64_t> SqliteStore::DefaultSketchVersion(const std::string& dataset,
                                                          SketchTask task) {
  MutexLock lock(&read_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader()->Prepare("SELECT version FROM sketches WHERE dataset = ? AND task = ? AND "
                               "is_default = 1"));
  q->Bind(1, dataset).Bind(2, SketchTaskName(task));
  SKETCHD_ASSIGN_OR_RETURN(bool found, q->Step());
  if (found) return q->Int(0);
  SKETCHD_RETURN_IF_ERROR(GetDatasetLocked(reader(), dataset).status());
  return NoDefaultSketchError(dataset, task);
}

absl::StatusOr<SketchRecord> SqliteStore::SetDefaultSketch(const std::string& dataset,
                                                           int64_t version) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchLocked(writer(), dataset, version, false));
  SKETCHD_ASSIGN_OR_RETURN(
      auto clear, writer()->Prepare("UPDATE sketches SET is_default = 0, default_explicit = 0 "
                                   "WHERE dataset = ? AND task = ?"));
  clear->Bind(1, dataset).Bind(2, SketchTaskName(r.task));
  SKETCHD_RETURN_IF_ERROR(clear->Run());
  SKETCHD_ASSIGN_OR_RETURN(
      auto set, writer()->Prepare("UPDATE sketches SET is_default = 1, default_explicit = 1 "
                                 "WHERE dataset = ? AND version = ?"));
  set->Bind(1, dataset).Bind(2, version);
  SKETCHD_RETURN_IF_ERROR(set->Run());
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  r.is_default = true;
  r.default_explicit = true;
  return r;
}

absl::StatusOr<bool> SqliteStore::ReplaceAutomaticDefault(const std::string& dataset,
                                                          int64_t version,
                                                          int64_t expected_default) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchLocked(writer(), dataset, version, false));
  SKETCHD_ASSIGN_OR_RETURN(
      auto current, writer()->Prepare("SELECT version, default_explicit FROM sketches WHERE "
                                     "dataset = ? AND task = ? AND is_default = 1"));
  current->Bind(1, dataset).Bind(2, SketchTaskName(r.task));
  SKETCHD_ASSIGN_OR_RETURN(bool found, current->Step());
  if (!found || current->Int(0) != expected_default || current->Int(1) != 0) return false;
  current.reset();
  SKETCHD_ASSIGN_OR_RETURN(
      auto clear, writer()->Prepare("UPDATE sketches SET is_default = 0 WHERE dataset = ? AND version = ?"));
  clear->Bind(1, dataset).Bind(2, expected_default);
  SKETCHD_RETURN_IF_ERROR(clear->Run());
  SKETCHD_ASSIGN_OR_RETURN(
      auto set, writer()->Prepare("UPDATE sketches SET is_default = 1, default_explicit = 0 "
                                 "WHERE dataset = ? AND version = ?"));
  set->Bind(1, dataset).Bind(2, version);
  SKETCHD_RETURN_IF_ERROR(set->Run());
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return true;
}

absl::Status SqliteStore::DeleteSketch(const std::string& dataset, int64_t version) {
  MutexLock lock(&write_mu_);
  SqliteTransaction txn(writer());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchLocked(writer(), dataset, version, false));
  SKETCHD_ASSIGN_OR_RETURN(auto del, writer()->Prepare("DELETE FROM sketches WHERE dataset = ? AND version = ?"));
  del->Bind(1, dataset).Bind(2, version);
  SKETCHD_RETURN_IF_ERROR(del->Run());
  if (r.is_default) {
    // The newest remaining sketch of the task takes over.
    SKETCHD_ASSIGN_OR_RETURN(
        auto promote, writer()->Prepare(
                          "UPDATE sketches SET is_default = 1 WHERE dataset = ?1 AND version = "
                          "(SELECT MAX(version) FROM sketches WHERE dataset = ?1 AND task = ?2)"));
    promote->Bind(1, dataset).Bind(2, SketchTaskName(r.task));
    SKETCHD_RETURN_IF_ERROR(promote->Run());
  }
  return txn.Commit();
}

}  // namespace sketchd
