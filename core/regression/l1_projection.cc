#include "core/regression/l1_projection.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace sketchd {

VectorXd ProjectOntoL1Ball(const VectorXd& v, double radius) {
  if (v.lpNorm<1>() <= radius) return v;
  std::vector<double> mag(v.size());
  for (Index i = 0; i < v.size(); ++i) mag[i] = std::abs(v[i]);
  std::sort(mag.begin(), mag.end(), std::greater<double>());
  // θ = (Σ_{i≤ρ} u_i − radius)/ρ for the largest ρ with u_ρ > θ_ρ.
  double cumsum = 0, theta = 0;
  for (size_t j = 0; j < mag.size(); ++j) {
    cumsum += mag[j];
    const double t = (cumsum - radius) / static_cast<double>(j + 1);
    if (mag[j] > t) theta = t;
  }
  VectorXd x(v.size());
  for (Index i = 0; i < v.size(); ++i) {
    const double m = std::abs(v[i]) - theta;
    x[i] = m > 0 ? std::copysign(m, v[i]) : 0.0;
  }
  return x;
}

}  // namespace sketchd
