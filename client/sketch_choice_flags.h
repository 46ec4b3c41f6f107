// `--sketch auto` flags shared by `sketchctl lowrank` (server) and `sketchctl
// local lowrank` (in process): the pass budget and, for local runs, the
// candidate sketch files (the server finds its candidates in the dataset).
//
// Header-only, like lowrank_flags.h.
#ifndef SKETCHD_CLIENT_SKETCH_CHOICE_FLAGS_H_
#define SKETCHD_CLIENT_SKETCH_CHOICE_FLAGS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/lowrank/scw_low_rank.h"

namespace sketchd {

struct SketchChoiceFlags {
  int64_t max_passes = 0;               // 0 = 2 + 2·--power-iters
  std::vector<std::string> candidates;  // local only: sketch files, tried in order
};

inline std::shared_ptr<SketchChoiceFlags> AddSketchChoiceFlags(CLI::App* cmd, bool local) {
  auto flags = std::make_shared<SketchChoiceFlags>();
  cmd->add_option("--max-passes", flags->max_passes,
                  "--sketch auto: reads of A allowed for the answer; every candidate gets "
                  "q = (max-passes − 2)/2 power iterations (default 2 + 2·--power-iters)")
      ->check(CLI::Range(static_cast<int64_t>(2), 2 + 2 * kMaxPowerIters));
  if (local) {
    cmd->add_option("--candidate", flags->candidates,
                    "--sketch auto: a sketch file to try (repeat; tried in order, then a random "
                    "CountSketch of --m rows, default the first file's m, from --seed)");
  }
  return flags;
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_SKETCH_CHOICE_FLAGS_H_
