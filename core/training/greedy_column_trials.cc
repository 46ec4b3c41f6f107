#include "core/training/greedy_column_trials.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace sketchd {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
// B = [X; aᵀ] counts as full rank when the smallest eigenvalue of its Gram
// matrix is above this fraction of the largest. Below it the whitening would
// lose more than ~1e-6 of relative accuracy, and the caller recomputes.
constexpr double kMinGramRatio = 1e-10;

// The root of g(μ) = Σ_i w_i/(poles_i − μ) = 0 between poles[j] and
// poles[j+1] (all weights > 0, poles strictly ascending; g increases from −∞
// to +∞ there). Each step replaces the sums over the poles below and above by
// c + A/(lo − μ) + B/(hi − μ), with A, B, c matching g and g′ of each part at
// the current μ (the "fixed weight" scheme of divide-and-conquer
// eigensolvers, which converges quadratically), and solves that model
// exactly; a bracket on the sign of g guards every step.
double SecularRoot(const std::vector<double>& poles, const std::vector<double>& weights,
                   size_t j, double scale) {
  const Index below = static_cast<Index>(j) + 1;
  const Index above = static_cast<Index>(poles.size()) - below;
  const Eigen::Map<const Eigen::ArrayXd> p_lo(poles.data(), below);
  const Eigen::Map<const Eigen::ArrayXd> w_lo(weights.data(), below);
  const Eigen::Map<const Eigen::ArrayXd> p_hi(poles.data() + below, above);
  const Eigen::Map<const Eigen::ArrayXd> w_hi(weights.data() + below, above);
  const double lo = poles[j], hi = poles[j + 1], delta = hi - lo;
  const double tol = 4 * kEps * scale;
  double left = lo, right = hi;
  double mu = lo + 0.5 * delta;
  for (int iter = 0; iter < 100; ++iter) {
    const Eigen::ArrayXd inv_lo = (p_lo - mu).inverse();
    const Eigen::ArrayXd inv_hi = (p_hi - mu).inverse();
    const double psi = (w_lo * inv_lo).sum(), phi = (w_hi * inv_hi).sum();
    const double g = psi + phi;
    if (g > 0) {
      right = mu;
    } else if (g < 0) {
      left = mu;
    } else {
      return mu;
    }
    const double t0 = mu - lo, s0 = hi - mu;
    const double a = (w_lo * inv_lo.square()).sum() * t0 * t0;  // A/(lo − μ) has ψ's slope
    const double b = (w_hi * inv_hi.square()).sum() * s0 * s0;
    const double c = (psi + a / t0) + (phi - b / s0);
    // c − A/t + B/(δ − t) = 0  ⇔  c·t² − (c·δ + A + B)·t + A·δ = 0; both
    // forms below pick the root in (0, δ) without cancellation.
    const double bb = c * delta + a + b;
    const double disc = std::sqrt(std::max(0.0, bb * bb - 4 * c * a * delta));
    const double t = bb >= 0 ? 2 * a * delta / (bb + disc) : (bb - disc) / (2 * c);
    double next = lo + t;
    // Bisect when the model leaves the bracket, or after many steps (which
    // only rounding trouble causes): 70 halvings reach any tolerance.
    if (!(next > left && next < right) || iter >= 30) next = 0.5 * (left + right);
    if (std::abs(next - mu) <= tol || right - left <= tol) return next;
    mu = next;
  }
  return mu;
}

}  // namespace

