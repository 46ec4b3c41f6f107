// sketchmpi solve: `sketchctl local solve` with A and b spread over MPI
// ranks. Same flags; A is one 2-D .npy and B a 1-D (or n×1) .npy, each rank
// reads only its rows of both; x is written by rank 0.
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli_status.h"
#include "client/local_solve_flags.h"
#include "client/solve_result_json.h"
#include "core/io/npy.h"
#include "core/lowrank/tsqr.h"
#include "mpi/command.h"
#include "mpi/distributed_npy.h"
#include "mpi/distributed_solve.h"
#include "mpi/rank_figures.h"
#include "mpi/sketch_source.h"

namespace sketchd {
namespace {

// The least-squares optimum for --exact without gathering A: if
// [A | b] = Q R then min ‖Ax − b‖ = |R(d, d)|, with R from a TSQR.
// [A_p | b_p] is formed a panel of rows at a time, so --exact costs no copy
// of the block.
double OptimalResidual(Communicator& comm, const LocalRows& a, const LocalRows& b) {
  constexpr int64_t kPanelRows = 65536;
  const int64_t d = a.rows.cols();
  MatrixXd r = MatrixXd::Zero(d + 1, d + 1);
  RowMatrixXd panel;
  for (int64_t first = 0; first < a.range.count; first += kPanelRows) {
    const int64_t count = std::min(kPanelRows, a.range.count - first);
    panel.resize(count, d + 1);
    panel << a.rows.middleRows(first, count), b.rows.middleRows(first, count);
    r = CombineTriangularFactors(r, BlockTriangularFactor(panel));
  }
  r = comm.ReduceTriangularFactors(std::move(r));
  return std::abs(r(d, d));
}

}  // namespace

void AddSolveCommand(CLI::App& app, MpiCommandSlot* slot) {
  auto args = std::make_shared<LocalSolveFlags>();
  CLI::App* cmd = app.add_subcommand(
      "solve", "Solve min ‖Ax − b‖ (or the LASSO with --solver ihs) with A and b spread over the ranks by rows");
  AddLocalSolveFlags(cmd, args.get());
  cmd->callback([slot, args] {
    slot->action = [args](Communicator& comm) -> absl::StatusOr<CommandResult> {
      auto solver = ParseSolver(args->solver);
      if (!solver.ok()) return UsageError(std::string(solver.status().message()));
      if (args->lasso.has_value() && *solver != Solver::kIhs) {
        return UsageError("--lasso needs --solver ihs");
      }
      auto a = ReadLocalRows(args->a_input, comm.rank(), comm.size());
      if (absl::Status s = comm.AgreeOnStatus(a.status()); !s.ok()) return InputError(s);
      auto b = ReadLocalRows(args->b_input, comm.rank(), comm.size());
      if (absl::Status s = comm.AgreeOnStatus(b.status()); !s.ok()) return InputError(s);
      const int64_t n = a->total_rows, d = a->rows.cols();
      if (b->total_rows != n || b->rows.cols() != 1) {
        return InputError(absl::InvalidArgumentError(
            absl::StrCat(args->b_input, ": b has ", b->total_rows, "×", b->rows.cols(),
                         " values but A (", args->a_input, ") has ", n, " rows")));
      }
      auto source = LoadSketchSource(args->sketch, args->m, args->seed, n, false);
      if (absl::Status s = comm.AgreeOnStatus(source.status()); !s.ok()) return s;

      DistributedSolveOptions options;
      options.solver = *solver;
      options.sketch = source->sketch();
      options.seed = args->seed;
      options.max_iterations = args->max_iterations;
      options.lasso_lambda = args->lasso;
      if (args->tol > 0) options.tolerance = args->tol;
      if (source->trained) {
        options.heavy_rows = &source->trained->heavy_rows;
        options.learned_values = source->trained->options.learn_values;
      }
      auto solved = DistributedSolve(comm, *a, *b, d, options);
      if (absl::Status s = comm.AgreeOnStatus(solved.status()); !s.ok()) return InputError(s);
      const int64_t sent = comm.bytes_sent(), received = comm.bytes_received();
      if (!args->out.empty()) {
        absl::Status s;
        if (comm.rank() == 0) s = WriteNpyVector(args->out, solved->x);
        if (s = comm.AgreeOnStatus(s); !s.ok()) return InputError(s);
      }
      std::optional<double> optimal;
      if (args->exact && !args->lasso.has_value()) optimal = OptimalResidual(comm, *a, *b);

      CommandResult result;
      Json& j = result.json;
      j.Set("ranks", comm.size());
      j.Set("n", n);
      j.Set("d", d);
      j.Set("solver", args->solver);
      j.Set("sketch", args->sketch);
      SetSolveResultJson(*solved, args->out, &j);
      j.Set("algorithm_bytes_sent_rank0", sent);
      j.Set("algorithm_bytes_received_rank0", received);
      result.text = absl::StrCat("solve: ", n, "×", d, " on ", comm.size(), " ranks with ",
                                 args->solver, ", sketch ", args->sketch, "\n  ‖Ax − b‖ = ",
                                 FormatNumber(solved->residual_norm), " after ",
                                 solved->iterations, " iterations (", solved->stop_reason,
                                 IsConverged(solved->convergence) ? "" : "; NOT converged", "); ",
                                 FormatSeconds(solved->timings.total_seconds), "\n");
      if (!args->out.empty()) {
        absl::StrAppend(&result.text, "  wrote x (", solved->x.size(), ") to ", args->out, "\n");
      }
      if (optimal) {
        const double ratio = *optimal > 0 ? solved->residual_norm / *optimal : 1.0;
        j.Set("optimal_residual_norm", *optimal);
        j.Set("residual_ratio", ratio);
        absl::StrAppend(&result.text, "  optimal (TSQR) ‖Ax* − b‖ = ", FormatNumber(*optimal),
                        "; ratio ", FormatNumber(ratio), "\n");
      }
      j.Set("rank_figures", GatherRankFigures(comm, a->range.count));
      return result;
    };
  });
}

}  // namespace sketchd
