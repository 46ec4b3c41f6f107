// Store records and core types ↔ sketchd.v1 messages. No I/O, no policy:
// the handlers decide what to accept, this file only translates.
#ifndef SKETCHD_SERVER_PROTO_CONVERT_H_
#define SKETCHD_SERVER_PROTO_CONVERT_H_

#include <optional>

#include "absl/status/statusor.h"
#include "core/training/trained_sketch.h"
#include "server/store.h"
#include "sketchd/v1/sketchd.pb.h"

namespace sketchd {

v1::Dataset ToProto(const DatasetRecord& record);
v1::Job ToProto(const JobRecord& record);
v1::SketchInfo ToProto(const SketchRecord& record);
v1::TrainingOptions ToProto(const TrainOptions& options);
v1::Task ToProto(SketchTask task);

// TASK_UNSPECIFIED → nullopt.
std::optional<SketchTask> FromProto(v1::Task task);
// proto/training_options_wire.h: the one mapping, checked by core's option
// table (the same messages as core and the CLI).
absl::StatusOr<TrainOptions> FromProto(const v1::TrainingOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_PROTO_CONVERT_H_
