// The training flags of `sketchctl train` (a job on the server) and
// `sketchctl local train` (in process), declared once so both commands accept
// the same names, defaults and ranges and give the same errors. Core types
// only: the wire (proto) conversion stays with the remote command.
//
// Header-only: client/CMakeLists.txt compiles only *_commands.cc into sketchctl.
#ifndef SKETCHD_CLIENT_TRAINING_FLAGS_H_
#define SKETCHD_CLIENT_TRAINING_FLAGS_H_

#include <cstdint>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/cli_status.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

// The parsed flags. -1 in a fraction means "not given" (core's default
// applies); 0 in a count or rate means "method default", as in TrainOptions.
struct TrainingFlags {
  std::string method, task = "lowrank";
  int64_t k = 10, m = 0;
  uint64_t seed = 0;
  int iterations = 0, batch_size = 0, threads = 0;
  double learning_rate = 0, time_budget = 0;
  double validation_fraction = -1, heavy_fraction = -1;
  bool refine_values = false, append_sampled_rows = false, learn_values = false;
};

// Whether a command offers --batch-size, --learning-rate and --heavy-fraction.
// `local train` never has; there they keep their method defaults.
enum class TuningFlags { kOmit, kOffer };

namespace training_flags_internal {

// `check` with a readable message: CLI11's own prints the bounds with
// std::to_string (e.g. "not in range 0.000000 to 1797693…" for ≥ 0). Same
// accepted values and the same name in --help.
inline CLI::Validator Requiring(const CLI::Validator& check, std::string requirement) {
  return CLI::Validator(
      [check, requirement = std::move(requirement)](std::string& input) {
        const std::string value = input;
        if (check(input).empty()) return std::string();
        return absl::StrCat(requirement, ", got '", value, "'");
      },
      check.get_description(), check.get_name());
}

}  // namespace training_flags_internal

// Registers the training flags on `cmd` (in --help order) writing to `*flags`,
// which must outlive parsing.
inline void AddTrainingFlags(CLI::App* cmd, TrainingFlags* flags, TuningFlags tuning) {
  using training_flags_internal::Requiring;
  const CLI::Validator positive = Requiring(CLI::PositiveNumber, "must be > 0");
  const CLI::Validator non_negative = Requiring(CLI::NonNegativeNumber, "must be ≥ 0");
  cmd->add_option("--method", flags->method, "training method")
      ->required()
      ->check(CLI::IsMember(
          {"random", "ivy", "mixed", "inner_product", "greedy", "subspace", "heavy_rows"}));
  cmd->add_option("--task", flags->task, "what the sketch is for")
      ->check(CLI::IsMember({"lowrank", "regression"}))
      ->capture_default_str();
  cmd->add_option("--k", flags->k, "target rank (lowrank task)")
      ->check(positive)
      ->capture_default_str();
  cmd->add_option("--m", flags->m, "sketch rows")->required()->check(positive);
  cmd->add_option("--seed", flags->seed, "random seed (reproducible)")->capture_default_str();
  cmd->add_option("--iters,--iterations", flags->iterations,
                  "gradient steps / greedy passes (0 = method default)")
      ->check(non_negative);
  if (tuning == TuningFlags::kOffer) {
    cmd->add_option("--batch-size", flags->batch_size, "matrices per step (0 = default)")
        ->check(non_negative);
    cmd->add_option("--learning-rate", flags->learning_rate, "Adam step (0 = default)")
        ->check(non_negative);
  }
  cmd->add_option("--time-budget", flags->time_budget,
                  "seconds; training stops early keeping the best so far (0 = none)")
      ->check(non_negative);
  cmd->add_option("--threads", flags->threads, "0 = all cores")->check(non_negative);
  cmd->add_option("--validation-fraction", flags->validation_fraction,
                  "share of matrices held out for the figures (default 0.2)")
      ->check(Requiring(CLI::Range(0.0, 0.9), "must be in [0, 0.9]"));
  if (tuning == TuningFlags::kOffer) {
    cmd->add_option("--heavy-fraction", flags->heavy_fraction,
                    "heavy_rows: share of m for heavy rows (default 0.3)")
        ->check(Requiring(CLI::Range(0.0, 1.0), "must be in [0, 1]"));
  }
  cmd->add_flag("--refine-values", flags->refine_values,
                "inner_product/greedy: refine values by gradient steps");
  cmd->add_flag("--append-sampled-rows", flags->append_sampled_rows,
                "inner_product: append the sampled-rows sketch (worst-case guarantee)");
  cmd->add_flag("--learn-values", flags->learn_values,
                "heavy_rows: learn values with the subspace-embedding loss");
}

// The core options the flags ask for. Method and task were checked by the
// parser; a name core does not know is still a usage error (exit 2).
inline absl::StatusOr<TrainOptions> ToTrainOptions(const TrainingFlags& flags) {
  auto method = ParseTrainMethod(flags.method);
  if (!method.ok()) return UsageError(std::string(method.status().message()));
  auto task = ParseSketchTask(flags.task);
  if (!task.ok()) return UsageError(std::string(task.status().message()));
  TrainOptions options;
  options.method = *method;
  options.task = *task;
  options.k = flags.k;
  options.m = flags.m;
  options.seed = flags.seed;
  options.iterations = flags.iterations;
  options.batch_size = flags.batch_size;
  options.learning_rate = flags.learning_rate;
  options.time_budget_seconds = flags.time_budget;
  options.threads = flags.threads;
  if (flags.validation_fraction >= 0) options.validation_fraction = flags.validation_fraction;
  if (flags.heavy_fraction >= 0) options.heavy_fraction = flags.heavy_fraction;
  options.refine_values = flags.refine_values;
  options.append_sampled_rows = flags.append_sampled_rows;
  options.learn_values = flags.learn_values;
  return options;
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_TRAINING_FLAGS_H_
