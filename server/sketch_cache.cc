#include "server/sketch_cache.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

absl::StatusOr<std::shared_ptr<const TrainedSketch>> SketchCache::Get(const std::string& dataset,
                                                                      int64_t version) {
  const auto key = std::make_pair(dataset, version);
  Entry hit;
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      it->second.last_use = ++clock_;
      if (!revalidate_) return it->second.sketch;
      hit = it->second;
    }
  }
  if (hit.sketch != nullptr) {
    absl::StatusOr<SketchRecord> now = store_->GetSketch(dataset, version, false);
    if (!now.ok()) {
      Erase(dataset, version);
      return now.status();
    }
    if (now->created_us == hit.created_us && now->job_id == hit.job_id) return hit.sketch;
  }
  // Load outside the lock: a slow read must not stall hits on other keys.
  absl::StatusOr<SketchRecord> record = store_->GetSketch(dataset, version, true);
  if (!record.ok()) return record.status();
  absl::StatusOr<TrainedSketch> parsed = ParseTrainedSketch(record->serialized);
  if (!parsed.ok()) {
    return absl::DataLossError(absl::StrCat("stored sketch ", version, " of dataset '", dataset,
                                            "' is unreadable: ", parsed.status().message()));
  }
  auto sketch = std::make_shared<const TrainedSketch>(*std::move(parsed));
  MutexLock lock(&mu_);
  if (entries_.size() >= capacity_) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    }
    entries_.erase(oldest);
  }
  entries_[key] = Entry{sketch, ++clock_, record->created_us, record->job_id};
  return sketch;
}

void SketchCache::Erase(const std::string& dataset, int64_t version) {
  MutexLock lock(&mu_);
  entries_.erase(std::make_pair(dataset, version));
}

void SketchCache::EraseDataset(const std::string& dataset) {
  MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->first.first == dataset) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace sketchd
