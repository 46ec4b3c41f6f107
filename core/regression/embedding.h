// The sketching operator S used by the solvers: a CountSketch (random,
// learned or stacked), a sparse sign embedding (s stacked CountSketch blocks
// with values ±1/√s — several nonzeros per column, so one pair of colliding
// high-leverage rows cannot ruin the embedding), or a dense Gaussian.
#ifndef SKETCHD_CORE_REGRESSION_EMBEDDING_H_
#define SKETCHD_CORE_REGRESSION_EMBEDDING_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/matrix_types.h"
#include "core/regression/data_matrix.h"
#include "core/sketch/count_sketch.h"
#include "core/sketch/gaussian_sketch.h"

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

// Sparse sign embedding: s vertical CountSketch blocks of ~m/s rows each,
// positions and signs from Philox(seed), values ±1/√s.
absl::StatusOr<CountSketch> SparseSignSketch(int64_t m, int64_t n, int s, uint64_t seed);

class Embedding {
 public:
  static absl::StatusOr<Embedding> Create(const SketchSpec& spec, int64_t n);
  static Embedding FromCountSketch(CountSketch sketch);

  int64_t rows() const;
  int64_t cols() const;
  const CountSketch* count_sketch() const { return count_ ? &*count_ : nullptr; }

  // SA (m×d, column-major, ready for LAPACK) and Sb. InvalidArgument unless
  // A has n = cols() rows (b has n entries): a sketch made for another n
  // would read past A or leave rows out.
  absl::StatusOr<MatrixXd> Apply(const DataMatrix& a) const;
  absl::StatusOr<VectorXd> Apply(const Eigen::Ref<const VectorXd>& b) const;

 private:
  absl::Status CheckRows(int64_t rows, absl::string_view what) const;

  std::optional<CountSketch> count_;
  std::optional<GaussianSketch> gaussian_;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_EMBEDDING_H_
