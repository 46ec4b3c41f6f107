#include "core/training/training_limits.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/parallel/parallel_for.h"
#include "core/training/subspace_sketch.h"
#include "core/training/train_option_table.h"

namespace sketchd {
namespace {

absl::Status OutOfRange(absl::string_view field, double value, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, "=", value, " is out of range: ", rule));
}

// The defaults train_low_rank.cc / train_regression.cc apply when an option is 0.
int DefaultBatch(const TrainOptions& o, int64_t train_count) {
  if (o.batch_size > 0) return static_cast<int>(std::min<int64_t>(o.batch_size, train_count));
  if (o.method == TrainMethod::kHeavyRows) return static_cast<int>(train_count);
  return static_cast<int>(std::min<int64_t>(train_count, 16));
}

}  // namespace

int64_t SaturatingBytes(double bytes) {
  if (!(bytes > 0)) return 0;
  if (bytes >= 9.2e18) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(std::ceil(bytes));
}

absl::Status CheckTrainingSizes(const TrainOptions& o, int64_t n, int64_t d, int64_t count,
                                const TrainingLimits& limits) {
  if (count < 1 || count > limits.max_matrices) {
    return OutOfRange("count of training matrices", static_cast<double>(count),
                      absl::StrCat("must be in [1, ", limits.max_matrices, "]"));
  }
  if (n < 1 || n > limits.max_rows) {
    return OutOfRange("n (rows of each training matrix)", static_cast<double>(n),
                      absl::StrCat("must be in [1, ", limits.max_rows, "]"));
  }
  if (d < 1 || d > limits.max_cols) {
    return OutOfRange("d (columns of each training matrix)", static_cast<double>(d),
                      absl::StrCat("must be in [1, ", limits.max_cols, "]"));
  }
  const int64_t m_cap = std::min(n, limits.max_sketch_rows);
  if (o.m < 1 || o.m > m_cap) {
    return OutOfRange("m (sketch rows)", static_cast<double>(o.m),
                      absl::StrCat("must be in [1, min(n, ", limits.max_sketch_rows, ")] = [1, ", m_cap,
                                   "]; a sketch with more rows than the matrices compresses nothing"));
  }
  if (o.task == SketchTask::kLowRank) {
    if (o.k < 1 || o.k > o.m) {
      return OutOfRange("k (target rank)", static_cast<double>(o.k),
                        absl::StrCat("must be in [1, m] = [1, ", o.m, "]: SCW's answer has rank at most m"));
    }
  } else if (o.m < d) {
    return OutOfRange("m (sketch rows)", static_cast<double>(o.m),
                      absl::StrCat("must be >= d = ", d, " for regression (the sketched Hessian needs m >= d)"));
  }
  if (o.iterations < 0 || o.iterations > limits.max_iterations) {
    return OutOfRange("iterations", o.iterations,
                      absl::StrCat("must be in [0, ", limits.max_iterations, "] (0 = method default)"));
  }
  if (o.batch_size < 0 || o.batch_size > limits.max_batch_size) {
    return OutOfRange("batch_size", o.batch_size,
                      absl::StrCat("must be in [0, ", limits.max_batch_size, "] (0 = method default)"));
  }
  // Every other option's range: the option table's check (the same message
  // the server and the CLI give).
  return CheckTrainOptions(o);
}

