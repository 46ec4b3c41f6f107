// What the SQL stores share: the column lists of their record queries (in
// SQL both SQLite and PostgreSQL accept), the decoding of a result row into
// records, the record of a newly completed sketch, and the NotFound /
// FailedPrecondition messages, so every backend answers alike.
//
// `Row` is any type with Int(col), Real(col) and Text(col) for the current
// row (SqliteStatement; PgRow for libpq results).
#ifndef SKETCHD_SERVER_STORE_ROWS_H_
#define SKETCHD_SERVER_STORE_ROWS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/io/packed_rows.h"
#include "core/status_macros.h"
#include "core/training/train_options_text.h"
#include "server/store.h"

namespace sketchd {

// FROM datasets d.
inline constexpr const char* kDatasetColumns =
    "d.name, d.n, d.d, d.description, d.created_us, "
    "(SELECT COUNT(*) FROM training_matrices t WHERE t.dataset = d.name AND t.committed), "
    "(SELECT COALESCE(MAX(cols), 0) FROM training_matrices t WHERE t.dataset = d.name AND "
    "t.committed), "
    "(SELECT COALESCE(SUM(rows * cols * CASE dtype WHEN 1 THEN 4 ELSE 8 END), 0) FROM "
    "training_matrices t WHERE t.dataset = d.name AND t.committed), "
    "(SELECT COUNT(*) FROM sketches s WHERE s.dataset = d.name)";

inline constexpr const char* kJobColumns =
    "id, dataset, options, state, progress, message, error, created_us, started_us, "
    "finished_us, sketch_version, restarted_from, owner, lease_expires_us, "
    "CAST(cancel_requested AS INTEGER), error_code";

// Without the sketch bytes; their length is the last column.
inline constexpr const char* kSketchColumns =
    "dataset, version, task, method, k, m, n, d, created_us, CAST(is_default AS INTEGER), job_id, "
    "train_seconds, val_metric, val_matrices, val_learned, val_random, val_random_seeds, notes, "
    "options, length(data), val_learned_sd, val_random_sd, CAST(default_explicit AS INTEGER)";
inline constexpr int kSketchColumnCount = 23;

template <class Row>
DatasetRecord ReadDatasetRow(const Row& s) {
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

template <class Row>
absl::StatusOr<JobRecord> ReadJobRow(const Row& s) {
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
  j.owner = s.Text(12);
  j.lease_expires_us = s.Int(13);
  j.cancel_requested = s.Int(14) != 0;
  j.error_code = static_cast<absl::StatusCode>(s.Int(15));
  if (j.error_code == absl::StatusCode::kOk && !j.error.empty()) {
    j.error_code = absl::StatusCode::kUnknown;
  }
  return j;
}

template <class Row>
absl::StatusOr<SketchRecord> ReadSketchRow(const Row& s) {
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
  r.validation.learned_sd = s.Real(20);
  r.validation.random_sd = s.Real(21);
  r.default_explicit = s.Int(22) != 0;
  return r;
}

// A new QUEUED job as CreateJob stores it (id left to the database).
JobRecord NewJobRecord(const std::string& dataset, const TrainOptions& options,
                       int64_t restarted_from);

// The record CompleteJob stores for `trained` as `version` (is_default is
// the caller's to decide).
SketchRecord NewSketchRecord(const JobRecord& job, const TrainedSketch& trained, int64_t version,
                             int64_t serialized_bytes);

absl::Status NoDatasetError(const std::string& name);
absl::Status NoSketchVersionError(const std::string& dataset, int64_t version);
absl::Status NoDefaultSketchError(const std::string& dataset, SketchTask task);
absl::Status NoJobError(int64_t id);

// The element type of a stored training matrix from its dtype column (the
// packed-rows code: 1 float32, 2 float64); DataLoss for anything else.
inline absl::StatusOr<ElementType> StoredElementType(int64_t code, int64_t matrix_id) {
  absl::StatusOr<ElementType> type = PackedTypeFromCode(static_cast<int>(code), "stored matrix");
  if (!type.ok() || code != PackedTypeCode(*type)) {
    return absl::DataLossError(absl::StrCat("training matrix ", matrix_id,
                                            " has an unknown dtype code ", code));
  }
  return type;
}

}  // namespace sketchd

#endif  // SKETCHD_SERVER_STORE_ROWS_H_
