// TrainOptions as "key=value" lines: how trained-sketch files and the store keep
// a job's options (readable with the sqlite3 shell, tolerant of new keys).
#ifndef SKETCHD_CORE_TRAINING_TRAIN_OPTIONS_TEXT_H_
#define SKETCHD_CORE_TRAINING_TRAIN_OPTIONS_TEXT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

std::string EncodeTrainOptions(const TrainOptions& options);
// Unknown keys are ignored (written by a newer server); bad values fail.
absl::StatusOr<TrainOptions> DecodeTrainOptions(absl::string_view text);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAIN_OPTIONS_TEXT_H_