int64_t EstimateTrainingBytes(const TrainOptions& o, int64_t n_in, int64_t d_in, int64_t count_in) {
  const double n = static_cast<double>(std::max<int64_t>(n_in, 1));
  const double d = static_cast<double>(std::max<int64_t>(d_in, 1));
  const double count = static_cast<double>(std::max<int64_t>(count_in, 1));
  const double m = static_cast<double>(std::max<int64_t>(o.m, 1));
  const double threads = std::min<double>(ResolveThreads(o.threads), count);
  const double p = std::min(n, d);  // rows of a gram factor / rank of A
  const double r = std::min(m, d);  // rank of SA
  constexpr double kDouble = 8;
  const double held = count >= 2 && o.validation_fraction > 0
                          ? std::clamp(std::round(o.validation_fraction * count), 1.0, count - 1)
                          : 0;
  const double train = count - held;
  const double batch = DefaultBatch(o, static_cast<int64_t>(train));

  if (o.task == SketchTask::kRegression || o.method == TrainMethod::kHeavyRows) {
    // The problems, and the training / validation copies TrainRegressionSketch makes of them.
    const double inputs = 2 * count * n * (d + 1) * kDouble;
    const double sketch = n * 12 * 2;
    // Leverage scores (column-major copy, its QR, thin Q), one problem at a time.
    const double leverage = 3 * n * d * kDouble + n * 16;
    double learn = 0;
    if (o.learn_values) {
      // R_A per problem, and per step SA, its QR, ∂L/∂X, the gradient and Adam's moments.
      learn = train * d * d * kDouble + (3 * m * d + 4 * d * d) * kDouble + 4 * n * kDouble + n * d * kDouble;
    }
    // Validation: QR least squares (copy), LassoExact (QR of the support
    // columns + a copy), IHS with per-thread sketch accumulators and n-vectors.
    const double validation = 3 * n * d * kDouble + threads * m * d * kDouble + 6 * n * kDouble;
    return SaturatingBytes(inputs + sketch + std::max({leverage, learn, validation}));
  }

  const double inputs = count * n * d * kDouble;
  // Gram factors of tall matrices (R of A = QR, p×d), kept for the whole job.
  const double gram = n > d ? count * d * d * kDouble : 0;
  const double sketch = n * 12 * 2;
  // One SCW loss/gradient evaluation: SA, its SVD (U, V, a copy), F·V, ∂L/∂X.
  const double scw = (4 * m * d + 2 * d * r + 2 * p * r) * kDouble;
  double method = 0;
  switch (o.method) {
    case TrainMethod::kRandom:
    case TrainMethod::kHeavyRows:
      break;
    case TrainMethod::kIvy:
    case TrainMethod::kMixed:
      // Minibatch gradients (n values per block, one per batch member), Adam.
      method = threads * scw + batch * 2 * n * kDouble + 8 * n * kDouble;
      break;
    case TrainMethod::kSubspace:
      // The n×n Gram matrix Σ AᵢAᵢᵀ with its eigendecomposition (about 3n²)
      // up to kSubspaceGramMaxRows, a randomized range finder (n×(m+10)
      // blocks) beyond; plus the dense m×n result.
      method = (n <= kSubspaceGramMaxRows ? 3 * n * n : 4 * n * (m + 10)) * kDouble + m * n * kDouble;
      break;
    case TrainMethod::kInnerProduct:
    case TrainMethod::kGreedy: {
      // The representative matrix, its copy for the SVD, the thin SVD factors,
      // the n×m cosine matrix.
      const double representative = (3 * n * d + p * d + n * m) * kDouble;
      double positions = representative;
      if (o.method == TrainMethod::kGreedy) {
        const double sub = std::min(train, o.batch_size > 0 ? static_cast<double>(o.batch_size) : 16.0);
        positions = sub * (2 * m * d + d * d + 2 * m * m) * kDouble + threads * scw;
      }
      const double refine = o.refine_values ? threads * scw + batch * 2 * n * kDouble + 8 * n * kDouble : 0;
      method = std::max(positions, refine);
      break;
    }
  }
  // Validation: ScwLowRank per thread (SA, AV n×r, its factors) and the exact
  // singular values of each held-out matrix (a copy and gesdd's workspace).
  const double validation = threads * ((2 * n * r + 2 * m * d) * kDouble + (n * d + 3 * p * p) * kDouble);
  return SaturatingBytes(inputs + gram + sketch + std::max(method, validation));
}

}  // namespace sketchd
