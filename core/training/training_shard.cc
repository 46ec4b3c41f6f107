#include "core/training/training_shard.h"

#include <utility>

namespace sketchd {

TrainingShard WholeFamily(const std::vector<RowMatrixXd>& matrices) {
  TrainingShard shard;
  shard.local = &matrices;
  shard.total = static_cast<int64_t>(matrices.size());
  if (!matrices.empty()) {
    shard.rows = matrices[0].rows();
    shard.cols = matrices[0].cols();
    for (const RowMatrixXd& a : matrices) {
      if (a.cols() != shard.cols) shard.cols = 0;
    }
  }
  return shard;
}

std::vector<int64_t> LocalPositions(const TrainingShard& shard, const std::vector<int64_t>& indices) {
  std::vector<int64_t> out;
  for (int64_t i : indices) {
    if (shard.holds(i)) out.push_back(i - shard.first);
  }
  return out;
}

std::vector<TrainingMatrix> PlaceLocal(const TrainingShard& shard,
                                       const std::vector<int64_t>& indices,
                                       std::vector<TrainingMatrix> prepared) {
  std::vector<TrainingMatrix> out(indices.size());
  size_t next = 0;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (shard.holds(indices[i])) out[i] = std::move(prepared[next++]);
  }
  return out;
}

}  // namespace sketchd
