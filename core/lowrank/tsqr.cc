#include "core/lowrank/tsqr.h"

#include <algorithm>

#include "core/lowrank/dense_kernels.h"

namespace sketchd {
namespace {

constexpr Index kTsqrPanelBytes = Index{16} << 20;

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
  // LAPACK needs a column-major copy; taking it panel by panel (and
  // combining the panels' R as any TSQR tree does) keeps that copy at
  // ~16 MiB instead of the size of the block.
  const Index panel = std::max<Index>(4 * cols, kTsqrPanelBytes / (8 * std::max<Index>(cols, 1)));
  MatrixXd r = PadToSquare(TriangularFactor(MatrixXd(block.topRows(std::min(panel, block.rows())))), cols);
  for (Index first = panel; first < block.rows(); first += panel) {
    const Index count = std::min(panel, block.rows() - first);
    r = CombineTriangularFactors(
        r, PadToSquare(TriangularFactor(MatrixXd(block.middleRows(first, count))), cols));
  }
  return r;
}

MatrixXd CombineTriangularFactors(const MatrixXd& upper, const MatrixXd& lower) {
  const Index cols = upper.cols();
  MatrixXd stacked(upper.rows() + lower.rows(), cols);
  stacked << upper, lower;
  return PadToSquare(TriangularFactor(std::move(stacked)), cols);
}

}  // namespace sketchd
