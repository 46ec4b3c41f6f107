#include "server/training_backend.h"

#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "core/train_sketch.h"

namespace sketchd {

absl::StatusOr<TrainedSketch> InProcessTrainingBackend::Train(const TrainingRequest& request,
                                                              const ProgressCallback& progress,
                                                              const CancelToken& cancel) {
  std::vector<RowMatrixXd> matrices;
  matrices.reserve(static_cast<size_t>(request.matrices->count()));
  for (int64_t i = 0; i < request.matrices->count(); ++i) {
    if (cancel.cancelled()) return absl::CancelledError("cancelled while loading");
    SKETCHD_ASSIGN_OR_RETURN(RowMatrixXd a, request.matrices->Next());
    matrices.push_back(std::move(a));
  }
  return TrainSketch(std::move(matrices), request.options, progress, &cancel);
}

}  // namespace sketchd
