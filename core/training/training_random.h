// Deterministic randomness for training (split, minibatches, sampling, signs).
// Every draw is Philox on kTrainingStream at an index range reserved for its
// purpose, so adding a new use never shifts the draws of another, and results
// are identical across platforms and thread counts.
#ifndef SKETCHD_CORE_TRAINING_TRAINING_RANDOM_H_
#define SKETCHD_CORE_TRAINING_TRAINING_RANDOM_H_

#include <cstdint>

#include "core/sketch/philox.h"

namespace sketchd {

enum class TrainingDraw : uint64_t {
  kSplit = 1,
  kMinibatch = 2,
  kLeverageSample = 3,
  kZeroRowBucket = 4,
  kGreedySubsample = 5,
};

// A uniform 32-bit word for draw `i` of `purpose`.
inline uint32_t TrainingWord(uint64_t seed, TrainingDraw purpose, uint64_t i) {
  return PhiloxWords(seed, kTrainingStream, (static_cast<uint64_t>(purpose) << 48) + i)[0];
}

// A uniform double in (0, 1) for draw `i` of `purpose`.
inline double TrainingUnit(uint64_t seed, TrainingDraw purpose, uint64_t i) {
  return WordToOpenUnit(TrainingWord(seed, purpose, i));
}

// Seeds of the random sketches that accompany a learned one: S2 of `mixed`
// and the random baselines of the validation figures (distinct from `seed`
// itself, which initialises the learned part).
inline uint64_t DerivedSeed(uint64_t seed, uint64_t salt) {
  const auto w = PhiloxWords(seed, kTrainingStream, (uint64_t{0xFFFF} << 48) + salt);
  return (static_cast<uint64_t>(w[0]) << 32) | w[1];
}

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAINING_RANDOM_H_
