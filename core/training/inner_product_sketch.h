// The inner-product sketch of Li et al. (2023, Algorithm 3), built from one
// representative matrix Ā (the mean of the normalised training matrices).
//
//  1. Bucket centres: m₁ rows C of Ā sampled by rank-k ridge leverage score,
//     without replacement, with Philox randomness from the seed
//     (Efraimidis–Spirakis keys log(u)/τ). We sample rather than take the
//     top-m₁ scores because that is what the paper analyses, and because
//     the top scores of smooth data (images, fields) cluster on a few
//     neighbouring rows, giving near-duplicate centres. Rows parallel to an
//     already chosen centre are skipped, so duplicate rows never produce two
//     identical buckets (one of them would stay empty).
//  2. Positions: row i goes to the bucket p maximising
//     |⟨C_p/‖C_p‖, Ā_i/‖Ā_i‖⟩| (ties: lowest p). Rows that are zero in Ā
//     carry no direction: they go to a Philox-chosen bucket with a random sign.
//  3. Values: bucket p's values are the top left singular vector of the
//     block of Ā rows assigned to it (so the sketch row is σ₁v₁ᵀ of that
//     block), sign-fixed so the centre's entry is positive, and scaled to
//     root-mean-square 1 (a per-row scale leaves SCW unchanged but puts the
//     values on the ±1 scale that value refinement and random rows use).
//
// With append_sampled_rows the output is [S1; S2] of m rows in total: S1 has
// m₁ = m − ⌊m/2⌋ inner-product buckets and S2 is a random CountSketch of ⌊m/2⌋
// rows (seed DerivedSeed(seed, 2)), the guard `mixed` has too. Because
// row(SA) only grows when rows are stacked, SCW with [S1; S2] is at least as
// accurate as with S2 alone on every input, so the sketch keeps the
// worst-case guarantee of a random CountSketch of ⌊m/2⌋ rows even on inputs
// unlike the training family. (S2 used to be a fixed 0/1 selection of the
// sampled centre rows, chosen on the training mean: an input whose energy
// lies outside those rows got S2·A = 0, so that "guarantee" did not exist.)
// Keeping the total at m makes the comparison with a random CountSketch of m
// rows fair; the price is that S1 has half the buckets. The option keeps its
// historical name.
#ifndef SKETCHD_CORE_TRAINING_INNER_PRODUCT_SKETCH_H_
#define SKETCHD_CORE_TRAINING_INNER_PRODUCT_SKETCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"
#include "core/training/training_control.h"

namespace sketchd {

struct InnerProductSketch {
  CountSketch sketch;                 // S1, or [S1; S2]
  std::vector<int64_t> centres;       // sampled rows C, in sampling order
  int64_t learned_rows = 0;           // m₁ (rows of S1)
  int64_t empty_buckets = 0;          // buckets of S1 with no row (n < m, few distinct rows)
  int64_t zero_rows = 0;              // rows of Ā that are zero
};

// `control`, if given, is polled between the steps and between buckets: a
// cancel returns CANCELLED (the buckets' eigensolves add up on large n).
absl::StatusOr<InnerProductSketch> BuildInnerProductSketch(const RowMatrixXd& mean, int64_t m,
                                                           int64_t k, uint64_t seed,
                                                           bool append_sampled_rows,
                                                           const TrainingControl* control = nullptr);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_INNER_PRODUCT_SKETCH_H_
