#include "server/sqlite_store.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/sqlite_migrations.h"
#include "core/training/train_options_text.h"

namespace sketchd {
namespace {

constexpr const char* kDatasetColumns =
    "d.name, d.n, d.d, d.description, d.created_us, "
    "(SELECT COUNT(*) FROM training_matrices t WHERE t.dataset = d.name AND t.committed = 1), "
    "(SELECT COALESCE(MAX(cols), 0) FROM training_matrices t WHERE t.dataset = d.name AND "
    "t.committed = 1), "
    "(SELECT COALESCE(SUM(rows * cols * CASE dtype WHEN 1 THEN 4 ELSE 8 END), 0) FROM "
    "training_matrices t WHERE t.dataset = d.name AND t.committed = 1), "
    "(SELECT COUNT(*) FROM sketches s WHERE s.dataset = d.name)";

DatasetRecord ReadDataset(const SqliteStatement& s) {
  DatasetRecord r;
  r.name = s.Text(0);
  r.n = s.Int(1);
  r.d = s.Int(2);
  r.description = s.Text(3);
  r.created_us = s.Int(4);
  r.num_matrices = s.Int(5);
  r.training_cols = s.Int(6);
  r.training_bytes = s.Int(7);
  r.num_sketches = s.Int(8);
  return r;
}

constexpr const char* kJobColumns =
    "id, dataset, options, state, progress, message, error, created_us, started_us, "
    "finished_us, sketch_version, restarted_from";

absl::StatusOr<JobRecord> ReadJob(const SqliteStatement& s) {
  JobRecord j;
  j.id = s.Int(0);
  j.dataset = s.Text(1);
  SKETCHD_ASSIGN_OR_RETURN(j.options, DecodeTrainOptions(s.Text(2)));
  j.state = static_cast<JobState>(s.Int(3));
  j.progress = s.Real(4);
  j.message = s.Text(5);
  j.error = s.Text(6);
  j.created_us = s.Int(7);
  j.started_us = s.Int(8);
  j.finished_us = s.Int(9);
  j.sketch_version = s.Int(10);
  j.restarted_from = s.Int(11);
  return j;
}

constexpr const char* kSketchColumns =
    "dataset, version, task, method, k, m, n, d, created_us, is_default, job_id, "
    "train_seconds, val_metric, val_matrices, val_learned, val_random, val_random_seeds, notes, "
    "options, length(data)";

absl::StatusOr<SketchRecord> ReadSketch(const SqliteStatement& s) {
  SketchRecord r;
  r.dataset = s.Text(0);
  r.version = s.Int(1);
  SKETCHD_ASSIGN_OR_RETURN(r.task, ParseSketchTask(s.Text(2)));
  r.method = s.Text(3);
  r.k = s.Int(4);
  r.m = s.Int(5);
  r.n = s.Int(6);
  r.d = s.Int(7);
  r.created_us = s.Int(8);
  r.is_default = s.Int(9) != 0;
  r.job_id = s.Int(10);
  r.train_seconds = s.Real(11);
  r.validation.metric = s.Text(12);
  r.validation.num_matrices = s.Int(13);
  r.validation.learned = s.Real(14);
  r.validation.random = s.Real(15);
  r.validation.random_seeds = static_cast<int>(s.Int(16));
  r.notes = s.Text(17);
  SKETCHD_ASSIGN_OR_RETURN(r.options, DecodeTrainOptions(s.Text(18)));
  r.serialized_bytes = s.Int(19);
  return r;
}

absl::Status NoDataset(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("dataset '", name, "' not found"));
}

}  // namespace

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(writer), std::move(reader)));
  {
    // Uploads of a previous process that never committed are garbage.
    SKETCHD_RETURN_IF_ERROR(store->writer_->Exec("DELETE FROM training_matrices WHERE committed = 0"));
  }
  SKETCHD_ASSIGN_OR_RETURN(store->interrupted_at_open_,
                           store->InterruptActiveJobs("server stopped while the job was active; "
                                                      "use RestartJob to run it again"));
  return store;
}

// ---------------------------------------------------------------- datasets

