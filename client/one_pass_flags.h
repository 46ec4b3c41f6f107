// The one-pass flags of `sketchctl lowrank` (the server's two-sided mode) and
// `sketchctl local lowrank` (the same core accumulator in process), declared
// once so both accept the same names, defaults and ranges. The range sketch
// R is chosen with --right-sketch VERSION|random (remote: a stored sketch
// trained with --transpose) or --right-sketch-file FILE (local).
//
// Header-only: client/CMakeLists.txt compiles only *_commands.cc into sketchctl.
#ifndef SKETCHD_CLIENT_ONE_PASS_FLAGS_H_
#define SKETCHD_CLIENT_ONE_PASS_FLAGS_H_

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/cli_status.h"

namespace sketchd {

struct OnePassFlags {
  bool enabled = false;
  int64_t range_m = 0;  // 0 = m
  int64_t core_m = 0;   // 0 = 2·max(m, m_r) + 1
  uint64_t seed = 0;
  std::string right_sketch = "random";  // remote: VERSION or "random"
  std::string right_sketch_file;        // local: a sketch file trained with --transpose
};

inline void AddOnePassFlags(CLI::App* cmd, OnePassFlags* flags, bool local) {
  cmd->add_flag("--one-pass", flags->enabled,
                "read A once with a two-sided sketch (S plus R, T, W): A is never held, "
                "at some loss of accuracy against the two-pass answer");
  cmd->add_option("--range-m", flags->range_m,
                  "one pass: rows of a random range sketch R (0 = m; with a learned R, its m)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--core-m", flags->core_m,
                  "one pass: rows of the core sketches T and W (0 = 2·max(m, m_r) + 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--one-pass-seed", flags->seed, "one pass: seed of R (when random), T and W");
  if (local) {
    cmd->add_option("--right-sketch-file", flags->right_sketch_file,
                    "one pass: range sketch R from this sketch file, trained with --transpose "
                    "(default: a random R)");
  } else {
    cmd->add_option("--right-sketch", flags->right_sketch,
                    "one pass: range sketch R, a VERSION of the dataset trained with --transpose, "
                    "or 'random'")
        ->capture_default_str();
  }
}

// --right-sketch as OnePassOptions.right_sketch_version (0 = random); usage
// errors for a malformed value or for R flags without --one-pass.
inline absl::StatusOr<int64_t> RightSketchVersion(const OnePassFlags& flags) {
  if (!flags.enabled) {
    if (flags.right_sketch != "random" || !flags.right_sketch_file.empty()) {
      return UsageError("--right-sketch / --right-sketch-file choose R of --one-pass; add --one-pass");
    }
    return 0;
  }
  if (flags.right_sketch == "random") return 0;
  int64_t version = 0;
  if (!absl::SimpleAtoi(flags.right_sketch, &version) || version < 1) {
    return UsageError(absl::StrCat("--right-sketch must be a sketch version (≥ 1) trained with "
                                   "--transpose, or 'random'; got '", flags.right_sketch, "'"));
  }
  return version;
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_ONE_PASS_FLAGS_H_
