#include "mpi/sketch_source.h"

#include "absl/strings/str_cat.h"
#include "client/cli_status.h"
#include "core/io/binary_file.h"

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
  auto file = InputFile::Open(spec);
  if (!file.ok()) return InputError(file.status());
  std::string bytes(static_cast<size_t>(file->size()), '\0');
  if (absl::Status s = file->ReadAt(0, file->size(), bytes.data()); !s.ok()) return InputError(s);
  auto trained = ParseTrainedSketch(bytes);
  if (!trained.ok()) {
    return InputError(absl::InvalidArgumentError(
        absl::StrCat(spec, ": not a sketch file: ", trained.status().message())));
  }
  if (trained->sketch.cols() != n) {
    return InputError(absl::InvalidArgumentError(
        absl::StrCat(spec, ": the sketch applies to matrices with ", trained->sketch.cols(),
                     " rows, but the input has ", n, " rows")));
  }
  out.trained = std::move(*trained);
  return out;
}

}  // namespace sketchd
