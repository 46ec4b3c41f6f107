#include "mpi/distributed_train.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli_status.h"
#include "client/matrix_inputs.h"
#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/parallel/parallel_for.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/heavy_rows_sketch.h"
#include "core/regression/ihs_evaluation.h"
#include "core/regression/regression_problem.h"
#include "core/regression/subspace_embedding_loss.h"
#include "core/regression/train_regression.h"
#include "core/training/inner_product_sketch.h"
#include "core/training/ivy_training.h"
#include "core/training/mixed_sketch.h"
#include "core/training/training_split.h"
#include "core/training/progress_reporter.h"
#include "core/training/safeguarded_adam.h"
#include "core/training/training_limits.h"
#include "core/training/training_random.h"
#include "core/training/training_set.h"
#include "mpi/row_range.h"

namespace sketchd {
namespace {

// Core's constants (train_low_rank.cc, train_regression.cc).
constexpr int kRandomSeeds = 3;
constexpr int kDefaultBatch = 16;

// Every rank's status agreed; the lowest failing rank's error everywhere.
#define SKETCHMPI_AGREE(comm, expr)                                  \
  do {                                                               \
    if (absl::Status _s = (comm).AgreeOnStatus(expr); !_s.ok()) return _s; \
  } while (0)

std::string ReportNote(const std::string& label, const ValueLearningReport& r) {
  return absl::StrFormat("%s: %d steps (%d rejected, final lr %.3g), training loss %.6g -> %.6g%s; ",
                         label, r.steps, r.rejected_steps, r.final_learning_rate, r.initial_loss,
                         r.best_loss, r.stopped_by_budget ? ", stopped by time budget" : "");
}

// Global order of `idx` (sorted global indices) → the global vector of
// TrainingMatrix with this rank's prepared ones in place, placeholders
// elsewhere (see HeldHere in ivy_training.h).
std::vector<TrainingMatrix> PlaceLocal(const std::vector<int64_t>& idx, int64_t first,
                                       int64_t count, std::vector<TrainingMatrix> prepared) {
  std::vector<TrainingMatrix> out(idx.size());
  size_t next = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] >= first && idx[i] < first + count) out[i] = std::move(prepared[next++]);
  }
  return out;
}

std::vector<int64_t> LocalPositions(const std::vector<int64_t>& idx, int64_t first, int64_t count) {
  std::vector<int64_t> out;
  for (int64_t i : idx) {
    if (i >= first && i < first + count) out.push_back(i - first);
  }
  return out;
}

// Mean SCW excess error over `eval` (placeholders allowed), as core's
// MeanExcess (validation.cc): per matrix where it lives, one sum, core's order.
absl::StatusOr<double> MeanExcessError(Communicator& comm, const CountSketch& sketch,
                                       const std::vector<TrainingMatrix>& eval, int64_t k) {
  if (eval.empty()) return 0.0;
  std::vector<double> excess(eval.size(), 0.0);
  absl::Status failure;
  for (size_t i = 0; i < eval.size() && failure.ok(); ++i) {
    const TrainingMatrix& tm = eval[i];
    if (!HeldHere(tm)) continue;
    auto factors = ScwLowRank(sketch, tm.raw(), k);
    if (!factors.ok()) {
      failure = factors.status();
      break;
    }
    excess[i] = SigmaOneScaledExcess(
        EvaluateLowRankWithOptimum(tm.raw(), factors->left, factors->right,
                                   tm.optimal_error / tm.inv_scale),
        1 / tm.inv_scale);
  }
  SKETCHMPI_AGREE(comm, failure);
  comm.SumInPlace(excess.data(), static_cast<int64_t>(excess.size()));
  return std::accumulate(excess.begin(), excess.end(), 0.0) / static_cast<double>(eval.size());
}

