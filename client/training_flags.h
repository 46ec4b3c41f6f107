// The training flags of `sketchctl train` (a job on the server) and
// `sketchctl local train` (in process): one flag per row of core's option
// table (core/training/train_option_table.h), so both commands accept every
// option with the same names, defaults and ranges, and refuse a bad value
// with the table's message (the one core and the server give). Core types
// only: the remote command maps the result to the wire with
// proto/training_options_wire.h.
//
// Header-only: client/CMakeLists.txt compiles only *_commands.cc into sketchctl.
#ifndef SKETCHD_CLIENT_TRAINING_FLAGS_H_
#define SKETCHD_CLIENT_TRAINING_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/cli_status.h"
#include "core/training/train_option_table.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

// What the command line said, per option-table row name: the text of the
// value ("1"/"0" for the boolean flags). Absent rows keep core's defaults.
struct TrainingFlags {
  std::map<std::string, std::string> given;
};

namespace training_flags_internal {

// The first long flag without its dashes: "--iterations,--iters" → "iterations".
inline std::string FlagStem(absl::string_view flags) {
  absl::string_view first = flags.substr(0, flags.find(','));
  while (!first.empty() && first.front() == '-') first.remove_prefix(1);
  return std::string(first);
}

inline std::string HelpText(const TrainOptionRow& row) {
  std::string help;
  if (!row.methods.empty()) {
    help = absl::StrCat(absl::StrReplaceAll(row.methods, {{",", "/"}}), ": ");
  }
  absl::StrAppend(&help, row.help);
  const std::string range = row.RangeText();
  if (!range.empty()) absl::StrAppend(&help, "; ", range);
  return help;
}

// The default as --help shows it (doubles in short form, not %.17g).
inline std::string DefaultText(const TrainOptionRow& row) {
  const TrainOptions defaults;
  if (row.type == TrainOptionType::kDouble) return absl::StrCat(row.numeric(defaults));
  if (row.type == TrainOptionType::kBool) return row.format(defaults) == "1" ? "on" : "off";
  return row.format(defaults);
}

}  // namespace training_flags_internal

// Registers one flag per option-table row on `cmd` (in table order) writing
// to `*flags`, which must outlive parsing. Bools are --name / --no-name.
inline void AddTrainingFlags(CLI::App* cmd, TrainingFlags* flags) {
  using namespace training_flags_internal;
  for (const TrainOptionRow& row : TrainOptionTable()) {
    const std::string name(row.name);
    const std::string help = HelpText(row);
    if (row.type == TrainOptionType::kBool) {
      cmd->add_flag_function(
             absl::StrCat(row.flags, ",!--no-", FlagStem(row.flags)),
             [flags, name](int64_t count) { flags->given[name] = count > 0 ? "1" : "0"; },
             absl::StrCat(help, " [", DefaultText(row), "]"));
      continue;
    }
    CLI::Option* option = cmd->add_option_function<std::string>(
        std::string(row.flags), [flags, name](const std::string& v) { flags->given[name] = v; },
        help);
    switch (row.type) {
      case TrainOptionType::kMethod:
        option->check(CLI::IsMember(TrainMethodNames()))->type_name("METHOD");
        break;
      case TrainOptionType::kTask:
        option->check(CLI::IsMember({"lowrank", "regression"}))->type_name("TASK");
        break;
      default: {
        const TrainOptionRow* r = &row;
        option->check(CLI::Validator(
            [r](std::string& input) -> std::string {
              TrainOptions scratch;
              absl::Status s = r->Parse(input, &scratch);
              if (s.ok()) s = r->Check(scratch);
              return s.ok() ? std::string() : std::string(s.message());
            },
            "", ""));
        option->type_name(row.type == TrainOptionType::kDouble ? "FLOAT"
                          : row.type == TrainOptionType::kUint ? "UINT"
                                                               : "INT");
      }
    }
    if (row.cli_required) {
      option->required();
    } else {
      option->default_str(DefaultText(row));
    }
  }
}

// The core options the flags ask for: core's defaults, then each given value
// through its row. Values were checked by the parser; a failure here is still
// a usage error (exit 2) with the table's message.
inline absl::StatusOr<TrainOptions> ToTrainOptions(const TrainingFlags& flags) {
  TrainOptions options;
  for (const auto& [name, text] : flags.given) {
    const TrainOptionRow* row = FindTrainOption(name);
    if (row == nullptr) return UsageError(absl::StrCat("unknown training option '", name, "'"));
    if (absl::Status s = row->Parse(text, &options); !s.ok()) {
      return UsageError(std::string(s.message()));
    }
  }
  if (absl::Status s = CheckTrainOptions(options); !s.ok()) {
    return UsageError(std::string(s.message()));
  }
  return options;
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_TRAINING_FLAGS_H_
