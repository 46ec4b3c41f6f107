#include "core/lowrank/tsqr.h"

#include "core/lowrank/dense_kernels.h"

namespace sketchd {
namespace {

// TriangularFactor returns min(rows, cols)×cols for a short input; the zero
// rows appended here change neither RᵀR nor anything downstream.
MatrixXd PadToSquare(const MatrixXd& triangle, Index cols) {
  if (triangle.rows() == cols) return triangle;
  MatrixXd square = MatrixXd::Zero(cols, cols);
  square.topRows(triangle.rows()) = triangle;
  return square;
}

}  // namespace

MatrixXd BlockTriangularFactor(ConstRowMajorRef block) {
  const Index cols = block.cols();
  if (block.rows() == 0) return MatrixXd::Zero(cols, cols);
  return PadToSquare(TriangularFactor(MatrixXd(block)), cols);
}

MatrixXd CombineTriangularFactors(const MatrixXd& upper, const MatrixXd& lower) {
  const Index cols = upper.cols();
  MatrixXd stacked(upper.rows() + lower.rows(), cols);
  stacked << upper, lower;
  return PadToSquare(TriangularFactor(std::move(stacked)), cols);
}

}  // namespace sketchd
