// CountSketch: a sparse m×n sketching matrix S with exactly one nonzero per
// column in each of its vertical blocks.
//
// A plain CountSketch has one block: column j has value v_j in row p_j.
// Stacking sketches vertically ([S1; S2], as the mixed and worst-case-safe
// learned sketches do) keeps the type: the result has two blocks, so column j
// has one nonzero in S1's rows and one in S2's. Positions are stored as global
// row indices, block-major: entry (b, j) lives at index b·n + j.
//
// The value fully describes the operator; a random one is defined by (m, n,
// seed) alone. Each block that is random also remembers how it was drawn
// (random_block(b): distribution and Philox state, a few bytes), so it can be
// stored as that description and expanded on demand (sketch_serialization.h).
// The description follows the block through Block and Stack and is dropped
// as soon as it may no longer describe the block: FromParts/FromBlocks never
// have one, and handing out the values for writing (mutable_values,
// mutable_block_values) drops it.
//
// Thread-compatible: const methods may run concurrently; the mutable_* ones
// need exclusive access.
#ifndef SKETCHD_CORE_SKETCH_COUNT_SKETCH_H_
#define SKETCHD_CORE_SKETCH_COUNT_SKETCH_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/sketch/random_block.h"

namespace sketchd {

class CountSketch {
 public:
  // Classical CountSketch: positions uniform in [0, m), values ±1, both drawn
  // by Philox from `seed` (counters [0, n)). Requires 1 ≤ m < 2^31 and
  // 1 ≤ n < 2^31. The result remembers {kUniformRowsRademacher, seed, 0}.
  static absl::StatusOr<CountSketch> Random(int64_t m, int64_t n, uint64_t seed);
  // The same from any Philox state: a second block from one seed starts at
  // the first one's NextCounter(n), so the two never share a draw.
  static absl::StatusOr<CountSketch> Random(int64_t m, int64_t n,
                                            const RandomBlockDescriptor& state);

  // One-block sketch from explicit positions (each in [0, m)) and values
  // (finite). positions.size() == values.size() == n.
  static absl::StatusOr<CountSketch> FromParts(int64_t m, std::vector<int32_t> positions,
                                               std::vector<double> values);

  // General form: block_rows[b] rows per block; positions/values hold
  // blocks·n entries, block-major, each position inside its own block's rows.
  static absl::StatusOr<CountSketch> FromBlocks(std::vector<int32_t> block_rows, int64_t n,
                                                std::vector<int32_t> positions,
                                                std::vector<double> values);

  // A sketch from its stored description (sketch_serialization.h): per block
  // its rows and, when it is random, how it was drawn. The explicit blocks'
  // entries follow in block order in explicit_positions/explicit_values,
  // positions local to their block; random blocks are expanded here, into
  // the one allocation of blocks·n entries. Stack's rules apply.
  struct BlockSource {
    int32_t rows = 0;
    std::optional<RandomBlockDescriptor> random;
  };
  static absl::StatusOr<CountSketch> FromBlockSources(const std::vector<BlockSource>& blocks,
                                                      int64_t n,
                                                      std::span<const int32_t> explicit_positions,
                                                      std::span<const double> explicit_values);

  // [top; bottom]: both must have the same n. Random blocks keep their
  // descriptions; two random blocks drawn from the same Philox counters are
  // refused (identical signs, not independent blocks).
  static absl::StatusOr<CountSketch> Stack(const CountSketch& top, const CountSketch& bottom);
  // [parts[0]; parts[1]; ...] in one pass, with Stack's checks.
  static absl::StatusOr<CountSketch> StackAll(std::span<const CountSketch> parts);

  CountSketch() = default;

  int64_t rows() const { return rows_; }   // m
  int64_t cols() const { return cols_; }   // n
  int num_blocks() const { return static_cast<int>(block_rows_.size()); }
  const std::vector<int32_t>& block_rows() const { return block_rows_; }
  // First global row of block b.
  int64_t block_offset(int b) const;

  const std::vector<int32_t>& positions() const { return positions_; }
  const std::vector<double>& values() const { return values_; }
  // Values may be changed freely (that is what value learning does); positions
  // may not, since their invariants are checked at construction.
  // Either drops the random descriptions of the blocks it exposes: the
  // values may no longer be those draws. mutable_block_values(b) (0 ≤ b <
  // num_blocks()) exposes block b's n values only, so the other blocks keep
  // theirs (value learning writes the trainable blocks this way).
  std::vector<double>& mutable_values();
  std::span<double> mutable_block_values(int b);

  // How block b was drawn, when it is random and unchanged since; nullopt for
  // a learned or hand-built block. Requires 0 ≤ b < num_blocks().
  const std::optional<RandomBlockDescriptor>& random_block(int b) const {
    return random_blocks_[static_cast<size_t>(b)];
  }

  // The rows of one block as a one-block sketch with local positions.
  CountSketch Block(int b) const;

  // Shapes are checked by every Apply* and AccumulateRows: a mismatch throws
  // std::invalid_argument naming both shapes. Callers validate shapes and
  // return a Status before they get here (CheckOperandRows does it for them),
  // so a throw is a caller bug; it must not become an out-of-bounds read,
  // and the RPC, job and command boundaries map it to INTERNAL.
  absl::Status CheckOperandRows(int64_t rows) const;

  // SA for dense A (n×d), in O(n·d·blocks). Works for either storage order.
  MatrixXd Apply(ConstRowMajorRef a) const;
  MatrixXd ApplyColMajor(ConstColMajorRef a) const;
  template <typename Derived>
  MatrixXd Apply(const Eigen::MatrixBase<Derived>& a) const {
    if constexpr (Derived::IsRowMajor) {
      return Apply(ConstRowMajorRef(a));
    } else {
      return ApplyColMajor(a);
    }
  }
  // SA for CSR A, in O(nnz(A)·blocks).
  MatrixXd Apply(const CsrMatrix& a) const;

  // Adds S[:, r0:r0+b) · block to out (m×d, row-major): the streaming kernel.
  // Rows of `block` are rows r0.. of A; the range must lie in [0, n) and out
  // must be m × block.cols().
  void AccumulateRows(int64_t r0, ConstRowMajorRef block, Eigen::Ref<RowMatrixXd> out) const;

  // Dense m×n copy, for tests and tiny problems only.
  MatrixXd ToDense() const;

  // The same operator with the same blocks. How the blocks were made is not
  // compared: a random sketch read from an old file that stored its entries
  // equals the one drawn from its seed (compare random_block(b) for that).
  bool operator==(const CountSketch& other) const {
    return rows_ == other.rows_ && cols_ == other.cols_ && block_rows_ == other.block_rows_ &&
           positions_ == other.positions_ && values_ == other.values_;
  }

 private:
  static absl::StatusOr<CountSketch> StackPointers(std::span<const CountSketch* const> parts);

  int64_t rows_ = 0;
  int64_t cols_ = 0;
  std::vector<int32_t> block_rows_;
  std::vector<int32_t> positions_;
  std::vector<double> values_;
  // One per block (empty for a default-constructed sketch).
  std::vector<std::optional<RandomBlockDescriptor>> random_blocks_;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_COUNT_SKETCH_H_
