// Which random sketch to draw, as a value: kind, rows m, seed and (sparse
// sign only) nonzeros per column. The solvers expand it into an Embedding
// (core/regression/embedding.h); it lives here because it describes a sketch,
// not a solver.
#ifndef SKETCHD_CORE_SKETCH_SKETCH_SPEC_H_
#define SKETCHD_CORE_SKETCH_SKETCH_SPEC_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sketchd {

enum class SketchKind { kCountSketch, kSparseSign, kGaussian };

absl::string_view SketchKindName(SketchKind kind);  // "countsketch" | "sparse_sign" | "gaussian"
absl::StatusOr<SketchKind> ParseSketchKind(absl::string_view name);

struct SketchSpec {
  SketchKind kind = SketchKind::kCountSketch;
  int64_t m = 0;             // rows of S (required, ≥ 1)
  uint64_t seed = 0;
  int nnz_per_column = 4;    // sparse sign only: nonzeros per column s (clamped to m)
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_SKETCH_SPEC_H_