double TopCompressedEigenvalueSum(const VectorXd& lambda, const VectorXd& z, int64_t k,
                                  SecularScratch* scratch) {
  const Index n = lambda.size();
  const Index take = std::min<Index>(k, n - 1);
  if (take <= 0) return 0;
  const double scale = std::max(std::abs(lambda(0)), std::abs(lambda(n - 1)));
  if (scale == 0) return 0;
  // Deflation (as in divide-and-conquer eigensolvers): an eigenvector of H
  // orthogonal to z stays an eigenvector of the compression, and of two
  // equal eigenvalues one is kept after rotating z's weight onto the other.
  const double tol_z = 4 * kEps;
  const double tol_gap = 8 * kEps * scale;
  std::vector<double>& poles = scratch->poles;
  std::vector<double>& weights = scratch->pole_weights;
  std::vector<double>& values = scratch->eigenvalues;
  poles.clear();
  weights.clear();
  values.clear();
  for (Index i = 0; i < n; ++i) {
    if (std::abs(z(i)) <= tol_z) {
      values.push_back(lambda(i));
      continue;
    }
    const double w2 = z(i) * z(i);
    if (!poles.empty() && lambda(i) - poles.back() <= tol_gap) {
      values.push_back(poles.back());
      poles.back() = lambda(i);
      weights.back() += w2;
      continue;
    }
    poles.push_back(lambda(i));
    weights.push_back(w2);
  }
  // The compressed eigenvalues interlace λ, so the top `take` of them are
  // ≥ λ_{n−1−take}: a root whose interval ends below that cannot count.
  const double threshold = lambda(n - 1 - take);
  for (size_t j = 0; j + 1 < poles.size(); ++j) {
    if (poles[j + 1] < threshold) continue;
    values.push_back(SecularRoot(poles, weights, j, scale));
  }
  const auto top = values.begin() + std::min<Index>(take, static_cast<Index>(values.size()));
  std::nth_element(values.begin(), top - 1, values.end(), std::greater<double>());
  double sum = 0;
  for (auto it = values.begin(); it != top; ++it) sum += *it;
  return sum;
}

bool ColumnTrials::Prepare(const MatrixXd& gram_x, const MatrixXd& gram_xgx, const VectorXd& xa,
                           const VectorXd& xga, double a_sq, double aga, int64_t k) {
  const Index m = gram_x.rows();
  // Empty buckets (zero rows of X, exactly zero since their Gram diagonal
  // is a sum of squares) span nothing: leave them out of B.
  slot_.assign(m, -1);
  std::vector<Index> kept;
  for (Index i = 0; i < m; ++i) {
    if (gram_x(i, i) > 0) {
      slot_[i] = static_cast<Index>(kept.size());
      kept.push_back(i);
    }
  }
  const Index r = static_cast<Index>(kept.size());
  MatrixXd bordered_m(r + 1, r + 1), bordered_k(r + 1, r + 1);
  for (Index u = 0; u < r; ++u) {
    for (Index v = 0; v < r; ++v) {
      bordered_m(u, v) = gram_x(kept[u], kept[v]);
      bordered_k(u, v) = gram_xgx(kept[u], kept[v]);
    }
    bordered_m(u, r) = bordered_m(r, u) = xa(kept[u]);
    bordered_k(u, r) = bordered_k(r, u) = xga(kept[u]);
  }
  bordered_m(r, r) = a_sq;
  bordered_k(r, r) = aga;
  Eigen::SelfAdjointEigenSolver<MatrixXd> em(bordered_m);
  const VectorXd& mu = em.eigenvalues();  // ascending
  if (!(mu(r) > 0) || !(mu(0) > kMinGramRatio * mu(r))) return false;
  const MatrixXd whiten = em.eigenvectors() * mu.cwiseSqrt().cwiseInverse().asDiagonal();
  MatrixXd h = whiten.transpose() * bordered_k * whiten;
  h = 0.5 * (h + h.transpose()).eval();
  Eigen::SelfAdjointEigenSolver<MatrixXd> eh(h);
  lambda_ = eh.eigenvalues();
  coords_t_ = (whiten * eh.eigenvectors()).transpose();
  k_ = k;
  const Index take = std::min<Index>(k, r + 1);
  uncompressed_sum_ = std::max(0.0, lambda_.tail(take).sum());
  return true;
}

double ColumnTrials::Captured(Index p, double sign, SecularScratch* scratch) const {
  // Into an empty bucket, a adds a new direction: row(X') is all of W.
  if (slot_[p] < 0) return uncompressed_sum_;
  const Index r = coords_t_.cols() - 1;
  scratch->weights = coords_t_.col(r) - sign * coords_t_.col(slot_[p]);
  const double norm = scratch->weights.norm();
  if (!(norm > 0)) return 0;
  scratch->weights /= norm;
  return std::max(0.0, TopCompressedEigenvalueSum(lambda_, scratch->weights, k_, scratch));
}

}  // namespace sketchd