absl::StatusOr<TrainedSketch> TrainLowRank(Communicator& comm, const DistributedTrainingSet& set,
                                           const TrainOptions& options,
                                           const ProgressCallback& progress) {
  TrainingControl control(&progress, nullptr, 0);
  const int threads = ResolveThreads(options.threads);
  const int64_t total = set.total, n = set.rows, d = set.cols, m = options.m, k = options.k;
  const int64_t count = static_cast<int64_t>(set.local.size());
  if (k > std::min(n, d)) {
    return absl::InvalidArgumentError(absl::StrCat("rank k=", k, " exceeds min(n, d)=",
                                                   std::min(n, d), " of the training matrices (",
                                                   n, "x", d, ")"));
  }
  // Non-finite entries, named by global matrix index.
  absl::Status finite;
  for (int64_t i = 0; i < count && finite.ok(); ++i) {
    const RowMatrixXd& a = set.local[i];
    if (a.allFinite()) continue;
    for (Index r = 0; r < a.rows() && finite.ok(); ++r) {
      for (Index c = 0; c < a.cols(); ++c) {
        if (!std::isfinite(a(r, c))) {
          finite = absl::InvalidArgumentError(absl::StrCat(
              "training matrix ", set.first + i, " has a non-finite value at row ", r, ", column ", c));
          break;
        }
      }
    }
  }
  SKETCHMPI_AGREE(comm, finite);
  TrainOptions resolved = options;
  std::string notes;

  // Split: core's, as every trainer makes it.
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
  auto prepared = PrepareTrainingMatrices(set.local, LocalPositions(train_idx, set.first, count),
                                          false, k, threads, control);
  SKETCHMPI_AGREE(comm, prepared.status());
  std::vector<TrainingMatrix> train = PlaceLocal(train_idx, set.first, count, *std::move(prepared));
  const int64_t num_train = static_cast<int64_t>(train.size());

  ProgressReporter phase(&control, 0.05, 0.9);
  CountSketch sketch;
  ValueLearningReport report;
  ValueLearningConfig cfg;
  cfg.k = k;
  cfg.seed = options.seed;
  cfg.threads = threads;
  cfg.reducer = &comm;
  auto learn = [&](const CountSketch& start, ProgressReporter* reporter) -> absl::StatusOr<CountSketch> {
    resolved.iterations = cfg.iterations;
    resolved.batch_size = cfg.batch_size;
    resolved.learning_rate = cfg.learning_rate;
    return LearnSketchValues(start, train, cfg, reporter, &report);
  };
  const int default_batch = static_cast<int>(std::min<int64_t>(num_train, kDefaultBatch));
  switch (options.method) {
    case TrainMethod::kRandom: {
      auto random = CountSketch::Random(m, n, options.seed);
      if (!random.ok()) return random.status();
      sketch = *std::move(random);
      break;
    }
    case TrainMethod::kIvy:
    case TrainMethod::kMixed: {
      cfg.iterations = options.iterations > 0 ? options.iterations : 300;
      cfg.batch_size = options.batch_size > 0 ? options.batch_size : default_batch;
      cfg.learning_rate = options.learning_rate > 0 ? options.learning_rate : 0.05;
      if (options.method == TrainMethod::kIvy) {
        auto start = CountSketch::Random(m, n, options.seed);
        if (!start.ok()) return start.status();
        auto learned = learn(*start, &phase);
        if (!learned.ok()) return learned.status();
        sketch = *std::move(learned);
        absl::StrAppend(&notes, ReportNote("ivy", report));
      } else {
        resolved.iterations = cfg.iterations;
        resolved.batch_size = cfg.batch_size;
        resolved.learning_rate = cfg.learning_rate;
        auto mixed = TrainMixedSketch(train, n, m, options.mixed_joint, options.seed,
                                      DerivedSeed(options.seed, 1), cfg, &phase, &notes);
        if (!mixed.ok()) return mixed.status();
        sketch = *std::move(mixed);
      }
      break;
    }
    case TrainMethod::kInnerProduct: {
      phase.Now(0, "inner_product: ridge leverage sampling and bucket assignment");
      // The mean of the normalised matrices, summed in core's order.
      RowMatrixXd mean = RowMatrixXd::Zero(n, d);
      comm.OrderedSum(mean.data(), mean.size(), [&](double* running) {
        Eigen::Map<RowMatrixXd> sum(running, n, d);
        for (const TrainingMatrix& tm : train) {
          if (HeldHere(tm)) sum += tm.inv_scale * tm.raw();
        }
      });
      const RowMatrixXd rep = mean / static_cast<double>(num_train);
      auto built = BuildInnerProductSketch(rep, m, k, options.seed, options.append_sampled_rows);
      if (!built.ok()) return built.status();
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
        cfg.iterations = options.iterations > 0 ? options.iterations : 150;
        cfg.batch_size = options.batch_size > 0 ? options.batch_size : default_batch;
        cfg.learning_rate = options.learning_rate > 0 ? options.learning_rate : 0.02;
        cfg.label = "inner_product refine";
        cfg.trainable.assign(sketch.num_blocks(), false);
        cfg.trainable[0] = true;
        ProgressReporter refine(&control, 0.15, 0.9);
        auto learned = learn(sketch, &refine);
        if (!learned.ok()) return learned.status();
        sketch = *std::move(learned);
        absl::StrAppend(&notes, ReportNote("refine values", report));
      }
      break;
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "method ", TrainMethodName(options.method), " is not available in sketchmpi train"));
  }
  for (double v : sketch.values()) {
    if (!std::isfinite(v)) return absl::InternalError("training produced a non-finite value");
  }
  const double train_seconds = control.elapsed_seconds();

  // Validation figures (core's LowRankValidationFigures over the held-out set).
  control.Report(0.9, "validation figures");
  std::vector<TrainingMatrix> held_set;
  const std::vector<TrainingMatrix>* eval = &train;
  if (validate_on_train) {
    std::vector<TrainingMatrix> local;
    for (TrainingMatrix& tm : train) {
      if (HeldHere(tm)) local.push_back(std::move(tm));
    }
    SKETCHMPI_AGREE(comm, FillOptimalErrors(&local, k, threads, control));
    train = PlaceLocal(train_idx, set.first, count, std::move(local));
  } else {
    auto held_or = PrepareTrainingMatrices(set.local, LocalPositions(held_idx, set.first, count),
                                           true, k, threads, control);
    SKETCHMPI_AGREE(comm, held_or.status());
    held_set = PlaceLocal(held_idx, set.first, count, *std::move(held_or));
    eval = &held_set;
  }
  ValidationFigures figures;
  figures.metric = "mean_excess_error";
  figures.num_matrices = static_cast<int64_t>(eval->size());
  auto mine = MeanExcessError(comm, sketch, *eval, k);
  if (!mine.ok()) return mine.status();
  figures.learned = *mine;
  double random_total = 0;
  for (int s = 0; s < kRandomSeeds; ++s) {
    auto random = CountSketch::Random(m, n, DerivedSeed(options.seed, 100 + s));
    if (!random.ok()) return random.status();
    auto err = MeanExcessError(comm, *random, *eval, k);
    if (!err.ok()) return err.status();
    random_total += *err;
  }
  figures.random = random_total / kRandomSeeds;
  figures.random_seeds = kRandomSeeds;

  TrainedSketch out;
  out.sketch = std::move(sketch);
  out.options = resolved;
  out.n = n;
  out.d = d;
  out.train_seconds = train_seconds;
  out.validation = figures;
  absl::StrAppend(&notes, absl::StrFormat(
      "trained on %d matrices, validated on %d; validation %.3g s; %d MPI ranks", num_train,
      figures.num_matrices, control.elapsed_seconds() - train_seconds, comm.size()));
  out.notes = std::move(notes);
  control.Report(1.0, "done");
  return out;
}

