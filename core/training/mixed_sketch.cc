#include "core/training/mixed_sketch.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sketchd {

absl::StatusOr<CountSketch> TrainMixedSketch(const std::vector<TrainingMatrix>& train, int64_t n,
                                             int64_t m, bool joint, uint64_t seed,
                                             uint64_t s2_seed, const ValueLearningConfig& config,
                                             ProgressReporter* progress, std::string* notes) {
  const int64_t m2 = m / 2;
  const int64_t m1 = m - m2;
  auto s1 = CountSketch::Random(m1, n, seed);
  if (!s1.ok()) return s1.status();
  ValueLearningConfig cfg = config;
  cfg.label = joint ? "mixed (joint)" : "mixed (separate)";
  ValueLearningReport report;
  if (m2 == 0) {
    cfg.trainable.clear();
    auto learned = LearnSketchValues(*s1, train, cfg, progress, &report);
    if (!learned.ok()) return learned.status();
    absl::StrAppend(notes, "mixed: m=1 leaves no random half, trained as ivy; ");
    return learned;
  }
  auto s2 = CountSketch::Random(m2, n, s2_seed);
  if (!s2.ok()) return s2.status();
  absl::StatusOr<CountSketch> out;
  if (joint) {
    auto stacked = CountSketch::Stack(*s1, *s2);
    if (!stacked.ok()) return stacked.status();
    cfg.trainable = {true, false};
    out = LearnSketchValues(*stacked, train, cfg, progress, &report);
  } else {
    cfg.trainable.clear();
    auto learned = LearnSketchValues(*s1, train, cfg, progress, &report);
    if (!learned.ok()) return learned.status();
    out = CountSketch::Stack(*learned, *s2);
  }
  if (!out.ok()) return out.status();
  absl::StrAppend(notes, absl::StrFormat(
                             "%s: %d learned + %d random rows, %d steps (%d rejected), "
                             "training loss %.6g -> %.6g%s; ",
                             cfg.label, m1, m2, report.steps, report.rejected_steps,
                             report.initial_loss, report.best_loss,
                             report.stopped_by_budget ? ", stopped by time budget" : ""));
  return out;
}

}  // namespace sketchd
