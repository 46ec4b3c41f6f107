#include "core/training/range_sketch.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

absl::StatusOr<CountSketch> RangeSketchFromTrained(const TrainedSketch& trained, int64_t d,
                                                   absl::string_view what) {
  if (trained.is_dense()) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " is a dense (subspace) sketch; the one-pass range sketch R must be a CountSketch "
        "trained with transpose"));
  }
  if (trained.options.task != SketchTask::kLowRank) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " is a regression sketch; the one-pass range sketch R is a lowrank sketch trained "
        "with transpose"));
  }
  if (!trained.options.transpose) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " was not trained with transpose: it sketches the rows of A (a left sketch S), "
        "not its columns; train the range sketch R with transpose (sketchctl train --transpose)"));
  }
  if (trained.sketch_n() != d) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " was trained on transposes with ", trained.sketch_n(),
        " columns, but the matrix has d = ", d, " columns; R must act on exactly d"));
  }
  return trained.sketch;
}

}  // namespace sketchd
