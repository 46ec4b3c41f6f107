#include "core/lowrank/sketch_and_norm.h"

#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "core/sketch/row_kernels.h"

namespace sketchd {

double SquaredNormByRows(ConstRowMajorRef a) {
  double sum = 0;
  for (Index i = 0; i < a.rows(); ++i) sum += RowSquaredNorm(a.row(i).data(), a.cols());
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
  const Index d = a.cols();
  for (Index i = 0; i < a.rows(); ++i) {
    const double* row = a.row(i).data();
    // The first block's axpy and the row's squared norm in one read
    // (row_kernels.h); the same axpy as CountSketch::AccumulateRows and the
    // same sum as SquaredNormByRows, in the same order: the same bits.
    squared_norm += AddScaledRowAndSquaredNorm(values[i], row, d, out.row(positions[i]).data());
    for (int b = 1; b < blocks; ++b) {
      const int64_t idx = b * n + i;
      AddScaledRow(values[idx], row, d, out.row(positions[idx]).data());
    }
  }
  return {MatrixXd(out), squared_norm};
}

}  // namespace sketchd