absl::StatusOr<TrainedSketch> TrainRegression(Communicator& comm,
                                              const DistributedTrainingSet& set,
                                              const TrainOptions& options,
                                              const ProgressCallback& progress) {
  TrainingControl control(&progress, nullptr, 0);
  if (set.cols < 2) {
    return absl::InvalidArgumentError(
        "regression training matrices are [A | b]: they need at least 2 columns");
  }
  if (options.method != TrainMethod::kHeavyRows && options.method != TrainMethod::kRandom) {
    return absl::InvalidArgumentError(absl::StrCat(
        "method ", TrainMethodName(options.method), " is not a regression method; use heavy_rows or random"));
  }
  const int64_t n = set.rows, d = set.cols - 1, total = set.total;
  const int64_t count = static_cast<int64_t>(set.local.size());
  std::vector<RegressionProblem> local;
  absl::Status valid_input;
  for (int64_t i = 0; i < count; ++i) {
    local.push_back({set.local[i].leftCols(d), set.local[i].col(d)});
    if (absl::Status s = ValidateRegressionProblem(local.back()); !s.ok() && valid_input.ok()) {
      valid_input = absl::InvalidArgumentError(
          absl::StrCat("training problem ", set.first + i, ": ", s.message()));
    }
  }
  SKETCHMPI_AGREE(comm, valid_input);
  TrainOptions sizes = options;
  sizes.task = SketchTask::kRegression;
  if (absl::Status s = CheckTrainingSizes(sizes, n, d, total); !s.ok()) return s;

  const int64_t held = HeldOutCount(total, options.validation_fraction);
  const int64_t num_train = total - held;
  TrainedSketch out;
  out.options = options;
  out.n = n;
  out.d = d;
  std::string notes;
  if (held == 0) notes = "no held-out problems: validation figures are on the training problems. ";

  control.Report(0.0, "selecting heavy rows by leverage");
  if (options.method == TrainMethod::kRandom) {
    auto s = CountSketch::Random(options.m, n, options.seed);
    if (!s.ok()) return s.status();
    out.sketch = std::move(*s);
  } else {
    const int64_t h = static_cast<int64_t>(std::floor(options.heavy_fraction * options.m));
    if (h > 0) {
      // Votes of the training problems (global 0 … num_train − 1), in order.
      std::vector<double> votes(2 * static_cast<size_t>(n), 0.0);
      comm.OrderedSum(votes.data(), static_cast<int64_t>(votes.size()), [&](double* running) {
        for (int64_t i = 0; i < count; ++i) {
          if (set.first + i < num_train) AddHeavyRowVotes(local[i].a, h, running, running + n);
        }
      });
      out.heavy_rows = HeavyRowsFromVotes(votes.data(), votes.data() + n, n, h);
    }
    auto s = HeavyRowsSketch(options.m, n, out.heavy_rows, options.seed);
    if (!s.ok()) return s.status();
    out.sketch = std::move(*s);
  }

  // Values (optional): core's Adam on the subspace-embedding loss
  // (train_regression.cc), each member's loss and gradient where its problem
  // lives, summed (one owner each) and added in core's order.
  if (options.method == TrainMethod::kHeavyRows && options.learn_values) {
    std::vector<RegressionProblem> train_local;
    for (int64_t i = 0; i < count && set.first + i < num_train; ++i) train_local.push_back(local[i]);
    const std::vector<SubspaceLossProblem> prepared = PrepareSubspaceLoss(train_local);
    const int64_t batch = options.batch_size > 0 ? std::min<int64_t>(options.batch_size, num_train)
                                                 : num_train;
    const std::vector<double> start_values = out.sketch.values();
    const Index nv = static_cast<Index>(start_values.size());
    CountSketch current = out.sketch;
    std::vector<double> g_one;
    auto set_values = [&](const VectorXd& params) {
      std::copy(params.data(), params.data() + params.size(), current.mutable_values().begin());
    };
    // Loss (and gradient) of global training problem g into slot[0 … nv+1]:
    // gradient, loss, 1 if undefined (rank-deficient SA).
    auto evaluate = [&](int64_t g, bool with_grad, double* slot) {
      const int64_t i = g - set.first;
      if (i < 0 || i >= static_cast<int64_t>(prepared.size())) return;
      auto l = SubspaceEmbeddingLoss(current, {prepared[i]}, with_grad ? &g_one : nullptr);
      if (!l.ok()) {
        slot[nv + 1] = 1;
        return;
      }
      if (with_grad) std::copy(g_one.begin(), g_one.end(), slot);
      slot[nv] = *l;
    };
    const absl::Status undefined =
        absl::FailedPreconditionError("a sketched training matrix is rank-deficient");
    auto minibatch = [&](int step, const VectorXd& params, VectorXd* grad) -> absl::StatusOr<double> {
      set_values(params);
      std::vector<double> slots(static_cast<size_t>(batch) * (nv + 2), 0.0);
      for (int64_t k = 0; k < batch; ++k) {
        evaluate((step * batch + k) % num_train, true, slots.data() + k * (nv + 2));
      }
      comm.SumInPlace(slots.data(), static_cast<int64_t>(slots.size()));
      double loss = 0;
      for (int64_t k = 0; k < batch; ++k) {
        const double* slot = slots.data() + k * (nv + 2);
        if (slot[nv + 1] != 0) return undefined;
        loss += slot[nv];
        *grad += Eigen::Map<const VectorXd>(slot, nv);
      }
      *grad /= static_cast<double>(batch);
      return loss / static_cast<double>(batch);
    };
    auto training_loss = [&](const VectorXd& params) -> absl::StatusOr<double> {
      set_values(params);
      std::vector<double> slots(static_cast<size_t>(num_train) * (nv + 2), 0.0);
      for (int64_t g = 0; g < num_train; ++g) evaluate(g, false, slots.data() + g * (nv + 2));
      comm.SumInPlace(slots.data(), static_cast<int64_t>(slots.size()));
      double loss = 0;
      for (int64_t g = 0; g < num_train; ++g) {
        const double* slot = slots.data() + g * (nv + 2);
        if (slot[nv + 1] != 0) return undefined;
        loss += slot[nv];
      }
      return loss / static_cast<double>(num_train);
    };
    SafeguardedAdamConfig adam;
    adam.iterations = options.iterations > 0 ? options.iterations : 300;
    adam.learning_rate = options.learning_rate > 0 ? options.learning_rate : 0.05;
    adam.label = "learning values";
    ProgressReporter phase(&control, 0.2, 0.8);
    ValueLearningReport report;
    auto best = RunSafeguardedAdam(Eigen::Map<const VectorXd>(start_values.data(), nv), adam,
                                   minibatch, training_loss, &phase, &report);
    if (!best.ok()) return best.status();
    std::copy(best->data(), best->data() + best->size(), out.sketch.mutable_values().begin());
    notes += absl::StrFormat(
        "subspace-embedding loss per problem %.6g -> %.6g in %d Adam steps (%d rejected, final lr %.3g)%s. ",
        report.initial_loss, report.best_loss, report.steps, report.rejected_steps,
        report.final_learning_rate, report.stopped_by_budget ? ", stopped by the time budget" : "");
  }

  // Validation: core's loop (train_regression.cc), each problem where it lives.
  const int64_t valid_first = held > 0 ? num_train : 0;
  const int64_t valid_count = held > 0 ? held : num_train;
  std::vector<double> per(3 * static_cast<size_t>(valid_count), 0.0);  // learned, random, counted
  absl::Status failure;
  for (int64_t i = 0; i < count && failure.ok(); ++i) {
    const int64_t j = set.first + i - valid_first;
    if (j < 0 || j >= valid_count) continue;
    const RegressionProblem& p = local[i];
    auto x_ls = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    if (!x_ls.ok()) continue;  // skipped, as core does
    const double lambda = options.lasso_lambda_fraction * x_ls->lpNorm<1>();
    auto ref = LassoExact(p.a, p.b, lambda, 200000, nullptr);
    if (!ref.ok()) {
      failure = ref.status();
      break;
    }
    IhsOptions learned;
    learned.seed = options.seed;
    if (options.method == TrainMethod::kRandom) {
      learned.mode = IhsSketchMode::kFresh;
      learned.fresh = {SketchKind::kCountSketch, options.m, options.seed, 1};
    } else {
      learned.sketch = &out.sketch;
      learned.heavy_rows = &out.heavy_rows;
      learned.mode = options.learn_values || out.heavy_rows.empty() ? IhsSketchMode::kFixed
                                                                    : IhsSketchMode::kHeavyRows;
    }
    auto el = EvaluateIhsLasso(p, *ref, lambda, learned);
    if (!el.ok()) {
      failure = el.status();
      break;
    }
    double rs = 0;
    for (int r = 0; r < kRandomSeeds && failure.ok(); ++r) {
      IhsOptions random;
      random.mode = IhsSketchMode::kFresh;
      random.fresh = {SketchKind::kCountSketch, options.m, options.seed + 1000003ULL * (r + 1), 1};
      auto er = EvaluateIhsLasso(p, *ref, lambda, random);
      if (!er.ok()) {
        failure = er.status();
        break;
      }
      rs += er->rate;
    }
    per[3 * j] = el->rate;
    per[3 * j + 1] = rs / kRandomSeeds;
    per[3 * j + 2] = 1;
  }
  SKETCHMPI_AGREE(comm, failure);
  comm.SumInPlace(per.data(), static_cast<int64_t>(per.size()));
  double learned_sum = 0, random_sum = 0;
  int64_t counted = 0;
  for (int64_t j = 0; j < valid_count; ++j) {
    if (per[3 * j + 2] == 0) {
      notes += absl::StrCat("validation problem ", j, " skipped (no least-squares solution). ");
      continue;
    }
    learned_sum += per[3 * j];
    random_sum += per[3 * j + 1];
    ++counted;
  }
  out.validation.metric = "ihs_lasso_rate";
  out.validation.random_seeds = kRandomSeeds;
  out.validation.num_matrices = counted;
  if (counted > 0) {
    out.validation.learned = learned_sum / counted;
    out.validation.random = random_sum / counted;
  }
  out.train_seconds = control.elapsed_seconds();
  out.notes = notes + absl::StrCat(comm.size(), " MPI ranks. ");
  control.Report(1.0, "done");
  return out;
}

}  // namespace

