// Validation figures for people and scripts, one wording for `sketchctl
// train|sketches` (server), `sketchctl local train` and `sketchmpi train`: count, mean ± sd, and
// no comparison from fewer than kMinValidationMatrices held-out matrices.
#ifndef SKETCHD_CLIENT_VALIDATION_TEXT_H_
#define SKETCHD_CLIENT_VALIDATION_TEXT_H_

#include <string>

#include "client/json.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

// "mean_excess_error on 16 held-out matrices: learned 0.00375 ± 0.0011 vs
//  random 0.0198 ± 0.004 (mean ± sd; random: mean of 3 seeds per matrix)
//  → ratio 0.19 (learned is better)"; with < 5 matrices the verdict is
// "not enough held-out matrices to compare (N < 5)".
std::string ValidationSummaryText(const ValidationFigures& v);
Json ValidationSummaryJson(const ValidationFigures& v);

// A trained sketch in `--json` output (method, task, k, m, n, d, seed, training
// time, validation, notes): `sketchctl local train|lowrank|solve` and
// `sketchmpi train` print the same object.
Json TrainedSketchJson(const TrainedSketch& t);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_VALIDATION_TEXT_H_
