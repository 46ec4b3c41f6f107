// Parsed trained sketches by (dataset, version), so LowRank/Solve calls do
// not re-read and re-parse the blob every time. Versions are immutable once
// written, so entries never go stale; they are dropped when the sketch or its
// dataset is deleted (a re-created dataset restarts its version numbers).
// Default pointers are never cached: callers resolve them in the store first.
//
// With a store shared by replicas, a delete (or delete + re-create) happens
// on another replica without this one hearing of it, so `revalidate` checks
// every hit against the store's metadata (no sketch bytes: one small query)
// and reloads when the version now names another sketch or none.
//
// Thread-safety: safe for concurrent use. The lock is never held across a
// store read, so a slow load does not stall hits on other keys (two callers
// missing the same key may both load it; the second insert wins, harmlessly).
#ifndef SKETCHD_SERVER_SKETCH_CACHE_H_
#define SKETCHD_SERVER_SKETCH_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "server/mutex.h"
#include "core/training/trained_sketch.h"
#include "server/store.h"

namespace sketchd {

class SketchCache {
 public:
  explicit SketchCache(Store* store, size_t capacity = 32, bool revalidate = false)
      : store_(store), capacity_(capacity), revalidate_(revalidate) {}

  absl::StatusOr<std::shared_ptr<const TrainedSketch>> Get(const std::string& dataset,
                                                           int64_t version)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Erase(const std::string& dataset, int64_t version) ABSL_LOCKS_EXCLUDED(mu_);
  void EraseDataset(const std::string& dataset) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    std::shared_ptr<const TrainedSketch> sketch;
    uint64_t last_use = 0;
    // Identity of the stored sketch (a version number alone is reused when
    // a dataset is deleted and created again).
    int64_t created_us = 0;
    int64_t job_id = 0;
  };
  Store* store_;
  size_t capacity_;
  bool revalidate_;
  Mutex mu_;
  std::map<std::pair<std::string, int64_t>, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t clock_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_SKETCH_CACHE_H_
