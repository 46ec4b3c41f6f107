// `sketchctl local lowrank --sketch auto`: the candidate sketch files given
// with --candidate (in order), then a random CountSketch of --m rows (default:
// the first file's m) from --seed, each tried on every input matrix; core
// (auto_sketch.h) keeps the answer with the smallest exact error.
#ifndef SKETCHD_CLIENT_LOCAL_AUTO_LOWRANK_H_
#define SKETCHD_CLIENT_LOCAL_AUTO_LOWRANK_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "client/cli.h"
#include "client/sketch_choice_flags.h"

namespace sketchd {

struct LocalAutoArgs {
  std::string input, left, right;
  int64_t k = 0, m = 0;
  uint64_t seed = 0;
  int32_t power_iters = 0;
  bool block_krylov = false;  // for every candidate
  bool exact = false;
  bool one_pass = false;
};

absl::StatusOr<CommandResult> LocalAutoLowRank(const LocalAutoArgs& args,
                                               const SketchChoiceFlags& choice);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_LOCAL_AUTO_LOWRANK_H_
