#include "core/regression/train_regression.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/parallel/ordered_accumulate.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/heavy_rows_sketch.h"
#include "core/regression/ihs_evaluation.h"
#include "core/regression/leverage_scores.h"
#include "core/regression/subspace_embedding_loss.h"
#include "core/status_macros.h"
#include "core/training/progress_reporter.h"
#include "core/training/safeguarded_adam.h"
#include "core/training/training_limits.h"
#include "core/training/training_split.h"
#include "core/training/validation.h"

namespace sketchd {
namespace {

constexpr int kRandomSeeds = 3;

// Options and sizes (the same verdict on every process), then this process's
// problems, named by their index in the family.
absl::Status CheckProblems(const RegressionShard& shard, const TrainOptions& o) {
  if (shard.total == 0) return absl::InvalidArgumentError("regression training needs at least one problem");
  const int64_t n = shard.rows, d = shard.cols;
  for (int64_t local = 0; local < shard.count(); ++local) {
    const int64_t i = shard.first + local;
    const RegressionProblem& p = (*shard.local)[local];
    if (p.a.rows() != n || p.a.cols() != d) {
      return absl::InvalidArgumentError(absl::StrCat("training problem ", i, " is ", p.a.rows(), "x",
                                                     p.a.cols(), " but problem 0 is ", n, "x", d,
                                                     "; all must have the same shape"));
    }
    if (absl::Status s = ValidateRegressionProblem(p); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("training problem ", i, ": ", s.message()));
    }
  }
  if (o.method != TrainMethod::kHeavyRows && o.method != TrainMethod::kRandom) {
    return absl::InvalidArgumentError(absl::StrCat("method ", TrainMethodName(o.method),
                                                   " is not a regression method; use heavy_rows or random"));
  }
  TrainOptions sizes = o;
  sizes.task = SketchTask::kRegression;  // m >= d, no k
  return CheckTrainingSizes(sizes, n, d, shard.total);
}

absl::Status Cancelled() { return absl::CancelledError("regression training cancelled"); }

// Heavy-row selection over the training problems 0 … num_train − 1 of the
// family: each problem's votes added where it lives, in family order (a
// running sum through the processes when spread: the serial loop's order),
// with cancellation polled and progress reported per problem (control may
// be null).
absl::StatusOr<std::vector<int32_t>> SelectHeavyRowsImpl(const RegressionShard& shard,
                                                         int64_t num_train, int64_t h,
                                                         const TrainingControl* control) {
  if (num_train == 0 || h <= 0) return std::vector<int32_t>{};
  const int64_t n = shard.rows;
  h = std::min(h, n);
  VectorXd votes = VectorXd::Zero(2 * n);  // counts, then summed leverage
  bool cancelled = false;
  OrderedAccumulate(shard.reducer, &votes, [&](VectorXd* sum) {
    for (int64_t i = shard.first; i < std::min(num_train, shard.first + shard.count()); ++i) {
      if (control != nullptr && control->cancelled()) {
        cancelled = true;
        return;
      }
      AddHeavyRowVotes(shard.at(i).a, h, sum->data(), sum->data() + n);
      if (control != nullptr) {
        control->Report(0.2 * (i + 1) / num_train,
                        absl::StrCat("leverage scores ", i + 1, "/", num_train));
      }
    }
  });
  if (cancelled) return Cancelled();
  return HeavyRowsFromVotes(votes.data(), votes.data() + n, n, h);
}

RegressionShard OneProcess(const std::vector<RegressionProblem>& problems) {
  RegressionShard shard;
  shard.local = &problems;
  shard.total = static_cast<int64_t>(problems.size());
  if (!problems.empty()) {
    shard.rows = problems[0].a.rows();
    shard.cols = problems[0].a.cols();
  }
  return shard;
}

}  // namespace

void AddHeavyRowVotes(const RowMatrixXd& a, int64_t h, double* counts, double* totals) {
  const int64_t n = a.rows();
  h = std::min(h, n);
  const VectorXd lev = LeverageScores(a);
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + h, order.end(),
                    [&](int32_t x, int32_t y) { return lev[x] > lev[y] || (lev[x] == lev[y] && x < y); });
  for (int64_t k = 0; k < h; ++k) counts[order[k]] += 1;
  for (int64_t r = 0; r < n; ++r) totals[r] += lev[r];
}

std::vector<int32_t> HeavyRowsFromVotes(const double* counts, const double* totals, int64_t n,
                                        int64_t h) {
  h = std::min(h, n);
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) {
    return counts[x] != counts[y] ? counts[x] > counts[y] : totals[x] > totals[y];
  });
  std::vector<int32_t> heavy;
  for (int64_t k = 0; k < h && counts[order[k]] > 0; ++k) heavy.push_back(order[k]);
  return heavy;
}

