#include "core/regression/train_regression.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/heavy_rows_sketch.h"
#include "core/regression/ihs_evaluation.h"
#include "core/regression/leverage_scores.h"
#include "core/regression/subspace_embedding_loss.h"
#include "core/training/progress_reporter.h"
#include "core/training/safeguarded_adam.h"
#include "core/training/training_limits.h"
#include "core/training/training_split.h"
#include "core/training/validation.h"

namespace sketchd {
namespace {

constexpr int kRandomSeeds = 3;

absl::Status CheckProblems(const std::vector<RegressionProblem>& problems, const TrainOptions& o) {
  if (problems.empty()) return absl::InvalidArgumentError("regression training needs at least one problem");
  const int64_t n = problems[0].a.rows(), d = problems[0].a.cols();
  for (size_t i = 0; i < problems.size(); ++i) {
    if (problems[i].a.rows() != n || problems[i].a.cols() != d) {
      return absl::InvalidArgumentError(absl::StrCat("training problem ", i, " is ", problems[i].a.rows(), "x",
                                                     problems[i].a.cols(), " but problem 0 is ", n, "x", d,
                                                     "; all must have the same shape"));
    }
    if (absl::Status s = ValidateRegressionProblem(problems[i]); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("training problem ", i, ": ", s.message()));
    }
  }
  if (o.method != TrainMethod::kHeavyRows && o.method != TrainMethod::kRandom) {
    return absl::InvalidArgumentError(absl::StrCat("method ", TrainMethodName(o.method),
                                                   " is not a regression method; use heavy_rows or random"));
  }
  TrainOptions sizes = o;
  sizes.task = SketchTask::kRegression;  // m >= d, no k
  return CheckTrainingSizes(sizes, n, d, static_cast<int64_t>(problems.size()));
}

absl::Status Cancelled() { return absl::CancelledError("regression training cancelled"); }

// Heavy-row selection with cancellation polled and progress reported per
// problem (control may be null).
absl::StatusOr<std::vector<int32_t>> SelectHeavyRowsImpl(const std::vector<RegressionProblem>& problems,
                                                         int64_t h, const TrainingControl* control) {
  if (problems.empty() || h <= 0) return std::vector<int32_t>{};
  const int64_t n = problems[0].a.rows();
  h = std::min(h, n);
  std::vector<double> count(n, 0.0);
  std::vector<double> total(n, 0.0);
  for (size_t i = 0; i < problems.size(); ++i) {
    if (control != nullptr && control->cancelled()) return Cancelled();
    AddHeavyRowVotes(problems[i].a, h, count.data(), total.data());
    if (control != nullptr) {
      control->Report(0.2 * (i + 1) / problems.size(),
                      absl::StrCat("leverage scores ", i + 1, "/", problems.size()));
    }
  }
  return HeavyRowsFromVotes(count.data(), total.data(), n, h);
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
  return *SelectHeavyRowsImpl(problems, h, nullptr);
}

absl::StatusOr<TrainedSketch> TrainRegressionSketch(const std::vector<RegressionProblem>& problems,
                                                    const TrainOptions& options,
                                                    const ProgressCallback& progress,
                                                    const CancelToken* cancel) {
  if (absl::Status s = CheckProblems(problems, options); !s.ok()) return s;
  TrainingControl control(&progress, cancel, options.time_budget_seconds);
  const int64_t n = problems[0].a.rows(), d = problems[0].a.cols();
  const int64_t total = static_cast<int64_t>(problems.size());
  // The last problems are held out: regression families are time series
  // (weeks of one sensor), and validating on later ones is the honest test.
  const int64_t held = HeldOutCount(total, options.validation_fraction);
  const std::vector<RegressionProblem> train(problems.begin(), problems.end() - held);
  const std::vector<RegressionProblem> valid =
      held > 0 ? std::vector<RegressionProblem>(problems.end() - held, problems.end()) : train;

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
    auto heavy = SelectHeavyRowsImpl(train, h, &control);
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
  // included).
  if (options.method == TrainMethod::kHeavyRows && options.learn_values) {
    const std::vector<SubspaceLossProblem> prepared = PrepareSubspaceLoss(train);
    const size_t batch = options.batch_size > 0 ? std::min<size_t>(options.batch_size, train.size()) : train.size();
    const std::vector<double> start_values = out.sketch.values();
    CountSketch current = out.sketch;
    std::vector<double> g_one;
    auto set_values = [&](const VectorXd& params) {
      std::copy(params.data(), params.data() + params.size(), current.mutable_values().begin());
    };
    auto minibatch = [&](int step, const VectorXd& params, VectorXd* grad) -> absl::StatusOr<double> {
      set_values(params);
      double loss = 0;
      // One problem at a time so cancellation is polled between problems.
      for (size_t k = 0; k < batch; ++k) {
        if (control.cancelled()) return Cancelled();
        auto l = SubspaceEmbeddingLoss(current, {prepared[(step * batch + k) % prepared.size()]}, &g_one);
        if (!l.ok()) return l.status();
        loss += *l;
        *grad += Eigen::Map<const VectorXd>(g_one.data(), static_cast<Index>(g_one.size()));
      }
      *grad /= static_cast<double>(batch);
      return loss / static_cast<double>(batch);
    };
    auto training_loss = [&](const VectorXd& params) -> absl::StatusOr<double> {
      set_values(params);
      double loss = 0;
      for (const SubspaceLossProblem& p : prepared) {
        if (control.cancelled()) return Cancelled();
        auto l = SubspaceEmbeddingLoss(current, {p}, nullptr);
        if (!l.ok()) return l.status();
        loss += *l;
      }
      return loss / static_cast<double>(prepared.size());
    };
    SafeguardedAdamConfig adam;
    adam.iterations = options.iterations > 0 ? options.iterations : 300;
    adam.learning_rate = options.learning_rate > 0 ? options.learning_rate : 0.05;
    adam.label = "learning values";
    ProgressReporter phase(&control, 0.2, 0.8);
    ValueLearningReport report;
    auto best = RunSafeguardedAdam(Eigen::Map<const VectorXd>(start_values.data(), static_cast<Index>(start_values.size())),
                                   adam, minibatch, training_loss, &phase, &report);
    if (!best.ok()) return best.status();
    std::copy(best->data(), best->data() + best->size(), out.sketch.mutable_values().begin());
    notes += absl::StrFormat(
        "subspace-embedding loss per problem %.6g -> %.6g in %d Adam steps (%d rejected, final lr %.3g)%s. ",
        report.initial_loss, report.best_loss, report.steps, report.rejected_steps, report.final_learning_rate,
        report.stopped_by_budget ? ", stopped by the time budget" : "");
  }

  // 3. Validation figures.
  out.validation.metric = "ihs_lasso_rate";
  out.validation.random_seeds = kRandomSeeds;
  std::vector<double> learned_rates, random_rates;  // per validation problem
  for (size_t i = 0; i < valid.size(); ++i) {
    if (control.cancelled()) return Cancelled();
    const RegressionProblem& p = valid[i];
    auto x_ls = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    if (!x_ls.ok()) {
      notes += absl::StrCat("validation problem ", i, " skipped: ", x_ls.status().message(), ". ");
      continue;
    }
    const double lambda = options.lasso_lambda_fraction * x_ls->lpNorm<1>();
    auto ref = LassoExact(p.a, p.b, lambda, 200000, cancel);
    if (!ref.ok()) return ref.status();
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
    if (!el.ok()) return el.status();
    double rs = 0;
    for (int k = 0; k < kRandomSeeds; ++k) {
      IhsOptions random;
      random.cancel = cancel;
      random.mode = IhsSketchMode::kFresh;
      random.fresh = {SketchKind::kCountSketch, options.m, options.seed + 1000003ULL * (k + 1), 1};
      auto er = EvaluateIhsLasso(p, *ref, lambda, random);
      if (!er.ok()) return er.status();
      rs += er->rate;
      if (control.cancelled()) return Cancelled();
    }
    learned_rates.push_back(el->rate);
    random_rates.push_back(rs / kRandomSeeds);
    control.Report(0.8 + 0.2 * (i + 1) / valid.size(), absl::StrCat("validation ", i + 1, "/", valid.size()));
  }
  out.validation = FiguresFromPerMatrix("ihs_lasso_rate", learned_rates, random_rates, kRandomSeeds);
  if (!out.validation.comparable()) absl::StrAppend(&notes, out.validation.verdict(), ". ");
  out.train_seconds = control.elapsed_seconds();
  out.notes = notes;
  control.Report(1.0, "done");
  return out;
}

}  // namespace sketchd
