#include "core/lowrank/two_sided_sketch.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/sketch/philox.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Entries of a rows×cols double matrix, or an error when that cannot be
// allocated addressably (the guard runs before any allocation).
absl::Status CheckAllocation(const char* what, int64_t rows, int64_t cols) {
  constexpr int64_t kMaxEntries = std::numeric_limits<int64_t>::max() / 8;
  if (rows < 0 || cols < 0 || (cols > 0 && rows > kMaxEntries / cols)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " would be ", rows, "x", cols, ": too large to allocate"));
  }
  return absl::OkStatus();
}

// Singular values above the LAPACK-style tolerance max(rows, cols)·ε·σ₁.
Index NumericalRank(const VectorXd& sigma, Index rows, Index cols) {
  if (sigma.size() == 0 || !(sigma(0) > 0)) return 0;
  const double tol =
      static_cast<double>(std::max(rows, cols)) * std::numeric_limits<double>::epsilon() * sigma(0);
  Index r = 0;
  while (r < sigma.size() && sigma(r) > tol) ++r;
  return r;
}

// AR for a row block: R acts on columns, so (block·R)ᵀ = R_s·blockᵀ, and a
// row-major block viewed transposed is a column-major d×b matrix (no copy).
MatrixXd RangeSketchTransposed(const CountSketch& right, ConstRowMajorRef block) {
  return right.ApplyColMajor(block.transpose());
}

}  // namespace

int64_t DefaultRangeRows(int64_t m, int64_t range_m) { return range_m > 0 ? range_m : m; }

int64_t DefaultCoreRows(int64_t m, int64_t range_m) {
  return 2 * std::max(m, DefaultRangeRows(m, range_m)) + 1;
}

uint64_t TwoSidedCompanionSeed(uint64_t seed, TwoSidedRole role) {
  // Seeds s, s + 1, s + 2 (as before) made a request with seed s + 1 reuse
  // the T of seed s as its R; keyed words on their own counters share
  // nothing between seeds or roles. The index range (0xFFFE << 48) is apart
  // from training's draws on this stream (training_random.h).
  const auto w = PhiloxWords(seed, kTrainingStream,
                             (uint64_t{0xFFFE} << 48) + static_cast<uint64_t>(role));
  return (static_cast<uint64_t>(w[0]) << 32) | w[1];
}

