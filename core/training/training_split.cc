#include "core/training/training_split.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/training/training_random.h"

namespace sketchd {

int64_t HeldOutCount(int64_t total, double validation_fraction) {
  if (total < 2 || !(validation_fraction > 0)) return 0;
  return std::clamp<int64_t>(std::llround(validation_fraction * static_cast<double>(total)), 1,
                             total - 1);
}

TrainingSplit RandomTrainingSplit(int64_t total, double validation_fraction, uint64_t seed) {
  const int64_t held = HeldOutCount(total, validation_fraction);
  std::vector<int64_t> perm(static_cast<size_t>(std::max<int64_t>(total, 0)));
  std::iota(perm.begin(), perm.end(), 0);
  std::vector<uint32_t> key(perm.size());
  for (int64_t i = 0; i < total; ++i) key[i] = TrainingWord(seed, TrainingDraw::kSplit, i);
  std::sort(perm.begin(), perm.end(),
            [&](int64_t a, int64_t b) { return key[a] != key[b] ? key[a] < key[b] : a < b; });
  TrainingSplit split;
  split.held.assign(perm.begin(), perm.begin() + held);
  split.train.assign(perm.begin() + held, perm.end());
  std::sort(split.held.begin(), split.held.end());
  std::sort(split.train.begin(), split.train.end());
  return split;
}

}  // namespace sketchd
