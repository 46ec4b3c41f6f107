// sketchctl local train|lowrank|solve: the core library in process, on
// sketch files. No server is involved and no matrix leaves the machine; a
// sketch trained by the server is used here after `sketchctl sketches export`.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "client/cli.h"
#include "client/local_auto_lowrank.h"
#include "client/local_solve_flags.h"
#include "client/lowrank_flags.h"
#include "client/sketch_file.h"
#include "client/solve_result_json.h"
#include "client/lowrank_report.h"
#include "client/matrix_inputs.h"
#include "client/one_pass_flags.h"
#include "client/training_flags.h"
#include "client/validation_text.h"
#include "core/io/binary_file.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/lowrank/two_sided_sketch.h"
#include "core/regression/solve.h"
#include "core/sketch/count_sketch.h"
#include "core/status_macros.h"
#include "core/training/range_sketch.h"
#include "core/train_sketch.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

absl::StatusOr<VectorXd> ReadRightHandSide(const std::string& path);  // compute_commands.cc
absl::StatusOr<double> OptimalResidual(const RowMatrixXd& a, const VectorXd& b);

namespace {


absl::Status WriteSketchFile(const std::string& path, const TrainedSketch& trained) {
  auto file = OutputFile::Create(path);
  if (!file.ok()) return InputError(file.status());
  SKETCHD_RETURN_IF_ERROR(InputError(file->Append(SerializeTrainedSketch(trained))));
  return InputError(file->Close());
}

std::string ValidationText(const ValidationFigures& v) { return ValidationSummaryText(v); }

// The sketch for `local lowrank|solve`: a file, or "random" (m, seed).
struct LocalSketch {
  std::optional<TrainedSketch> trained;
  std::optional<CountSketch> random;
  const CountSketch& sketch() const { return trained ? trained->sketch : *random; }
  int64_t m() const { return trained ? trained->m() : random->rows(); }
};

absl::StatusOr<LocalSketch> LoadLocalSketch(const std::string& spec, int64_t m, uint64_t seed,
                                            int64_t n, bool m_required) {
  LocalSketch out;
  if (spec == "random") {
    if (m < 1) {
      if (m_required) return UsageError("--sketch random needs --m (sketch rows, ≥ 1)");
      return out;  // the solver picks its own default sketch
    }
    auto sketch = CountSketch::Random(m, n, seed);
    if (!sketch.ok()) return UsageError(std::string(sketch.status().message()));
    out.random = std::move(*sketch);
    return out;
  }
  SKETCHD_ASSIGN_OR_RETURN(TrainedSketch trained, ReadSketchFile(spec));
  if (trained.options.transpose) {  // it sketches the columns: R, never S
    return InputError(absl::FailedPreconditionError(absl::StrCat(
        spec, ": this sketch was trained with --transpose (a range sketch R); use it as "
        "--right-sketch-file with --one-pass, and a sketch of the rows as --sketch")));
  }
  if (trained.sketch_n() != n) {
    return InputError(absl::InvalidArgumentError(absl::StrCat(
        spec, ": the sketch applies to matrices with ", trained.sketch_n(),
        " rows, but the input has ", n, " rows")));
  }
  out.trained = std::move(trained);
  return out;
}

// The next matrix of `source`, block by block through the two-sided
// accumulator: only its sketches are held.
absl::StatusOr<LowRankFactors> OnePassOverSource(const TwoSidedSketches& sketches,
                                                 RowBlockSource& source, int64_t k) {
  SKETCHD_ASSIGN_OR_RETURN(TwoSidedAccumulator acc,
                           TwoSidedAccumulator::Create(sketches, source.rows(), source.cols(), k));
  RowBlockSource::Block block;
  while (acc.rows_added() < source.rows()) {
    SKETCHD_ASSIGN_OR_RETURN(bool more, source.Next(&block));
    if (!more) return absl::InvalidArgumentError("input ended before the matrix was complete");
    SKETCHD_RETURN_IF_ERROR(acc.AddRows(block.first_row, block.rows));
  }
  return acc.Finish();
}

// S with R, T, W for --one-pass: R random, or from --right-sketch-file
// (a sketch trained with --transpose; the same check as the server's).
absl::StatusOr<TwoSidedSketches> LocalTwoSidedSketches(const CountSketch& left, int64_t d,
                                                       const OnePassFlags& flags) {
  if (flags.right_sketch_file.empty()) {
    auto s = WithRandomCompanions(left, d, flags.range_m, flags.core_m, flags.seed);
    if (!s.ok()) return UsageError(std::string(s.status().message()));
    return s;
  }
  SKETCHD_ASSIGN_OR_RETURN(TrainedSketch trained, ReadSketchFile(flags.right_sketch_file));
  auto right = RangeSketchFromTrained(trained, d, flags.right_sketch_file);
  if (!right.ok()) return InputError(right.status());
  if (flags.range_m != 0 && flags.range_m != right->rows()) {
    return UsageError(absl::StrCat("--range-m ", flags.range_m, " but ", flags.right_sketch_file,
                                   " has m_r = ", right->rows(),
                                   " rows; leave --range-m out with --right-sketch-file"));
  }
  if (flags.core_m != 0 && flags.core_m < std::max(left.rows(), right->rows())) {
    return UsageError(absl::StrCat("--core-m must be 0 (default 2·max(m, m_r) + 1) or ≥ max(m, "
                                   "m_r) = ", std::max(left.rows(), right->rows()), ", got ",
                                   flags.core_m));
  }
  auto s = WithLearnedRange(left, *std::move(right), flags.core_m, flags.seed);
  if (!s.ok()) return UsageError(std::string(s.status().message()));
  return s;
}

}  // namespace

void AddLocalCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot) {
  (void)global;
  CLI::App* local = app.add_subcommand(
      "local", "Train and apply sketches in this process (no server; data stays here)");
  local->require_subcommand(1);

  {
    struct Args {
      TrainingFlags training;
      std::string out;
      std::vector<std::string> inputs;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = local->add_subcommand(
        "train",
        "Learn a sketch from training matrix files and save it. Regression task: each matrix "
        "is [A | b] with b as the last column (as uploads to the server).");
    AddTrainingFlags(cmd, &args->training);
    cmd->add_option("--out", args->out, "output sketch file")->required();
    cmd->add_option("TRAIN_FILES", args->inputs, "training matrix files or directories")
        ->required();
    cmd->callback([slot, args] {
      slot->action = [args]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(TrainOptions options, ToTrainOptions(args->training));
        const bool lowrank = options.task == SketchTask::kLowRank;
        SKETCHD_RETURN_IF_ERROR(CheckSketchSize(lowrank ? options.k : 0, options.m, 0));

        SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> paths, ExpandMatrixPaths(args->inputs));
        SKETCHD_ASSIGN_OR_RETURN(std::vector<RowMatrixXd> matrices, ReadMatrices(paths));
        if (!matrices.empty()) {
          SKETCHD_RETURN_IF_ERROR(CheckSketchSize(0, options.m, matrices[0].rows()));
        }
        ProgressBar bar(StderrIsTerminal());
        ProgressCallback progress = [&bar](double fraction, const std::string& message) {
          bar.Update(fraction, message);
        };
        const int64_t count = static_cast<int64_t>(matrices.size());
        absl::StatusOr<TrainedSketch> trained =
            TrainSketch(std::move(matrices), options, progress, nullptr);
        bar.Finish();
        // Bad options or inputs are the user's to fix (exit 4 names the cause).
        if (!trained.ok()) return InputError(trained.status());
        SKETCHD_RETURN_IF_ERROR(WriteSketchFile(args->out, *trained));
        CommandResult result;
        result.json.Set("path", args->out);
        result.json.Set("matrices", count);
        result.json.Set("sketch", TrainedSketchJson(*trained));
        result.text = absl::StrCat(
            "trained ", TrainMethodName(trained->options.method), " ",
            SketchTaskName(trained->options.task), " sketch (m=", trained->m(),
            ", n=", trained->n, ") on ", count, " matrices in ",
            FormatSeconds(trained->train_seconds), "; wrote ", args->out, "\n  validation: ",
            ValidationText(trained->validation), "\n",
            trained->notes.empty() ? "" : absl::StrCat("  notes: ", trained->notes, "\n"));
        return result;
      };
    });
  }

  {
    struct Args {
      std::string sketch, input, left, right;
      int64_t k = 0, m = 0;
      int32_t power_iters = 0;
      bool block_krylov = false;
      uint64_t seed = 0;
      bool exact = false;
      OnePassFlags one_pass;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = local->add_subcommand(
        "lowrank", "Rank-k approximation A ≈ Y Zᵀ with a sketch file (or a random sketch)");
    cmd->add_option("--sketch", args->sketch,
                    "sketch file, 'random' (with --m, --seed) or 'auto' (with --candidate)")
        ->required();
    auto choice = AddSketchChoiceFlags(cmd, /*local=*/true);
    cmd->add_option("--k", args->k, "target rank")->required()->check(CLI::PositiveNumber);
    cmd->add_option("--m", args->m, "rows of the random sketch")->check(CLI::PositiveNumber);
    cmd->add_option("--seed", args->seed, "seed of the random sketch");
    cmd->add_option("INPUT", args->input, "matrix file (a 3-D .npy stack: each matrix)")
        ->required();
    AddPowerItersOption(cmd, &args->power_iters);
    AddBlockKrylovFlag(cmd, &args->block_krylov);
    cmd->add_option("--left", args->left, "output .npy for Y (n×k)");
    cmd->add_option("--right", args->right, "output .npy for Z (d×k)");
    cmd->add_flag("--exact", args->exact, "report the excess error over the exact SVD optimum");
    AddOnePassFlags(cmd, &args->one_pass, /*local=*/true);
    cmd->callback([slot, args, choice] {
      slot->action = [args, choice]() -> absl::StatusOr<CommandResult> {
        if (args->block_krylov && args->one_pass.enabled) {
          return UsageError(kBlockKrylovOnePassError);
        }
        if (args->sketch == "auto") {
          return LocalAutoLowRank({args->input, args->left, args->right, args->k, args->m,
                                   args->seed, args->power_iters, args->block_krylov,
                                   args->exact, args->one_pass.enabled}, *choice);
        }
        // Flag errors before file errors: they are cheaper to fix.
        if (args->sketch == "random" && args->m < 1) {
          return UsageError("--sketch random needs --m (sketch rows, ≥ 1)");
        }
        SKETCHD_RETURN_IF_ERROR(RightSketchVersion(args->one_pass).status());
        SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> paths, ExpandMatrixPaths({args->input}));
        // One pass streams the file block by block unless --exact needs A here.
        std::vector<RowMatrixXd> matrices;
        std::unique_ptr<RowBlockSource> source;
        if (args->one_pass.enabled && !args->exact) {
          SKETCHD_ASSIGN_OR_RETURN(source, InputRowBlocks(paths, 1 << 20));
        } else {
          SKETCHD_ASSIGN_OR_RETURN(matrices, ReadMatrices(paths));
          std::vector<const RowMatrixXd*> pointers;
          for (const auto& m : matrices) pointers.push_back(&m);
          SKETCHD_ASSIGN_OR_RETURN(source, MemoryRowBlocks(pointers, 1 << 20));
        }
        const int64_t n = source->rows();
        SKETCHD_ASSIGN_OR_RETURN(LocalSketch sketch,
                                 LoadLocalSketch(args->sketch, args->m, args->seed, n, true));
        std::optional<TwoSidedSketches> two_sided;
        if (args->one_pass.enabled) {
          if (sketch.trained && sketch.trained->is_dense()) {
            return UsageError("--one-pass needs a CountSketch; this sketch file holds a dense "
                              "(subspace) sketch");
          }
          if (args->power_iters > 0) {
            return UsageError("--one-pass reads A once; it cannot be combined with --power-iters");
          }
          SKETCHD_ASSIGN_OR_RETURN(two_sided,
                                   LocalTwoSidedSketches(sketch.sketch(), source->cols(),
                                                         args->one_pass));
        }
        LowRankReport report;
        report.n = n;
        report.d = source->cols();
        report.k = args->k;
        report.power_iters = args->power_iters;
        report.block_krylov = args->block_krylov;
        report.left_path = args->left;
        report.right_path = args->right;
        if (absl::Status s = CheckSketchSizes(n, sketch.m(), args->k); !s.ok()) {
          return UsageError(std::string(s.message()));
        }
        LowRankOptions options;
        options.power_iters = args->power_iters;
        options.block_krylov = args->block_krylov;
        for (int64_t i = 0; i < source->matrix_count(); ++i) {
          absl::StatusOr<LowRankFactors> factors;
          if (two_sided) {
            factors = OnePassOverSource(*two_sided, *source, args->k);
          } else {
            const RowMatrixXd& a = matrices[i];
            factors = sketch.trained && sketch.trained->is_dense()
                          ? ScwFromSketched(sketch.trained->Apply(a), a, args->k, options)
                          : ScwLowRank(sketch.sketch(), a, args->k, options);
          }
          if (!factors.ok()) return InputError(factors.status());
          LowRankOutcome o;
          o.left = std::move(factors->left);
          o.right = std::move(factors->right);
          o.rank = factors->rank;
          o.error = factors->error;
          o.relative_error = factors->relative_error;
          o.passes = factors->passes;
          o.timings.Set("sketch_seconds", factors->timings.sketch_seconds);
          o.timings.Set("basis_seconds", factors->timings.basis_seconds);
          o.timings.Set("project_seconds", factors->timings.project_seconds);
          o.timings.Set("svd_seconds", factors->timings.svd_seconds);
          o.timings.Set("power_seconds", factors->timings.power_seconds);
          o.timings.Set("error_seconds", factors->timings.error_seconds);
          o.timings.Set("total_seconds", factors->timings.total_seconds);
          o.total_seconds = factors->timings.total_seconds;
          report.outcomes.push_back(std::move(o));
          if (args->exact) report.inputs.push_back(&matrices[i]);
        }
        if (sketch.trained) {
          report.sketch = TrainedSketchJson(*sketch.trained);
          report.sketch.Set("kind", "file");
          report.sketch.Set("path", args->sketch);
          report.sketch_text = absl::StrCat(args->sketch, " (",
                                            TrainMethodName(sketch.trained->options.method),
                                            ", m=", sketch.m(), ")");
        } else {
          report.sketch.Set("kind", "random");
          report.sketch.Set("m", args->m);
          report.sketch.Set("seed", args->seed);
          report.sketch_text = absl::StrCat("random (m=", args->m, ", seed=", args->seed, ")");
        }
        if (two_sided) {
          report.sketch.Set("one_pass_range_m", two_sided->right.rows());
          report.sketch.Set("one_pass_core_m", two_sided->core_left.rows());
          report.sketch.Set("one_pass_seed", static_cast<int64_t>(args->one_pass.seed));
          const std::string& r_file = args->one_pass.right_sketch_file;
          if (!r_file.empty()) report.sketch.Set("one_pass_right_sketch_file", r_file);
          absl::StrAppend(&report.sketch_text, ", one pass (R ", r_file.empty() ? "random" : r_file,
                          ", m_r=", two_sided->right.rows(), ", core m=",
                          two_sided->core_left.rows(), ")");
        }
        return FinishLowRank(report);
      };
    });
  }

  {
    auto args = std::make_shared<LocalSolveFlags>();
    CLI::App* cmd = local->add_subcommand(
        "solve", "Solve min ‖Ax − b‖ (or the LASSO) with a sketch file (or a random sketch)");
    AddLocalSolveFlags(cmd, args.get());
    cmd->callback([slot, args] {
      slot->action = [args]() -> absl::StatusOr<CommandResult> {
        auto solver = ParseSolver(args->solver);
        if (!solver.ok()) return UsageError(std::string(solver.status().message()));
        SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                                 ExpandMatrixPaths({args->a_input}));
        SKETCHD_ASSIGN_OR_RETURN(RowMatrixXd a, ReadOneMatrix(paths[0]));
        SKETCHD_ASSIGN_OR_RETURN(VectorXd b, ReadRightHandSide(args->b_input));
        if (b.size() != a.rows()) {
          return InputError(absl::InvalidArgumentError(
              absl::StrCat(args->b_input, ": b has ", b.size(), " values but A (",
                           args->a_input, ") has ", a.rows(), " rows")));
        }
        SKETCHD_ASSIGN_OR_RETURN(LocalSketch sketch,
                                 LoadLocalSketch(args->sketch, args->m, args->seed, a.rows(), false));
        SolveOptions options;
        options.solver = *solver;
        options.lasso_lambda = args->lasso;
        if (args->tol > 0) options.tolerance = args->tol;
        options.max_iterations = args->max_iterations;
        if (sketch.trained && sketch.trained->is_dense()) {
          return UsageError(absl::StrCat(args->sketch, " is a dense low-rank sketch (subspace); "
                                         "solve needs a regression sketch or --sketch random"));
        }
        if (sketch.trained) {
          options.trained_sketch = &*sketch.trained;
        } else if (sketch.random) {
          options.sketch = &*sketch.random;
        } else {
          options.seed = args->seed;
        }
        auto solved = Solve(a, b, options);
        if (!solved.ok()) return InputError(solved.status());
        if (!args->out.empty()) SKETCHD_RETURN_IF_ERROR(WriteVector(args->out, solved->x));

        CommandResult result;
        Json& j = result.json;
        j.Set("n", static_cast<int64_t>(a.rows()));
        j.Set("d", static_cast<int64_t>(a.cols()));
        j.Set("solver", args->solver);
        Json sk = Json::Object();
        if (sketch.trained) {
          sk = TrainedSketchJson(*sketch.trained);
          sk.Set("kind", "file");
          sk.Set("path", args->sketch);
        } else {
          sk.Set("kind", "random");
          sk.Set("m", args->m);
          sk.Set("seed", args->seed);
        }
        j.Set("sketch", std::move(sk));
        SetSolveResultJson(*solved, args->out, &j);
        result.text = absl::StrCat("solve: ", a.rows(), "×", a.cols(), " with ", args->solver,
                                   ", sketch ", args->sketch, "\n  ‖Ax − b‖ = ",
                                   FormatNumber(solved->residual_norm), " after ",
                                   solved->iterations, " iterations (", solved->stop_reason,
                                   IsConverged(solved->convergence) ? "" : "; NOT converged", "); ", FormatSeconds(solved->timings.total_seconds), "\n");
        if (!args->out.empty()) {
          absl::StrAppend(&result.text, "  wrote x (", solved->x.size(), ") to ", args->out, "\n");
        }
        if (args->exact && !args->lasso.has_value()) {
          SKETCHD_ASSIGN_OR_RETURN(double optimal, OptimalResidual(a, b));
          const double ratio = optimal > 0 ? solved->residual_norm / optimal : 1.0;
          j.Set("optimal_residual_norm", optimal);
          j.Set("residual_ratio", ratio);
          absl::StrAppend(&result.text, "  optimal (QR) ‖Ax* − b‖ = ", FormatNumber(optimal),
                          "; ratio ", FormatNumber(ratio), "\n");
        }
        return result;
      };
    });
  }
}

}  // namespace sketchd
