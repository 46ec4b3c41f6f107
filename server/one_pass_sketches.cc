// The four sketches of a one-pass LowRank (header.one_pass): S is the
// request's selected sketch; R is random from one_pass.seed or, with
// one_pass.right_sketch_version, a stored sketch trained on the transposed
// training matrices (core/training/range_sketch.h); T and W are random.
// Every size is checked against the server's limits before anything of
// that size is allocated.
#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/lowrank/two_sided_sketch.h"
#include "core/status_macros.h"
#include "core/training/range_sketch.h"
#include "server/sketch_service.h"

namespace sketchd {

absl::StatusOr<TwoSidedSketches> SketchServiceImpl::OnePassSketches(const v1::LowRankHeader& h,
                                                                   const ResolvedSketch& sketch) {
  const v1::OnePassOptions& o = h.one_pass();
  const int64_t m = sketch.sketch().rows();
  if (o.range_m() < 0 || o.range_m() > options_.max_sketch_rows) {
    return absl::InvalidArgumentError(absl::StrCat("one_pass.range_m must be in [0, ",
                                                   options_.max_sketch_rows, "], got ", o.range_m()));
  }
  if (o.right_sketch_version() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "one_pass.right_sketch_version must be 0 (a random range sketch R from one_pass.seed) or "
        "a stored sketch version ≥ 1 trained with transpose, got ", o.right_sketch_version()));
  }
  // A stored R fixes m_r. It was parsed (and size-checked) when it was
  // stored and cached, so copying it costs O(d), not a request-chosen size.
  std::optional<CountSketch> stored_right;
  int64_t range_m = DefaultRangeRows(m, o.range_m());
  if (o.right_sketch_version() > 0) {
    SKETCHD_ASSIGN_OR_RETURN(std::shared_ptr<const TrainedSketch> trained,
                             cache_->Get(h.dataset(), o.right_sketch_version()));
    const std::string what = absl::StrCat("right sketch ", o.right_sketch_version());
    // Shape and kind first, so a misfit is named before its size.
    SKETCHD_ASSIGN_OR_RETURN(stored_right, RangeSketchFromTrained(*trained, h.d(), what));
    const int64_t stored_m = stored_right->rows();
    if (o.range_m() != 0 && o.range_m() != stored_m) {
      return absl::InvalidArgumentError(absl::StrCat(
          "one_pass.range_m = ", o.range_m(), " but ", what, " has m_r = ", stored_m,
          " rows; leave range_m 0 with a stored right sketch"));
    }
    if (stored_m > options_.max_sketch_rows) {
      return absl::FailedPreconditionError(absl::StrCat(
          what, " has m_r = ", stored_m, " rows, above this server's limit of ",
          options_.max_sketch_rows, " (--max_sketch_rows)"));
    }
    range_m = stored_m;
  }
  const int64_t core_m = o.core_m() > 0 ? o.core_m() : DefaultCoreRows(m, range_m);
  if (o.core_m() < 0 || core_m > options_.max_sketch_rows || core_m < std::max(m, range_m)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "one_pass.core_m must be 0 (default 2·max(m, m_r) + 1) or in [max(m, m_r), ",
        options_.max_sketch_rows, "] = [", std::max(m, range_m), ", ", options_.max_sketch_rows,
        "], got ", o.core_m()));
  }
  SKETCHD_RETURN_IF_ERROR(CheckShape("one-pass left sketch SA", m, h.d()));
  SKETCHD_RETURN_IF_ERROR(CheckShape("one-pass range sketch AR", h.n(), range_m));
  SKETCHD_RETURN_IF_ERROR(CheckShape("one-pass core sketch TAW", core_m, core_m));
  if (stored_right) {
    return WithLearnedRange(sketch.sketch(), *std::move(stored_right), core_m, o.seed());
  }
  return WithRandomCompanions(sketch.sketch(), h.d(), range_m, core_m, o.seed());
}

}  // namespace sketchd
