// Whether a trained sketch can serve as the range sketch R of the one-pass
// two-sided scheme (core/lowrank/two_sided_sketch.h) for n×d matrices: a
// low-rank CountSketch trained with `transpose` (TrainSketch on Aᵢᵀ), so it
// acts on the d columns. One check for the server (a stored version) and
// `sketchctl local` (a file), so both refuse the same misfits with the same
// message.
#ifndef SKETCHD_CORE_TRAINING_RANGE_SKETCH_H_
#define SKETCHD_CORE_TRAINING_RANGE_SKETCH_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

// R (m_r×d) from `trained`, or FAILED_PRECONDITION naming `what` (e.g.
// "sketch 3" or a file name) when it is dense (subspace), for the regression
// task, not trained with transpose (a left sketch S of the rows), or when it
// acts on another number of columns than d.
absl::StatusOr<CountSketch> RangeSketchFromTrained(const TrainedSketch& trained, int64_t d,
                                                   absl::string_view what);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_RANGE_SKETCH_H_