absl::StatusOr<DatasetRecord> SqliteStore::CreateDataset(const DatasetRecord& dataset) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SqliteTransaction txn(writer_.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  {
    SKETCHD_ASSIGN_OR_RETURN(auto exists, writer_->Prepare("SELECT 1 FROM datasets WHERE name = ?"));
    exists->Bind(1, dataset.name);
    SKETCHD_ASSIGN_OR_RETURN(bool found, exists->Step());
    if (found) {
      return absl::AlreadyExistsError(absl::StrCat("dataset '", dataset.name, "' already exists"));
    }
  }
  SKETCHD_ASSIGN_OR_RETURN(
      auto ins, writer_->Prepare("INSERT INTO datasets(name, n, d, description, created_us) "
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
  if (!found) return NoDataset(name);
  return ReadDataset(*q);
}

absl::StatusOr<DatasetRecord> SqliteStore::GetDataset(const std::string& name) {
  std::lock_guard<std::mutex> lock(read_mu_);
  return GetDatasetLocked(reader_.get(), name);
}

absl::StatusOr<std::vector<DatasetRecord>> SqliteStore::ListDatasets() {
  std::lock_guard<std::mutex> lock(read_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader_->Prepare(absl::StrCat("SELECT ", kDatasetColumns, " FROM datasets d ORDER BY name")));
  std::vector<DatasetRecord> out;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    out.push_back(ReadDataset(*q));
  }
  return out;
}

absl::Status SqliteStore::DeleteDataset(const std::string& name) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SqliteTransaction txn(writer_.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(auto del, writer_->Prepare("DELETE FROM datasets WHERE name = ?"));
  del->Bind(1, name);
  SKETCHD_RETURN_IF_ERROR(del->Run());
  if (writer_->Changes() == 0) return NoDataset(name);
  return txn.Commit();  // ON DELETE CASCADE removes matrices, jobs, sketches
}

// ------------------------------------------------------- training matrices

absl::Status SqliteStore::StageMatrix(const std::string& dataset, const std::string& upload_id,
                                      int64_t rows, int64_t cols, WireDtype dtype,
                                      absl::string_view data) {
  std::lock_guard<std::mutex> lock(write_mu_);
  // Staged rows are invisible and worthless after a crash (Open deletes
  // them), so their commit need not reach the disk: synchronous = NORMAL
  // skips the per-matrix WAL fsync (WAL stays consistent). CommitUpload runs
  // with FULL, and its fsync of the WAL makes the staged frames before it
  // durable together with the flip that publishes them.
  SKETCHD_RETURN_IF_ERROR(writer_->Exec("PRAGMA synchronous = NORMAL"));
  struct RestoreFull {
    SqliteDb* db;
    ~RestoreFull() { db->Exec("PRAGMA synchronous = FULL").IgnoreError(); }
  } restore{writer_.get()};
  SqliteTransaction txn(writer_.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(
      auto ins, writer_->Prepare("INSERT INTO training_matrices(dataset, upload_id, committed, "
                                 "rows, cols, dtype, data, created_us) VALUES(?, ?, 0, ?, ?, ?, x'', ?)"));
  ins->Bind(1, dataset).Bind(2, upload_id).Bind(3, rows).Bind(4, cols)
      .Bind(5, static_cast<int64_t>(dtype)).Bind(6, NowMicros());
  absl::Status s = ins->Run();
  if (!s.ok()) {
    if (absl::StrContains(s.message(), "FOREIGN KEY")) return NoDataset(dataset);
    return s;
  }
  SKETCHD_ASSIGN_OR_RETURN(
      auto blob, writer_->Prepare("INSERT INTO training_matrix_data(matrix_id, data) VALUES(?, ?)"));
  blob->Bind(1, writer_->LastInsertId()).BindStaticBlob(2, data);
  SKETCHD_RETURN_IF_ERROR(blob->Run());
  return txn.Commit();
}

absl::StatusOr<int64_t> SqliteStore::CommitUpload(const std::string& dataset,
                                                  const std::string& upload_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SqliteTransaction txn(writer_.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, GetDatasetLocked(writer_.get(), dataset));
  // Another upload may have committed a different width meanwhile.
  SKETCHD_ASSIGN_OR_RETURN(
      auto widths, writer_->Prepare("SELECT DISTINCT cols FROM training_matrices WHERE dataset = ? "
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
      auto upd, writer_->Prepare("UPDATE training_matrices SET committed = 1 WHERE upload_id = ? "
                                 "AND dataset = ?"));
  upd->Bind(1, upload_id).Bind(2, dataset);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  SKETCHD_ASSIGN_OR_RETURN(
      auto count, writer_->Prepare("SELECT COUNT(*) FROM training_matrices WHERE dataset = ? AND "
                                   "committed = 1"));
  count->Bind(1, dataset);
  SKETCHD_RETURN_IF_ERROR(count->Step().status());
  const int64_t total = count->Int(0);
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return total;
}

absl::Status SqliteStore::AbortUpload(const std::string& upload_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto del, writer_->Prepare("DELETE FROM training_matrices WHERE upload_id = ? AND committed = 0"));
  del->Bind(1, upload_id);
  return del->Run();
}

absl::StatusOr<std::vector<StoredMatrix>> SqliteStore::LoadTrainingMatrices(
    const std::string& dataset) {
  std::lock_guard<std::mutex> lock(read_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader_->Prepare("SELECT t.id, t.rows, t.cols, t.dtype, b.data FROM training_matrices t "
                               "LEFT JOIN training_matrix_data b ON b.matrix_id = t.id "
                               "WHERE t.dataset = ? AND t.committed = 1 ORDER BY t.id"));
  q->Bind(1, dataset);
  std::vector<StoredMatrix> out;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    StoredMatrix m;
    m.id = q->Int(0);
    m.rows = q->Int(1);
    m.cols = q->Int(2);
    m.dtype = static_cast<WireDtype>(q->Int(3));
    m.data = q->Blob(4);
    if (static_cast<int64_t>(m.data.size()) != m.rows * m.cols * WireDtypeSize(m.dtype)) {
      return absl::DataLossError(absl::StrCat("training matrix ", m.id, " of dataset '", dataset,
                                              "' has ", m.data.size(), " bytes, expected ",
                                              m.rows * m.cols * WireDtypeSize(m.dtype)));
    }
    out.push_back(std::move(m));
  }
  return out;
}

// -------------------------------------------------------------------- jobs

absl::StatusOr<JobRecord> SqliteStore::CreateJob(const std::string& dataset,
                                                 const TrainOptions& options,
                                                 int64_t restarted_from) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SqliteTransaction txn(writer_.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  JobRecord j;
  j.dataset = dataset;
  j.options = options;
  j.state = JobState::kQueued;
  j.created_us = NowMicros();
  j.restarted_from = restarted_from;
  j.message = "queued";
  SKETCHD_ASSIGN_OR_RETURN(
      auto ins, writer_->Prepare("INSERT INTO jobs(dataset, options, state, message, created_us, "
                                 "restarted_from) VALUES(?, ?, ?, ?, ?, ?)"));
  ins->Bind(1, dataset).Bind(2, EncodeTrainOptions(options))
      .Bind(3, static_cast<int64_t>(j.state)).Bind(4, j.message).Bind(5, j.created_us)
      .Bind(6, restarted_from);
  absl::Status s = ins->Run();
  if (!s.ok()) {
    if (absl::StrContains(s.message(), "FOREIGN KEY")) return NoDataset(dataset);
    return s;
  }
  j.id = writer_->LastInsertId();
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return j;
}

absl::StatusOr<JobRecord> SqliteStore::GetJob(int64_t id) {
  std::lock_guard<std::mutex> lock(read_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader_->Prepare(absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE id = ?")));
  q->Bind(1, id);
  SKETCHD_ASSIGN_OR_RETURN(bool found, q->Step());
  if (!found) return absl::NotFoundError(absl::StrCat("job ", id, " not found"));
  return ReadJob(*q);
}

absl::StatusOr<std::vector<JobRecord>> SqliteStore::ListJobs(const std::string& dataset) {
  std::lock_guard<std::mutex> lock(read_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader_->Prepare(absl::StrCat("SELECT ", kJobColumns,
                                            " FROM jobs WHERE ?1 = '' OR dataset = ?1 ORDER BY id DESC")));
  q->Bind(1, dataset);
  std::vector<JobRecord> out;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    SKETCHD_ASSIGN_OR_RETURN(JobRecord j, ReadJob(*q));
    out.push_back(std::move(j));
  }
  return out;
}

absl::Status SqliteStore::UpdateJob(const JobRecord& j) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto upd, writer_->Prepare("UPDATE jobs SET state = ?, progress = ?, message = ?, error = ?, "
                                 "started_us = ?, finished_us = ?, sketch_version = ? WHERE id = ?"));
  upd->Bind(1, static_cast<int64_t>(j.state)).Bind(2, j.progress).Bind(3, j.message)
      .Bind(4, j.error).Bind(5, j.started_us).Bind(6, j.finished_us).Bind(7, j.sketch_version)
      .Bind(8, j.id);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  // A job of a deleted dataset is gone; nothing to update is fine.
  return absl::OkStatus();
}

