// The result of `lowrank` (remote) and `local lowrank`, in one format so
// scripts and the demo can compare them: factors written as .npy (a stack
// when the input held several matrices), timings, and — with --exact — the
// papers' error figures computed here from the input and an exact SVD.
#ifndef SKETCHD_CLIENT_LOWRANK_REPORT_H_
#define SKETCHD_CLIENT_LOWRANK_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cli.h"
#include "client/json.h"
#include "core/matrix_types.h"

namespace sketchd {

struct LowRankOutcome {
  MatrixXd left;   // n×k
  MatrixXd right;  // d×k
  int64_t rank = 0;
  double error = 0;           // ‖A − YZᵀ‖_F as SCW reports it (exact, no SVD of A)
  double relative_error = 0;  // error / ‖A‖_F
  int64_t passes = 0;         // reads of A: 2 + 2·power_iters
  Json timings = Json::Object();  // *_seconds fields
  double total_seconds = 0;
  // --sketch auto: the choice (auto_choice_report.h); null / empty otherwise.
  Json auto_choice;
  std::string auto_text;
};

struct LowRankReport {
  int64_t n = 0, d = 0, k = 0;
  int64_t power_iters = 0;
  bool block_krylov = false;     // iterates kept as a block Krylov basis
  Json sketch = Json::Object();  // how the sketch was chosen (version/method/m/seed)
  std::string sketch_text;       // same, for people
  std::string left_path, right_path;  // empty: not written
  std::vector<LowRankOutcome> outcomes;
  // For --exact: the inputs, same order as outcomes; empty otherwise.
  std::vector<const RowMatrixXd*> inputs;
};

absl::StatusOr<CommandResult> FinishLowRank(const LowRankReport& report);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_LOWRANK_REPORT_H_
