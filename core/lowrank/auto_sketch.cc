#include "core/lowrank/auto_sketch.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/lowrank/dense_kernels.h"
#include "core/lowrank/sketch_and_norm.h"

namespace sketchd {

int64_t AutoCandidate::rows() const {
  return count ? count->rows() : (dense ? dense->rows() : 0);
}
int64_t AutoCandidate::cols() const {
  return count ? count->cols() : (dense ? dense->cols() : 0);
}

absl::StatusOr<int64_t> AutoPowerIters(int64_t max_passes) {
  if (max_passes < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_passes = ", max_passes, " is below 2: SCW reads A twice (SA, then AV)"));
  }
  const int64_t q = (max_passes - 2) / 2;
  if (q > kMaxPowerIters) {
    return absl::InvalidArgumentError(absl::StrCat("max_passes = ", max_passes, " allows ", q,
                                                   " power iterations, above the limit of ",
                                                   kMaxPowerIters, " (max_passes ≤ ",
                                                   2 + 2 * kMaxPowerIters, ")"));
  }
  return q;
}

absl::StatusOr<AutoChoice> ChooseLowRankSketch(const std::vector<AutoCandidate>& candidates,
                                               ConstRowMajorRef a, int64_t k,
                                               const AutoOptions& options) {
  const absl::StatusOr<int64_t> q = AutoPowerIters(options.max_passes);
  if (!q.ok()) return q.status();
  if (candidates.empty()) return absl::InvalidArgumentError("sketch auto: no candidate sketches");
  LowRankOptions scw;
  scw.power_iters = *q;
  scw.block_krylov = options.block_krylov;
  scw.input_squared_norm = options.input_squared_norm;
  if (scw.input_squared_norm < 0) scw.input_squared_norm = SquaredNormByRows(a);  // measured once

  AutoChoice out;
  out.trials.resize(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    const AutoCandidate& c = candidates[i];
    AutoTrial& t = out.trials[i];
    t.label = c.label;
    t.version = c.version;
    t.m = c.rows();
    if ((c.count == nullptr) == (c.dense == nullptr)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sketch auto: candidate '", c.label, "' must have exactly one of a CountSketch or a dense sketch"));
    }
    if (c.cols() != a.rows()) {
      return absl::InvalidArgumentError(absl::StrCat("sketch auto: candidate '", c.label,
                                                     "' acts on n = ", c.cols(),
                                                     " rows but A has ", a.rows()));
    }
    if (absl::Status fits = CheckSketchSizes(a.rows(), t.m, k); !fits.ok()) {
      t.skipped_reason = std::string(fits.message());
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<LowRankFactors> f =
        c.count ? ScwLowRank(*c.count, a, k, scw)
                : ScwFromSketched(
                      // SA = (Aᵀ Sᵀ)ᵀ through the BLAS kernel, as TrainedSketch::Apply does.
                      MultiplyTransposeByThin(a, c.dense->transpose()).transpose(), a, k, scw);
    if (!f.ok()) return f.status();
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.tried = true;
    t.power_iters = *q;
    t.block_krylov = options.block_krylov;
    t.passes = f->passes;
    t.error = f->error;
    t.relative_error = f->relative_error;
    out.total_passes += f->passes;
    // Strictly smaller: an exact tie keeps the earlier (learned) candidate.
    if (out.chosen < 0 || f->error < out.factors.error) {
      out.chosen = static_cast<int64_t>(i);
      out.factors = *std::move(f);
    }
  }
  if (out.chosen < 0) {
    std::string reasons;
    for (const AutoTrial& t : out.trials) {
      absl::StrAppend(&reasons, reasons.empty() ? "" : "; ", t.label, ": ", t.skipped_reason);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("sketch auto: no candidate fits this request (", reasons, ")"));
  }
  return out;
}

}  // namespace sketchd
