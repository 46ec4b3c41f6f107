#include "core/training/inner_product_sketch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "core/training/ridge_leverage.h"
#include "core/training/training_random.h"

namespace sketchd {
namespace {

// Top left singular vector of `block` (s×d), unit norm.
VectorXd TopLeftSingularVector(const RowMatrixXd& block) {
  const Index s = block.rows();
  if (s == 1) return VectorXd::Ones(1);
  if (s <= block.cols()) {
    Eigen::SelfAdjointEigenSolver<MatrixXd> eig(MatrixXd(block * block.transpose()));
    return eig.eigenvectors().col(s - 1);
  }
  Eigen::SelfAdjointEigenSolver<MatrixXd> eig(MatrixXd(block.transpose() * block));
  VectorXd u = block * eig.eigenvectors().col(block.cols() - 1);
  const double norm = u.norm();
  if (norm > 0) return u / norm;
  VectorXd e = VectorXd::Zero(s);
  e(0) = 1;
  return e;
}

}  // namespace

// DerivedSeed salt of the random guard half (mixed's S2 uses 1, the
// validation baselines 100 + s).
constexpr uint64_t kGuardSalt = 2;

absl::StatusOr<InnerProductSketch> BuildInnerProductSketch(const RowMatrixXd& mean, int64_t m,
                                                           int64_t k, uint64_t seed,
                                                           bool append_sampled_rows,
                                                           const TrainingControl* control) {
  const auto cancelled = [control] { return control != nullptr && control->cancelled(); };
  const int64_t n = mean.rows();
  if (m < 1 || n < 1) return absl::InvalidArgumentError("inner_product: need m ≥ 1 and n ≥ 1");
  InnerProductSketch out;
  const int64_t m2 = append_sampled_rows ? m / 2 : 0;
  const int64_t m1 = m - m2;
  out.learned_rows = m1;

  // 1. Centres by ridge leverage sampling without replacement.
  auto tau_or = RidgeLeverageScores(mean, k);
  if (!tau_or.ok()) return tau_or.status();
  const VectorXd& tau = *tau_or;
  if (cancelled()) return absl::CancelledError("training cancelled");
  VectorXd row_norm = mean.rowwise().norm();
  const double max_norm = row_norm.size() > 0 ? row_norm.maxCoeff() : 0.0;
  // Rows below this are zero for all purposes (no direction to compare).
  const double zero_norm = max_norm * 1e-13;
  std::vector<int64_t> candidates;
  std::vector<double> key(n, -std::numeric_limits<double>::infinity());
  for (int64_t i = 0; i < n; ++i) {
    if (tau(i) > 0 && row_norm(i) > zero_norm) {
      key[i] = std::log(TrainingUnit(seed, TrainingDraw::kLeverageSample, i)) / tau(i);
      candidates.push_back(i);
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [&](int64_t a, int64_t b) { return key[a] != key[b] ? key[a] > key[b] : a < b; });
  RowMatrixXd centre_dirs(std::min<int64_t>(m1, n), mean.cols());
  int64_t c = 0;
  for (int64_t i : candidates) {
    if (c == m1) break;
    const VectorXd dir = mean.row(i).transpose() / row_norm(i);
    bool parallel = false;
    for (int64_t q = 0; q < c && !parallel; ++q) {
      parallel = std::abs(centre_dirs.row(q).dot(dir)) > 1 - 1e-10;
    }
    if (parallel) continue;
    centre_dirs.row(c++) = dir.transpose();
    out.centres.push_back(i);
  }

  if (cancelled()) return absl::CancelledError("training cancelled");

  // 2. Positions by the largest |cosine| with a centre.
  std::vector<int32_t> positions(n, 0);
  std::vector<double> values(n, 0.0);
  std::vector<bool> is_zero(n, false);
  MatrixXd cosine;
  if (c > 0) cosine = mean * centre_dirs.topRows(c).transpose();  // n×c, rows unnormalised
  for (int64_t i = 0; i < n; ++i) {
    if (row_norm(i) <= zero_norm || c == 0) {
      is_zero[i] = true;
      ++out.zero_rows;
      const uint32_t w = TrainingWord(seed, TrainingDraw::kZeroRowBucket, i);
      positions[i] = static_cast<int32_t>(WordToIndex(w, static_cast<uint32_t>(m1)));
      values[i] = (TrainingWord(seed, TrainingDraw::kZeroRowBucket, n + i) & 1u) ? 1.0 : -1.0;
      continue;
    }
    Index best = 0;
    cosine.row(i).cwiseAbs().maxCoeff(&best);
    positions[i] = static_cast<int32_t>(best);
  }
  // The centres own their buckets even if a tie pointed elsewhere.
  for (int64_t q = 0; q < c; ++q) positions[out.centres[q]] = static_cast<int32_t>(q);

  // 3. Values: top left singular vector of each bucket's block.
  std::vector<std::vector<int64_t>> members(m1);
  for (int64_t i = 0; i < n; ++i) {
    if (!is_zero[i]) members[positions[i]].push_back(i);
  }
  for (int64_t p = 0; p < m1; ++p) {
    if (cancelled()) return absl::CancelledError("training cancelled");
    const std::vector<int64_t>& rows = members[p];
    if (rows.empty()) {
      bool any_zero_row = false;
      for (int64_t i = 0; i < n && !any_zero_row; ++i) any_zero_row = is_zero[i] && positions[i] == p;
      if (!any_zero_row) ++out.empty_buckets;
      continue;
    }
    RowMatrixXd block(rows.size(), mean.cols());
    for (size_t t = 0; t < rows.size(); ++t) block.row(t) = mean.row(rows[t]);
    VectorXd u = TopLeftSingularVector(block);
    // Sign: the centre's entry positive (else the largest entry).
    Index anchor = 0;
    bool found = false;
    for (size_t t = 0; t < rows.size(); ++t) {
      if (p < c && rows[t] == out.centres[p]) { anchor = static_cast<Index>(t); found = true; }
    }
    if (!found) u.cwiseAbs().maxCoeff(&anchor);
    if (u(anchor) < 0) u = -u;
    u *= std::sqrt(static_cast<double>(rows.size()));
    for (size_t t = 0; t < rows.size(); ++t) values[rows[t]] = u(static_cast<Index>(t));
  }

  if (m2 == 0) {
    auto sketch = CountSketch::FromParts(m1, std::move(positions), std::move(values));
    if (!sketch.ok()) return sketch.status();
    out.sketch = *std::move(sketch);
    return out;
  }
  // S2: a random CountSketch (its own derived seed, never that of S1's draws).
  auto s1 = CountSketch::FromParts(m1, std::move(positions), std::move(values));
  if (!s1.ok()) return s1.status();
  auto s2 = CountSketch::Random(m2, n, DerivedSeed(seed, kGuardSalt));
  if (!s2.ok()) return s2.status();
  auto sketch = CountSketch::Stack(*s1, *s2);
  if (!sketch.ok()) return sketch.status();
  out.sketch = *std::move(sketch);
  return out;
}

}  // namespace sketchd
