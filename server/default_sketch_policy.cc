#include "server/default_sketch_policy.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace sketchd {

absl::StatusOr<DefaultSketchPolicy> ParseDefaultSketchPolicy(absl::string_view name) {
  if (name == "best_validation") return DefaultSketchPolicy::kBestValidation;
  if (name == "first_trained") return DefaultSketchPolicy::kFirstTrained;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown default sketch policy '", name, "' (expected best_validation or first_trained)"));
}

absl::string_view DefaultSketchPolicyName(DefaultSketchPolicy policy) {
  return policy == DefaultSketchPolicy::kBestValidation ? "best_validation" : "first_trained";
}

bool ValidatesBetter(const SketchRecord& candidate, const SketchRecord& current) {
  // A transposed sketch (a range sketch R, acting on A's columns) became the
  // default only because the store makes the first sketch of a task its
  // default; any sketch of the rows can serve LowRank and replaces it.
  if (candidate.task == current.task && current.options.transpose &&
      !candidate.options.transpose) {
    return true;
  }
  // Otherwise transposed sketches are validated on Aᵢᵀ: not comparable.
  if (candidate.task != current.task || candidate.k != current.k || candidate.m != current.m ||
      candidate.options.transpose != current.options.transpose ||
      candidate.validation.metric != current.validation.metric) {
    return false;
  }
  if (!candidate.validation.comparable()) return false;
  if (!current.validation.comparable()) return true;
  return candidate.validation.learned < current.validation.learned;
}

absl::StatusOr<bool> ApplyDefaultSketchPolicy(Store* store, DefaultSketchPolicy policy,
                                              const SketchRecord& stored) {
  if (stored.is_default || policy == DefaultSketchPolicy::kFirstTrained) return stored.is_default;
  // A few rounds: another replica may change the default between the read
  // and the compare-and-set; then the rule is applied to the new default.
  for (int attempt = 0; attempt < 5; ++attempt) {
    SKETCHD_ASSIGN_OR_RETURN(std::vector<SketchRecord> sketches,
                             store->ListSketches(stored.dataset, stored.task));
    const SketchRecord* current = nullptr;
    const SketchRecord* mine = nullptr;
    for (const SketchRecord& s : sketches) {
      if (s.is_default) current = &s;
      if (s.version == stored.version) mine = &s;
    }
    if (mine == nullptr) return false;  // deleted meanwhile
    if (current == nullptr) return false;  // no default: the store's rules decide
    if (current->version == stored.version) return true;
    if (current->default_explicit || !ValidatesBetter(*mine, *current)) return false;
    SKETCHD_ASSIGN_OR_RETURN(bool replaced,
                             store->ReplaceAutomaticDefault(stored.dataset, stored.version,
                                                            current->version));
    if (replaced) return true;
  }
  return false;
}

void ApplyDefaultSketchPolicyOrLog(Store* store, DefaultSketchPolicy policy,
                                   const SketchRecord& stored) {
  absl::StatusOr<bool> applied = ApplyDefaultSketchPolicy(store, policy, stored);
  if (!applied.ok()) {
    std::fprintf(stderr, "sketchd: default sketch policy for %s v%lld: %s\n",
                 stored.dataset.c_str(), static_cast<long long>(stored.version),
                 std::string(applied.status().message()).c_str());
  }
}

}  // namespace sketchd
