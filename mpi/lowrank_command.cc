// sketchmpi lowrank: `sketchctl local lowrank` for a matrix spread over MPI
// ranks. Same flags; INPUT is one 2-D .npy (C order), each rank reads only
// its rows, Y is written by all ranks at their row offsets, Z by rank 0.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli_status.h"
#include "core/io/npy.h"
#include "core/lowrank/tsqr.h"
#include "mpi/command.h"
#include "mpi/distributed_low_rank.h"
#include "mpi/distributed_npy.h"
#include "mpi/rank_figures.h"
#include "mpi/sketch_source.h"

namespace sketchd {
namespace {

// --exact needs the singular values of A itself: R of A by TSQR (d×d on
// every rank), then its SVD. Refused for wide d, where R would not be small.
constexpr int64_t kMaxExactCols = 8192;

struct ExactFigures {
  double error = 0;    // ‖A − Y Zᵀ‖_F
  double optimal = 0;  // ‖A − A_k‖_F
};

// ‖A − YZᵀ‖_F² = ‖A‖_F² − ‖Y‖_F² for SCW's answer (Y Zᵀ is the projection
// of A onto the span of AV's top k left singular vectors), and
// ‖A − A_k‖_F² = Σ_{i>k} σ_i(A)², with σ(A) = σ(R) for A's TSQR factor R.
absl::StatusOr<ExactFigures> ExactErrors(Communicator& comm, const LocalRows& a, int64_t cols,
                                         const DistributedLowRank& factors, int64_t k) {
  if (cols > kMaxExactCols) {
    return absl::InvalidArgumentError(absl::StrCat("--exact needs a d×d factor of A; d = ", cols,
                                                   " is above ", kMaxExactCols));
  }
  const double norm_sq = comm.Sum(a.rows.squaredNorm());
  const MatrixXd r = comm.ReduceTriangularFactors(BlockTriangularFactor(a.rows));
  const VectorXd sigma = Eigen::JacobiSVD<MatrixXd>(r).singularValues();
  ExactFigures out;
  out.error = std::sqrt(std::max(0.0, norm_sq - factors.singular_values.squaredNorm()));
  out.optimal = std::sqrt(sigma.tail(sigma.size() - std::min<int64_t>(k, sigma.size())).squaredNorm());
  return out;
}

Json TimingsJson(const LowRankTimings& t) {
  Json j = Json::Object();
  j.Set("sketch_seconds", t.sketch_seconds);
  j.Set("basis_seconds", t.basis_seconds);
  j.Set("project_seconds", t.project_seconds);
  j.Set("svd_seconds", t.svd_seconds);
  j.Set("total_seconds", t.total_seconds);
  return j;
}

}  // namespace

void AddLowRankCommand(CLI::App& app, MpiCommandSlot* slot) {
  struct Args {
    std::string sketch, input, left, right;
    int64_t k = 0, m = 0, power_iters = 0;
    uint64_t seed = 0;
    bool exact = false;
    bool block_krylov = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "lowrank", "Rank-k approximation A ≈ Y Zᵀ of a row-distributed matrix");
  cmd->add_option("--sketch", args->sketch, "sketch file, or 'random' (with --m, --seed)")
      ->required();
  cmd->add_option("--k", args->k, "target rank")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--m", args->m, "rows of the random sketch")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->seed, "seed of the random sketch");
  cmd->add_option("INPUT", args->input, "2-D .npy matrix file (C order), read by row blocks")
      ->required();
  cmd->add_option("--left", args->left, "output .npy for Y (n×k), written by every rank");
  cmd->add_option("--right", args->right, "output .npy for Z (d×k), written by rank 0");
  cmd->add_flag("--exact", args->exact, "report the excess error over the exact SVD optimum");
  cmd->add_option("--power-iters", args->power_iters,
                  "power iterations q after the sketch: 2 + 2q passes over A, error closer to "
                  "the optimum")
      ->check(CLI::Range(int64_t{0}, kMaxPowerIters));
  // Accepted only to be refused by name: the distributed iteration
  // (distributed_low_rank.cc) keeps only the last iterate, so a silent
  // ignore would report a plain power-iteration error as a Krylov one.
  cmd->add_flag("--block-krylov", args->block_krylov,
                "not supported by sketchmpi (refused); use sketchctl local lowrank or the server");
  cmd->callback([slot, args] {
    slot->action = [args](Communicator& comm) -> absl::StatusOr<CommandResult> {
      if (args->block_krylov) {
        return UsageError(
            "--block-krylov is not supported by sketchmpi lowrank: its distributed power "
            "iterations keep only the last iterate; drop --block-krylov (plain --power-iters), "
            "or use `sketchctl local lowrank` / `sketchctl lowrank` with --block-krylov");
      }
      if (args->sketch == "random" && args->m < 1) {
        return UsageError("--sketch random needs --m (sketch rows, ≥ 1)");
      }
      auto read = ReadLocalRows(args->input, comm.rank(), comm.size());
      if (absl::Status s = comm.AgreeOnStatus(read.status()); !s.ok()) return InputError(s);
      const LocalRows& a = *read;
      const int64_t n = a.total_rows, d = a.rows.cols();

      auto source = LoadSketchSource(args->sketch, args->m, args->seed, n, true);
      if (absl::Status s = comm.AgreeOnStatus(source.status()); !s.ok()) return s;
      auto factors = DistributedScwLowRank(comm, *source->sketch(), a, d, args->k,
                                           args->power_iters);
      if (absl::Status s = comm.AgreeOnStatus(factors.status()); !s.ok()) return InputError(s);
      const int64_t sent = comm.bytes_sent(), received = comm.bytes_received();

      if (!args->left.empty()) {
        if (absl::Status s = WriteDistributedRows(comm, args->left, n, args->k, a.range,
                                                  factors->local_left);
            !s.ok()) {
          return InputError(s);
        }
      }
      if (!args->right.empty()) {
        absl::Status s;
        if (comm.rank() == 0) s = WriteNpyMatrix(args->right, RowMatrixXd(factors->right));
        if (s = comm.AgreeOnStatus(s); !s.ok()) return InputError(s);
      }
      std::optional<ExactFigures> exact;
      if (args->exact) {
        auto figures = ExactErrors(comm, a, d, *factors, args->k);
        if (!figures.ok()) return UsageError(std::string(figures.status().message()));
        exact = *figures;
      }

      CommandResult result;
      Json& j = result.json;
      j.Set("ranks", comm.size());
      j.Set("n", n);
      j.Set("d", d);
      j.Set("k", args->k);
      j.Set("m", source->sketch()->rows());
      j.Set("sketch", args->sketch);
      j.Set("rank", factors->rank);
      Json sigma = Json::Array();
      for (double s : factors->singular_values) sigma.Push(s);
      j.Set("singular_values", std::move(sigma));
      j.Set("power_iters", args->power_iters);
      j.Set("passes", 2 + 2 * args->power_iters);
      Json timings = TimingsJson(factors->timings);
      timings.Set("power_seconds", factors->power_seconds);
      j.Set("timings", std::move(timings));
      // Traffic of the algorithm itself (SA sum, TSQR), before output and --exact.
      j.Set("algorithm_bytes_sent_rank0", sent);
      j.Set("algorithm_bytes_received_rank0", received);
      if (!args->left.empty()) j.Set("left", args->left);
      if (!args->right.empty()) j.Set("right", args->right);
      result.text = absl::StrCat("lowrank: ", n, "×", d, " on ", comm.size(), " ranks, k=", args->k,
                                 ", sketch ", args->sketch, " (m=", source->sketch()->rows(), "), ",
                                 args->power_iters, " power iterations\n");
      if (!args->left.empty()) absl::StrAppend(&result.text, "  wrote Y (", n, "×", args->k, ") to ", args->left, "\n");
      if (!args->right.empty()) absl::StrAppend(&result.text, "  wrote Z (", d, "×", args->k, ") to ", args->right, "\n");
      absl::StrAppend(&result.text, "  time: ", FormatSeconds(factors->timings.total_seconds),
                      " on rank 0 (sketch ", FormatSeconds(factors->timings.sketch_seconds),
                      ", AV ", FormatSeconds(factors->timings.project_seconds), ")\n");
      if (exact) {
        const double excess = exact->error - exact->optimal;
        j.Set("error", exact->error);
        j.Set("optimal_error", exact->optimal);
        j.Set("excess_error", excess);
        absl::StrAppend(&result.text, "  ‖A − YZᵀ‖_F: ", FormatNumber(exact->error),
                        "; optimal ‖A − A_k‖_F: ", FormatNumber(exact->optimal),
                        "\n  excess error: ", FormatNumber(excess), "\n");
      }
      // Last collective, so the figures include every byte above.
      j.Set("rank_figures", GatherRankFigures(comm, a.range.count));
      return result;
    };
  });
}

}  // namespace sketchd
