#include "core/sketch/gaussian_sketch.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/sketch/philox.h"

namespace sketchd {

absl::StatusOr<GaussianSketch> GaussianSketch::Create(int64_t m, int64_t n, uint64_t seed) {
  if (m < 1 || n < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Gaussian sketch needs m >= 1 and n >= 1, got m=", m, " n=", n));
  }
  GaussianSketch g;
  g.rows_ = m;
  g.cols_ = n;
  g.seed_ = seed;
  return g;
}

MatrixXd GaussianSketch::Columns(int64_t c0, int64_t count) const {
  // Box–Muller on two Philox words per pair of entries; counter = linear index
  // of the pair in column-major order, so any panel is generated identically.
  MatrixXd g(rows_, count);
  const double scale = 1.0 / std::sqrt(static_cast<double>(rows_));
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  for (int64_t c = 0; c < count; ++c) {
    for (int64_t r = 0; r < rows_; r += 2) {
      const uint64_t pairs_per_column = static_cast<uint64_t>(rows_ + 1) / 2;
      const uint64_t counter = static_cast<uint64_t>(c0 + c) * pairs_per_column + static_cast<uint64_t>(r / 2);
      const auto w = PhiloxWords(seed_, kGaussianSketchStream, counter);
      const double radius = std::sqrt(-2.0 * std::log(WordToOpenUnit(w[0])));
      const double angle = kTwoPi * WordToOpenUnit(w[1]);
      g(r, c) = scale * radius * std::cos(angle);
      if (r + 1 < rows_) g(r + 1, c) = scale * radius * std::sin(angle);
    }
  }
  return g;
}

}  // namespace sketchd
