#include "core/training/validation.h"

#include <mutex>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/parallel/parallel_for.h"
#include "core/training/training_random.h"

namespace sketchd {

namespace {

// Mean excess of `factors_of(A)` over the matrices, in parallel.
template <typename FactorsOf>
absl::StatusOr<double> MeanExcess(const std::vector<TrainingMatrix>& matrices, int threads,
                                  const TrainingControl& control, FactorsOf factors_of) {
  if (matrices.empty()) return 0.0;
  std::vector<double> excess(matrices.size(), 0.0);
  std::mutex mu;
  absl::Status failure;
  ParallelFor(static_cast<int64_t>(matrices.size()), threads, [&](int64_t i, int) {
    if (control.cancelled()) return;
    const TrainingMatrix& tm = matrices[i];
    auto factors = factors_of(tm.raw());
    if (!factors.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      failure = factors.status();
      return;
    }
    // Measured on the raw matrix, whose σ₁ is 1 / inv_scale (training_set.h).
    excess[i] = SigmaOneScaledExcess(
        EvaluateLowRankWithOptimum(tm.raw(), factors->left, factors->right,
                                   tm.optimal_error / tm.inv_scale),
        1 / tm.inv_scale);
  });
  if (control.cancelled()) return absl::CancelledError("training cancelled");
  if (!failure.ok()) return failure;
  return std::accumulate(excess.begin(), excess.end(), 0.0) / static_cast<double>(matrices.size());
}

}  // namespace

absl::StatusOr<ValidationFigures> ValidationAgainstRandom(
    double learned_mean_excess, int64_t m, int64_t n, const std::vector<TrainingMatrix>& matrices,
    int64_t k, uint64_t seed, int random_seeds, int threads, const TrainingControl& control) {
  ValidationFigures figures;
  figures.metric = "mean_excess_error";
  figures.num_matrices = static_cast<int64_t>(matrices.size());
  figures.learned = learned_mean_excess;
  double total = 0;
  for (int s = 0; s < random_seeds; ++s) {
    auto random = CountSketch::Random(m, n, DerivedSeed(seed, 100 + s));
    if (!random.ok()) return random.status();
    auto err = MeanExcessError(*random, matrices, k, threads, control);
    if (!err.ok()) return err.status();
    total += *err;
  }
  figures.random = random_seeds > 0 ? total / random_seeds : 0;
  figures.random_seeds = random_seeds;
  return figures;
}

absl::StatusOr<double> MeanExcessError(const CountSketch& sketch,
                                       const std::vector<TrainingMatrix>& matrices, int64_t k,
                                       int threads, const TrainingControl& control) {
  return MeanExcess(matrices, threads, control,
                    [&](const RowMatrixXd& a) { return ScwLowRank(sketch, a, k); });
}

absl::StatusOr<double> MeanExcessErrorDense(const MatrixXd& sketch,
                                            const std::vector<TrainingMatrix>& matrices,
                                            int64_t k, int threads, const TrainingControl& control) {
  return MeanExcess(matrices, threads, control, [&](const RowMatrixXd& a) {
    return ScwFromSketched(MatrixXd(sketch * a), a, k);
  });
}

absl::StatusOr<ValidationFigures> LowRankValidationFigures(
    const CountSketch& learned, const std::vector<TrainingMatrix>& matrices, int64_t k,
    uint64_t seed, int random_seeds, int threads, const TrainingControl& control) {
  absl::StatusOr<double> mine = MeanExcessError(learned, matrices, k, threads, control);
  if (!mine.ok()) return mine.status();
  return ValidationAgainstRandom(*mine, learned.rows(), learned.cols(), matrices, k, seed,
                                 random_seeds, threads, control);
}

}  // namespace sketchd
