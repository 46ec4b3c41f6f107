// The flags and arguments of `sketchctl local solve`, declared once so that
// `sketchmpi solve` (mpi/), which must accept exactly the same command line,
// shares them. Header-only and gRPC-free, like training_flags.h.
#ifndef SKETCHD_CLIENT_LOCAL_SOLVE_FLAGS_H_
#define SKETCHD_CLIENT_LOCAL_SOLVE_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace sketchd {

struct LocalSolveFlags {
  std::string sketch, solver = "lsqr", a_input, b_input, out;
  std::optional<double> lasso;
  double tol = 0;
  int max_iterations = 0;
  int64_t m = 0;
  uint64_t seed = 0;
  bool exact = false;
};

// Registers them on `cmd` (in --help order); `flags` must outlive parsing.
inline void AddLocalSolveFlags(CLI::App* cmd, LocalSolveFlags* flags) {
  cmd->add_option("--sketch", flags->sketch,
                  "sketch file, or 'random' (--m, --seed; without --m the solver's default)")
      ->required();
  cmd->add_option("--solver", flags->solver, "solver")
      ->check(CLI::IsMember({"sketch_and_solve", "lsqr", "ihs"}))
      ->capture_default_str();
  cmd->add_option("--lasso", flags->lasso, "LASSO radius λ: ‖x‖₁ ≤ λ (ihs only)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--tol", flags->tol, "stopping tolerance (0 = default)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-iters", flags->max_iterations, "0 = solver default")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--m", flags->m, "rows of the random sketch")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", flags->seed, "seed of the random sketch");
  cmd->add_option("A", flags->a_input, "matrix file with A (n×d)")->required();
  cmd->add_option("B", flags->b_input, "file with b (n values)")->required();
  cmd->add_option("--out", flags->out, "output .npy for x");
  cmd->add_flag("--exact", flags->exact, "also solve by QR and report the residual ratio");
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_LOCAL_SOLVE_FLAGS_H_
