// The one table of training options: every TrainOptions field is a row
// (name, type, allowed range, default, help, the methods that read it), and
// everything else about options is derived from it:
//
//   stored text   train_options_text.cc: one "name=value" line per row
//   core checks   CheckTrainOptions (here): each row's range, one message
//   wire/server   proto/training_options_wire.cc maps each row to the proto
//                 field of the same name (reflection), then CheckTrainOptions
//   CLI           client/training_flags.h: one flag per row, for `sketchctl
//                 train` and `sketchctl local train` alike, parsed and checked
//                 by the row (so the same message as core and the server)
//
// Adding an option: a field in TrainOptions, a row in kRows
// (train_option_table.cc), the proto field of the same name in
// TrainingOptions (the wire contract stays explicit; numbers 60–69 are free
// for this), and its use in the method. tests/training/train_option_table_test.cc
// fails when a field has no row, tests/server/training_options_wire_test.cc
// when a row has no proto field; tests/server and tests/cli check that every
// row round-trips through the proto and the flags.
#ifndef SKETCHD_CORE_TRAINING_TRAIN_OPTION_TABLE_H_
#define SKETCHD_CORE_TRAINING_TRAIN_OPTION_TABLE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

enum class TrainOptionType { kMethod, kTask, kInt, kUint, kDouble, kBool };

struct TrainOptionRow {
  absl::string_view name;   // TrainOptions member, stored-text key and proto field name
  // CLI long flags, comma-separated, the first being the flag's name in
  // messages ("--iterations,--iters"). Bools also get "--no-…".
  absl::string_view flags;
  TrainOptionType type;  // from the member's C++ type
  // Numeric rows: the allowed range (bounds may be ±infinity; doubles must
  // also be finite; -inf..inf = no range). Ignored for method, task and bools.
  double min;
  double max;
  bool min_open;
  bool max_open;
  absl::string_view help;
  absl::string_view methods;  // "" = every method; else comma-separated names
  bool cli_required;          // the CLI makes the user say it (method, m)

  // The value in `options` as text: numbers in full precision (%.17g for
  // doubles, so text round-trips), bools 1/0, method and task by name.
  std::string (*format)(const TrainOptions& options);
  // Sets the value from such text (bools also accept true/false); false when
  // the text is not a value of the row's type. No range check.
  bool (*set)(absl::string_view text, TrainOptions* options);
  // Numeric rows: the value as a double (for the range check).
  double (*numeric)(const TrainOptions& options);

  // set() with a message naming the row and what it expects.
  absl::Status Parse(absl::string_view text, TrainOptions* options) const;
  bool numeric_row() const {
    return type == TrainOptionType::kInt || type == TrainOptionType::kUint ||
           type == TrainOptionType::kDouble;
  }
  // "must be in [0, 1)", "must be ≥ 1", "must be finite and ≥ 0"; "" for
  // rows without a range.
  std::string RangeText() const;
  // InvalidArgument "<name> <RangeText()>, got <value>" when the value in
  // `options` is outside the range; the one message for CLI, server and core.
  absl::Status Check(const TrainOptions& options) const;
};

// All rows, in TrainOptions order (which is also --help order).
absl::Span<const TrainOptionRow> TrainOptionTable();
// The row named `name` (a TrainOptions member name), or null.
const TrainOptionRow* FindTrainOption(absl::string_view name);

// Every row's Check, in table order: the first failure; then the one check
// across rows (transpose needs the lowrank task).
absl::Status CheckTrainOptions(const TrainOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAIN_OPTION_TABLE_H_
