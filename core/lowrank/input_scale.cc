#include "core/lowrank/input_scale.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/lowrank/sketch_and_norm.h"

namespace sketchd {
namespace {

// ‖A‖_F² inside [2^-900, 2^900] keeps every quantity SCW forms normal: AV
// and Aᵀ Q entries are bounded by ‖A‖_F ≤ 2^450, squares of singular values
// by ‖A‖_F², and nothing drops below 2^-1022 without being negligible.
constexpr double kMinSafeSquaredNorm = 0x1p-900;
constexpr double kMaxSafeSquaredNorm = 0x1p+900;

bool InSafeWindow(double squared_norm) {
  return squared_norm >= kMinSafeSquaredNorm && squared_norm <= kMaxSafeSquaredNorm;
}

absl::Status NonFiniteEntry(Index row, Index col, double value) {
  return absl::InvalidArgumentError(absl::StrCat("A has a non-finite entry ", value, " at row ", row,
                                                 ", column ", col, "; every entry must be finite"));
}

absl::Status FindNonFinite(ConstRowMajorRef a) {
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < a.cols(); ++j) {
      if (!std::isfinite(a(i, j))) return NonFiniteEntry(i, j, a(i, j));
    }
  }
  return absl::OkStatus();
}
absl::Status FindNonFinite(ConstColMajorRef a) {
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < a.cols(); ++j) {
      if (!std::isfinite(a(i, j))) return NonFiniteEntry(i, j, a(i, j));
    }
  }
  return absl::OkStatus();
}
absl::Status FindNonFinite(const CsrMatrix& a) {
  for (Index i = 0; i < a.outerSize(); ++i) {
    for (CsrMatrix::InnerIterator it(a, i); it; ++it) {
      if (!std::isfinite(it.value())) return NonFiniteEntry(it.row(), it.col(), it.value());
    }
  }
  return absl::OkStatus();
}

// Dense views and the stored values of a CSR matrix, as one array-like
// expression each, so the three layouts share the measuring code.
template <typename Dense>
const Dense& Entries(const Dense& a) {
  return a;
}
Eigen::Map<const VectorXd> Entries(const CsrMatrix& a) {
  return Eigen::Map<const VectorXd>(a.valuePtr(), a.nonZeros());
}

// ‖A‖_F²; row-major A by rows, as the fused sketch pass sums it.
double SquaredNorm(ConstRowMajorRef a) { return SquaredNormByRows(a); }
double SquaredNorm(ConstColMajorRef a) { return a.squaredNorm(); }
double SquaredNorm(const CsrMatrix& a) { return Entries(a).squaredNorm(); }

template <typename Matrix>
absl::StatusOr<InputScale> Measure(const Matrix& a, double known_squared_norm) {
  const auto& entries = Entries(a);
  InputScale out;
  out.scaled_squared_norm = known_squared_norm >= 0 ? known_squared_norm : SquaredNorm(a);
  if (std::isfinite(out.scaled_squared_norm) && InSafeWindow(out.scaled_squared_norm)) return out;
  if (std::isnan(out.scaled_squared_norm) || !entries.allFinite()) {
    if (absl::Status s = FindNonFinite(a); !s.ok()) return s;
  }
  // ‖A‖_F² = 0 is either A = 0 (nothing to scale) or squares that underflowed.
  const double max_abs = entries.size() > 0 ? entries.cwiseAbs().maxCoeff() : 0.0;
  if (max_abs == 0) {
    out.scaled_squared_norm = 0;
    return out;
  }
  // Extreme but finite: s = 2^e with max|a| / s in [1, 2) (e ≥ −1022 so
  // that 1/s stays a normal double; a subnormal max|a| then scales to ≥ 2^-52).
  out.exponent = std::max(std::ilogb(max_abs), -1022);
  out.scaled_squared_norm = (entries * std::ldexp(1.0, -out.exponent)).squaredNorm();
  return out;
}

}  // namespace

absl::StatusOr<InputScale> MeasureInput(ConstRowMajorRef a, double known_squared_norm) {
  return Measure(a, known_squared_norm);
}
absl::StatusOr<InputScale> MeasureInput(ConstColMajorRef a, double known_squared_norm) {
  return Measure(a, known_squared_norm);
}
absl::StatusOr<InputScale> MeasureInput(const CsrMatrix& a, double known_squared_norm) {
  return Measure(a, known_squared_norm);
}

}  // namespace sketchd
