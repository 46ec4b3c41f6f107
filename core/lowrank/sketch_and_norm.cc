#include "core/lowrank/sketch_and_norm.h"

#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace sketchd {

double SquaredNormByRows(ConstRowMajorRef a) {
  double sum = 0;
  for (Index i = 0; i < a.rows(); ++i) sum += a.row(i).squaredNorm();
  return sum;
}

SketchAndNorm SketchWithSquaredNorm(const CountSketch& sketch, ConstRowMajorRef a) {
  if (absl::Status s = sketch.CheckOperandRows(a.rows()); !s.ok()) {
    throw std::invalid_argument(std::string(s.message()));
  }
  const int64_t n = sketch.cols();
  const int blocks = sketch.num_blocks();
  const int32_t* positions = sketch.positions().data();
  const double* values = sketch.values().data();
  RowMatrixXd out = RowMatrixXd::Zero(sketch.rows(), a.cols());
  double squared_norm = 0;
  for (Index i = 0; i < a.rows(); ++i) {
    const auto row = a.row(i);
    for (int b = 0; b < blocks; ++b) {
      const int64_t idx = b * n + i;
      // Eigen's vectorised axpy, as CountSketch::AccumulateRows.
      out.row(positions[idx]).noalias() += values[idx] * row;
    }
    // The row is in L1 after the axpy; same expression and order as
    // SquaredNormByRows, so the same bits.
    squared_norm += row.squaredNorm();
  }
  return {MatrixXd(out), squared_norm};
}

}  // namespace sketchd
