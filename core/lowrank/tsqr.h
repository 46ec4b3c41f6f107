// Tall-skinny QR (TSQR) as pure functions: the R factor of a matrix whose rows
// are split into blocks, computed from the blocks' own R factors.
//
// If B = [B_1; B_2] then BᵀB = B_1ᵀB_1 + B_2ᵀB_2 = R_1ᵀR_1 + R_2ᵀR_2, so the R
// of the stacked triangles [R_1; R_2] is an R of B (unique up to the signs of
// its rows). Combining triangles pairwise along any tree gives B's R while
// moving only r×r pieces, which is how a row-distributed AV (n×r, each MPI
// rank holding its rows) gets its R without ever being gathered. Every step is
// a Householder QR, so the result is backward stable like a QR of B itself.
#ifndef SKETCHD_CORE_LOWRANK_TSQR_H_
#define SKETCHD_CORE_LOWRANK_TSQR_H_

#include <cstdint>

#include "core/matrix_types.h"

namespace sketchd {

// The cols×cols upper-triangular R with RᵀR = blockᵀ·block, for any number of
// rows (a block with fewer rows than columns, or none, gives an R padded with
// zero rows, so every block of a partition yields the same shape). Tall
// blocks are factored in panels of ~16 MiB combined as above, so the working
// memory stays small next to the block.
MatrixXd BlockTriangularFactor(ConstRowMajorRef block);

// The R of [upper; lower] for two r×r upper-triangular factors.
MatrixXd CombineTriangularFactors(const MatrixXd& upper, const MatrixXd& lower);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_TSQR_H_
