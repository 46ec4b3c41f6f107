#include "server/metered_store.h"

#include <chrono>

namespace sketchd {

template <typename Call>
auto MeteredStore::Timed(const char* op, Call&& call) -> decltype(call()) {
  const auto start = std::chrono::steady_clock::now();
  auto result = call();
  metrics_->RecordStoreCall(
      op, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

void MeteredStore::RecordIfFinished(const JobRecord& job, JobState outcome) {
  if (!IsTerminal(outcome) || job.started_us <= 0 || job.finished_us < job.started_us) return;
  metrics_->RecordTrainingJob(outcome, (job.finished_us - job.started_us) / 1e6);
}

absl::StatusOr<DatasetRecord> MeteredStore::CreateDataset(const DatasetRecord& dataset) {
  return Timed("CreateDataset", [&] { return inner_->CreateDataset(dataset); });
}
absl::StatusOr<DatasetRecord> MeteredStore::GetDataset(const std::string& name) {
  return Timed("GetDataset", [&] { return inner_->GetDataset(name); });
}
absl::StatusOr<std::vector<DatasetRecord>> MeteredStore::ListDatasets() {
  return Timed("ListDatasets", [&] { return inner_->ListDatasets(); });
}
absl::Status MeteredStore::DeleteDataset(const std::string& name) {
  return Timed("DeleteDataset", [&] { return inner_->DeleteDataset(name); });
}

absl::Status MeteredStore::StageMatrix(const std::string& dataset, const std::string& upload_id,
                                       int64_t rows, int64_t cols, ElementType dtype,
                                       absl::string_view data) {
  return Timed("StageMatrix",
               [&] { return inner_->StageMatrix(dataset, upload_id, rows, cols, dtype, data); });
}
absl::StatusOr<int64_t> MeteredStore::CommitUpload(const std::string& dataset,
                                                   const std::string& upload_id) {
  return Timed("CommitUpload", [&] { return inner_->CommitUpload(dataset, upload_id); });
}
absl::Status MeteredStore::AbortUpload(const std::string& upload_id) {
  return Timed("AbortUpload", [&] { return inner_->AbortUpload(upload_id); });
}
absl::StatusOr<std::vector<StoredMatrix>> MeteredStore::LoadTrainingMatrices(
    const std::string& dataset) {
  return Timed("LoadTrainingMatrices", [&] { return inner_->LoadTrainingMatrices(dataset); });
}

absl::StatusOr<JobRecord> MeteredStore::CreateJob(const std::string& dataset,
                                                  const TrainOptions& options,
                                                  int64_t restarted_from,
                                                  const std::string& request_id, bool* created) {
  return Timed("CreateJob", [&] {
    return inner_->CreateJob(dataset, options, restarted_from, request_id, created);
  });
}
absl::StatusOr<JobRecord> MeteredStore::GetJob(int64_t id) {
  return Timed("GetJob", [&] { return inner_->GetJob(id); });
}
absl::StatusOr<std::vector<JobRecord>> MeteredStore::ListJobs(const std::string& dataset) {
  return Timed("ListJobs", [&] { return inner_->ListJobs(dataset); });
}
absl::Status MeteredStore::UpdateJob(const JobRecord& job) {
  absl::Status status = Timed("UpdateJob", [&] { return inner_->UpdateJob(job); });
  if (status.ok()) RecordIfFinished(job, job.state);
  return status;
}
absl::StatusOr<SketchRecord> MeteredStore::CompleteJob(const JobRecord& job,
                                                       const TrainedSketch& trained) {
  absl::StatusOr<SketchRecord> sketch =
      Timed("CompleteJob", [&] { return inner_->CompleteJob(job, trained); });
  if (sketch.ok()) RecordIfFinished(job, JobState::kSucceeded);
  return sketch;
}
absl::StatusOr<std::optional<JobRecord>> MeteredStore::ClaimJob(const std::string& owner,
                                                                int64_t lease_us) {
  return Timed("ClaimJob", [&] { return inner_->ClaimJob(owner, lease_us); });
}
absl::StatusOr<JobRecord> MeteredStore::RenewLease(int64_t id, const std::string& owner,
                                                   int64_t lease_us) {
  return Timed("RenewLease", [&] { return inner_->RenewLease(id, owner, lease_us); });
}
absl::StatusOr<JobRecord> MeteredStore::RequestCancel(int64_t id) {
  return Timed("RequestCancel", [&] { return inner_->RequestCancel(id); });
}
absl::StatusOr<JobRecord> MeteredStore::FindJobByRequestId(const std::string& dataset,
                                                           const std::string& request_id) {
  return Timed("FindJobByRequestId",
               [&] { return inner_->FindJobByRequestId(dataset, request_id); });
}
absl::StatusOr<JobRecord> MeteredStore::BindRequestId(int64_t id, const std::string& request_id) {
  return Timed("BindRequestId", [&] { return inner_->BindRequestId(id, request_id); });
}
absl::StatusOr<int64_t> MeteredStore::InterruptActiveJobs(const std::string& owner,
                                                          const std::string& reason) {
  return Timed("InterruptActiveJobs", [&] { return inner_->InterruptActiveJobs(owner, reason); });
}

absl::StatusOr<std::vector<SketchRecord>> MeteredStore::ListSketches(
    const std::string& dataset, std::optional<SketchTask> task) {
  return Timed("ListSketches", [&] { return inner_->ListSketches(dataset, task); });
}
absl::StatusOr<SketchRecord> MeteredStore::GetSketch(const std::string& dataset, int64_t version,
                                                     bool with_serialized) {
  return Timed("GetSketch", [&] { return inner_->GetSketch(dataset, version, with_serialized); });
}
absl::StatusOr<int64_t> MeteredStore::DefaultSketchVersion(const std::string& dataset,
                                                           SketchTask task) {
  return Timed("DefaultSketchVersion", [&] { return inner_->DefaultSketchVersion(dataset, task); });
}
absl::StatusOr<SketchRecord> MeteredStore::SetDefaultSketch(const std::string& dataset,
                                                            int64_t version) {
  return Timed("SetDefaultSketch", [&] { return inner_->SetDefaultSketch(dataset, version); });
}
absl::StatusOr<bool> MeteredStore::ReplaceAutomaticDefault(const std::string& dataset,
                                                           int64_t version,
                                                           int64_t expected_default) {
  return Timed("ReplaceAutomaticDefault",
               [&] { return inner_->ReplaceAutomaticDefault(dataset, version, expected_default); });
}
absl::Status MeteredStore::DeleteSketch(const std::string& dataset, int64_t version) {
  return Timed("DeleteSketch", [&] { return inner_->DeleteSketch(dataset, version); });
}

}  // namespace sketchd
