// TrainOptions as "key=value" lines: how the SQLite store keeps a job's
// options (readable with the sqlite3 shell, tolerant of new keys).
#ifndef SKETCHD_SERVER_TRAIN_OPTIONS_CODEC_H_
#define SKETCHD_SERVER_TRAIN_OPTIONS_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

std::string EncodeTrainOptions(const TrainOptions& options);
// Unknown keys are ignored (written by a newer server); bad values fail.
absl::StatusOr<TrainOptions> DecodeTrainOptions(absl::string_view text);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_TRAIN_OPTIONS_CODEC_H_
