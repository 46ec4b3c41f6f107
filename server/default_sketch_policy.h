// Which sketch is a task's default after a training job completes
// (sketchd --default_sketch_policy).
//
// * first_trained: the first sketch stored for a (dataset, task) becomes its
//   default and stays it (the store's own rule in CompleteJob).
// * best_validation (the default policy): additionally, a newly stored sketch
//   replaces the current default when all of the following hold:
//     - the current default was not chosen explicitly (SetDefaultSketch sets
//       SketchRecord::default_explicit; an explicit choice is never replaced
//       by a later training job — only by another SetDefaultSketch, or by
//       DeleteSketch of that sketch, after which the store promotes the
//       newest remaining sketch as an automatic default);
//     - both have the same task, metric, k and m (validation figures at a
//       different k, or at a different m — a different cost per request —
//       are not comparable, so such a sketch never displaces the default);
//     - the new sketch's figures rest on ≥ kMinValidationMatrices held-out
//       matrices (ValidationFigures::comparable());
//     - the new sketch's validation.learned (mean held-out excess error,
//       lower is better) is strictly below the default's, or the default's
//       figures are not comparable (fewer than 5 matrices, or none);
//     - both or neither were trained with `transpose` (a range sketch R for
//       one-pass LowRank, validated on Aᵢᵀ) — except that a sketch of the
//       rows always replaces a transposed automatic default, which only the
//       store's first-sketch rule can have made the default.
//   Each job's figures come from its own held-out split of the dataset's
//   training matrices.
// The replacement is a compare-and-set in the store
// (Store::ReplaceAutomaticDefault), so replicas completing jobs at the same
// time, or a SetDefaultSketch racing a job, never lose an explicit choice.
#ifndef SKETCHD_SERVER_DEFAULT_SKETCH_POLICY_H_
#define SKETCHD_SERVER_DEFAULT_SKETCH_POLICY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/store.h"

namespace sketchd {

enum class DefaultSketchPolicy { kBestValidation, kFirstTrained };

absl::StatusOr<DefaultSketchPolicy> ParseDefaultSketchPolicy(absl::string_view name);
absl::string_view DefaultSketchPolicyName(DefaultSketchPolicy policy);

// The rule above: `candidate` may replace the automatic default `current`.
bool ValidatesBetter(const SketchRecord& candidate, const SketchRecord& current);

// Run after CompleteJob stored `stored`: true when `stored` is the default
// afterwards.
absl::StatusOr<bool> ApplyDefaultSketchPolicy(Store* store, DefaultSketchPolicy policy,
                                              const SketchRecord& stored);
// The same for the job runner: the job has already succeeded, so a failure
// here is logged to stderr, not returned.
void ApplyDefaultSketchPolicyOrLog(Store* store, DefaultSketchPolicy policy,
                                   const SketchRecord& stored);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_DEFAULT_SKETCH_POLICY_H_
