#include "server/postgres_migrations.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace sketchd {
namespace {

// Any constant: serialises schema changes between replicas.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7283514023)";

}  // namespace

const std::vector<std::string>& PostgresMigrations() {
  static const auto* migrations = new std::vector<std::string>{
      // 1: initial schema: the SQLite store's schema 3 (sqlite_migrations.cc),
      // with matrix bytes in the database in chunks (a bytea value is
      // limited to 1 GB, and chunks keep each statement's buffer bounded).
      R"sql(
CREATE TABLE datasets (
  name         TEXT PRIMARY KEY,
  n            BIGINT NOT NULL,
  d            BIGINT NOT NULL,              -- 0 = unconstrained
  description  TEXT NOT NULL,
  created_us   BIGINT NOT NULL,
  next_version BIGINT NOT NULL DEFAULT 1     -- sketch versions never reused
);
CREATE TABLE training_matrices (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset    TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
  upload_id  TEXT NOT NULL,
  committed  BOOLEAN NOT NULL DEFAULT false,
  rows       BIGINT NOT NULL,
  cols       BIGINT NOT NULL,
  dtype      INTEGER NOT NULL,               -- 1 float32, 2 float64
  created_us BIGINT NOT NULL
);
CREATE INDEX training_matrices_by_dataset ON training_matrices(dataset, committed);
CREATE INDEX training_matrices_by_upload ON training_matrices(upload_id);
CREATE TABLE training_matrix_chunks (
  matrix_id BIGINT NOT NULL REFERENCES training_matrices(id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  data      BYTEA NOT NULL,
  PRIMARY KEY (matrix_id, seq)
);
-- Floating-point bytes do not compress: skip TOAST's pglz attempt.
ALTER TABLE training_matrix_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE jobs (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset          TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
  options          TEXT NOT NULL,
  state            INTEGER NOT NULL,          -- sketchd.v1.JobState
  progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
  message          TEXT NOT NULL DEFAULT '',
  error            TEXT NOT NULL DEFAULT '',
  created_us       BIGINT NOT NULL,
  started_us       BIGINT NOT NULL DEFAULT 0,
  finished_us      BIGINT NOT NULL DEFAULT 0,
  sketch_version   BIGINT NOT NULL DEFAULT 0,
  restarted_from   BIGINT NOT NULL DEFAULT 0,
  owner            TEXT NOT NULL DEFAULT '',
  lease_expires_us BIGINT NOT NULL DEFAULT 0,
  cancel_requested BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX jobs_by_dataset ON jobs(dataset);
CREATE INDEX jobs_by_state ON jobs(state);
CREATE TABLE sketches (
  dataset          TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
  version          BIGINT NOT NULL,
  task             TEXT NOT NULL,
  method           TEXT NOT NULL,
  k                BIGINT NOT NULL,
  m                BIGINT NOT NULL,
  n                BIGINT NOT NULL,
  d                BIGINT NOT NULL,
  created_us       BIGINT NOT NULL,
  is_default       BOOLEAN NOT NULL DEFAULT false,
  job_id           BIGINT NOT NULL DEFAULT 0,
  train_seconds    DOUBLE PRECISION NOT NULL DEFAULT 0,
  val_metric       TEXT NOT NULL DEFAULT '',
  val_matrices     BIGINT NOT NULL DEFAULT 0,
  val_learned      DOUBLE PRECISION NOT NULL DEFAULT 0,
  val_random       DOUBLE PRECISION NOT NULL DEFAULT 0,
  val_random_seeds BIGINT NOT NULL DEFAULT 0,
  notes            TEXT NOT NULL DEFAULT '',
  options          TEXT NOT NULL,
  data             BYTEA NOT NULL,
  PRIMARY KEY (dataset, version)
);
ALTER TABLE sketches ALTER COLUMN data SET STORAGE EXTERNAL;
-- At most one default per (dataset, task).
CREATE UNIQUE INDEX sketches_one_default ON sketches(dataset, task) WHERE is_default;
-- A job completes into at most one sketch, whatever the retries.
CREATE UNIQUE INDEX sketches_one_per_job ON sketches(job_id) WHERE job_id > 0;
)sql",
      // 2: optional shared blob directory (--blob_dir): a matrix's bytes are
      // either chunks (file = '') or the named file there.
      R"sql(
ALTER TABLE training_matrices ADD COLUMN file TEXT NOT NULL DEFAULT '';
)sql",
      // 3: idempotent StartTraining (SQLite schema 4): the client's request
      // id of the call that created a job, unique per dataset ('' = none).
      R"sql(
ALTER TABLE jobs ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX jobs_by_request_id ON jobs(dataset, request_id) WHERE request_id <> '';
)sql",
      // 4: validation sds (-1 = unknown, recorded before) and whether the
      // default was chosen by SetDefaultSketch (default_sketch_policy.h).
      R"sql(
ALTER TABLE sketches ADD COLUMN val_learned_sd DOUBLE PRECISION NOT NULL DEFAULT -1;
ALTER TABLE sketches ADD COLUMN val_random_sd DOUBLE PRECISION NOT NULL DEFAULT -1;
ALTER TABLE sketches ADD COLUMN default_explicit BOOLEAN NOT NULL DEFAULT false;
)sql",
      // 5: a job's error is a status code (SQLite schema 6; absl::StatusCode, the gRPC code
      // numbers) plus the message. Rows written before carry only text:
      // UNKNOWN (2) when there is an error, OK (0) otherwise.
      R"sql(
ALTER TABLE jobs ADD COLUMN error_code INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET error_code = 2 WHERE error <> '';
)sql",
  };
  return *migrations;
}

absl::Status MigratePostgres(PgConnection* conn) {
  const auto& migrations = PostgresMigrations();
  const int64_t target = static_cast<int64_t>(migrations.size());
  {
    PgTransaction txn(conn);
    SKETCHD_RETURN_IF_ERROR(txn.status());
    SKETCHD_RETURN_IF_ERROR(conn->Exec(kMigrationLock));
    SKETCHD_RETURN_IF_ERROR(
        conn->Exec("CREATE TABLE IF NOT EXISTS sketchd_schema (version BIGINT NOT NULL)"));
    SKETCHD_ASSIGN_OR_RETURN(PgResult rows, conn->Query("SELECT count(*) FROM sketchd_schema"));
    if (rows.Int(0, 0) == 0) {
      SKETCHD_RETURN_IF_ERROR(conn->Exec("INSERT INTO sketchd_schema(version) VALUES (0)"));
    }
    SKETCHD_RETURN_IF_ERROR(txn.Commit());
  }
  while (true) {
    PgTransaction txn(conn);
    SKETCHD_RETURN_IF_ERROR(txn.status());
    SKETCHD_RETURN_IF_ERROR(conn->Exec(kMigrationLock));
    SKETCHD_ASSIGN_OR_RETURN(PgResult row, conn->Query("SELECT version FROM sketchd_schema"));
    const int64_t current = row.Int(0, 0);
    if (current > target) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store schema version ", current, " is newer than this server understands (", target,
          "); run a newer sketchd"));
    }
    if (current == target) return absl::OkStatus();
    absl::Status s = conn->ExecScript(migrations[current]);
    if (s.ok()) {
      s = conn->Exec("UPDATE sketchd_schema SET version = $1", PgParams().Add(current + 1));
    }
    if (s.ok()) s = txn.Commit();
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("migration ", current + 1, ": ", s.message()));
    }
  }
}

}  // namespace sketchd
