#include "server/sqlite_migrations.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

const std::vector<std::string>& SqliteMigrations() {
  static const auto* migrations = new std::vector<std::string>{
      // 1: initial schema.
      R"sql(
CREATE TABLE datasets (
  name         TEXT PRIMARY KEY,
  n            INTEGER NOT NULL,
  d            INTEGER NOT NULL,              -- 0 = unconstrained
  description  TEXT NOT NULL,
  created_us   INTEGER NOT NULL,
  next_version INTEGER NOT NULL DEFAULT 1     -- sketch versions never reused
);
-- Packed little-endian row-major values as uploaded (validated). Rows of an
-- upload stay committed = 0 (invisible) until the whole stream commits.
CREATE TABLE training_matrices (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset    TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
  upload_id  TEXT NOT NULL,
  committed  INTEGER NOT NULL DEFAULT 0,
  rows       INTEGER NOT NULL,
  cols       INTEGER NOT NULL,
  dtype      INTEGER NOT NULL,                -- 1 float32, 2 float64
  data       BLOB NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE INDEX training_matrices_by_dataset ON training_matrices(dataset, committed);
CREATE INDEX training_matrices_by_upload ON training_matrices(upload_id);
CREATE TABLE jobs (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset        TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
  options        TEXT NOT NULL,               -- key=value lines (core/training/train_options_text.h)
  state          INTEGER NOT NULL,            -- sketchd.v1.JobState
  progress       REAL NOT NULL DEFAULT 0,
  message        TEXT NOT NULL DEFAULT '',
  error          TEXT NOT NULL DEFAULT '',
  created_us     INTEGER NOT NULL,
  started_us     INTEGER NOT NULL DEFAULT 0,
  finished_us    INTEGER NOT NULL DEFAULT 0,
  sketch_version INTEGER NOT NULL DEFAULT 0,
  restarted_from INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_dataset ON jobs(dataset);
CREATE INDEX jobs_by_state ON jobs(state);
CREATE TABLE sketches (
  dataset          TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
  version          INTEGER NOT NULL,
  task             TEXT NOT NULL,             -- "lowrank" | "regression"
  method           TEXT NOT NULL,
  k                INTEGER NOT NULL,
  m                INTEGER NOT NULL,
  n                INTEGER NOT NULL,
  d                INTEGER NOT NULL,
  created_us       INTEGER NOT NULL,
  is_default       INTEGER NOT NULL DEFAULT 0,
  job_id           INTEGER NOT NULL DEFAULT 0,
  train_seconds    REAL NOT NULL DEFAULT 0,
  val_metric       TEXT NOT NULL DEFAULT '',
  val_matrices     INTEGER NOT NULL DEFAULT 0,
  val_learned      REAL NOT NULL DEFAULT 0,
  val_random       REAL NOT NULL DEFAULT 0,
  val_random_seeds INTEGER NOT NULL DEFAULT 0,
  notes            TEXT NOT NULL DEFAULT '',
  options          TEXT NOT NULL,
  data             BLOB NOT NULL,             -- SerializeTrainedSketch (checksummed)
  PRIMARY KEY (dataset, version)
);
-- At most one default per (dataset, task).
CREATE UNIQUE INDEX sketches_one_default ON sketches(dataset, task) WHERE is_default = 1;
)sql",
      // 2: matrix bytes in their own table. SQLite rewrites (or at least
      // re-reads) a whole record on UPDATE, so flipping `committed` on rows
      // that carried multi-megabyte blobs cost as much as the upload itself.
      // training_matrices.data stays (empty) for the old schema's NOT NULL.
      R"sql(
CREATE TABLE training_matrix_data (
  matrix_id INTEGER PRIMARY KEY REFERENCES training_matrices(id) ON DELETE CASCADE,
  data      BLOB NOT NULL
);
INSERT INTO training_matrix_data(matrix_id, data) SELECT id, data FROM training_matrices;
UPDATE training_matrices SET data = x'';
)sql",
      // 3: matrix bytes move to files (blob_directory.h; the store's Open
      // exports rows left in training_matrix_data, one matrix per
      // transaction) and jobs gain ownership for several replicas
      // (store.h). file = '' means "still in training_matrix_data".
      R"sql(
ALTER TABLE training_matrices ADD COLUMN file TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_expires_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
)sql",
      // 4: idempotent StartTraining: the client's request id of the call
      // that created a job, unique per dataset ('' = none given).
      R"sql(
ALTER TABLE jobs ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX jobs_by_request_id ON jobs(dataset, request_id) WHERE request_id <> '';
)sql",
      // 5: validation sds (-1 = unknown, recorded before) and whether the
      // default was chosen by SetDefaultSketch (never replaced by a later
      // training job; default_sketch_policy.h).
      R"sql(
ALTER TABLE sketches ADD COLUMN val_learned_sd REAL NOT NULL DEFAULT -1;
ALTER TABLE sketches ADD COLUMN val_random_sd REAL NOT NULL DEFAULT -1;
ALTER TABLE sketches ADD COLUMN default_explicit INTEGER NOT NULL DEFAULT 0;
)sql",
      // 6: a job's error is a status code (absl::StatusCode, the gRPC code
      // numbers) plus the message. Rows written before carry only text:
      // UNKNOWN (2) when there is an error, OK (0) otherwise.
      R"sql(
ALTER TABLE jobs ADD COLUMN error_code INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET error_code = 2 WHERE error <> '';
)sql",
  };
  return *migrations;
}

absl::Status MigrateSqlite(SqliteDb* db) {
  auto stmt = db->Prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  auto row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  const int64_t current = (*stmt)->Int(0);
  stmt->reset();
  const auto& migrations = SqliteMigrations();
  const int64_t target = static_cast<int64_t>(migrations.size());
  if (current > target) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store schema version ", current, " is newer than this server understands (", target,
        "); run a newer sketchd"));
  }
  for (int64_t v = current; v < target; ++v) {
    SqliteTransaction txn(db);
    if (!txn.status().ok()) return txn.status();
    absl::Status s = db->Exec(migrations[v]);
    if (s.ok()) s = db->Exec(absl::StrCat("PRAGMA user_version = ", v + 1));
    if (s.ok()) s = txn.Commit();
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("migration ", v + 1, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace sketchd
