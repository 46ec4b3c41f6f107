#include "core/training/train_low_rank.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "core/training/greedy_positions.h"
#include "core/training/inner_product_sketch.h"
#include "core/training/ivy_training.h"
#include "core/training/mixed_sketch.h"
#include "core/parallel/ordered_accumulate.h"
#include "core/parallel/parallel_for.h"
#include "core/training/progress_reporter.h"
#include "core/training/ridge_leverage.h"
#include "core/training/subspace_sketch.h"
#include "core/training/training_limits.h"
#include "core/training/training_random.h"
#include "core/training/training_set.h"
#include "core/training/training_shard.h"
#include "core/training/training_split.h"
#include "core/training/validation.h"

namespace sketchd {
namespace {

constexpr int kRandomSeeds = 3;
constexpr int kDefaultBatch = 16;

// Options and sizes (the same verdict on every process), then this process's
// matrices, named by their index in the family.
absl::Status CheckInputs(const TrainingShard& shard, const TrainOptions& o) {
  if (o.task != SketchTask::kLowRank) {
    return absl::InvalidArgumentError(
        "TrainLowRankSketch trains low-rank sketches (task=lowrank); use TrainRegressionSketch "
        "for task=regression");
  }
  if (o.method == TrainMethod::kHeavyRows) {
    return absl::InvalidArgumentError(
        "method heavy_rows is for the regression task; for low-rank use random, ivy, mixed, "
        "inner_product, greedy or subspace");
  }
  if (shard.total == 0) return absl::InvalidArgumentError("no training matrices given");
  const std::vector<RowMatrixXd>& matrices = *shard.local;
  const int64_t n = shard.rows;
  // Sizes first, before anything is allocated (training_limits.h); d of the
  // widest matrix bounds every per-matrix workspace.
  int64_t d_max = shard.cols;
  for (const RowMatrixXd& a : matrices) d_max = std::max<int64_t>(d_max, a.cols());
  SKETCHD_RETURN_IF_ERROR(CheckTrainingSizes(o, n, std::max<int64_t>(d_max, 1), shard.total));
  for (size_t local = 0; local < matrices.size(); ++local) {
    const int64_t i = shard.first + static_cast<int64_t>(local);
    const RowMatrixXd& a = matrices[local];
    if (a.rows() != n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "all training matrices must have the same number of rows (the sketch acts on them): "
          "matrix 0 has ", n, ", matrix ", i, " has ", a.rows()));
    }
    if (a.cols() < 1) {
      return absl::InvalidArgumentError(absl::StrCat("training matrix ", i, " has no columns"));
    }
    if (o.k > std::min<int64_t>(n, a.cols())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rank k=", o.k, " exceeds min(n, d)=", std::min<int64_t>(n, a.cols()),
          " of training matrix ", i, " (", n, "x", a.cols(), ")"));
    }
    if (!a.allFinite()) {
      for (Index r = 0; r < a.rows(); ++r) {
        for (Index c = 0; c < a.cols(); ++c) {
          if (!std::isfinite(a(r, c))) {
            return absl::InvalidArgumentError(absl::StrCat(
                "training matrix ", i, " has a non-finite value at row ", r, ", column ", c));
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

// The matrix the inner-product sketch is built from: the mean of the
// normalised matrices when they share d (summed in training order, through
// the processes when spread); otherwise (a mean is undefined; only on one
// process) their side-by-side concatenation, which has the same row inner
// products up to the cross terms and the same role: one n-row matrix
// summarising the family.
RowMatrixXd RepresentativeMatrix(const TrainingShard& shard, const std::vector<TrainingMatrix>& train,
                                 bool* concatenated) {
  const Index n = shard.rows;
  // Spread over processes the shape is common; on one process the training
  // matrices (not the held-out ones) decide.
  bool same = shard.reducer != nullptr;
  if (!same) {
    same = true;
    for (const TrainingMatrix& tm : train) same = same && tm.raw().cols() == train[0].raw().cols();
  }
  *concatenated = !same;
  if (same) {
    const Index d = shard.reducer != nullptr ? shard.cols : train[0].raw().cols();
    RowMatrixXd mean = RowMatrixXd::Zero(n, d);
    OrderedAccumulate(shard.reducer, &mean, [&](RowMatrixXd* sum) {
      for (const TrainingMatrix& tm : train) {
        if (HeldHere(tm)) *sum += tm.inv_scale * tm.raw();
      }
    });
    return mean / static_cast<double>(train.size());
  }
  Index total = 0;
  for (const TrainingMatrix& tm : train) total += tm.raw().cols();
  RowMatrixXd out(n, total);
  Index col = 0;
  for (const TrainingMatrix& tm : train) {
    out.middleCols(col, tm.raw().cols()) = tm.inv_scale * tm.raw();
    col += tm.raw().cols();
  }
  return out;
}

ValueLearningConfig RefineConfig(const TrainOptions& o, int64_t num_train, int threads) {
  ValueLearningConfig cfg;
  cfg.k = o.k;
  cfg.iterations = o.iterations > 0 ? o.iterations : 150;
  cfg.batch_size = o.batch_size > 0 ? o.batch_size : static_cast<int>(std::min<int64_t>(num_train, kDefaultBatch));
  cfg.learning_rate = o.learning_rate > 0 ? o.learning_rate : 0.02;
  cfg.seed = o.seed;
  cfg.threads = threads;
  return cfg;
}

std::string ReportNote(const std::string& label, const ValueLearningReport& r) {
  return absl::StrFormat("%s: %d steps (%d rejected, final lr %.3g), training loss %.6g -> %.6g%s; ",
                         label, r.steps, r.rejected_steps, r.final_learning_rate, r.initial_loss,
                         r.best_loss, r.stopped_by_budget ? ", stopped by time budget" : "");
}

// Runs `fill` on the held entries of `set` — all of it on one process;
// spread, the held ones moved into a vector of their own and back — with
// where[j] the index in `set` of the j-th entry `fill` sees.
using HeldFill = std::function<absl::Status(std::vector<TrainingMatrix>* here,
                                            const std::vector<size_t>& where)>;
absl::Status OnHeldEntries(std::vector<TrainingMatrix>* set, bool spread, const HeldFill& fill) {
  std::vector<size_t> where;
  for (size_t i = 0; i < set->size(); ++i) {
    if (!spread || HeldHere((*set)[i])) where.push_back(i);
  }
  if (!spread) return fill(set, where);
  std::vector<TrainingMatrix> here;
  for (size_t i : where) here.push_back(std::move((*set)[i]));
  absl::Status status = fill(&here, where);
  for (size_t j = 0; j < where.size(); ++j) (*set)[where[j]] = std::move(here[j]);
  return status;
}

// Core's LowRankValidationFigures / ValidationAgainstRandom (validation.h)
// on a set that may be spread over processes: per-matrix figures where the
// matrix is, summed (one owner each, so exactly), then the same statistics.
// `learned_excess` computes the learned sketch's per-matrix excess errors.
absl::StatusOr<ValidationFigures> ShardValidationFigures(
    std::vector<TrainingMatrix>* eval, bool spread, Reducer& sums, int64_t m, int64_t n,
    int64_t k, uint64_t seed, int threads, const TrainingControl& control,
    const std::function<absl::StatusOr<std::vector<double>>(const std::vector<TrainingMatrix>&)>&
        learned_excess) {
  const size_t count = eval->size();
  std::vector<double> per(2 * count, 0.0);  // learned excess, then mean random excess
  absl::Status status = OnHeldEntries(eval, spread, [&](std::vector<TrainingMatrix>* here,
                                                        const std::vector<size_t>& where) {
    auto learned = learned_excess(*here);
    if (!learned.ok()) return learned.status();
    std::vector<double> random(here->size(), 0.0);
    for (int s = 0; s < kRandomSeeds; ++s) {
      auto sketch = CountSketch::Random(m, n, DerivedSeed(seed, 100 + s));
      if (!sketch.ok()) return sketch.status();
      auto err = ExcessErrors(*sketch, *here, k, threads, control);
      if (!err.ok()) return err.status();
      for (size_t i = 0; i < random.size(); ++i) random[i] += (*err)[i] / kRandomSeeds;
    }
    for (size_t j = 0; j < where.size(); ++j) {
      per[where[j]] = (*learned)[j];
      per[count + where[j]] = random[j];
    }
    return absl::OkStatus();
  });
  SKETCHD_RETURN_IF_ERROR(sums.AgreeOnStatus(status));
  sums.SumInPlace(per.data(), static_cast<int64_t>(per.size()));
  return FiguresFromPerMatrix("mean_excess_error",
                              std::vector<double>(per.begin(), per.begin() + count),
                              std::vector<double>(per.begin() + count, per.end()), kRandomSeeds);
}

}  // namespace


absl::StatusOr<TrainedSketch> TrainLowRankSketch(const std::vector<RowMatrixXd>& matrices,
                                                 const TrainOptions& options,
                                                 const ProgressCallback& progress,
                                                 const CancelToken* cancel) {
  return TrainLowRankSketchOnShard(WholeFamily(matrices), options, progress, cancel);
}

absl::StatusOr<TrainedSketch> TrainLowRankSketchOnShard(const TrainingShard& shard,
                                                 const TrainOptions& options,
                                                 const ProgressCallback& progress,
                                                 const CancelToken* cancel) {
  // Sums go through `sums`: the shard's reducer, or one process's identity.
  LocalReducer one_process;
  Reducer& sums = shard.reducer != nullptr ? *shard.reducer : one_process;
  const bool spread = shard.reducer != nullptr;
  SKETCHD_RETURN_IF_ERROR(sums.AgreeOnStatus(CheckInputs(shard, options)));
  TrainingControl control(&progress, cancel, options.time_budget_seconds);
  control.AgreeOnStopWith(shard.reducer);
  const int threads = ResolveThreads(options.threads);
  const int64_t total = shard.total;
  const int64_t n = shard.rows;
  const int64_t m = options.m;
  const int64_t k = options.k;
  TrainOptions resolved = options;
  std::string notes;

  // Split.
  const TrainingSplit split = RandomTrainingSplit(total, options.validation_fraction, options.seed);
  const std::vector<int64_t>& held_idx = split.held;
  const std::vector<int64_t>& train_idx = split.train;
  const int64_t held = static_cast<int64_t>(held_idx.size());
  const bool validate_on_train = held == 0;
  if (validate_on_train) {
    absl::StrAppend(&notes, total == 1 ? "only one matrix: " : "validation_fraction=0: ",
                    "validation figures are measured on the training matrices; ");
  }

  control.Report(0.0, "normalising training matrices");
  auto train_or = PrepareTrainingMatrices(*shard.local, LocalPositions(shard, train_idx), false, k,
                                          threads, control);
  SKETCHD_RETURN_IF_ERROR(sums.AgreeOnStatus(train_or.status()));
  std::vector<TrainingMatrix> train = PlaceLocal(shard, train_idx, *std::move(train_or));
  const int64_t num_train = static_cast<int64_t>(train.size());

  ProgressReporter phase(&control, 0.05, 0.9);
  CountSketch sketch;
  MatrixXd out_dense;  // subspace only
  ValueLearningReport report;
  // The optional second stage of inner_product and greedy: learn the values
  // of the positions just found with the ivy gradient (only the first block
  // when a random block was appended for the worst-case guarantee).
  auto refine_values = [&](const char* label, double progress_from) -> absl::Status {
    ValueLearningConfig cfg = RefineConfig(options, num_train, threads);
    cfg.label = label;
    cfg.trainable.assign(sketch.num_blocks(), false);
    cfg.trainable[0] = true;
    cfg.reducer = shard.reducer;
    resolved.iterations = cfg.iterations;
    resolved.batch_size = cfg.batch_size;
    resolved.learning_rate = cfg.learning_rate;
    ProgressReporter refine(&control, progress_from, 0.9);
    auto learned = LearnSketchValues(sketch, train, cfg, &refine, &report);
    if (!learned.ok()) return learned.status();
    sketch = *std::move(learned);
    absl::StrAppend(&notes, ReportNote("refine values", report));
    return absl::OkStatus();
  };
  switch (options.method) {
    case TrainMethod::kRandom: {
      auto random = CountSketch::Random(m, n, options.seed);
      if (!random.ok()) return random.status();
      sketch = *std::move(random);
      break;
    }
    case TrainMethod::kIvy:
    case TrainMethod::kMixed: {
      ValueLearningConfig cfg;
      cfg.k = k;
      cfg.iterations = options.iterations > 0 ? options.iterations : 300;
      cfg.batch_size = options.batch_size > 0
                           ? options.batch_size
                           : static_cast<int>(std::min<int64_t>(num_train, kDefaultBatch));
      cfg.learning_rate = options.learning_rate > 0 ? options.learning_rate : 0.05;
      cfg.seed = options.seed;
      cfg.threads = threads;
      cfg.reducer = shard.reducer;
      resolved.iterations = cfg.iterations;
      resolved.batch_size = cfg.batch_size;
      resolved.learning_rate = cfg.learning_rate;
      if (options.method == TrainMethod::kIvy) {
        auto start = CountSketch::Random(m, n, options.seed);
        if (!start.ok()) return start.status();
        auto learned = LearnSketchValues(*start, train, cfg, &phase, &report);
        if (!learned.ok()) return learned.status();
        sketch = *std::move(learned);
        absl::StrAppend(&notes, ReportNote("ivy", report));
      } else {
        auto mixed = TrainMixedSketch(train, n, m, options.mixed_joint, options.seed,
                                      DerivedSeed(options.seed, 1), cfg, &phase, &notes);
        if (!mixed.ok()) return mixed.status();
        sketch = *std::move(mixed);
      }
      break;
    }
    case TrainMethod::kInnerProduct: {
      phase.Now(0, "inner_product: ridge leverage sampling and bucket assignment");
      bool concatenated = false;
      const RowMatrixXd rep = RepresentativeMatrix(shard, train, &concatenated);
      if (concatenated) {
        absl::StrAppend(&notes, "training matrices differ in d: inner_product used their "
                                "side-by-side concatenation instead of the mean; ");
      }
      auto built = BuildInnerProductSketch(rep, m, k, options.seed,
                                           options.append_sampled_rows, &control);
      if (!built.ok()) return built.status();
      if (control.cancelled()) return absl::CancelledError("training cancelled");
      sketch = built->sketch;
      absl::StrAppend(&notes, absl::StrFormat(
          "inner_product: %d centres sampled by ridge leverage, %d empty buckets, %d zero rows",
          built->centres.size(), built->empty_buckets, built->zero_rows));
      if (options.append_sampled_rows) {
        absl::StrAppend(&notes, absl::StrFormat(
            "; output [S1; S2] with %d inner-product rows and a %d-row random CountSketch guard (total m=%d)",
            built->learned_rows, m - built->learned_rows, m));
      }
      absl::StrAppend(&notes, "; ");
      if (options.refine_values) {
        SKETCHD_RETURN_IF_ERROR(refine_values("inner_product refine", 0.15));
      }
      break;
    }
    case TrainMethod::kGreedy: {
      auto start = CountSketch::Random(m, n, options.seed);
      if (!start.ok()) return start.status();
      // Column order.
      VectorXd scores = VectorXd::Zero(n);
      if (options.greedy_leverage_order) {
        bool concatenated = false;
        auto tau = RidgeLeverageScores(RepresentativeMatrix(shard, train, &concatenated), k);
        if (!tau.ok()) return tau.status();
        scores = *tau;
      } else {
        OrderedAccumulate(shard.reducer, &scores, [&](VectorXd* sum) {
          for (const TrainingMatrix& tm : train) {
            if (HeldHere(tm)) *sum += tm.loss_weight() * tm.raw().rowwise().squaredNorm();
          }
        });
      }
      // Subsample for the proxy loss.
      const int64_t sub = options.batch_size > 0
                              ? std::min<int64_t>(options.batch_size, num_train)
                              : std::min<int64_t>(num_train, kDefaultBatch);
      std::vector<int64_t> order(num_train);
      std::iota(order.begin(), order.end(), 0);
      std::vector<uint32_t> sub_key(num_train);
      for (int64_t i = 0; i < num_train; ++i) {
        sub_key[i] = TrainingWord(options.seed, TrainingDraw::kGreedySubsample, i);
      }
      std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return sub_key[a] != sub_key[b] ? sub_key[a] < sub_key[b] : a < b;
      });
      std::vector<TrainingMatrix> subsample;
      for (int64_t i = 0; i < sub; ++i) subsample.push_back(train[order[i]]);
      GreedyConfig gcfg;
      gcfg.k = k;
      gcfg.passes = options.iterations > 0 && !options.refine_values ? options.iterations : 1;
      gcfg.threads = threads;
      gcfg.reducer = shard.reducer;
      GreedyReport greport;
      // With a budget and value refinement to follow, positions get 70% of
      // the budget so the refinement still runs. (Spread over processes only
      // process 0's clock counts, see TrainingControl::AgreeOnStopWith.)
      const double greedy_budget =
          options.time_budget_seconds > 0 && options.refine_values
              ? std::max(1e-3, 0.7 * options.time_budget_seconds - control.elapsed_seconds())
              : options.time_budget_seconds;
      TrainingControl greedy_control(&progress, cancel, greedy_budget);
      greedy_control.AgreeOnStopWith(shard.reducer);
      ProgressReporter greedy_phase(&greedy_control, 0.05, options.refine_values ? 0.6 : 0.9);
      auto placed = LearnGreedyPositions(*start, subsample, scores, gcfg, &greedy_phase, &greport);
      if (!placed.ok()) return placed.status();
      sketch = *std::move(placed);
      absl::StrAppend(&notes, absl::StrFormat(
          "greedy: %d pass(es), %d columns visited, %d moves, proxy loss over %d matrices "
          "%.6g -> %.6g%s; ",
          greport.passes_done, greport.columns_visited, greport.moves, sub,
          greport.initial_proxy, greport.final_proxy,
          greport.stopped_by_budget ? ", stopped by time budget" : ""));
      if (options.refine_values && !control.out_of_time()) {
        SKETCHD_RETURN_IF_ERROR(refine_values("greedy refine", 0.6));
      }
      break;
    }
    case TrainMethod::kHeavyRows:
      return absl::InvalidArgumentError("heavy_rows is a regression method");
    case TrainMethod::kSubspace: {
      phase.Now(0, "subspace: top-m left singular vectors of the training family");
      auto dense = TrainSubspaceSketch(train, n, m, options.seed, control, shard.reducer);
      if (!dense.ok()) return dense.status();
      out_dense = *std::move(dense);
      absl::StrAppend(&notes, absl::StrFormat(
          "subspace: dense S (%d×%d) from %s; ", m, n,
          n <= kSubspaceGramMaxRows ? "the eigenvectors of Σ AᵢAᵢᵀ"
                                    : "a randomized range finder on Σ AᵢAᵢᵀ"));
      break;
    }
  }
  if (control.cancelled()) return absl::CancelledError("training cancelled");
  if (control.out_of_time()) {
    absl::StrAppend(&notes, absl::StrFormat("time budget of %.3g s reached; ",
                                            options.time_budget_seconds));
  }
  for (double v : sketch.values()) {
    if (!std::isfinite(v)) return absl::InternalError("training produced a non-finite value");
  }
  if (!out_dense.allFinite()) return absl::InternalError("training produced a non-finite value");
  const double train_seconds = control.elapsed_seconds();

  // Validation figures.
  control.Report(0.9, "validation figures");
  std::vector<TrainingMatrix> held_set;
  std::vector<TrainingMatrix>* eval = &train;
  if (validate_on_train) {
    SKETCHD_RETURN_IF_ERROR(sums.AgreeOnStatus(OnHeldEntries(
        &train, spread, [&](std::vector<TrainingMatrix>* here, const std::vector<size_t>&) {
          return FillOptimalErrors(here, k, threads, control);
        })));
  } else {
    auto held_or = PrepareTrainingMatrices(*shard.local, LocalPositions(shard, held_idx), true, k,
                                           threads, control);
    SKETCHD_RETURN_IF_ERROR(sums.AgreeOnStatus(held_or.status()));
    held_set = PlaceLocal(shard, held_idx, *std::move(held_or));
    eval = &held_set;
  }
  auto figures = ShardValidationFigures(
      eval, spread, sums, out_dense.size() > 0 ? m : sketch.rows(), n, k, options.seed, threads,
      control, [&](const std::vector<TrainingMatrix>& here) {
        return out_dense.size() > 0 ? ExcessErrorsDense(out_dense, here, k, threads, control)
                                    : ExcessErrors(sketch, here, k, threads, control);
      });
  if (!figures.ok()) return figures.status();

  TrainedSketch out;
  out.sketch = std::move(sketch);
  out.dense = std::move(out_dense);
  out.options = resolved;
  out.n = n;
  out.d = spread ? shard.cols : (*shard.local)[train_idx.empty() ? 0 : train_idx[0]].cols();
  out.train_seconds = train_seconds;
  out.validation = *figures;
  absl::StrAppend(&notes, absl::StrFormat(
      "trained on %d matrices, validated on %d; validation %.3g s", num_train,
      figures->num_matrices, control.elapsed_seconds() - train_seconds));
  if (!figures->comparable()) absl::StrAppend(&notes, "; ", figures->verdict());
  out.notes = std::move(notes);
  control.Report(1.0, "done");
  return out;
}

}  // namespace sketchd
