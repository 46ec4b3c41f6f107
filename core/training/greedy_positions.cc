#include "core/training/greedy_positions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_format.h"
#include "core/parallel/parallel_for.h"
#include "core/training/greedy_column_trials.h"
#include "core/training/ivy_training.h"

namespace sketchd {
namespace {

struct GreedyState {
  RowMatrixXd x;   // SA, m×d
  RowMatrixXd xg;  // SA·G, m×d
  MatrixXd gram;   // G = AᵀA, d×d
  MatrixXd mm;     // XXᵀ
  MatrixXd kk;     // XGXᵀ
  double frob_sq = 0;  // of the normalised matrix
  double weight = 1;   // raw → normalised for squared quantities
};

// Adds the per-member terms (members × `width`, row-major: member i's at
// i·width) of other processes (exact: each has one owner) and sums them over
// the members in member order, as a single process would: out[t] for t <
// width. Without a reducer every term is already here.
void SumOverMembers(std::vector<double>* terms, int64_t members, Index width, Reducer* reducer,
                    std::vector<double>* out) {
  if (reducer != nullptr) reducer->SumInPlace(terms->data(), static_cast<int64_t>(terms->size()));
  out->assign(width, 0.0);
  for (Index t = 0; t < width; ++t) {
    double total = 0;
    for (int64_t i = 0; i < members; ++i) total += (*terms)[i * width + t];
    (*out)[t] = total;
  }
}

void RefreshRow(GreedyState* st, Index p) {
  const VectorXd mrow = st->x * st->x.row(p).transpose();
  const VectorXd krow = st->x * st->xg.row(p).transpose();
  st->mm.row(p) = mrow.transpose();
  st->mm.col(p) = mrow;
  st->kk.row(p) = krow.transpose();
  st->kk.col(p) = krow;
}

}  // namespace

double CapturedFromPencil(const MatrixXd& gram_x, const MatrixXd& gram_xgx, int64_t k) {
  const Index m = gram_x.rows();
  if (m == 0) return 0;
  Eigen::SelfAdjointEigenSolver<MatrixXd> em(gram_x);
  const VectorXd& mu = em.eigenvalues();  // ascending
  const double top = mu(m - 1);
  if (!(top > 0)) return 0;
  // σ² below this is rounding noise of XXᵀ (relative precision of σ is ~√ε).
  const double floor = top * 1e-13;
  Index first = 0;
  while (first < m && mu(first) <= floor) ++first;
  const Index r = m - first;
  if (r == 0) return 0;
  const MatrixXd basis =
      em.eigenvectors().rightCols(r) * mu.tail(r).cwiseSqrt().cwiseInverse().asDiagonal();
  const MatrixXd h = basis.transpose() * gram_xgx * basis;
  Eigen::SelfAdjointEigenSolver<MatrixXd> eh(h, Eigen::EigenvaluesOnly);
  const Index take = std::min<Index>(k, r);
  return std::max(0.0, eh.eigenvalues().tail(take).sum());
}

absl::StatusOr<CountSketch> LearnGreedyPositions(const CountSketch& start,
                                                 const std::vector<TrainingMatrix>& subsample,
                                                 const VectorXd& column_scores,
                                                 const GreedyConfig& config,
                                                 ProgressReporter* progress, GreedyReport* report) {
  if (start.num_blocks() != 1) {
    return absl::InvalidArgumentError("greedy: the starting sketch must have one block");
  }
  const TrainingControl& control = progress->control();
  GreedyReport local;
  GreedyReport& rep = report != nullptr ? *report : local;
  rep = GreedyReport();
  const int64_t n = start.cols();
  const Index m = start.rows();
  const int64_t k = config.k;
  std::vector<int32_t> positions = start.positions();
  std::vector<double> values = start.values();
  if (subsample.empty()) return start;

  const int64_t count = static_cast<int64_t>(subsample.size());
  Reducer* const reducer = config.reducer;
  // Members whose matrix is here (all of them without a reducer).
  std::vector<char> here(count);
  for (int64_t i = 0; i < count; ++i) here[i] = HeldHere(subsample[i]) ? 1 : 0;
  std::vector<GreedyState> states(count);
  ParallelFor(count, config.threads, [&](int64_t i, int) {
    if (control.cancelled() || !here[i]) return;
    GreedyState& st = states[i];
    const TrainingMatrix& tm = subsample[i];
    const ConstRowMajorRef f = tm.gram_factor();
    st.gram = f.transpose() * f;
    st.x = start.Apply(tm.raw());
    st.xg = st.x * st.gram;
    st.mm = st.x * st.x.transpose();
    st.kk = st.x * st.xg.transpose();
    st.frob_sq = tm.frob_sq;
    st.weight = tm.loss_weight();
  });
  if (control.cancelled()) return absl::CancelledError("training cancelled");

  std::vector<double> summed;
  auto proxy = [&]() {
    std::vector<double> terms(count, 0.0);
    for (int64_t i = 0; i < count; ++i) {
      const GreedyState& st = states[i];
      if (here[i]) terms[i] = st.frob_sq - st.weight * CapturedFromPencil(st.mm, st.kk, k);
    }
    SumOverMembers(&terms, count, 1, reducer, &summed);
    return summed[0] / static_cast<double>(count);
  };
  rep.initial_proxy = proxy();

  // Columns no member has a nonzero row for (a zero column of S·A moves
  // nothing): known before the passes, summed once over the processes.
  std::vector<double> nonzero(n, 0.0);
  for (int64_t i = 0; i < count; ++i) {
    if (!here[i]) continue;
    const RowMatrixXd& a = subsample[i].raw();
    for (int64_t j = 0; j < n; ++j) nonzero[j] += a.row(j).squaredNorm() > 0 ? 1 : 0;
  }
  if (reducer != nullptr) reducer->SumInPlace(nonzero.data(), n);

  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return column_scores(a) > column_scores(b); });

  // Per-column scratch, per matrix.
  std::vector<VectorXd> g(count), c(count), h(count);
  std::vector<double> alpha(count), beta(count);
  std::vector<ColumnTrials> column_trials(count);
  std::vector<char> fast(count);  // column_trials[i] applies (else recompute in full)
  std::vector<SecularScratch> scratch(std::max(1, config.threads));
  const Index trials = 2 * m;
  std::vector<double> trial_terms(static_cast<size_t>(count) * trials);
  std::vector<double> trial_loss(trials);

  for (int pass = 0; pass < config.passes; ++pass) {
    for (int64_t step = 0; step < n; ++step) {
      if (control.cancelled()) return absl::CancelledError("training cancelled");
      if (control.out_of_time()) {
        rep.stopped_by_budget = true;
        rep.final_proxy = proxy();
        return CountSketch::FromParts(m, positions, values);
      }
      const int64_t j = order[step];
      ++rep.columns_visited;
      if (nonzero[j] == 0) continue;
      const Index p0 = positions[j];
      const double v0 = values[j];
      // Take column j out of its bucket in every state.
      ParallelFor(count, config.threads, [&](int64_t i, int) {
        if (!here[i]) return;
        GreedyState& st = states[i];
        const auto a = subsample[i].raw().row(j);
        g[i] = st.gram * a.transpose();  // (aG)ᵀ = Ga
        st.x.row(p0) -= v0 * a;
        st.xg.row(p0) -= v0 * g[i].transpose();
        RefreshRow(&st, p0);
        c[i] = st.x * a.transpose();
        h[i] = st.x * g[i];
        alpha[i] = a.dot(g[i]);
        beta[i] = a.squaredNorm();
        fast[i] = column_trials[i].Prepare(st.mm, st.kk, c[i], h[i], beta[i], alpha[i], k);
      });
      for (int64_t i = 0; i < count; ++i) rep.full_recomputations += here[i] && !fast[i] ? 1 : 0;
      // Trial t: bucket t / 2, sign + for even t.
      ParallelFor(trials, config.threads, [&](int64_t t, int worker) {
        const Index p = t / 2;
        const double s = (t % 2 == 0) ? 1.0 : -1.0;
        MatrixXd mm, kk;
        for (int64_t i = 0; i < count; ++i) {
          if (control.cancelled()) return;
          double& term = trial_terms[i * trials + t];
          if (!here[i]) {  // another process's: its term arrives in the sum
            term = 0;
            continue;
          }
          const GreedyState& st = states[i];
          if (fast[i]) {
            term = st.frob_sq - st.weight * column_trials[i].Captured(p, s, &scratch[worker]);
            continue;
          }
          mm = st.mm;
          kk = st.kk;
          mm.row(p) += s * c[i].transpose();
          mm.col(p) += s * c[i];
          mm(p, p) += beta[i];
          kk.row(p) += s * h[i].transpose();
          kk.col(p) += s * h[i];
          kk(p, p) += alpha[i];
          term = st.frob_sq - st.weight * CapturedFromPencil(mm, kk, k);
        }
      });
      if (control.cancelled()) return absl::CancelledError("training cancelled");
      SumOverMembers(&trial_terms, count, trials, reducer, &trial_loss);
      const Index keep = 2 * p0 + (v0 >= 0 ? 0 : 1);
      Index best = keep;
      for (Index t = 0; t < trials; ++t) {
        if (std::isfinite(trial_loss[t]) &&
            trial_loss[t] < trial_loss[best] - 1e-12 * std::abs(trial_loss[keep])) {
          best = t;
        }
      }
      if (!std::isfinite(trial_loss[best])) best = keep;
      const Index p = best / 2;
      const double s = (best % 2 == 0) ? 1.0 : -1.0;
      if (best != keep) ++rep.moves;
      positions[j] = static_cast<int32_t>(p);
      values[j] = s;
      ParallelFor(count, config.threads, [&](int64_t i, int) {
        if (!here[i]) return;
        GreedyState& st = states[i];
        st.x.row(p) += s * subsample[i].raw().row(j);
        st.xg.row(p) += s * g[i].transpose();
        RefreshRow(&st, p);
      });
      progress->Maybe((pass + static_cast<double>(step + 1) / n) / config.passes, [&] {
        return absl::StrFormat("greedy: pass %d/%d, column %d/%d, %d moves", pass + 1,
                               config.passes, step + 1, n, rep.moves);
      });
    }
    rep.passes_done = pass + 1;
  }
  rep.final_proxy = proxy();
  return CountSketch::FromParts(m, positions, values);
}

}  // namespace sketchd
