// One-pass two-sided low-rank approximation (Clarkson–Woodruff 2009, Thm 4.7;
// Tropp, Yurtsever, Udell, Cevher 2017; Li et al. 2023, Table 7.1 left).
//
// Four CountSketches: S (m×n) and T (m_t×n) act on the rows of A, R and W on
// its columns; R and W are stored as sketches of Aᵀ (m_r×d and m_w×d), so the
// right-hand operators are their transposes (AR = (R_s Aᵀ)ᵀ). While row
// blocks of A stream past, exactly three things are kept:
//   SA  (m×d)      co-range sketch,
//   AR  (n×m_r)    range sketch: row i of AR is A_i R, known once row i is seen,
//   TAW (m_t×m_w)  core sketch.
// A itself is never held. Finishing, with Q = orth(AR) (n×m_r) and
// P = orth((SA)ᵀ) (d×r_p), solves the small rank-constrained problem
//   X* = argmin_{rank X ≤ k} ‖(TQ) X (PᵀW) − TAW‖_F
// in closed form (Friedland–Torokhti 2007): with TQ = U₁Σ₁V₁ᵀ and
// PᵀW = U₂Σ₂V₂ᵀ, X* = V₁Σ₁⁻¹ [U₁ᵀ TAW V₂]_k Σ₂⁻¹U₂ᵀ, and answers
// Â = Q X* Pᵀ. This is the same Â as AR·X·SA with X the rank-k minimiser of
// ‖T(AR)X(SA)W − TAW‖ (reparametrise AR = Q R₁, SA = R₂Pᵀ), but the
// orthonormal bases keep it well conditioned and TAR, SAW need not be kept:
// TQ and PᵀW are formed from Q and P at the end.
//
// Memory: O(m·d + m_t·m_w) for SA and TAW, plus O(n·m_r) that cannot be
// avoided for a factored answer: AR (the range of Â, n×m_r) and at the end its
// basis Q and the output Y (n×k). The n×d matrix A is never held. The four
// sketches themselves are O(n + d) (a position and a value per column).
//
// Sizes: the core problem is determined only when TQ has full column rank and
// PᵀW full row rank, so m_t ≥ m_r and m_w ≥ m are required (Tropp et al.
// suggest m_t, m_w ≈ 2·max(m, m_r) + 1).
#ifndef SKETCHD_CORE_LOWRANK_TWO_SIDED_SKETCH_H_
#define SKETCHD_CORE_LOWRANK_TWO_SIDED_SKETCH_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

struct TwoSidedSketches {
  CountSketch left;        // S, m×n: co-range sketch SA
  CountSketch right;       // R as a sketch of Aᵀ, m_r×d: range sketch AR
  CountSketch core_left;   // T, m_t×n
  CountSketch core_right;  // W as a sketch of Aᵀ, m_w×d
};

// Default sizes when a caller leaves them 0: m_r = m, and m_t = m_w =
// 2·max(m, m_r) + 1 (Tropp et al.'s s = 2k' + 1).
int64_t DefaultRangeRows(int64_t m, int64_t range_m);
int64_t DefaultCoreRows(int64_t m, int64_t range_m);

// S (given, e.g. a learned sketch) with random R (m_r×d), T (m_t×n) and W
// (m_w×d), m_t = m_w = core_m; sizes of 0 take the defaults above. The three
// are drawn from seeds derived from `seed` on separate Philox counters
// (TwoSidedCompanionSeed), so requests with seeds s and s + 1 share no
// sketch. The caller bounds the sizes before calling.
absl::StatusOr<TwoSidedSketches> WithRandomCompanions(CountSketch left, int64_t d,
                                                      int64_t range_m, int64_t core_m,
                                                      uint64_t seed);

// S and R both given (R e.g. learned on the transposed training matrices,
// an m_r×d sketch of Aᵀ), with random T and W drawn as above; core_m = 0
// takes DefaultCoreRows(m, m_r). Sizes are checked by
// ValidateTwoSidedSketches when the accumulator is created.
absl::StatusOr<TwoSidedSketches> WithLearnedRange(CountSketch left, CountSketch right,
                                                  int64_t core_m, uint64_t seed);

// The seed each random companion is drawn from: a Philox word pair keyed by
// the request's seed, at a counter of its own per role.
enum class TwoSidedRole : uint64_t { kRange = 1, kCoreLeft = 2, kCoreRight = 3 };
uint64_t TwoSidedCompanionSeed(uint64_t seed, TwoSidedRole role);

// Checks that the sketches fit an n×d matrix and a rank-k answer, and that
// the core sketches are at least as large as the range sketches they pair
// with. Messages name the sketch and the size to change.
absl::Status ValidateTwoSidedSketches(const TwoSidedSketches& sketches, int64_t n, int64_t d,
                                      int64_t k);

class TwoSidedAccumulator {
 public:
  // Allocates SA, AR and TAW after ValidateTwoSidedSketches and an overflow
  // check of every product of sizes.
  static absl::StatusOr<TwoSidedAccumulator> Create(TwoSidedSketches sketches, int64_t n,
                                                    int64_t d, int64_t k);

  // Adds rows [r0, r0 + block.rows()) of A. Each row must be added exactly
  // once, in any order; fails (changing nothing) on a wrong width, a range
  // outside [0, n) or non-finite entries.
  absl::Status AddRows(int64_t r0, ConstRowMajorRef block);

  // Adds another accumulator's partial sums over disjoint rows (same sketches).
  absl::Status Merge(const TwoSidedAccumulator& other);

  int64_t rows_added() const { return rows_added_; }
  // Bytes held by the three sketched matrices (what the O(·) above counts).
  int64_t state_bytes() const;

  // Rank-k factors Y (n×k), Z (d×k, orthonormal columns), singular values.
  // Requires every row to have been added. Ranks below k pad with zeros as
  // ScwLowRank does; `rank` reports the rank of the solved core.
  absl::StatusOr<LowRankFactors> Finish() const;

  const RowMatrixXd& sketched_left() const { return sa_; }   // SA
  const RowMatrixXd& sketched_range() const { return ar_; }  // AR
  const RowMatrixXd& sketched_core() const { return taw_; }  // TAW

 private:
  TwoSidedAccumulator() = default;

  TwoSidedSketches sketches_;
  int64_t k_ = 0;
  RowMatrixXd sa_;
  RowMatrixXd ar_;
  RowMatrixXd taw_;
  int64_t rows_added_ = 0;
  double sketch_seconds_ = 0;
};

// One pass over an in-memory A: Create, AddRows(0, a), Finish.
absl::StatusOr<LowRankFactors> TwoSidedLowRank(const TwoSidedSketches& sketches,
                                               ConstRowMajorRef a, int64_t k);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_TWO_SIDED_SKETCH_H_
