// sketchmpi train: `sketchctl local train` with the training files spread
// over MPI ranks (mpi/distributed_train.h). Same flags and arguments (the
// definitions are shared: client/training_flags.h), the same sketch file,
// written by rank 0. --progress-fd N adds JSON progress lines from rank 0 on
// file descriptor N, for a service backend that follows the job:
//   {"progress":0.42,"message":"ivy: step 126/300"}
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli.h"
#include "client/cli_status.h"
#include "client/json.h"
#include "client/training_flags.h"
#include "client/validation_text.h"
#include "core/io/binary_file.h"
#include "core/status_macros.h"
#include "core/training/trained_sketch.h"
#include "mpi/command.h"
#include "mpi/distributed_train.h"
#include "mpi/rank_figures.h"

namespace sketchd {
namespace {

void WriteAll(int fd, const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t w = ::write(fd, line.data() + done, line.size() - done);
    if (w <= 0) return;  // progress is best effort
    done += static_cast<size_t>(w);
  }
}

}  // namespace

void AddTrainCommand(CLI::App& app, MpiCommandSlot* slot) {
  struct Args {
    TrainingFlags training;
    std::string out;
    std::vector<std::string> inputs;
    int progress_fd = -1;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Learn a sketch from training matrix files spread over the ranks (rank p reads the p-th "
      "block of the files) and save it (rank 0). Regression task: each matrix is [A | b].");
  // Every row of core's option table, as for `sketchctl train` and `local train`.
  AddTrainingFlags(cmd, &args->training);
  cmd->add_option("--out", args->out, "output sketch file")->required();
  cmd->add_option("TRAIN_FILES", args->inputs, "training matrix files or directories")->required();
  cmd->add_option("--progress-fd", args->progress_fd,
                  "write JSON progress lines from rank 0 to this file descriptor (2 = stderr)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([slot, args] {
    slot->action = [args](Communicator& comm) -> absl::StatusOr<CommandResult> {
      SKETCHD_ASSIGN_OR_RETURN(TrainOptions options, ToTrainOptions(args->training));
      const bool lowrank = options.task == SketchTask::kLowRank;
      SKETCHD_RETURN_IF_ERROR(CheckSketchSize(lowrank ? options.k : 0, options.m, 0));
      if (options.transpose) {  // ranks hold row blocks of A, not of Aᵀ
        return UsageError("--transpose is not available in sketchmpi train; use sketchctl "
                          "local train --transpose");
      }
      auto set = ReadDistributedTrainingSet(comm, args->inputs);
      if (!set.ok()) return InputError(set.status());
      SKETCHD_RETURN_IF_ERROR(CheckSketchSize(0, options.m, set->rows));
      ProgressCallback progress = [&comm, fd = args->progress_fd](double fraction,
                                                                  const std::string& message) {
        if (fd < 0 || comm.rank() != 0) return;
        Json line = Json::Object();
        line.Set("progress", fraction);
        line.Set("message", message);
        WriteAll(fd, line.Dump() + "\n");
      };
      auto trained = DistributedTrainSketch(comm, *set, options, progress);
      if (absl::Status s = comm.AgreeOnStatus(trained.status()); !s.ok()) return InputError(s);
      const int64_t sent = comm.bytes_sent(), received = comm.bytes_received();
      absl::Status written;
      if (comm.rank() == 0) {
        auto file = OutputFile::Create(args->out);
        written = file.status();
        if (written.ok()) written = file->Append(SerializeTrainedSketch(*trained));
        if (written.ok()) written = file->Close();
      }
      if (absl::Status s = comm.AgreeOnStatus(written); !s.ok()) return InputError(s);

      CommandResult result;
      result.json.Set("path", args->out);
      result.json.Set("matrices", set->total);
      result.json.Set("ranks", comm.size());
      result.json.Set("sketch", TrainedSketchJson(*trained));
      result.json.Set("algorithm_bytes_sent_rank0", sent);
      result.json.Set("algorithm_bytes_received_rank0", received);
      result.json.Set("rank_figures",
                      GatherRankFigures(comm, static_cast<int64_t>(set->local.size())));
      result.text = absl::StrCat(
          "trained ", TrainMethodName(trained->options.method), " ",
          SketchTaskName(trained->options.task), " sketch (m=", trained->m(), ", n=", trained->n,
          ") on ", set->total, " matrices (", set->files, " files on ", comm.size(),
          " ranks) in ", FormatSeconds(trained->train_seconds), "; wrote ", args->out,
          "\n  validation: ", ValidationSummaryText(trained->validation), "\n",
          trained->notes.empty() ? "" : absl::StrCat("  notes: ", trained->notes, "\n"));
      return result;
    };
  });
}

}  // namespace sketchd