std::vector<int32_t> SelectHeavyRows(const std::vector<RegressionProblem>& problems, int64_t h) {
  return *SelectHeavyRowsImpl(OneProcess(problems), static_cast<int64_t>(problems.size()), h,
                              nullptr);
}

absl::StatusOr<TrainedSketch> TrainRegressionSketch(const std::vector<RegressionProblem>& problems,
                                                    const TrainOptions& options,
                                                    const ProgressCallback& progress,
                                                    const CancelToken* cancel) {
  return TrainRegressionSketchOnShard(OneProcess(problems), options, progress, cancel);
}

absl::StatusOr<TrainedSketch> TrainRegressionSketchOnShard(const RegressionShard& shard,
                                                    const TrainOptions& options,
                                                    const ProgressCallback& progress,
                                                    const CancelToken* cancel) {
  LocalReducer one_process;
  Reducer& sums = shard.reducer != nullptr ? *shard.reducer : one_process;
  SKETCHD_RETURN_IF_ERROR(sums.AgreeOnStatus(CheckProblems(shard, options)));
  TrainingControl control(&progress, cancel, options.time_budget_seconds);
  control.AgreeOnStopWith(shard.reducer);
  const int64_t n = shard.rows, d = shard.cols;
  const int64_t total = shard.total;
  // The last problems are held out: regression families are time series
  // (weeks of one sensor), and validating on later ones is the honest test.
  const int64_t held = HeldOutCount(total, options.validation_fraction);
  const int64_t num_train = total - held;
  // Family indices of the validation problems.
  const int64_t valid_first = held > 0 ? num_train : 0;
  const int64_t valid_count = held > 0 ? held : num_train;

  TrainedSketch out;
  out.options = options;
  out.n = n;
  out.d = d;
  std::string notes;
  if (held == 0) notes = "no held-out problems: validation figures are on the training problems. ";

  // 1. Positions.
  control.Report(0.0, "selecting heavy rows by leverage");
  if (options.method == TrainMethod::kRandom) {
    auto s = CountSketch::Random(options.m, n, options.seed);
    if (!s.ok()) return s.status();
    out.sketch = std::move(*s);
  } else {
    const int64_t h = static_cast<int64_t>(std::floor(options.heavy_fraction * options.m));
    auto heavy = SelectHeavyRowsImpl(shard, num_train, h, &control);
    if (!heavy.ok()) return heavy.status();
    out.heavy_rows = std::move(*heavy);
    auto s = HeavyRowsSketch(options.m, n, out.heavy_rows, options.seed);
    if (!s.ok()) return s.status();
    out.sketch = std::move(*s);
  }

  // 2. Values (optional): Adam on the subspace-embedding loss, with the
  // safeguards shared with ivy (safeguarded_adam.h): a step on which some
  // sketched matrix is rank-deficient is rejected instead of failing the job,
  // and the values with the best full training loss are kept (minibatches
  // included). Each problem's loss and gradient are computed where it lives
  // and summed (one owner each: exact), then added in problem order.
  if (options.method == TrainMethod::kHeavyRows && options.learn_values) {
    std::vector<RegressionProblem> train_here;
    for (int64_t i = shard.first; i < std::min(num_train, shard.first + shard.count()); ++i) {
      train_here.push_back(shard.at(i));
    }
    const std::vector<SubspaceLossProblem> prepared = PrepareSubspaceLoss(train_here);
    const int64_t batch = options.batch_size > 0 ? std::min<int64_t>(options.batch_size, num_train)
                                                 : num_train;
    const std::vector<double> start_values = out.sketch.values();
    const Index nv = static_cast<Index>(start_values.size());
    CountSketch current = out.sketch;
    std::vector<double> g_one;
    auto set_values = [&](const VectorXd& params) {
      std::copy(params.data(), params.data() + params.size(), current.mutable_values().begin());
    };
    const absl::Status undefined =
        absl::FailedPreconditionError("a sketched training matrix is rank-deficient");
    // Problem g's loss, and its gradient when `grad`, into slot (gradient,
    // loss, 1 if undefined), left zero when g lives elsewhere.
    auto evaluate = [&](int64_t g, bool grad, double* slot) {
      if (!shard.holds(g)) return;
      auto l = SubspaceEmbeddingLoss(current, {prepared[g - shard.first]}, grad ? &g_one : nullptr);
      if (!l.ok()) {
        slot[nv + 1] = 1;
        return;
      }
      if (grad) std::copy(g_one.begin(), g_one.end(), slot);
      slot[nv] = *l;
    };
    std::vector<double> slot(static_cast<size_t>(nv) + 2);
    auto minibatch = [&](int step, const VectorXd& params, VectorXd* grad) -> absl::StatusOr<double> {
      set_values(params);
      double loss = 0;
      // One problem at a time: cancellation polled between problems, and
      // one (values + 2)-long sum per member when spread.
      for (int64_t k = 0; k < batch; ++k) {
        if (control.cancelled()) return Cancelled();
        std::fill(slot.begin(), slot.end(), 0.0);
        evaluate((step * batch + k) % num_train, true, slot.data());
        sums.SumInPlace(slot.data(), static_cast<int64_t>(slot.size()));
        if (slot[nv + 1] != 0) return undefined;
        loss += slot[nv];
        *grad += Eigen::Map<const VectorXd>(slot.data(), nv);
      }
      *grad /= static_cast<double>(batch);
      return loss / static_cast<double>(batch);
    };
    auto training_loss = [&](const VectorXd& params) -> absl::StatusOr<double> {
      set_values(params);
      std::vector<double> per(2 * static_cast<size_t>(num_train), 0.0);  // loss, undefined
      for (int64_t g = 0; g < num_train; ++g) {
        if (control.cancelled()) return Cancelled();
        if (!shard.holds(g)) continue;
        auto l = SubspaceEmbeddingLoss(current, {prepared[g - shard.first]}, nullptr);
        if (l.ok()) per[2 * g] = *l; else per[2 * g + 1] = 1;
      }
      sums.SumInPlace(per.data(), static_cast<int64_t>(per.size()));
      double loss = 0;
      for (int64_t g = 0; g < num_train; ++g) {
        if (per[2 * g + 1] != 0) return undefined;
        loss += per[2 * g];
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
        report.initial_loss, report.best_loss, report.steps, report.rejected_steps, report.final_learning_rate,
        report.stopped_by_budget ? ", stopped by the time budget" : "");
  }

  // 3. Validation figures: each problem's rates where it lives (learned,
  // mean random, 1 if counted), summed (one owner each), in problem order.
  std::vector<double> per(3 * static_cast<size_t>(valid_count), 0.0);
  std::vector<std::string> skipped(valid_count);  // why, for problems here
  absl::Status failure;
  for (int64_t i = 0; i < valid_count && failure.ok(); ++i) {
    if (control.cancelled()) return Cancelled();
    if (!shard.holds(valid_first + i)) continue;
    const RegressionProblem& p = shard.at(valid_first + i);
    auto x_ls = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    if (!x_ls.ok()) {
      skipped[i] = std::string(x_ls.status().message());
      continue;
    }
    const double lambda = options.lasso_lambda_fraction * x_ls->lpNorm<1>();
    auto ref = LassoExact(p.a, p.b, lambda, 200000, cancel);
    if (!ref.ok()) {
      failure = ref.status();
      break;
    }
    IhsOptions learned;
    learned.seed = options.seed;
    learned.cancel = cancel;
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
    for (int k = 0; k < kRandomSeeds; ++k) {
      IhsOptions random;
      random.cancel = cancel;
      random.mode = IhsSketchMode::kFresh;
      random.fresh = {SketchKind::kCountSketch, options.m, options.seed + 1000003ULL * (k + 1), 1};
      auto er = EvaluateIhsLasso(p, *ref, lambda, random);
      if (!er.ok()) {
        failure = er.status();
        break;
      }
      rs += er->rate;
      if (control.cancelled()) return Cancelled();
    }
    per[3 * i] = el->rate;
    per[3 * i + 1] = rs / kRandomSeeds;
    per[3 * i + 2] = 1;
    control.Report(0.8 + 0.2 * (i + 1) / valid_count, absl::StrCat("validation ", i + 1, "/", valid_count));
  }
  SKETCHD_RETURN_IF_ERROR(sums.AgreeOnStatus(failure));
  sums.SumInPlace(per.data(), static_cast<int64_t>(per.size()));
  std::vector<double> learned_rates, random_rates;  // per counted validation problem
  for (int64_t i = 0; i < valid_count; ++i) {
    if (per[3 * i + 2] == 0) {
      notes += absl::StrCat("validation problem ", i, " skipped: ",
                            skipped[i].empty() ? "no least-squares solution" : skipped[i], ". ");
      continue;
    }
    learned_rates.push_back(per[3 * i]);
    random_rates.push_back(per[3 * i + 1]);
  }
  out.validation = FiguresFromPerMatrix("ihs_lasso_rate", learned_rates, random_rates, kRandomSeeds);
  if (!out.validation.comparable()) absl::StrAppend(&notes, out.validation.verdict(), ". ");
  out.train_seconds = control.elapsed_seconds();
  out.notes = notes;
  control.Report(1.0, "done");
  return out;
}

}  // namespace sketchd
