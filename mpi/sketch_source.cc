#include "mpi/sketch_source.h"

#include "absl/strings/str_cat.h"
#include "client/cli_status.h"
#include "client/sketch_file.h"
#include "core/status_macros.h"

namespace sketchd {

absl::StatusOr<SketchSource> LoadSketchSource(const std::string& spec, int64_t m, uint64_t seed,
                                              int64_t n, bool m_required) {
  SketchSource out;
  if (spec == "random") {
    if (m < 1) {
      if (m_required) return UsageError("--sketch random needs --m (sketch rows, ≥ 1)");
      return out;
    }
    auto sketch = CountSketch::Random(m, n, seed);
    if (!sketch.ok()) return UsageError(std::string(sketch.status().message()));
    out.random = std::move(*sketch);
    return out;
  }
  SKETCHD_ASSIGN_OR_RETURN(TrainedSketch trained, ReadSketchFile(spec));
  if (trained.sketch.cols() != n) {
    return InputError(absl::InvalidArgumentError(
        absl::StrCat(spec, ": the sketch applies to matrices with ", trained.sketch.cols(),
                     " rows, but the input has ", n, " rows")));
  }
  out.trained = std::move(trained);
  return out;
}

}  // namespace sketchd
