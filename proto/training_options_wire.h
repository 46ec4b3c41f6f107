// TrainOptions ↔ sketchd.v1.TrainingOptions, shared by the server (StartTraining,
// Job records) and the client (sketchctl train), so there is one mapping.
//
// The proto keeps an explicit field per option (the wire contract), named
// like its row in core's option table (core/training/train_option_table.h).
// The mapping is derived from the table through protobuf reflection: each
// row's field is found by name and its value carried as the row's text, so a
// new option needs its table row and its proto field, no line here. Rules are
// the table's: FromWire ends with CheckTrainOptions, so the server refuses an
// out-of-range value with the same message as core and the CLI. Proto3
// defaults: an unset `optional` field (validation_fraction, mixed_joint,
// heavy_fraction, lasso_lambda_fraction) keeps core's default; k = 0 keeps
// core's default for the regression task (where k is unused); every other
// field is taken as sent (0 = method default where the table says so).
// tests/server/training_options_wire_test.cc round-trips every table row and
// fails on a row without a field.
#ifndef SKETCHD_PROTO_TRAINING_OPTIONS_WIRE_H_
#define SKETCHD_PROTO_TRAINING_OPTIONS_WIRE_H_

#include "absl/status/statusor.h"
#include "core/training/trained_sketch.h"
#include "sketchd/v1/sketchd.pb.h"

namespace sketchd {

// Every field set, optional ones included.
v1::TrainingOptions TrainOptionsToWire(const TrainOptions& options);
// InvalidArgument for an unknown method, TASK_UNSPECIFIED, or a value outside
// its row's range.
absl::StatusOr<TrainOptions> TrainOptionsFromWire(const v1::TrainingOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_PROTO_TRAINING_OPTIONS_WIRE_H_
