// Which training matrices are held out for the validation figures. One
// definition for every trainer (in process, the service, sketchmpi), so the
// same options give the same split wherever a sketch is trained.
#ifndef SKETCHD_CORE_TRAINING_TRAINING_SPLIT_H_
#define SKETCHD_CORE_TRAINING_TRAINING_SPLIT_H_

#include <cstdint>
#include <vector>

namespace sketchd {

// round(fraction · total) clamped to [1, total − 1], or 0 when there are
// fewer than two matrices or the fraction is 0 (nothing can be held out).
int64_t HeldOutCount(int64_t total, double validation_fraction);

struct TrainingSplit {
  std::vector<int64_t> train;  // ascending
  std::vector<int64_t> held;   // ascending; empty → validate on `train`
};

// Low-rank families: a seeded random subset is held out (the matrices of a
// family are exchangeable). Philox words from `seed`, so the split does not
// move when other draws change.
TrainingSplit RandomTrainingSplit(int64_t total, double validation_fraction, uint64_t seed);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAINING_SPLIT_H_
