#include "client/lowrank_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "client/matrix_inputs.h"
#include "core/lowrank/exact_svd.h"
#include "core/lowrank/low_rank_error.h"
#include "core/status_macros.h"

namespace sketchd {
namespace {

absl::Status WriteFactors(const std::string& path, const std::vector<LowRankOutcome>& outcomes,
                          bool left) {
  if (path.empty()) return absl::OkStatus();
  std::vector<RowMatrixXd> factors;
  factors.reserve(outcomes.size());
  for (const auto& o : outcomes) factors.emplace_back(left ? o.left : o.right);
  return WriteMatrices(path, factors);
}

std::string StackShape(size_t count, int64_t rows, int64_t cols) {
  return count == 1 ? absl::StrCat(rows, "×", cols) : absl::StrCat(count, "×", rows, "×", cols);
}

}  // namespace

absl::StatusOr<CommandResult> FinishLowRank(const LowRankReport& report) {
  SKETCHD_RETURN_IF_ERROR(WriteFactors(report.left_path, report.outcomes, true));
  SKETCHD_RETURN_IF_ERROR(WriteFactors(report.right_path, report.outcomes, false));
  const size_t count = report.outcomes.size();

  CommandResult result;
  Json& j = result.json;
  j.Set("matrices", static_cast<int64_t>(count));
  j.Set("n", report.n);
  j.Set("d", report.d);
  j.Set("k", report.k);
  j.Set("sketch", report.sketch);
  if (!report.left_path.empty()) j.Set("left", report.left_path);
  if (!report.right_path.empty()) j.Set("right", report.right_path);

  // Timings: sums over matrices, per field.
  Json timings = Json::Object();
  double total = 0;
  for (const auto& o : report.outcomes) {
    total += o.total_seconds;
    for (const auto& [key, value] : o.timings.members()) {
      const Json* prev = timings.Find(key);
      timings.Set(key, (prev ? prev->as_number() : 0.0) + value.as_number());
    }
  }
  j.Set("timings", std::move(timings));

  // The answer's own error, exact without an SVD of A (scw_low_rank.h).
  double sum_reported = 0, sum_reported_relative = 0;
  Json reported = Json::Array();
  for (const auto& o : report.outcomes) {
    sum_reported += o.error;
    sum_reported_relative += o.relative_error;
    Json m = Json::Object();
    m.Set("error", o.error);
    m.Set("relative_error", o.relative_error);
    reported.Push(std::move(m));
  }
  const double n_outcomes = static_cast<double>(std::max<size_t>(count, 1));
  j.Set("power_iters", report.power_iters);
  j.Set("block_krylov", report.block_krylov);
  j.Set("passes", report.outcomes.empty() ? 0 : report.outcomes.front().passes);
  j.Set("mean_error", sum_reported / n_outcomes);
  j.Set("mean_relative_error", sum_reported_relative / n_outcomes);
  j.Set("errors", std::move(reported));
  // --sketch auto: one choice per matrix.
  if (!report.outcomes.empty() && !report.outcomes.front().auto_choice.is_null()) {
    Json choices = Json::Array();
    for (const auto& o : report.outcomes) choices.Push(o.auto_choice);
    j.Set("auto", std::move(choices));
  }

  result.text = absl::StrCat("lowrank: ", count, count == 1 ? " matrix " : " matrices ", report.n,
                             "×", report.d, ", k=", report.k, ", sketch ", report.sketch_text, "\n");
  if (!report.left_path.empty()) {
    absl::StrAppend(&result.text, "  wrote Y (", StackShape(count, report.n, report.k), ") to ",
                    report.left_path, ", Z (", StackShape(count, report.d, report.k), ") to ",
                    report.right_path, "\n");
  }
  absl::StrAppend(&result.text, "  time: ", FormatSeconds(total), " in total",
                  count > 1 ? absl::StrCat(", ", FormatSeconds(total / count), " per matrix") : "",
                  "\n");
  for (size_t i = 0; i < count; ++i) {
    const std::string& line = report.outcomes[i].auto_text;
    if (!line.empty()) {
      absl::StrAppend(&result.text, "  ", count > 1 ? absl::StrCat("matrix ", i + 1, ": ") : "",
                      line, "\n");
    }
  }
  const int64_t passes = report.outcomes.empty() ? 0 : report.outcomes.front().passes;
  if (passes == 1) {
    // One pass never held A: its error is unknown without reading A again.
    absl::StrAppend(&result.text,
                    "  error ‖A − YZᵀ‖_F: not known after one pass (add --exact to measure it)\n");
  } else {
    absl::StrAppend(&result.text, "  error ‖A − YZᵀ‖_F", count > 1 ? " (mean)" : "", ": ",
                    FormatNumber(sum_reported / n_outcomes), " = ",
                    FormatNumber(100 * sum_reported_relative / n_outcomes), "% of ‖A‖_F (",
                    report.power_iters,
                    // At q = 0 there is nothing to keep: plain SCW either way.
                    report.block_krylov && report.power_iters > 0 ? " block Krylov iterations, "
                                                                  : " power iterations, ",
                    passes, " passes over A)\n");
  }

  if (!report.inputs.empty()) {
    double sum_error = 0, sum_optimal = 0, sum_excess = 0, sum_relative = 0, sum_scaled = 0;
    Json per_matrix = Json::Array();
    for (size_t i = 0; i < count; ++i) {
      const RowMatrixXd& a = *report.inputs[i];
      const LowRankOutcome& o = report.outcomes[i];
      auto sv = SingularValues(a);
      if (!sv.ok()) return sv.status();
      const double optimal = OptimalLowRankError(*sv, report.k);
      const LowRankQuality q = EvaluateLowRankWithOptimum(a, o.left, o.right, optimal);
      const double top = sv->size() > 0 ? (*sv)(0) : 0.0;
      const double scaled = SigmaOneScaledExcess(q, top);
      sum_error += q.error;
      sum_optimal += q.optimal_error;
      sum_excess += q.excess_error;
      sum_relative += q.relative_excess;
      sum_scaled += scaled;
      Json m = Json::Object();
      m.Set("error", q.error);
      m.Set("optimal_error", q.optimal_error);
      m.Set("excess_error", q.excess_error);
      m.Set("relative_excess", q.relative_excess);
      m.Set("scaled_excess", scaled);
      m.Set("rank", o.rank);
      per_matrix.Push(std::move(m));
    }
    const double c = static_cast<double>(count);
    Json error = Json::Object();
    error.Set("mean_error", sum_error / c);
    error.Set("mean_optimal_error", sum_optimal / c);
    error.Set("mean_excess_error", sum_excess / c);
    error.Set("mean_relative_excess", sum_relative / c);
    // Excess with each matrix scaled to top singular value 1: the metric of
    // the papers and of the sketches' validation figures.
    error.Set("mean_scaled_excess", sum_scaled / c);
    j.Set("error", std::move(error));
    j.Set("per_matrix", std::move(per_matrix));
    absl::StrAppend(&result.text, "  ‖A − YZᵀ‖_F (mean): ", FormatNumber(sum_error / c),
                    "; optimal ‖A − A_k‖_F: ", FormatNumber(sum_optimal / c), "\n",
                    "  excess error (mean): ", FormatNumber(sum_excess / c), " = ",
                    FormatNumber(100 * sum_relative / c), "% of optimal; scaled to σ₁=1: ",
                    FormatNumber(sum_scaled / c), "\n");
  }
  return result;
}

}  // namespace sketchd