absl::StatusOr<SketchRecord> SqliteStore::CompleteJob(const JobRecord& job,
                                                      const TrainedSketch& trained) {
  const std::string blob = SerializeTrainedSketch(trained);
  std::lock_guard<std::mutex> lock(write_mu_);
  SqliteTransaction txn(writer_.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(auto next, writer_->Prepare("SELECT next_version FROM datasets WHERE name = ?"));
  next->Bind(1, job.dataset);
  SKETCHD_ASSIGN_OR_RETURN(bool found, next->Step());
  if (!found) return NoDataset(job.dataset);
  SketchRecord r;
  r.dataset = job.dataset;
  r.version = next->Int(0);
  r.task = trained.options.task;
  r.method = std::string(TrainMethodName(trained.options.method));
  r.k = trained.options.k;
  r.m = trained.m();
  r.n = trained.n;
  r.d = trained.d;
  r.created_us = NowMicros();
  r.job_id = job.id;
  r.train_seconds = trained.train_seconds;
  r.validation = trained.validation;
  r.notes = trained.notes;
  r.options = trained.options;
  r.serialized_bytes = static_cast<int64_t>(blob.size());
  const std::string task_name(SketchTaskName(r.task));
  {
    SKETCHD_ASSIGN_OR_RETURN(
        auto has_default, writer_->Prepare("SELECT 1 FROM sketches WHERE dataset = ? AND task = ? "
                                           "AND is_default = 1"));
    has_default->Bind(1, r.dataset).Bind(2, task_name);
    SKETCHD_ASSIGN_OR_RETURN(bool exists, has_default->Step());
    r.is_default = !exists;
  }
  SKETCHD_ASSIGN_OR_RETURN(
      auto ins, writer_->Prepare(
                    "INSERT INTO sketches(dataset, version, task, method, k, m, n, d, created_us, "
                    "is_default, job_id, train_seconds, val_metric, val_matrices, val_learned, "
                    "val_random, val_random_seeds, notes, options, data) "
                    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  ins->Bind(1, r.dataset).Bind(2, r.version).Bind(3, task_name).Bind(4, r.method).Bind(5, r.k)
      .Bind(6, r.m).Bind(7, r.n).Bind(8, r.d).Bind(9, r.created_us)
      .Bind(10, static_cast<int64_t>(r.is_default)).Bind(11, r.job_id).Bind(12, r.train_seconds)
      .Bind(13, r.validation.metric).Bind(14, r.validation.num_matrices)
      .Bind(15, r.validation.learned).Bind(16, r.validation.random)
      .Bind(17, static_cast<int64_t>(r.validation.random_seeds)).Bind(18, r.notes)
      .Bind(19, EncodeTrainOptions(r.options)).BindStaticBlob(20, blob);
  SKETCHD_RETURN_IF_ERROR(ins->Run());
  SKETCHD_ASSIGN_OR_RETURN(auto bump, writer_->Prepare("UPDATE datasets SET next_version = next_version + 1 WHERE name = ?"));
  bump->Bind(1, r.dataset);
  SKETCHD_RETURN_IF_ERROR(bump->Run());
  JobRecord done = job;
  SKETCHD_ASSIGN_OR_RETURN(
      auto upd, writer_->Prepare("UPDATE jobs SET state = ?, progress = 1, message = ?, error = '', "
                                 "finished_us = ?, sketch_version = ? WHERE id = ?"));
  upd->Bind(1, static_cast<int64_t>(JobState::kSucceeded)).Bind(2, job.message)
      .Bind(3, job.finished_us > 0 ? job.finished_us : NowMicros()).Bind(4, r.version).Bind(5, job.id);
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  return r;
}

absl::StatusOr<int64_t> SqliteStore::InterruptActiveJobs(const std::string& reason) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto upd, writer_->Prepare("UPDATE jobs SET state = ?, error = ?, finished_us = ? "
                                 "WHERE state IN (?, ?)"));
  upd->Bind(1, static_cast<int64_t>(JobState::kInterrupted)).Bind(2, reason).Bind(3, NowMicros())
      .Bind(4, static_cast<int64_t>(JobState::kQueued))
      .Bind(5, static_cast<int64_t>(JobState::kRunning));
  SKETCHD_RETURN_IF_ERROR(upd->Run());
  return writer_->Changes();
}

// ---------------------------------------------------------------- sketches

absl::StatusOr<std::vector<SketchRecord>> SqliteStore::ListSketches(
    const std::string& dataset, std::optional<SketchTask> task) {
  std::lock_guard<std::mutex> lock(read_mu_);
  SKETCHD_RETURN_IF_ERROR(GetDatasetLocked(reader_.get(), dataset).status());
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader_->Prepare(absl::StrCat("SELECT ", kSketchColumns,
                                            " FROM sketches WHERE dataset = ?1 AND (?2 = '' OR task = ?2) "
                                            "ORDER BY version")));
  q->Bind(1, dataset).Bind(2, task ? std::string(SketchTaskName(*task)) : std::string());
  std::vector<SketchRecord> out;
  while (true) {
    SKETCHD_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, ReadSketch(*q));
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
    return absl::NotFoundError(
        absl::StrCat("dataset '", dataset, "' has no sketch version ", version));
  }
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, ReadSketch(*q));
  if (with_serialized) r.serialized = q->Blob(20);
  return r;
}

