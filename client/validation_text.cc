#include "client/validation_text.h"

#include "absl/strings/str_cat.h"
#include "client/cli.h"

namespace sketchd {
namespace {

std::string Figure(double mean, double sd) {
  if (sd < 0) return FormatNumber(mean);  // recorded before sds were
  return absl::StrCat(FormatNumber(mean), " ± ", FormatNumber(sd));
}

}  // namespace

std::string ValidationSummaryText(const ValidationFigures& v) {
  if (v.num_matrices == 0) return v.verdict();
  const bool with_sd = v.learned_sd >= 0;
  return absl::StrCat(v.metric, " on ", v.num_matrices, " held-out matrices: learned ",
                      Figure(v.learned, v.learned_sd), " vs random ",
                      Figure(v.random, v.random_sd), with_sd ? " (mean ± sd; random: mean of " : " (mean; random: mean of ",
                      v.random_seeds, " seeds per matrix) → ratio ", FormatNumber(v.ratio()), " (",
                      v.verdict(), ")");
}

Json ValidationSummaryJson(const ValidationFigures& v) {
  Json j = Json::Object();
  j.Set("metric", v.metric);
  j.Set("num_matrices", v.num_matrices);
  j.Set("learned", v.learned);
  j.Set("random", v.random);
  j.Set("random_seeds", v.random_seeds);
  j.Set("ratio", v.ratio());
  j.Set("learned_sd", v.learned_sd);
  j.Set("random_sd", v.random_sd);
  j.Set("comparable", v.comparable());
  j.Set("verdict", v.verdict());
  return j;
}

Json TrainedSketchJson(const TrainedSketch& t) {
  Json j = Json::Object();
  j.Set("method", std::string(TrainMethodName(t.options.method)));
  j.Set("task", std::string(SketchTaskName(t.options.task)));
  j.Set("k", t.options.k);
  j.Set("m", t.m());
  j.Set("n", t.n);
  j.Set("d", t.d);
  j.Set("seed", static_cast<uint64_t>(t.options.seed));
  j.Set("train_seconds", t.train_seconds);
  j.Set("validation", ValidationSummaryJson(t.validation));
  j.Set("notes", t.notes);
  return j;
}

}  // namespace sketchd
