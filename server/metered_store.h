// A Store that forwards every call to another and times it into
// ServiceMetrics (sketchd_store_duration_seconds{op}); it also sees every
// job this process finishes, so it records their training wall time
// (sketchd_training_seconds{outcome}) without the job runner knowing about
// metrics. Installed by SketchdServer only when --metrics_listen is set.
#ifndef SKETCHD_SERVER_METERED_STORE_H_
#define SKETCHD_SERVER_METERED_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/metrics.h"
#include "server/store.h"

namespace sketchd {

class MeteredStore : public Store {
 public:
  // `metrics` must outlive this store.
  MeteredStore(std::unique_ptr<Store> inner, ServiceMetrics* metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  absl::StatusOr<DatasetRecord> CreateDataset(const DatasetRecord& dataset) override;
  absl::StatusOr<DatasetRecord> GetDataset(const std::string& name) override;
  absl::StatusOr<std::vector<DatasetRecord>> ListDatasets() override;
  absl::Status DeleteDataset(const std::string& name) override;

  absl::Status StageMatrix(const std::string& dataset, const std::string& upload_id, int64_t rows,
                           int64_t cols, ElementType dtype, absl::string_view data) override;
  absl::StatusOr<int64_t> CommitUpload(const std::string& dataset,
                                       const std::string& upload_id) override;
  absl::Status AbortUpload(const std::string& upload_id) override;
  absl::StatusOr<std::vector<StoredMatrix>> LoadTrainingMatrices(
      const std::string& dataset) override;

  absl::StatusOr<JobRecord> CreateJob(const std::string& dataset, const TrainOptions& options,
                                      int64_t restarted_from, const std::string& request_id = "",
                                      bool* created = nullptr) override;
  absl::StatusOr<JobRecord> GetJob(int64_t id) override;
  absl::StatusOr<std::vector<JobRecord>> ListJobs(const std::string& dataset) override;
  absl::Status UpdateJob(const JobRecord& job) override;
  absl::StatusOr<SketchRecord> CompleteJob(const JobRecord& job,
                                           const TrainedSketch& trained) override;
  absl::StatusOr<std::optional<JobRecord>> ClaimJob(const std::string& owner,
                                                    int64_t lease_us) override;
  absl::StatusOr<JobRecord> RenewLease(int64_t id, const std::string& owner,
                                       int64_t lease_us) override;
  absl::StatusOr<JobRecord> RequestCancel(int64_t id) override;
  absl::StatusOr<JobRecord> FindJobByRequestId(const std::string& dataset,
                                               const std::string& request_id) override;
  absl::StatusOr<JobRecord> BindRequestId(int64_t id, const std::string& request_id) override;
  absl::StatusOr<int64_t> InterruptActiveJobs(const std::string& owner,
                                              const std::string& reason) override;

  absl::StatusOr<std::vector<SketchRecord>> ListSketches(const std::string& dataset,
                                                         std::optional<SketchTask> task) override;
  absl::StatusOr<SketchRecord> GetSketch(const std::string& dataset, int64_t version,
                                         bool with_serialized) override;
  absl::StatusOr<int64_t> DefaultSketchVersion(const std::string& dataset,
                                               SketchTask task) override;
  absl::StatusOr<SketchRecord> SetDefaultSketch(const std::string& dataset,
                                                int64_t version) override;
  absl::StatusOr<bool> ReplaceAutomaticDefault(const std::string& dataset, int64_t version,
                                               int64_t expected_default) override;
  absl::Status DeleteSketch(const std::string& dataset, int64_t version) override;

 private:
  // Runs `call` on the inner store and records its duration under `op`.
  template <typename Call>
  auto Timed(const char* op, Call&& call) -> decltype(call());

  // A job this process wrote in a terminal state: its started→finished time.
  void RecordIfFinished(const JobRecord& job, JobState outcome);

  std::unique_ptr<Store> inner_;
  ServiceMetrics* metrics_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_METERED_STORE_H_
