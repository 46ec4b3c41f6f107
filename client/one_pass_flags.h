// The one-pass flags of `sketchctl lowrank` (the server's two-sided mode) and
// `sketchctl local lowrank` (the same core accumulator in process), declared
// once so both accept the same names, defaults and ranges.
//
// Header-only: client/CMakeLists.txt compiles only *_commands.cc into sketchctl.
#ifndef SKETCHD_CLIENT_ONE_PASS_FLAGS_H_
#define SKETCHD_CLIENT_ONE_PASS_FLAGS_H_

#include <cstdint>

#include <CLI/CLI.hpp>

namespace sketchd {

struct OnePassFlags {
  bool enabled = false;
  int64_t range_m = 0;  // 0 = m
  int64_t core_m = 0;   // 0 = 2·max(m, m_r) + 1
  uint64_t seed = 0;
};

inline void AddOnePassFlags(CLI::App* cmd, OnePassFlags* flags) {
  cmd->add_flag("--one-pass", flags->enabled,
                "read A once with a two-sided sketch (S plus random R, T, W): A is never held, "
                "at some loss of accuracy against the two-pass answer");
  cmd->add_option("--range-m", flags->range_m, "one pass: columns of the range sketch R (0 = m)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--core-m", flags->core_m,
                  "one pass: rows of the core sketches T and W (0 = 2·max(m, range-m) + 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--one-pass-seed", flags->seed, "one pass: seed of R, T and W");
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_ONE_PASS_FLAGS_H_
