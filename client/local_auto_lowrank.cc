#include "client/local_auto_lowrank.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/auto_choice_report.h"
#include "client/lowrank_report.h"
#include "client/matrix_inputs.h"
#include "client/sketch_file.h"
#include "core/io/binary_file.h"
#include "core/lowrank/auto_sketch.h"
#include "core/status_macros.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

absl::StatusOr<CommandResult> LocalAutoLowRank(const LocalAutoArgs& args,
                                               const SketchChoiceFlags& choice) {
  // Flag errors before file errors.
  if (args.one_pass) {
    return UsageError("--sketch auto compares answers on A itself; it cannot use --one-pass");
  }
  if (choice.max_passes != 0 && args.power_iters != 0) {
    return UsageError("--sketch auto: give --max-passes or --power-iters, not both");
  }
  if (choice.candidates.empty() && args.m < 1) {
    return UsageError("--sketch auto needs --candidate FILE (repeatable) and/or --m for the "
                      "random candidate");
  }
  const int64_t max_passes = choice.max_passes != 0 ? choice.max_passes : 2 + 2 * args.power_iters;
  SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> paths, ExpandMatrixPaths({args.input}));
  SKETCHD_ASSIGN_OR_RETURN(std::vector<RowMatrixXd> matrices, ReadMatrices(paths));
  const int64_t n = matrices.front().rows();

  std::vector<TrainedSketch> files;
  for (const std::string& path : choice.candidates) {
    SKETCHD_ASSIGN_OR_RETURN(TrainedSketch t, ReadSketchFile(path));
    if (t.sketch_n() != n) {
      return InputError(absl::InvalidArgumentError(absl::StrCat(
          path, ": the sketch applies to matrices with ", t.sketch_n(), " rows, but the input has ",
          n, " rows")));
    }
    files.push_back(std::move(t));
  }
  const int64_t random_m = args.m > 0 ? args.m : files.front().m();
  auto random = CountSketch::Random(random_m, n, args.seed);
  if (!random.ok()) return UsageError(std::string(random.status().message()));
  std::vector<AutoCandidate> candidates;
  for (size_t i = 0; i < files.size(); ++i) {
    AutoCandidate c;
    c.label = choice.candidates[i];  // the file, so the report names it
    if (files[i].is_dense()) c.dense = &files[i].dense; else c.count = &files[i].sketch;
    candidates.push_back(c);
  }
  candidates.push_back({"random", 0, &*random, nullptr});

  LowRankReport report;
  report.n = n;
  report.d = matrices.front().cols();
  report.k = args.k;
  report.power_iters = (max_passes - 2) / 2;
  report.block_krylov = args.block_krylov;
  report.left_path = args.left;
  report.right_path = args.right;
  AutoOptions options;
  options.max_passes = max_passes;
  options.block_krylov = args.block_krylov;
  for (const RowMatrixXd& a : matrices) {
    absl::StatusOr<AutoChoice> chosen = ChooseLowRankSketch(candidates, a, args.k, options);
    if (!chosen.ok()) {
      if (absl::IsInvalidArgument(chosen.status())) return UsageError(std::string(chosen.status().message()));
      return InputError(chosen.status());
    }
    const v1::AutoChoice wire = AutoChoiceToProto(*chosen, max_passes);
    LowRankOutcome o;
    o.left = std::move(chosen->factors.left);
    o.right = std::move(chosen->factors.right);
    o.rank = chosen->factors.rank;
    o.error = chosen->factors.error;
    o.relative_error = chosen->factors.relative_error;
    o.passes = chosen->factors.passes;
    double seconds = 0;
    for (const AutoTrial& t : chosen->trials) seconds += t.seconds;
    o.timings.Set("total_seconds", seconds);
    o.total_seconds = seconds;
    o.auto_choice = AutoChoiceJson(wire);
    o.auto_text = AutoChoiceText(wire);
    report.outcomes.push_back(std::move(o));
  }
  if (args.exact) {
    for (const auto& m : matrices) report.inputs.push_back(&m);
  }
  report.sketch.Set("kind", "auto");
  Json files_json = Json::Array();
  for (const std::string& path : choice.candidates) files_json.Push(path);
  report.sketch.Set("candidates", std::move(files_json));
  report.sketch.Set("random_m", random_m);
  report.sketch.Set("seed", args.seed);
  report.sketch.Set("max_passes", max_passes);
  report.sketch_text = absl::StrCat("auto (", choice.candidates.size(), " file",
                                    choice.candidates.size() == 1 ? "" : "s", " + random m=",
                                    random_m, ", seed=", args.seed, ")");
  return FinishLowRank(report);
}

}  // namespace sketchd
