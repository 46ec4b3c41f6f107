// sketchmpi: sketchd's maths on a matrix spread over MPI ranks.
//
//   mpirun -np P sketchmpi lowrank --sketch FILE|random --m M --seed S --k K A.npy --left Y.npy --right Z.npy
//   mpirun -np P sketchmpi solve --sketch FILE|random [--solver lsqr|sketch_and_solve|ihs] [--lasso L] A.npy b.npy --out x.npy
//   mpirun -np P sketchmpi train --method M --m M [--k K] … --out SKETCH FILES…
//
// Same flags, arguments, output and exit codes as `sketchctl local lowrank|
// solve`, so moving from one machine to many is prefixing `mpirun -np P` and
// changing the binary name. Every rank parses the same command line; rank 0
// prints the result (or the error, naming the rank it came from) and every
// rank exits with the same code.
#include <mpi.h>

#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "client/cli.h"
#include "client/cli_status.h"
#include "client/json.h"
#include "core/parallel/blas_threads.h"
#include "mpi/command.h"
#include "mpi/communicator.h"

namespace {

using sketchd::Json;

void PrintError(bool json, const absl::Status& status, int exit_code) {
  std::cerr << "sketchmpi: " << status.message() << "\n";
  if (json) {
    Json out = Json::Object();
    out.Set("ok", false);
    Json error = Json::Object();
    error.Set("code", absl::StatusCodeToString(status.code()));
    error.Set("message", std::string(status.message()));
    error.Set("exit_code", exit_code);
    out.Set("error", std::move(error));
    std::cout << out.Dump() << "\n";
  }
}

int Run(int argc, char** argv, sketchd::Communicator& comm) {
  const bool root = comm.rank() == 0;
  CLI::App app{
      "sketchmpi — sketchd's low-rank, least-squares and training maths spread over MPI ranks.\n"
      "Run under mpirun; flags as in `sketchctl local`. Exit codes: 0 ok, 2 usage error,\n"
      "4 input file error. Results on stdout (rank 0), messages on stderr.",
      "sketchmpi"};
  app.require_subcommand(1);
  app.fallthrough();
  bool json = false;
  app.add_flag("--json", json, "print exactly one JSON object on stdout");
  sketchd::MpiCommandSlot slot;
  sketchd::AddLowRankCommand(app, &slot);
  sketchd::AddSolveCommand(app, &slot);
  sketchd::AddTrainCommand(app, &slot);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parsed the same arguments, so every rank is here.
    if (e.get_exit_code() == 0) return root ? app.exit(e) : 0;  // --help
    if (root) {
      PrintError(json, absl::InvalidArgumentError(e.what()), sketchd::kExitUsage);
      std::cerr << "Run with --help for usage.\n";
    }
    return sketchd::kExitUsage;
  }
  absl::StatusOr<sketchd::CommandResult> result = slot.action(comm);
  if (!result.ok()) {
    const int code = sketchd::ExitCodeOf(result.status(), sketchd::kExitInput);
    if (root) PrintError(json, result.status(), code);
    return code;
  }
  if (root) {
    if (json) {
      Json out = Json::Object();
      out.Set("ok", true);
      for (const auto& [key, value] : result->json.members()) out.Set(key, value);
      std::cout << out.Dump() << "\n";
    } else {
      std::cout << result->text;
    }
    std::cout.flush();
  }
  return result->exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, MPI's included (core/parallel/blas_threads.h).
  sketchd::BoundBlasWorkerSpinning();
  sketchd::MpiSession session(&argc, &argv);
  sketchd::Communicator comm;
  try {
    return Run(argc, argv, comm);
  } catch (const std::exception& e) {
    // The other ranks may be waiting in a collective for this one: take the
    // whole job down rather than leave them hanging.
    std::cerr << "sketchmpi: rank " << comm.rank() << ": unexpected error: " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}
