// sketchctl lowrank and solve: send a matrix to the server, get the answer.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "client/cli.h"
#include "client/auto_choice_report.h"
#include "client/cli_remote.h"
#include "client/lowrank_flags.h"
#include "client/lowrank_report.h"
#include "client/matrix_inputs.h"
#include "client/one_pass_flags.h"
#include "client/sketch_choice_flags.h"
#include "core/regression/solve.h"
#include "core/status_macros.h"

namespace sketchd {

// b from a file: a vector (n,), or an n×1 / 1×n matrix.
absl::StatusOr<VectorXd> ReadRightHandSide(const std::string& path) {
  SKETCHD_ASSIGN_OR_RETURN(RowMatrixXd m, ReadOneMatrix(path));
  if (m.cols() == 1) return VectorXd(m.col(0));
  if (m.rows() == 1) return VectorXd(m.row(0).transpose());
  return InputError(absl::InvalidArgumentError(
      absl::StrCat(path, ": b must be a vector, got a ", m.rows(), "×", m.cols(), " matrix")));
}

// The optimal least-squares residual by Householder QR, for --exact reports.
absl::StatusOr<double> OptimalResidual(const RowMatrixXd& a, const VectorXd& b) {
  SolveOptions options;
  options.solver = Solver::kQr;
  SKETCHD_ASSIGN_OR_RETURN(SolveResult exact, Solve(a, b, options));
  return exact.residual_norm;
}

namespace {

// Rows of a random sketch when `solve --sketch random` has no --m: the core
// solvers' own defaults (see core/regression/solve.h) in multiples of d.
int64_t DefaultSolveSketchRows(const std::string& solver, int64_t d) {
  if (solver == "sketch_and_solve") return 20 * d;
  if (solver == "ihs") return 8 * d;
  return 8 * d;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Json SelectorJson(const v1::SketchSelector& selector) {
  Json j = Json::Object();
  if (selector.has_random()) {
    j.Set("kind", "random");
    j.Set("m", selector.random().m());
    j.Set("seed", static_cast<uint64_t>(selector.random().seed()));
  } else if (selector.has_automatic()) {
    j.Set("kind", "auto");
    if (selector.automatic().random_m() > 0) j.Set("random_m", selector.automatic().random_m());
    j.Set("seed", static_cast<uint64_t>(selector.automatic().seed()));
  } else if (selector.selector_case() == v1::SketchSelector::kVersion) {
    j.Set("kind", "version");
    j.Set("version", selector.version());
  } else {
    j.Set("kind", "default");
  }
  return j;
}

}  // namespace

void AddComputeCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot) {
  {
    struct Args {
      std::string name, input, sketch = "default", left, right;
      int64_t k = 0, m = 0;
      int32_t power_iters = 0;
      bool block_krylov = false;
      uint64_t seed = 0;
      bool exact = false;
      OnePassFlags one_pass;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = app.add_subcommand(
        "lowrank",
        "Rank-k approximation A ≈ Y Zᵀ of INPUT by the server with a dataset's sketch. A 3-D "
        ".npy stack is answered matrix by matrix (factors are then written as stacks).");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    cmd->add_option("INPUT", args->input, "matrix file (.npy, .mtx, .csv)")->required();
    cmd->add_option("--k", args->k, "target rank")->required()->check(CLI::PositiveNumber);
    cmd->add_option("--sketch", args->sketch,
                    "VERSION, 'default', 'random' or 'auto' (the best of the dataset's default, "
                    "its newest subspace sketch and a random one of --m rows, per matrix)")
        ->capture_default_str();
    cmd->add_option("--m", args->m, "rows of the random sketch (auto: default the learned m)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--seed", args->seed, "seed of the random sketch");
    AddPowerItersOption(cmd, &args->power_iters);
    AddBlockKrylovFlag(cmd, &args->block_krylov);
    auto choice = AddSketchChoiceFlags(cmd, /*local=*/false);
    cmd->add_option("--left", args->left, "output .npy for Y (n×k)");
    cmd->add_option("--right", args->right, "output .npy for Z (d×k)");
    cmd->add_flag("--exact", args->exact,
                  "also compute the exact SVD here and report the excess error over the optimum");
    AddOnePassFlags(cmd, &args->one_pass, /*local=*/false);
    cmd->callback([&global, slot, args, choice] {
      slot->action = [&global, args, choice]() -> absl::StatusOr<CommandResult> {
        if (args->block_krylov && args->one_pass.enabled) {
          return UsageError(kBlockKrylovOnePassError);
        }
        SKETCHD_ASSIGN_OR_RETURN(v1::SketchSelector selector,
                                 ParseSketchSelector(args->sketch, args->m, args->seed));
        if (selector.has_automatic()) {
          if (choice->max_passes != 0 && args->power_iters != 0) {
            return UsageError("--sketch auto: give --max-passes or --power-iters, not both");
          }
          if (args->one_pass.enabled) {
            return UsageError("--sketch auto compares answers on A itself; it cannot use --one-pass");
          }
          selector.mutable_automatic()->set_max_passes(choice->max_passes);
        } else if (choice->max_passes != 0) {
          return UsageError("--max-passes is for --sketch auto; use --power-iters otherwise");
        }
        SKETCHD_ASSIGN_OR_RETURN(int64_t right_version, RightSketchVersion(args->one_pass));
        LowRankCallOptions call;
        call.power_iters = args->power_iters;
        call.block_krylov = args->block_krylov;
        if (args->one_pass.enabled) {
          v1::OnePassOptions& one_pass = call.one_pass.emplace();
          one_pass.set_right_sketch_version(right_version);
          one_pass.set_range_m(args->one_pass.range_m);
          one_pass.set_core_m(args->one_pass.core_m);
          one_pass.set_seed(args->one_pass.seed);
        }
        SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> paths, ExpandMatrixPaths({args->input}));
        // --exact needs A here anyway; otherwise stream it from the file.
        std::vector<RowMatrixXd> matrices;
        std::unique_ptr<RowBlockSource> source;
        if (args->exact) {
          SKETCHD_ASSIGN_OR_RETURN(matrices, ReadMatrices(paths));
          std::vector<const RowMatrixXd*> pointers;
          for (const auto& m : matrices) pointers.push_back(&m);
          SKETCHD_ASSIGN_OR_RETURN(source, MemoryRowBlocks(pointers, 1 << 20));
        } else {
          SKETCHD_ASSIGN_OR_RETURN(source, InputRowBlocks(paths, 1 << 20));
        }
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(v1::Dataset dataset, client->GetDataset(args->name));
        SKETCHD_RETURN_IF_ERROR(CheckInputShape(dataset, source->rows(), source->cols(),
                                                args->input, /*training=*/false));
        if (selector.has_random()) {
          SKETCHD_RETURN_IF_ERROR(CheckSketchSize(args->k, args->m, source->rows()));
        }
        LowRankReport report;
        report.n = source->rows();
        report.d = source->cols();
        report.k = args->k;
        report.power_iters = args->power_iters;
        report.left_path = args->left;
        report.right_path = args->right;
        ProgressBar bar(StderrIsTerminal() && source->matrix_count() > 1);
        v1::LowRankSummary last;
        for (int64_t i = 0; i < source->matrix_count(); ++i) {
          const auto start = std::chrono::steady_clock::now();
          SKETCHD_ASSIGN_OR_RETURN(LowRankResult r,
                                   client->LowRank(args->name, selector, args->k, *source, {},
                                                   call));
          LowRankOutcome o;
          o.left = std::move(r.left);
          o.right = std::move(r.right);
          o.rank = r.summary.rank();
          o.error = r.summary.error();
          o.relative_error = r.summary.relative_error();
          o.passes = r.summary.passes();
          const v1::LowRankTimings& t = r.summary.timings();
          o.timings.Set("server_receive_seconds", t.receive_seconds());
          o.timings.Set("server_sketch_seconds", t.sketch_seconds());
          o.timings.Set("server_basis_seconds", t.basis_seconds());
          o.timings.Set("server_project_seconds", t.project_seconds());
          o.timings.Set("server_svd_seconds", t.svd_seconds());
          o.timings.Set("server_power_seconds", t.power_seconds());
          o.timings.Set("server_error_seconds", t.error_seconds());
          o.timings.Set("server_total_seconds", t.total_seconds());
          if (args->one_pass.enabled) {
            o.timings.Set("server_one_pass_state_bytes", r.summary.one_pass_state_bytes());
          }
          o.total_seconds = Seconds(start);
          o.timings.Set("client_seconds", o.total_seconds);
          if (r.summary.has_auto_choice()) {
            o.auto_choice = AutoChoiceJson(r.summary.auto_choice());
            o.auto_text = AutoChoiceText(r.summary.auto_choice());
          }
          report.outcomes.push_back(std::move(o));
          last = r.summary;
          bar.Update(static_cast<double>(i + 1) / source->matrix_count(),
                     absl::StrCat("matrix ", i + 1, " of ", source->matrix_count()));
        }
        bar.Finish();
        report.sketch = SelectorJson(selector);
        if (last.sketch_version() != 0) report.sketch.Set("version", last.sketch_version());
        report.sketch.Set("m", last.sketch_m());
        if (args->one_pass.enabled) {
          report.sketch.Set("one_pass_core_m", last.one_pass_core_m());
          report.sketch.Set("one_pass_range_m", last.one_pass_range_m());
          report.sketch.Set("one_pass_right_sketch_version", last.one_pass_right_sketch_version());
          report.sketch.Set("one_pass_seed", static_cast<int64_t>(args->one_pass.seed));
        }
        // The server's echo: what it actually did, not what was asked.
        report.block_krylov = last.block_krylov();
        if (selector.has_automatic()) {
          report.power_iters = last.power_iters();
          report.sketch.Set("max_passes", last.auto_choice().max_passes());
        }
        report.sketch_text =
            selector.has_automatic()
                ? absl::StrCat("auto (random candidate seed=", args->seed, "; last matrix: ",
                               last.auto_choice().chosen(), ", m=", last.sketch_m(), ")")
            : last.sketch_version() != 0
                ? absl::StrCat("v", last.sketch_version(), " (m=", last.sketch_m(), ")")
                : absl::StrCat("random (m=", last.sketch_m(), ", seed=", args->seed, ")");
        if (args->one_pass.enabled) {
          absl::StrAppend(&report.sketch_text, ", one pass (R ",
                          right_version > 0 ? absl::StrCat("v", right_version) : "random",
                          ", m_r=", last.one_pass_range_m(), ", core m=", last.one_pass_core_m(),
                          ")");
        }
        if (args->exact) {
          for (const auto& m : matrices) report.inputs.push_back(&m);
        }
        return FinishLowRank(report);
      };
    });
  }

  {
    struct Args {
      std::string name, a_input, b_input, solver = "lsqr", sketch = "default", out;
      std::optional<double> lasso;
      double tol = 0;
      int max_iterations = 0;
      int64_t m = 0;
      uint64_t seed = 0;
      bool exact = false, objective = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = app.add_subcommand(
        "solve", "Solve min ‖Ax − b‖ (or the LASSO with --lasso) on the server with a sketch");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    cmd->add_option("A_INPUT", args->a_input, "matrix file with A (n×d)")->required();
    cmd->add_option("B_INPUT", args->b_input, "file with b (n values)")->required();
    cmd->add_option("--solver", args->solver, "solver")
        ->check(CLI::IsMember({"sketch_and_solve", "lsqr", "ihs"}))
        ->capture_default_str();
    cmd->add_option("--lasso", args->lasso, "LASSO radius λ: ‖x‖₁ ≤ λ (ihs only)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--tol", args->tol, "stopping tolerance (0 = solver default)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--max-iters", args->max_iterations, "0 = solver default")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--sketch", args->sketch, "VERSION, 'default' or 'random'")
        ->capture_default_str();
    cmd->add_option("--m", args->m,
                    "rows of the random sketch (default: 8d lsqr, 20d sketch_and_solve, 8d ihs)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--seed", args->seed, "seed of the random sketch");
    cmd->add_option("--out", args->out, "output .npy for x (d values)");
    cmd->add_flag("--exact", args->exact,
                  "also solve exactly here (QR) and report the residual ratio");
    cmd->add_flag("--objective", args->objective, "report the objective per iteration");
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(v1::Solver solver, ParseWireSolver(args->solver));
        if (args->sketch == "auto") return UsageError("--sketch auto is for lowrank only");
        SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                                 ExpandMatrixPaths({args->a_input}));
        SKETCHD_ASSIGN_OR_RETURN(VectorXd b, ReadRightHandSide(args->b_input));
        // Opened once: its header's column count picks the random sketch's
        // default m, then it streams A (or, with --exact, is read whole here).
        SKETCHD_ASSIGN_OR_RETURN(std::unique_ptr<RowBlockSource> source,
                                 InputRowBlocks(paths, 1 << 20));
        if (source->matrix_count() != 1) {
          return InputError(absl::InvalidArgumentError(
              absl::StrCat(args->a_input, ": expected one matrix A, found a stack of ",
                           source->matrix_count())));
        }
        int64_t m = args->m;
        if (args->sketch == "random" && m == 0) {
          m = DefaultSolveSketchRows(args->solver, source->cols());
        }
        SKETCHD_ASSIGN_OR_RETURN(v1::SketchSelector selector,
                                 ParseSketchSelector(args->sketch, m, args->seed));
        RowMatrixXd a;
        if (args->exact) {
          SKETCHD_ASSIGN_OR_RETURN(std::vector<RowMatrixXd> whole, ReadAllMatrices(*source));
          a = std::move(whole[0]);
          SKETCHD_ASSIGN_OR_RETURN(source, MemoryRowBlocks({&a}, 1 << 20));
        }
        if (b.size() != source->rows()) {
          return InputError(absl::InvalidArgumentError(
              absl::StrCat(args->b_input, ": b has ", b.size(), " values but A (",
                           args->a_input, ") has ", source->rows(), " rows")));
        }
        SolveRequestOptions options;
        options.solver = solver;
        options.lasso_lambda = args->lasso;
        options.tolerance = args->tol;
        options.max_iterations = args->max_iterations;
        options.record_objective = args->objective;
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(v1::Dataset dataset, client->GetDataset(args->name));
        SKETCHD_RETURN_IF_ERROR(CheckInputShape(dataset, source->rows(), source->cols(),
                                                args->a_input, /*training=*/false));
        const auto start = std::chrono::steady_clock::now();
        SKETCHD_ASSIGN_OR_RETURN(v1::SolveResponse r,
                                 client->Solve(args->name, selector, options, *source, b));
        const double client_seconds = Seconds(start);
        VectorXd x(r.x_size());
        for (int i = 0; i < r.x_size(); ++i) x(i) = r.x(i);
        if (!args->out.empty()) SKETCHD_RETURN_IF_ERROR(WriteVector(args->out, x));

        CommandResult result;
        Json& j = result.json;
        j.Set("n", source->rows());
        j.Set("d", source->cols());
        j.Set("solver", r.solver().empty() ? args->solver : r.solver());
        Json sketch = SelectorJson(selector);
        if (r.sketch_version() != 0) sketch.Set("version", r.sketch_version());
        sketch.Set("m", r.sketch_m());
        j.Set("sketch", std::move(sketch));
        Json xs = Json::Array();
        for (double v : x) xs.Push(v);
        j.Set("x", std::move(xs));
        if (!args->out.empty()) j.Set("out", args->out);
        j.Set("residual_norm", r.residual_norm());
        j.Set("iterations", r.iterations());
        j.Set("converged", r.converged());
        if (args->objective) {
          Json history = Json::Array();
          for (double v : r.objective_history()) history.Push(v);
          j.Set("objective_history", std::move(history));
        }
        Json timings = Json::Object();
        timings.Set("server_receive_seconds", r.timings().receive_seconds());
        timings.Set("server_solve_seconds", r.timings().solve_seconds());
        timings.Set("server_total_seconds", r.timings().total_seconds());
        timings.Set("client_seconds", client_seconds);
        j.Set("timings", std::move(timings));
        result.text = absl::StrCat(
            "solve: ", source->rows(), "×", source->cols(), " with ", j.Find("solver")->as_string(),
            ", sketch ",
            r.sketch_version() ? absl::StrCat("v", r.sketch_version()) : std::string("random"),
            " (m=", r.sketch_m(), ")\n", "  ‖Ax − b‖ = ", FormatNumber(r.residual_norm()),
            " after ", r.iterations(), " iterations", r.converged() ? "" : " (NOT converged)",
            "; ", FormatSeconds(client_seconds), "\n");
        if (!args->out.empty()) absl::StrAppend(&result.text, "  wrote x (", x.size(), ") to ", args->out, "\n");
        if (args->exact && !args->lasso.has_value()) {
          SKETCHD_ASSIGN_OR_RETURN(double optimal, OptimalResidual(a, b));
          j.Set("optimal_residual_norm", optimal);
          j.Set("residual_ratio", optimal > 0 ? r.residual_norm() / optimal : 1.0);
          absl::StrAppend(&result.text, "  optimal (QR) ‖Ax* − b‖ = ", FormatNumber(optimal),
                          "; ratio ", FormatNumber(optimal > 0 ? r.residual_norm() / optimal : 1.0),
                          "\n");
        }
        return result;
      };
    });
  }
}

}  // namespace sketchd