absl::StatusOr<SketchRecord> SqliteStore::GetSketch(const std::string& dataset, int64_t version,
                                                    bool with_serialized) {
  std::lock_guard<std::mutex> lock(read_mu_);
  return GetSketchLocked(reader_.get(), dataset, version, with_serialized);
}

absl::StatusOr<int64_t> SqliteStore::DefaultSketchVersion(const std::string& dataset,
                                                          SketchTask task) {
  std::lock_guard<std::mutex> lock(read_mu_);
  SKETCHD_ASSIGN_OR_RETURN(
      auto q, reader_->Prepare("SELECT version FROM sketches WHERE dataset = ? AND task = ? AND "
                               "is_default = 1"));
  q->Bind(1, dataset).Bind(2, SketchTaskName(task));
  SKETCHD_ASSIGN_OR_RETURN(bool found, q->Step());
  if (found) return q->Int(0);
  SKETCHD_RETURN_IF_ERROR(GetDatasetLocked(reader_.get(), dataset).status());
  return absl::FailedPreconditionError(absl::StrCat(
      "dataset '", dataset, "' has no default ", SketchTaskName(task),
      " sketch yet: train one (StartTraining) or use a random sketch selector"));
}

absl::StatusOr<SketchRecord> SqliteStore::SetDefaultSketch(const std::string& dataset,
                                                           int64_t version) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SqliteTransaction txn(writer_.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchLocked(writer_.get(), dataset, version, false));
  SKETCHD_ASSIGN_OR_RETURN(
      auto clear, writer_->Prepare("UPDATE sketches SET is_default = 0 WHERE dataset = ? AND task = ?"));
  clear->Bind(1, dataset).Bind(2, SketchTaskName(r.task));
  SKETCHD_RETURN_IF_ERROR(clear->Run());
  SKETCHD_ASSIGN_OR_RETURN(
      auto set, writer_->Prepare("UPDATE sketches SET is_default = 1 WHERE dataset = ? AND version = ?"));
  set->Bind(1, dataset).Bind(2, version);
  SKETCHD_RETURN_IF_ERROR(set->Run());
  SKETCHD_RETURN_IF_ERROR(txn.Commit());
  r.is_default = true;
  return r;
}

absl::Status SqliteStore::DeleteSketch(const std::string& dataset, int64_t version) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SqliteTransaction txn(writer_.get());
  SKETCHD_RETURN_IF_ERROR(txn.status());
  SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, GetSketchLocked(writer_.get(), dataset, version, false));
  SKETCHD_ASSIGN_OR_RETURN(auto del, writer_->Prepare("DELETE FROM sketches WHERE dataset = ? AND version = ?"));
  del->Bind(1, dataset).Bind(2, version);
  SKETCHD_RETURN_IF_ERROR(del->Run());
  if (r.is_default) {
    // The newest remaining sketch of the task takes over.
    SKETCHD_ASSIGN_OR_RETURN(
        auto promote, writer_->Prepare(
                          "UPDATE sketches SET is_default = 1 WHERE dataset = ?1 AND version = "
                          "(SELECT MAX(version) FROM sketches WHERE dataset = ?1 AND task = ?2)"));
    promote->Bind(1, dataset).Bind(2, SketchTaskName(r.task));
    SKETCHD_RETURN_IF_ERROR(promote->Run());
  }
  return txn.Commit();
}

}  // namespace sketchd
