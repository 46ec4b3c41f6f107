// TrainOptions as "key=value" lines: how trained-sketch files and the store keep
// a job's options (readable with the sqlite3 shell, tolerant of new keys).
// One line per row of the option table (train_option_table.h), in its order.
#ifndef SKETCHD_CORE_TRAINING_TRAIN_OPTIONS_TEXT_H_
#define SKETCHD_CORE_TRAINING_TRAIN_OPTIONS_TEXT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

std::string EncodeTrainOptions(const TrainOptions& options);
// Unknown keys are ignored (written by a newer server, or the other keys of a
// trained-sketch file); absent keys keep their defaults; bad values fail
// (DataLoss; an unknown method or task name InvalidArgument). Values are not
// range-checked: the text holds what was accepted when it was written.
absl::StatusOr<TrainOptions> DecodeTrainOptions(absl::string_view text);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAIN_OPTIONS_TEXT_H_
