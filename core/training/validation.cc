#include "core/training/validation.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/parallel/parallel_for.h"
#include "core/training/training_random.h"

namespace sketchd {

namespace {

// Excess of `factors_of(A)` on each matrix, in parallel.
template <typename FactorsOf>
absl::StatusOr<std::vector<double>> Excesses(const std::vector<TrainingMatrix>& matrices, int threads,
                                  const TrainingControl& control, FactorsOf factors_of) {
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
  return excess;
}

absl::StatusOr<double> Mean(absl::StatusOr<std::vector<double>> values) {
  if (!values.ok()) return values.status();
  return MeanAndSd(*values).mean;
}

}  // namespace

absl::StatusOr<std::vector<double>> ExcessErrors(const CountSketch& sketch,
                                                 const std::vector<TrainingMatrix>& matrices,
                                                 int64_t k, int threads,
                                                 const TrainingControl& control) {
  return Excesses(matrices, threads, control,
                  [&](const RowMatrixXd& a) { return ScwLowRank(sketch, a, k); });
}

absl::StatusOr<std::vector<double>> ExcessErrorsDense(const MatrixXd& sketch,
                                                      const std::vector<TrainingMatrix>& matrices,
                                                      int64_t k, int threads,
                                                      const TrainingControl& control) {
  return Excesses(matrices, threads, control, [&](const RowMatrixXd& a) {
    return ScwFromSketched(MatrixXd(sketch * a), a, k);
  });
}

ValidationFigures FiguresFromPerMatrix(std::string metric, const std::vector<double>& learned,
                                       const std::vector<double>& random, int random_seeds) {
  ValidationFigures f;
  f.metric = std::move(metric);
  f.num_matrices = static_cast<int64_t>(learned.size());
  const MeanSd l = MeanAndSd(learned), r = MeanAndSd(random);
  f.learned = l.mean;
  f.learned_sd = l.sd;
  f.random = r.mean;
  f.random_sd = r.sd;
  f.random_seeds = random_seeds;
  return f;
}

absl::StatusOr<ValidationFigures> ValidationAgainstRandom(
    const std::vector<double>& learned_excess, int64_t m, int64_t n,
    const std::vector<TrainingMatrix>& matrices, int64_t k, uint64_t seed, int random_seeds,
    int threads, const TrainingControl& control) {
  if (learned_excess.size() != matrices.size()) {
    return absl::InvalidArgumentError("one learned excess per held-out matrix expected");
  }
  std::vector<double> random(matrices.size(), 0.0);  // per matrix: mean over the seeds
  for (int s = 0; s < random_seeds; ++s) {
    auto sketch = CountSketch::Random(m, n, DerivedSeed(seed, 100 + s));
    if (!sketch.ok()) return sketch.status();
    auto err = ExcessErrors(*sketch, matrices, k, threads, control);
    if (!err.ok()) return err.status();
    for (size_t i = 0; i < random.size(); ++i) random[i] += (*err)[i] / random_seeds;
  }
  if (random_seeds <= 0) std::fill(random.begin(), random.end(), 0.0);
  return FiguresFromPerMatrix("mean_excess_error", learned_excess, random, random_seeds);
}

absl::StatusOr<double> MeanExcessError(const CountSketch& sketch,
                                       const std::vector<TrainingMatrix>& matrices, int64_t k,
                                       int threads, const TrainingControl& control) {
  return Mean(ExcessErrors(sketch, matrices, k, threads, control));
}

absl::StatusOr<double> MeanExcessErrorDense(const MatrixXd& sketch,
                                            const std::vector<TrainingMatrix>& matrices,
                                            int64_t k, int threads, const TrainingControl& control) {
  return Mean(ExcessErrorsDense(sketch, matrices, k, threads, control));
}

absl::StatusOr<ValidationFigures> LowRankValidationFigures(
    const CountSketch& learned, const std::vector<TrainingMatrix>& matrices, int64_t k,
    uint64_t seed, int random_seeds, int threads, const TrainingControl& control) {
  auto mine = ExcessErrors(learned, matrices, k, threads, control);
  if (!mine.ok()) return mine.status();
  return ValidationAgainstRandom(*mine, learned.rows(), learned.cols(), matrices, k, seed,
                                 random_seeds, threads, control);
}

}  // namespace sketchd
