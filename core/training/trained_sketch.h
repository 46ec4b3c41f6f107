// A trained sketch and everything a user needs to judge it: how it was made
// (method, options, time) and what it achieved on held-out matrices compared
// with a random CountSketch of the same size.
#ifndef SKETCHD_CORE_TRAINING_TRAINED_SKETCH_H_
#define SKETCHD_CORE_TRAINING_TRAINED_SKETCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/sketch/count_sketch.h"
#include "core/sketch/sketch_serialization.h"

namespace sketchd {

enum class SketchTask { kLowRank, kRegression };
enum class TrainMethod { kRandom, kIvy, kMixed, kInnerProduct, kGreedy, kHeavyRows, kSubspace };

absl::string_view SketchTaskName(SketchTask task);            // "lowrank" | "regression"
absl::StatusOr<SketchTask> ParseSketchTask(absl::string_view name);
absl::string_view TrainMethodName(TrainMethod method);        // "random", "ivy", ...
absl::StatusOr<TrainMethod> ParseTrainMethod(absl::string_view name);
// The one list of method names (trained_sketch.cc), in the order messages and
// --help list them; with a task, only the methods that train for it.
std::vector<std::string> TrainMethodNames();
std::vector<std::string> TrainMethodNames(SketchTask task);
bool MethodTrainsFor(TrainMethod method, SketchTask task);
// "a, b, c or d".
std::string JoinAlternatives(const std::vector<std::string>& names);

// Every field is a row of the option table (train_option_table.h), which
// derives the stored text, the server's checks and the CLI flags from it:
// a new option is a field here, a row there and its use in the method.
struct TrainOptions {
  TrainMethod method = TrainMethod::kRandom;
  SketchTask task = SketchTask::kLowRank;
  int64_t k = 10;               // target rank (low-rank task)
  int64_t m = 20;               // sketch rows
  uint64_t seed = 0;
  int iterations = 0;           // gradient steps / greedy passes; 0 = method default
  int batch_size = 0;           // matrices per gradient step; 0 = method default
  double learning_rate = 0;     // 0 = method default
  double validation_fraction = 0.2;  // share of the training matrices held out
  double time_budget_seconds = 0;    // 0 = no budget
  int threads = 0;              // 0 = hardware concurrency
  // Method options.
  bool mixed_joint = true;          // mixed: true = J (learn S1 with S2 inside SCW), false = S
  bool refine_values = false;       // inner_product/greedy: refine values with the ivy gradient
  bool append_sampled_rows = false; // inner_product: output [S1; S2], S2 a random CountSketch
                                    // of ⌊m/2⌋ guard rows (inner_product_sketch.h)
  bool greedy_leverage_order = false;  // greedy: column order by leverage instead of row norm
  double heavy_fraction = 0.3;      // heavy_rows: share of m given to heavy rows
  bool learn_values = false;        // heavy_rows: learn values with the subspace-embedding loss
  double lasso_lambda_fraction = 0.5;  // regression validation: λ = fraction·‖x_LS‖₁
  // Low-rank: train on the transposes Aᵢᵀ (TrainSketch), so the sketch acts
  // on the d columns: the range sketch R of one-pass LowRank.
  bool transpose = false;
};

// Fewer held-out matrices than this and the figures make no comparison:
// `verdict()` says "not enough held-out matrices to compare".
inline constexpr int64_t kMinValidationMatrices = 5;

struct ValidationFigures {
  // "mean_excess_error" (low-rank: mean ‖A − YZᵀ‖_F − ‖A − A_k‖_F over
  // held-out matrices, each scaled to top singular value 1) or
  // "ihs_lasso_rate" (regression: mean ρ = (e_t/e_1)^{1/t}). Lower is better.
  std::string metric;
  int64_t num_matrices = 0;   // held-out matrices the figures are averaged over
  double learned = 0;         // the trained sketch
  double random = 0;          // random CountSketch of the same m, mean over `random_seeds`
  int random_seeds = 0;
  // Sample standard deviations (divisor N − 1) over the held-out matrices of
  // the per-matrix figure (random: each matrix's mean over the seeds): 0 for
  // one matrix; -1 = unknown (read from a trained-sketch file of version
  // 1 or 2, written before they were recorded).
  double learned_sd = -1;
  double random_sd = -1;
  double ratio() const { return random > 0 ? learned / random : 0; }
  // Enough held-out matrices (≥ kMinValidationMatrices) to compare learned
  // with random at all.
  bool comparable() const { return num_matrices >= kMinValidationMatrices; }
  // "learned is better" | "learned is NOT better" | "not enough held-out
  // matrices to compare (N < 5)" | "no validation figures" (N = 0).
  std::string verdict() const;
  // "0.00375 ± 0.0012 (mean ± sd over 16)" style text for one figure.
  static std::string MeanSdText(double mean, double sd, int64_t count);
};

// Mean and sample standard deviation (divisor N − 1; 0 when N < 2).
struct MeanSd {
  double mean = 0;
  double sd = 0;
};
MeanSd MeanAndSd(const std::vector<double>& values);

struct TrainedSketch {
  CountSketch sketch;           // every method but subspace (empty for subspace)
  // subspace: the dense sketch S (m×n, orthonormal rows; subspace_sketch.h);
  // empty for the CountSketch methods.
  MatrixXd dense;
  TrainOptions options;
  int64_t n = 0;                // rows of the matrices it applies to
  int64_t d = 0;                // columns seen in training (informational)
  double train_seconds = 0;
  ValidationFigures validation;
  std::vector<int32_t> heavy_rows;  // regression: rows holding a bucket of their own
  std::string notes;                // e.g. "stopped by time budget after 120 steps"

  bool is_dense() const { return dense.size() > 0; }
  int64_t m() const { return is_dense() ? dense.rows() : sketch.rows(); }
  int64_t sketch_n() const { return is_dense() ? dense.cols() : sketch.cols(); }
  // SA for A with sketch_n() rows, whichever kind the sketch is.
  MatrixXd Apply(ConstRowMajorRef a) const;
};

// Self-describing file/blob format: magic "SKTR", version, metadata as
// key=value lines, the sketch in its own checksummed format, and an xxh64 of
// the whole. Used by `sketchctl local` files and by the server's store.
// Parsing checks the structure behind the checksums too — sizes before
// anything is allocated for them, the sketch against `limits` (m <= n and the
// cap), heavy rows inside [0, n) — since a file can be crafted with valid
// checksums. Corrupt bytes are DataLoss; an unusable sketch InvalidArgument.
// Version 1 carries a CountSketch (written unchanged, so old readers and
// files keep working); version 2 carries a dense sketch instead: rows and
// cols as uint64 and rows·cols little-endian float64 in row-major order.
// Versions 3 (CountSketch) and 4 (dense) are 1 and 2 with two more metadata
// keys, validation.learned_sd and validation.random_sd; they are what is
// written now. Versions 1 and 2 are still read (their sds are -1, unknown).
// The embedded CountSketch bytes carry their own version (SKCS v2 now: random
// blocks as their seeds, docs/sketch_format.md), so the SKTR version did not
// change with it; SKCS v1 inside any SKTR version is still read.
std::string SerializeTrainedSketch(const TrainedSketch& trained);
absl::StatusOr<TrainedSketch> ParseTrainedSketch(absl::string_view bytes,
                                                 const SketchDecodeLimits& limits = {});

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAINED_SKETCH_H_
