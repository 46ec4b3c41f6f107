#include "core/sketch/sketch_spec.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

absl::string_view SketchKindName(SketchKind kind) {
  switch (kind) {
    case SketchKind::kCountSketch: return "countsketch";
    case SketchKind::kSparseSign: return "sparse_sign";
    case SketchKind::kGaussian: return "gaussian";
  }
  return "unknown";
}

absl::StatusOr<SketchKind> ParseSketchKind(absl::string_view name) {
  for (SketchKind k : {SketchKind::kCountSketch, SketchKind::kSparseSign, SketchKind::kGaussian}) {
    if (name == SketchKindName(k)) return k;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown sketch kind \"", name, "\"; expected countsketch, sparse_sign or gaussian"));
}

}  // namespace sketchd
