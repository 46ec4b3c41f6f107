// The --sketch argument of sketchmpi, as in `sketchctl local`: a sketch file
// (written by `sketchctl local train` or `sketchctl sketches export`), or
// "random" with --m and --seed. Every rank builds the same CountSketch
// itself — a random one from (m, n, seed) by Philox, a file by reading it —
// so no sketch is ever sent between ranks.
#ifndef SKETCHD_MPI_SKETCH_SOURCE_H_
#define SKETCHD_MPI_SKETCH_SOURCE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

struct SketchSource {
  std::optional<TrainedSketch> trained;  // from a file
  std::optional<CountSketch> random;     // "random" with m ≥ 1
  // The sketch, or nullptr for "random" without --m (solver default).
  const CountSketch* sketch() const {
    return trained ? &trained->sketch : random ? &*random : nullptr;
  }
};

// n is the row count of the input; a file's sketch must have n columns.
// Errors carry sketchctl's exit codes (usage 2, input file 4).
absl::StatusOr<SketchSource> LoadSketchSource(const std::string& spec, int64_t m, uint64_t seed,
                                              int64_t n, bool m_required);

}  // namespace sketchd

#endif  // SKETCHD_MPI_SKETCH_SOURCE_H_
