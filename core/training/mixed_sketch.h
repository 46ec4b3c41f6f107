// The mixed sketch of Indyk–Vakilian–Yuan (2019, §4): m₁ = m − ⌊m/2⌋ learned
// rows S1 on top of ⌊m/2⌋ random CountSketch rows S2. Because row(SA) only
// grows when rows are added, SCW with [S1; S2] is at least as good as with S2
// alone on every input: the random half keeps the classical worst-case
// guarantee whatever the learned half does.
//
//  joint (variant J): S1's values are learned with S2 fixed inside SCW, i.e.
//    the gradient of the stacked sketch restricted to S1's block.
//  separate (variant S): S1 is learned alone (plain ivy with m₁ rows), then
//    S2 is appended.
#ifndef SKETCHD_CORE_TRAINING_MIXED_SKETCH_H_
#define SKETCHD_CORE_TRAINING_MIXED_SKETCH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/sketch/count_sketch.h"
#include "core/training/ivy_training.h"

namespace sketchd {

// S1 starts as CountSketch::Random(m₁, n, seed); S2 = Random(⌊m/2⌋, n, s2_seed).
// With m = 1 there is no random half and this is plain ivy (noted).
absl::StatusOr<CountSketch> TrainMixedSketch(const std::vector<TrainingMatrix>& train, int64_t n,
                                             int64_t m, bool joint, uint64_t seed,
                                             uint64_t s2_seed, const ValueLearningConfig& config,
                                             ProgressReporter* progress, std::string* notes);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_MIXED_SKETCH_H_
