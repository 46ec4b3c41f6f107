#include "core/regression/train_regression.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/heavy_rows_sketch.h"
#include "core/regression/ihs_evaluation.h"
#include "core/regression/leverage_scores.h"
#include "core/regression/subspace_embedding_loss.h"

namespace sketchd {
namespace {

constexpr int kRandomSeeds = 3;

absl::Status CheckProblems(const std::vector<RegressionProblem>& problems, const TrainOptions& o) {
  if (problems.empty()) return absl::InvalidArgumentError("regression training needs at least one problem");
  const Index n = problems[0].a.rows(), d = problems[0].a.cols();
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
  if (o.m < d || o.m > n) {
    return absl::InvalidArgumentError(absl::StrCat("sketch rows m=", o.m, " must be in [d, n] = [", d, ", ", n,
                                                   "] (IHS needs m >= d)"));
  }
  if (!(o.heavy_fraction >= 0 && o.heavy_fraction < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("heavy_fraction must be in [0, 1), got ", o.heavy_fraction));
  }
  if (!(o.lasso_lambda_fraction > 0)) {
    return absl::InvalidArgumentError("lasso_lambda_fraction must be positive");
  }
  if (o.validation_fraction < 0 || o.validation_fraction >= 1) {
    return absl::InvalidArgumentError("validation_fraction must be in [0, 1)");
  }
  return absl::OkStatus();
}

absl::Status Cancelled() { return absl::CancelledError("regression training cancelled"); }

// Heavy-row selection with cancellation polled and progress reported per
// problem (control may be null).
absl::StatusOr<std::vector<int32_t>> SelectHeavyRowsImpl(const std::vector<RegressionProblem>& problems,
                                                         int64_t h, const TrainingControl* control) {
  if (problems.empty() || h <= 0) return std::vector<int32_t>{};
  const int64_t n = problems[0].a.rows();
  h = std::min(h, n);
  std::vector<int> count(n, 0);
  std::vector<double> total(n, 0.0);
  std::vector<int32_t> order(n);
  for (size_t i = 0; i < problems.size(); ++i) {
    if (control != nullptr && control->cancelled()) return Cancelled();
    const VectorXd lev = LeverageScores(problems[i].a);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + h, order.end(),
                      [&](int32_t x, int32_t y) { return lev[x] > lev[y] || (lev[x] == lev[y] && x < y); });
    for (int64_t k = 0; k < h; ++k) ++count[order[k]];
    for (int64_t r = 0; r < n; ++r) total[r] += lev[r];
    if (control != nullptr) {
      control->Report(0.2 * (i + 1) / problems.size(),
                      absl::StrCat("leverage scores ", i + 1, "/", problems.size()));
    }
  }
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) {
    return count[x] != count[y] ? count[x] > count[y] : total[x] > total[y];
  });
  std::vector<int32_t> heavy;
  for (int64_t k = 0; k < h && count[order[k]] > 0; ++k) heavy.push_back(order[k]);
  return heavy;
}

}  // namespace

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
  int64_t held = 0;
  if (total >= 2 && options.validation_fraction > 0) {
    held = std::clamp<int64_t>(std::llround(options.validation_fraction * total), 1, total - 1);
  }
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

  // 2. Values (optional): Adam on the subspace-embedding loss.
  if (options.method == TrainMethod::kHeavyRows && options.learn_values) {
    const int steps = options.iterations > 0 ? options.iterations : 300;
    const double lr = options.learning_rate > 0 ? options.learning_rate : 0.05;
    const size_t batch = options.batch_size > 0 ? std::min<size_t>(options.batch_size, train.size()) : train.size();
    const std::vector<SubspaceLossProblem> prepared = PrepareSubspaceLoss(train);
    std::vector<double>& v = out.sketch.mutable_values();
    std::vector<double> m1(v.size(), 0.0), m2(v.size(), 0.0), grad;
    std::vector<double> best = v;
    double best_loss = INFINITY, first_loss = 0;
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    int done = 0;
    for (int step = 0; step < steps; ++step) {
      if (control.cancelled()) return Cancelled();
      if (control.out_of_time()) {
        notes += absl::StrCat("value learning stopped by the time budget after ", step, " steps. ");
        break;
      }
      // One problem at a time so cancellation is polled between problems.
      grad.assign(v.size(), 0.0);
      absl::StatusOr<double> loss = 0.0;
      std::vector<double> g_one;
      for (size_t k = 0; k < batch; ++k) {
        if (control.cancelled()) return Cancelled();
        auto l = SubspaceEmbeddingLoss(out.sketch, {prepared[(step * batch + k) % prepared.size()]}, &g_one);
        if (!l.ok()) return l.status();
        *loss += *l;
        for (size_t j = 0; j < v.size(); ++j) grad[j] += g_one[j];
      }
      if (step == 0) first_loss = *loss / batch;
      if (batch == prepared.size() && *loss < best_loss) {
        best_loss = *loss;
        best = v;
      }
      for (size_t j = 0; j < v.size(); ++j) {
        const double g = grad[j] / static_cast<double>(batch);
        m1[j] = b1 * m1[j] + (1 - b1) * g;
        m2[j] = b2 * m2[j] + (1 - b2) * g * g;
        const double mh = m1[j] / (1 - std::pow(b1, step + 1));
        const double vh = m2[j] / (1 - std::pow(b2, step + 1));
        v[j] -= lr * mh / (std::sqrt(vh) + eps);
      }
      done = step + 1;
      control.Report(0.2 + 0.6 * done / steps,
                     absl::StrCat("learning values: step ", done, "/", steps, ", loss ", *loss / batch));
    }
    if (batch == prepared.size()) {
      auto final_loss = SubspaceEmbeddingLoss(out.sketch, prepared, nullptr);
      if (final_loss.ok() && *final_loss > best_loss) v = best;
      if (final_loss.ok()) best_loss = std::min(best_loss, *final_loss);
      notes += absl::StrCat("subspace-embedding loss per problem ", first_loss, " -> ",
                            best_loss / prepared.size(), " in ", done, " Adam steps. ");
    }
  }

  // 3. Validation figures.
  out.validation.metric = "ihs_lasso_rate";
  out.validation.random_seeds = kRandomSeeds;
  double learned_sum = 0, random_sum = 0;
  int64_t counted = 0;
  for (size_t i = 0; i < valid.size(); ++i) {
    if (control.cancelled()) return Cancelled();
    const RegressionProblem& p = valid[i];
    auto x_ls = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    if (!x_ls.ok()) {
      notes += absl::StrCat("validation problem ", i, " skipped: ", x_ls.status().message(), ". ");
      continue;
    }
    const double lambda = options.lasso_lambda_fraction * x_ls->lpNorm<1>();
    auto ref = LassoExact(p.a, p.b, lambda);
    if (!ref.ok()) return ref.status();
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
    if (!el.ok()) return el.status();
    double rs = 0;
    for (int k = 0; k < kRandomSeeds; ++k) {
      IhsOptions random;
      random.mode = IhsSketchMode::kFresh;
      random.fresh = {SketchKind::kCountSketch, options.m, options.seed + 1000003ULL * (k + 1), 1};
      auto er = EvaluateIhsLasso(p, *ref, lambda, random);
      if (!er.ok()) return er.status();
      rs += er->rate;
    }
    learned_sum += el->rate;
    random_sum += rs / kRandomSeeds;
    ++counted;
    control.Report(0.8 + 0.2 * (i + 1) / valid.size(), absl::StrCat("validation ", i + 1, "/", valid.size()));
  }
  out.validation.num_matrices = counted;
  if (counted > 0) {
    out.validation.learned = learned_sum / counted;
    out.validation.random = random_sum / counted;
  }
  out.train_seconds = control.elapsed_seconds();
  out.notes = notes;
  control.Report(1.0, "done");
  return out;
}

}  // namespace sketchd