namespace {

// T (core_m×n) and W (core_m×d) into `s`, whose S and R are set.
absl::Status AddRandomCore(TwoSidedSketches& s, int64_t d, int64_t core_m, uint64_t seed) {
  const int64_t m_c = core_m > 0 ? core_m : DefaultCoreRows(s.left.rows(), s.right.rows());
  auto core_left =
      CountSketch::Random(m_c, s.left.cols(), TwoSidedCompanionSeed(seed, TwoSidedRole::kCoreLeft));
  if (!core_left.ok()) return core_left.status();
  auto core_right = CountSketch::Random(m_c, d, TwoSidedCompanionSeed(seed, TwoSidedRole::kCoreRight));
  if (!core_right.ok()) return core_right.status();
  s.core_left = *std::move(core_left);
  s.core_right = *std::move(core_right);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TwoSidedSketches> WithRandomCompanions(CountSketch left, int64_t d,
                                                      int64_t range_m, int64_t core_m,
                                                      uint64_t seed) {
  const int64_t m_r = DefaultRangeRows(left.rows(), range_m);
  auto right = CountSketch::Random(m_r, d, TwoSidedCompanionSeed(seed, TwoSidedRole::kRange));
  if (!right.ok()) return right.status();
  TwoSidedSketches s;
  s.left = std::move(left);
  s.right = *std::move(right);
  if (absl::Status st = AddRandomCore(s, d, core_m, seed); !st.ok()) return st;
  return s;
}

absl::StatusOr<TwoSidedSketches> WithLearnedRange(CountSketch left, CountSketch right,
                                                  int64_t core_m, uint64_t seed) {
  TwoSidedSketches s;
  const int64_t d = right.cols();
  s.left = std::move(left);
  s.right = std::move(right);
  if (absl::Status st = AddRandomCore(s, d, core_m, seed); !st.ok()) return st;
  return s;
}

absl::Status ValidateTwoSidedSketches(const TwoSidedSketches& s, int64_t n, int64_t d, int64_t k) {
  if (n < 1 || d < 1) {
    return absl::InvalidArgumentError(absl::StrCat("matrix must be non-empty, got ", n, "x", d));
  }
  if (k < 1 || k > std::min(n, d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank k must be in [1, min(n, d)] = [1, ", std::min(n, d), "], got ", k));
  }
  const struct {
    const char* name;
    const CountSketch* sketch;
    int64_t acts_on;
    const char* side;
  } parts[] = {{"left sketch S", &s.left, n, "rows n"},
               {"range sketch R", &s.right, d, "columns d"},
               {"core sketch T", &s.core_left, n, "rows n"},
               {"core sketch W", &s.core_right, d, "columns d"}};
  for (const auto& part : parts) {
    if (part.sketch->rows() < 1 || part.sketch->cols() != part.acts_on) {
      return absl::InvalidArgumentError(absl::StrCat(
          part.name, " is ", part.sketch->rows(), "x", part.sketch->cols(), " but must have ",
          part.side, " = ", part.acts_on, " columns and at least one row"));
    }
  }
  if (s.core_left.rows() < s.right.rows()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "core sketch T has m_t=", s.core_left.rows(), " rows, fewer than the range sketch's m_r=",
        s.right.rows(), ": the core problem would be underdetermined; use m_t ≥ m_r"));
  }
  if (s.core_right.rows() < s.left.rows()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "core sketch W has m_w=", s.core_right.rows(), " rows, fewer than the left sketch's m=",
        s.left.rows(), ": the core problem would be underdetermined; use m_w ≥ m"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TwoSidedAccumulator> TwoSidedAccumulator::Create(TwoSidedSketches sketches,
                                                                int64_t n, int64_t d, int64_t k) {
  if (absl::Status st = ValidateTwoSidedSketches(sketches, n, d, k); !st.ok()) return st;
  if (absl::Status st = CheckAllocation("SA", sketches.left.rows(), d); !st.ok()) return st;
  if (absl::Status st = CheckAllocation("AR", n, sketches.right.rows()); !st.ok()) return st;
  if (absl::Status st = CheckAllocation("TAW", sketches.core_left.rows(), sketches.core_right.rows());
      !st.ok()) {
    return st;
  }
  TwoSidedAccumulator acc;
  acc.k_ = k;
  acc.sa_ = RowMatrixXd::Zero(sketches.left.rows(), d);
  acc.ar_ = RowMatrixXd::Zero(n, sketches.right.rows());
  acc.taw_ = RowMatrixXd::Zero(sketches.core_left.rows(), sketches.core_right.rows());
  acc.sketches_ = std::move(sketches);
  return acc;
}

absl::Status TwoSidedAccumulator::AddRows(int64_t r0, ConstRowMajorRef block) {
  const int64_t n = ar_.rows();
  if (block.cols() != sa_.cols()) {
    return absl::InvalidArgumentError(absl::StrCat("row block has ", block.cols(),
                                                   " columns, expected ", sa_.cols()));
  }
  if (r0 < 0 || r0 + block.rows() > n) {
    return absl::InvalidArgumentError(absl::StrCat("rows [", r0, ", ", r0 + block.rows(),
                                                   ") are outside [0, n=", n, ")"));
  }
  if (!block.allFinite()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rows [", r0, ", ", r0 + block.rows(), ") hold a NaN or infinite entry"));
  }
  const auto start = Clock::now();
  const Index b = block.rows();
  sketches_.left.AccumulateRows(r0, block, sa_);
  // Column-major m_r×b is the same memory as row-major b×m_r: AR's rows.
  const MatrixXd range_t = RangeSketchTransposed(sketches_.right, block);
  ar_.middleRows(r0, b) = range_t.transpose();
  const MatrixXd core_t = RangeSketchTransposed(sketches_.core_right, block);  // (block·W)ᵀ
  const RowMatrixXd block_w = core_t.transpose();
  sketches_.core_left.AccumulateRows(r0, block_w, taw_);
  rows_added_ += b;
  sketch_seconds_ += SecondsSince(start);
  return absl::OkStatus();
}

absl::Status TwoSidedAccumulator::Merge(const TwoSidedAccumulator& other) {
  if (other.sa_.rows() != sa_.rows() || other.sa_.cols() != sa_.cols() ||
      other.ar_.rows() != ar_.rows() || other.ar_.cols() != ar_.cols() ||
      other.taw_.rows() != taw_.rows() || other.taw_.cols() != taw_.cols()) {
    return absl::InvalidArgumentError("cannot merge two-sided accumulators of different shapes");
  }
  sa_ += other.sa_;
  ar_ += other.ar_;  // disjoint rows: the other's rows are zero here and vice versa
  taw_ += other.taw_;
  rows_added_ += other.rows_added_;
  sketch_seconds_ += other.sketch_seconds_;
  return absl::OkStatus();
}

int64_t TwoSidedAccumulator::state_bytes() const {
  return static_cast<int64_t>(sizeof(double)) * (sa_.size() + ar_.size() + taw_.size());
}

absl::StatusOr<LowRankFactors> TwoSidedAccumulator::Finish() const {
  const int64_t n = ar_.rows(), d = sa_.cols(), k = k_;
  if (rows_added_ != n) {
    return absl::FailedPreconditionError(absl::StrCat(
        "two-sided sketch needs all ", n, " rows of A before finishing; ", rows_added_,
        " were added"));
  }
  LowRankFactors out;
  // A was read once and never held, so the exact error of this answer is not
  // known here: error/relative_error stay 0 and passes = 1 tells readers so.
  out.passes = 1;
  out.left = MatrixXd::Zero(n, k);
  out.right = MatrixXd::Zero(d, k);
  out.singular_values = VectorXd::Zero(k);
  out.timings.sketch_seconds = sketch_seconds_;
  const auto start = Clock::now();

  // Bases of the range (Q, n×m_r) and co-range (P, d×r_p).
  auto phase = Clock::now();
  Eigen::HouseholderQR<MatrixXd> range_qr(ar_);
  const MatrixXd q = range_qr.householderQ() * MatrixXd::Identity(n, ar_.cols());
  const MatrixXd p = RowSpaceBasis(sa_);
  out.timings.basis_seconds = SecondsSince(phase);
  if (p.cols() == 0) return out;  // SA = 0 means A = 0 on every sketched row mix

  // The small problem: TQ (m_t×m_r), PᵀW = (W_s P)ᵀ (r_p×m_w), TAW.
  phase = Clock::now();
  const MatrixXd tq = sketches_.core_left.ApplyColMajor(q);
  const MatrixXd wp = sketches_.core_right.ApplyColMajor(p);  // W_s·P = (PᵀW)ᵀ, m_w×r_p
  Eigen::JacobiSVD<MatrixXd> left_svd(tq, Eigen::ComputeThinU | Eigen::ComputeThinV);
  Eigen::JacobiSVD<MatrixXd> right_svd(wp, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Index r1 = NumericalRank(left_svd.singularValues(), tq.rows(), tq.cols());
  const Index r2 = NumericalRank(right_svd.singularValues(), wp.rows(), wp.cols());
  if (r1 == 0 || r2 == 0) return out;
  // PᵀW = (W_s P)ᵀ = V_w Σ_w U_wᵀ, so its left factor U₂ is V_w and V₂ is U_w.
  const MatrixXd u1 = left_svd.matrixU().leftCols(r1);
  const MatrixXd v1 = left_svd.matrixV().leftCols(r1);
  const VectorXd s1 = left_svd.singularValues().head(r1);
  const MatrixXd u2 = right_svd.matrixV().leftCols(r2);
  const MatrixXd v2 = right_svd.matrixU().leftCols(r2);
  const VectorXd s2 = right_svd.singularValues().head(r2);
  const MatrixXd middle = u1.transpose() * taw_ * v2;  // r1×r2
  Eigen::JacobiSVD<MatrixXd> middle_svd(middle, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Index rc = std::min<Index>(
      k, NumericalRank(middle_svd.singularValues(), middle.rows(), middle.cols()));
  if (rc == 0) return out;
  // X* = V₁Σ₁⁻¹ U_c Σ_c V_cᵀ Σ₂⁻¹U₂ᵀ (m_r×r_p), rank rc; Â = Q X* Pᵀ.
  const MatrixXd left_core = v1 * s1.cwiseInverse().asDiagonal() * middle_svd.matrixU().leftCols(rc) *
                             middle_svd.singularValues().head(rc).asDiagonal();
  const MatrixXd right_core =
      u2 * s2.cwiseInverse().asDiagonal() * middle_svd.matrixV().leftCols(rc);
  // X* = left_core·right_coreᵀ; its SVD through the QR of right_core gives
  // the singular values of Â (Q and P have orthonormal columns).
  Eigen::HouseholderQR<MatrixXd> right_qr(right_core);
  const MatrixXd right_q = right_qr.householderQ() * MatrixXd::Identity(right_core.rows(), rc);
  const MatrixXd right_r = right_qr.matrixQR().topRows(rc).triangularView<Eigen::Upper>();
  Eigen::JacobiSVD<MatrixXd> core_svd(left_core * right_r.transpose(),
                                      Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Index kept = NumericalRank(core_svd.singularValues(), left_core.rows(), rc);
  out.timings.svd_seconds = SecondsSince(phase);

  phase = Clock::now();
  out.rank = kept;
  if (kept > 0) {
    out.singular_values.head(kept) = core_svd.singularValues().head(kept);
    out.left.leftCols(kept).noalias() =
        q * (core_svd.matrixU().leftCols(kept) * core_svd.singularValues().head(kept).asDiagonal());
    out.right.leftCols(kept).noalias() = p * (right_q * core_svd.matrixV().leftCols(kept));
  }
  out.timings.project_seconds = SecondsSince(phase);
  out.timings.total_seconds = out.timings.sketch_seconds + SecondsSince(start);
  return out;
}

absl::StatusOr<LowRankFactors> TwoSidedLowRank(const TwoSidedSketches& sketches,
                                               ConstRowMajorRef a, int64_t k) {
  auto acc = TwoSidedAccumulator::Create(sketches, a.rows(), a.cols(), k);
  if (!acc.ok()) return acc.status();
  if (absl::Status st = acc->AddRows(0, a); !st.ok()) return st;
  return acc->Finish();
}

}  // namespace sketchd
