// The LowRank flags shared by `sketchctl lowrank` (server) and `sketchctl
// local lowrank` (in process), declared once so both accept the same range.
//
// Header-only: client/CMakeLists.txt compiles only *_commands.cc into sketchctl.
#ifndef SKETCHD_CLIENT_LOWRANK_FLAGS_H_
#define SKETCHD_CLIENT_LOWRANK_FLAGS_H_

#include <cstdint>

#include <CLI/CLI.hpp>

#include "core/lowrank/scw_low_rank.h"

namespace sketchd {

inline void AddPowerItersOption(CLI::App* cmd, int32_t* power_iters) {
  cmd->add_option("--power-iters", *power_iters,
                  "power iterations q after the sketch: 2 + 2q passes over A, error closer to "
                  "the optimum (0 = one-pass SCW)")
      ->check(CLI::Range(0, static_cast<int>(kMaxPowerIters)))
      ->capture_default_str();
}

inline void AddBlockKrylovFlag(CLI::App* cmd, bool* block_krylov) {
  cmd->add_flag("--block-krylov", *block_krylov,
                "with --power-iters q ≥ 1: answer from the span of every iterate (block Krylov): "
                "the same 2 + 2q passes, a basis up to (q+1)·m columns wide, a much smaller "
                "error (no effect at q = 0; not with --one-pass)");
}

// One pass reads A once: there are no iterates for block Krylov to keep.
// Checked by the CLI before any file is read (the server refuses it too).
inline constexpr char kBlockKrylovOnePassError[] =
    "--block-krylov keeps the blocks of power iterations, but --one-pass reads A once and does "
    "not iterate; drop one of them";

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_LOWRANK_FLAGS_H_