absl::StatusOr<DistributedTrainingSet> ReadDistributedTrainingSet(
    Communicator& comm, const std::vector<std::string>& inputs) {
  auto paths = ExpandMatrixPaths(inputs);
  SKETCHMPI_AGREE(comm, paths.status());
  DistributedTrainingSet set;
  set.files = static_cast<int64_t>(paths->size());
  const RowRange mine = RowRangeOfRank(set.files, comm.rank(), comm.size());
  // Per file: matrices, rows, cols (zeros where another rank reads it).
  std::vector<double> shape(3 * static_cast<size_t>(set.files), 0.0);
  absl::Status read;
  for (int64_t f = mine.first; f < mine.first + mine.count; ++f) {
    auto family = ReadMatrixFamilyFile((*paths)[f]);
    if (!family.ok()) {
      read = family.status();
      break;
    }
    if (family->empty()) continue;
    const Index rows = (*family)[0].rows(), cols = (*family)[0].cols();
    shape[3 * f] = static_cast<double>(family->size());
    shape[3 * f + 1] = static_cast<double>(rows);
    shape[3 * f + 2] = static_cast<double>(cols);
    for (RowMatrixXd& a : *family) {
      if (a.rows() != rows || a.cols() != cols) {
        read = InputError(absl::InvalidArgumentError(
            absl::StrCat((*paths)[f], ": matrices of different shapes in one file")));
        break;
      }
      set.local.push_back(std::move(a));
    }
  }
  SKETCHMPI_AGREE(comm, read);
  comm.SumInPlace(shape.data(), static_cast<int64_t>(shape.size()));
  for (int64_t f = 0; f < set.files; ++f) {
    const int64_t c = static_cast<int64_t>(shape[3 * f]);
    if (f < mine.first) set.first += c;
    set.total += c;
    if (c == 0) continue;
    const int64_t r = static_cast<int64_t>(shape[3 * f + 1]), cols = static_cast<int64_t>(shape[3 * f + 2]);
    if (set.rows == 0) {
      set.rows = r;
      set.cols = cols;
    } else if (r != set.rows || cols != set.cols) {
      return InputError(absl::InvalidArgumentError(absl::StrCat(
          (*paths)[f], " holds ", r, "x", cols, " matrices but the first file's are ", set.rows,
          "x", set.cols, "; all training matrices must have the same shape")));
    }
  }
  if (set.total == 0) return InputError(absl::InvalidArgumentError("no training matrices given"));
  return set;
}

absl::StatusOr<TrainedSketch> DistributedTrainSketch(Communicator& comm,
                                                     const DistributedTrainingSet& set,
                                                     const TrainOptions& options,
                                                     const ProgressCallback& progress) {
  if (options.task == SketchTask::kRegression) return TrainRegression(comm, set, options, progress);
  if (options.method == TrainMethod::kHeavyRows) {
    return absl::InvalidArgumentError(
        "method heavy_rows is for the regression task; for low-rank use random, ivy, mixed, "
        "inner_product, greedy or subspace");
  }
  TrainOptions sizes = options;
  if (absl::Status s = CheckTrainingSizes(sizes, set.rows, std::max<int64_t>(set.cols, 1), set.total);
      !s.ok()) {
    return s;
  }
  return TrainLowRank(comm, set, options, progress);
}

}  // namespace sketchd
