// TrainOptions ↔ sketchd.v1.TrainingOptions, shared by the server (StartTraining,
// Job records) and the client (sketchctl train), so there is one mapping.
//
// The proto keeps an explicit field per option (the wire contract); this file
// maps them one to one and leaves every rule to core's option table
// (core/training/train_option_table.h): FromWire ends with CheckTrainOptions,
// so the server refuses an out-of-range value with the same message as core
// and the CLI. Proto3 defaults: `optional` fields (validation_fraction,
// mixed_joint, heavy_fraction, lasso_lambda_fraction) keep core's default when
// absent; k = 0 keeps core's default for the regression task (where k is
// unused); every other field is taken as sent (0 = method default where the
// table says so). tests/server/training_options_wire_test.cc round-trips every
// table row.
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
