// The MPI training backend (sketchd --train_backend mpi): a job's training
// matrices become .npy files in a per-job directory, `mpirun -np P sketchmpi
// train … --progress-fd 2 --out DIR/sketch.sketch DIR/matrices` trains them
// over P ranks as a child process (fork/exec, no shell), rank 0's JSON
// progress lines become the job's progress, and the sketch file it writes is
// parsed and returned. See training_backend.h for the contract.
//
//  * Progress travels on stderr, not on a descriptor of its own: Open MPI
//    (4.1) closes every descriptor above 2 in the ranks it starts, and on
//    several hosts rank 0 is not even a child of this process; mpirun
//    forwards the ranks' stderr. Lines starting {"progress": are progress,
//    the rest of mpirun's stdout+stderr is kept (its tail) for errors.
//
//  * Options → flags: one flag per row of core's option table
//    (train_option_table.h), named as client/training_flags.h registers
//    them (the first long flag; bools --x / --no-x), so no option is lost.
//  * Every training method and option of core runs (sketchmpi train offers
//    them all; a time budget is rank 0's clock, agreed at every step). The
//    refusal path stays (CheckSketchmpiSupports, called by StartTraining and
//    by Train before anything is written) for what sketchmpi may lack; no
//    silent fallback to in-process training: an operator chooses MPI
//    because a training set is too big for this machine.
//  * Threads: the job's training threads are shared by the ranks: each rank
//    gets ⌊threads / ranks⌋ (at least 1), since `mpirun -np P` on one host
//    would otherwise run P × threads workers on its cores. (Ranks spread
//    over several hosts then use fewer threads than those hosts have.)
//  * Cancel: SIGTERM to mpirun (Open MPI forwards it to the ranks), then
//    after `kill_grace_seconds` SIGKILL to mpirun's process group and to
//    every descendant seen meanwhile (Open MPI gives each local rank its own
//    process group); returns CANCELLED. Ranks on other hosts are mpirun's
//    to stop (its daemons die with it).
//  * work_dir must be visible at the same path on every MPI host (the ranks
//    read the matrices from it, rank 0 writes the sketch there).
//  * Exit codes (client/cli_status.h): 2 (usage) INVALID_ARGUMENT, 4 (input)
//    FAILED_PRECONDITION, anything else or a signal INTERNAL; the message
//    carries the tail of mpirun's stdout+stderr without mpirun's own dashed
//    banners (the ranks' words).
//  * The job directory is removed in every case.
#ifndef SKETCHD_SERVER_MPI_TRAINING_BACKEND_H_
#define SKETCHD_SERVER_MPI_TRAINING_BACKEND_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/training_backend.h"

namespace sketchd {

struct MpiTrainingBackendOptions {
  std::string mpirun = "mpirun";  // a path, or a name looked up in PATH
  std::string sketchmpi;          // path of the sketchmpi binary
  int ranks = 2;                  // mpirun -np
  std::vector<std::string> mpirun_args;  // e.g. {"--oversubscribe"}, before -np
                                         // (from a flag: SplitMpirunArgs)
  std::string work_dir;           // per-job directories are made under it
  double kill_grace_seconds = 3;  // SIGTERM → SIGKILL on cancel
};

// `name` as execvp would find it: itself when it has a '/', else the first
// executable PATH entry. NOT_FOUND otherwise.
absl::StatusOr<std::string> ResolveExecutable(const std::string& name);

// The sketchmpi flags for `options` (without --progress-fd, --out and inputs).
std::vector<std::string> SketchmpiTrainFlags(const TrainOptions& options);

// Threads each of `ranks` ranks gets when the job may use `threads` (0: this
// machine's hardware threads): ⌊threads / ranks⌋, at least 1.
int ThreadsPerRank(int threads, int ranks);

// --mpirun_args as words, split like a shell does but without expansions:
// blanks separate words; '…' keeps everything literally; "…" keeps blanks
// and takes \" and \\ as " and \; outside quotes a backslash keeps the
// next character; adjacent pieces join ("--x='a b'" is one word). No argument
// is passed through a shell, so nothing else is special. INVALID_ARGUMENT
// naming the position for an unterminated quote or a trailing backslash.
absl::StatusOr<std::vector<std::string>> SplitMpirunArgs(std::string_view text);

// FAILED_PRECONDITION when sketchmpi train cannot run `options`.
absl::Status CheckSketchmpiSupports(const TrainOptions& options);

class MpiTrainingBackend final : public TrainingBackend {
 public:
  // Resolves mpirun and sketchmpi (NOT_FOUND naming the missing one) and
  // creates work_dir.
  static absl::StatusOr<std::shared_ptr<MpiTrainingBackend>> Create(
      MpiTrainingBackendOptions options);

  std::string_view name() const override { return "mpi"; }
  absl::Status CheckOptions(const TrainOptions& options) const override {
    return CheckSketchmpiSupports(options);
  }
  absl::StatusOr<TrainedSketch> Train(const TrainingRequest& request,
                                      const ProgressCallback& progress,
                                      const CancelToken& cancel) override;
  const MpiTrainingBackendOptions& options() const { return options_; }

 private:
  explicit MpiTrainingBackend(MpiTrainingBackendOptions options) : options_(std::move(options)) {}
  MpiTrainingBackendOptions options_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_MPI_TRAINING_BACKEND_H_
