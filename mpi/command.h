// How sketchmpi's subcommands plug into main(): each registers its CLI11
// subcommand with the same flags and arguments as its `sketchctl local`
// counterpart and, when chosen, leaves an action in the slot. main() runs it
// on every rank; rank 0 prints the result (text, or JSON with --json).
//
// Exit codes are sketchctl's (client/cli_status.h): 2 usage, 4 input file.
// Every rank exits with the same code, because each fallible step ends in
// Communicator::AgreeOnStatus.
#ifndef SKETCHD_MPI_COMMAND_H_
#define SKETCHD_MPI_COMMAND_H_

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "client/cli.h"
#include "mpi/communicator.h"

namespace sketchd {

// CommandResult is sketchctl's (json, text, exit code).
struct MpiCommandSlot {
  std::function<absl::StatusOr<CommandResult>(Communicator&)> action;
};

void AddLowRankCommand(CLI::App& app, MpiCommandSlot* slot);  // lowrank_command.cc
void AddSolveCommand(CLI::App& app, MpiCommandSlot* slot);    // solve_command.cc
void AddTrainCommand(CLI::App& app, MpiCommandSlot* slot);    // train_command.cc

}  // namespace sketchd

#endif  // SKETCHD_MPI_COMMAND_H_
