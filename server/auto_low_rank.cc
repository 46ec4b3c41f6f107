// LowRank with `sketch: auto`: the candidates are gathered here (store and
// sketch cache), the choice is core's (core/lowrank/auto_sketch.h).
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/lowrank/auto_sketch.h"
#include "core/status_macros.h"
#include "server/resource_estimates.h"
#include "server/row_stream.h"
#include "server/sketch_service.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

absl::Status SketchServiceImpl::AutoLowRank(grpc::ServerContext* ctx, LowRankStream* stream,
                                            LowRankReader& in,
                                            const v1::LowRankHeader& h, ElementType dtype,
                                            const DatasetRecord& ds, Clock::time_point start) {
  const v1::SketchSelector::Auto& opt = h.sketch().automatic();
  if (h.has_one_pass()) {
    return absl::InvalidArgumentError(
        "LowRank header: sketch auto compares answers on A itself, so it needs the two-pass "
        "path; drop one_pass or choose one sketch");
  }
  if (opt.max_passes() != 0 && h.power_iters() != 0) {
    return absl::InvalidArgumentError(
        "LowRank header: with sketch auto set either automatic.max_passes or power_iters, not both");
  }
  const int64_t max_passes = opt.max_passes() != 0 ? opt.max_passes() : 2 + 2 * h.power_iters();
  SKETCHD_RETURN_IF_ERROR(AutoPowerIters(max_passes).status());
  if (opt.random_m() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sketch.automatic.random_m must be ≥ 0, got ", opt.random_m()));
  }

  // Candidates: the low-rank default, the newest non-default subspace sketch.
  std::vector<std::shared_ptr<const TrainedSketch>> learned;
  std::vector<AutoCandidate> candidates;
  absl::StatusOr<int64_t> default_version = store_->DefaultSketchVersion(ds.name, SketchTask::kLowRank);
  if (!default_version.ok() && !absl::IsFailedPrecondition(default_version.status())) {
    return default_version.status();
  }
  SKETCHD_ASSIGN_OR_RETURN(std::vector<SketchRecord> records,
                           store_->ListSketches(ds.name, SketchTask::kLowRank));
  std::optional<int64_t> subspace_version;
  for (const SketchRecord& r : records) {
    // A transposed (range) sketch acts on A's columns: never an S candidate.
    if (r.method == "subspace" && !r.options.transpose &&
        (!default_version.ok() || r.version != *default_version)) {
      subspace_version = r.version;  // ordered by version: the newest wins
    }
  }
  auto add_stored = [&](const char* label, int64_t version) -> absl::Status {
    SKETCHD_ASSIGN_OR_RETURN(std::shared_ptr<const TrainedSketch> t, cache_->Get(ds.name, version));
    if (t->sketch_n() != h.n()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "sketch ", version, " acts on ", t->sketch_n(), " rows, request has n = ", h.n()));
    }
    learned.push_back(t);
    AutoCandidate c;
    c.label = label;
    c.version = version;
    if (t->is_dense()) c.dense = &t->dense; else c.count = &t->sketch;
    candidates.push_back(c);
    return absl::OkStatus();
  };
  if (default_version.ok()) SKETCHD_RETURN_IF_ERROR(add_stored("default", *default_version));
  if (subspace_version) SKETCHD_RETURN_IF_ERROR(add_stored("subspace", *subspace_version));
  const int64_t random_m = opt.random_m() > 0 ? opt.random_m()
                           : learned.empty()  ? 0
                                              : learned.front()->m();
  if (random_m == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "sketch auto: dataset '", ds.name, "' has no low-rank sketch yet, so the random "
        "candidate's m is unknown; set automatic.random_m (sketchctl: --m)"));
  }
  SKETCHD_RETURN_IF_ERROR(CheckRandomSketchRows(random_m, h.n()));
  SKETCHD_ASSIGN_OR_RETURN(CountSketch random, CountSketch::Random(random_m, h.n(), opt.seed()));
  candidates.push_back({"random", 0, &random, nullptr});

  int64_t largest_m = 0;
  for (const AutoCandidate& c : candidates) largest_m = std::max(largest_m, c.rows());
  SKETCHD_ASSIGN_OR_RETURN(
      MemoryBudget::Reservation memory,
      ReserveRequest("LowRank (sketch auto)",
                     EstimateLowRankRequestBytes(h.n(), h.d(), largest_m, h.k(),
                                                 (max_passes - 2) / 2, h.block_krylov())));
  PooledBuffer a_buffer = buffers_.Acquire(static_cast<size_t>(h.n() * h.d()) * sizeof(double));
  Eigen::Map<RowMatrixXd> a(a_buffer.doubles(), h.n(), h.d());
  AutoOptions options;
  options.max_passes = max_passes;
  options.block_krylov = h.block_krylov();
  options.input_squared_norm = 0;  // ‖A‖_F², accumulated while rows arrive
  absl::Status received = in.ReadRowsInto(
      "LowRank", dtype, &a, [&](int64_t r0, int64_t rows) {
        options.input_squared_norm += a.middleRows(r0, rows).squaredNorm();
        return absl::OkStatus();
      });
  if (!received.ok()) return received;
  const double receive_seconds = Since(start);

  SKETCHD_ASSIGN_OR_RETURN(AutoChoice choice, ChooseLowRankSketch(candidates, a, h.k(), options));
  if (ctx->IsCancelled()) return StreamClientGone(ctx);
  a_buffer = PooledBuffer();

  const AutoCandidate& won = candidates[choice.chosen];
  ResolvedSketch chosen;
  chosen.version = won.version;
  if (won.version != 0) {
    for (const auto& t : learned) {
      if ((t->is_dense() && &t->dense == won.dense) || (!t->is_dense() && &t->sketch == won.count)) {
        chosen.trained = t;
      }
    }
  } else {
    chosen.random = std::make_shared<const CountSketch>(random);
  }
  v1::LowRankResponse resp;
  v1::LowRankSummary* sum = resp.mutable_summary();
  FillLowRankSummary(h, chosen, choice.factors, sum);
  sum->set_power_iters(static_cast<int32_t>((max_passes - 2) / 2));
  sum->set_block_krylov(h.block_krylov());
  v1::AutoChoice* report = sum->mutable_auto_choice();
  report->set_chosen(won.label);
  report->set_max_passes(max_passes);
  report->set_total_passes(choice.total_passes);
  for (size_t i = 0; i < choice.trials.size(); ++i) {
    const AutoTrial& t = choice.trials[i];
    v1::AutoTrial* out = report->add_trials();
    out->set_candidate(t.label);
    out->set_sketch_version(t.version);
    out->set_m(t.m);
    out->set_tried(t.tried);
    out->set_skipped_reason(t.skipped_reason);
    out->set_power_iters(static_cast<int32_t>(t.power_iters));
    out->set_block_krylov(t.block_krylov);
    out->set_passes(t.passes);
    out->set_error(t.error);
    out->set_relative_error(t.relative_error);
    out->set_seconds(t.seconds);
    out->set_chosen(static_cast<int64_t>(i) == choice.chosen);
  }
  v1::LowRankTimings* timings = sum->mutable_timings();
  timings->set_receive_seconds(receive_seconds);
  timings->set_sketch_seconds(choice.factors.timings.sketch_seconds);
  timings->set_power_seconds(choice.factors.timings.power_seconds);
  timings->set_error_seconds(choice.factors.timings.error_seconds);
  timings->set_total_seconds(Since(start));
  if (!stream->Write(resp)) return StreamClientGone(ctx);
  return WriteFactorChunks(ctx, stream, choice.factors);
}

}  // namespace sketchd
