// Training jobs.
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/names.h"
#include "server/proto_convert.h"
#include "server/sketch_service.h"

namespace sketchd {
namespace {

// Fail fast on what would only fail inside the job.
absl::Status CheckTrainable(const DatasetRecord& ds, const TrainOptions& o) {
  if (ds.num_matrices == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset '", ds.name, "' has no training matrices; upload some with UploadTrainingMatrices"));
  }
  if (o.task == SketchTask::kLowRank && o.k > std::min(ds.n, ds.training_cols)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "options.k = ", o.k, " exceeds min(n, cols) = ", std::min(ds.n, ds.training_cols),
        " of the training matrices"));
  }
  if (o.task == SketchTask::kRegression && ds.training_cols < 2) {
    return absl::FailedPreconditionError(absl::StrCat(
        "regression training needs matrices [A | b] (≥ 2 columns); '", ds.name, "' has ",
        ds.training_cols));
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status SketchServiceImpl::StartTraining(grpc::ServerContext* ctx,
                                              const v1::StartTrainingRequest* req, v1::Job* resp) {
  return Handle(ctx, "StartTraining", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->dataset());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->dataset()));
    SKETCHD_ASSIGN_OR_RETURN(TrainOptions options, FromProto(req->options()));
    SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, store_->GetDataset(req->dataset()));
    SKETCHD_RETURN_IF_ERROR(CheckTrainable(ds, options));
    SKETCHD_ASSIGN_OR_RETURN(JobRecord job, jobs_->Submit(ds.name, options, 0));
    *resp = ToProto(job);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::GetJob(grpc::ServerContext* ctx, const v1::GetJobRequest* req,
                                       v1::Job* resp) {
  return Handle(ctx, "GetJob", [&](RpcLog& log) -> absl::Status {
    SKETCHD_ASSIGN_OR_RETURN(JobRecord job, jobs_->Get(req->job_id()));
    log.set_dataset(job.dataset);
    *resp = ToProto(job);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::WatchJob(grpc::ServerContext* ctx, const v1::WatchJobRequest* req,
                                         grpc::ServerWriter<v1::Job>* writer) {
  return Handle(ctx, "WatchJob", [&](RpcLog& log) -> absl::Status {
    SKETCHD_ASSIGN_OR_RETURN(JobRecord first, jobs_->Get(req->job_id()));
    log.set_dataset(first.dataset);
    absl::Status s = jobs_->Watch(
        req->job_id(), [&](const JobRecord& job) { return writer->Write(ToProto(job)); },
        [&] { return ctx->IsCancelled() || stopping_.load(); });
    if (!s.ok() && ctx->IsCancelled()) return ClientGone(ctx);
    if (!s.ok() && stopping_.load()) return absl::UnavailableError("server shutting down");
    return s;
  });
}

grpc::Status SketchServiceImpl::CancelJob(grpc::ServerContext* ctx,
                                          const v1::CancelJobRequest* req, v1::Job* resp) {
  return Handle(ctx, "CancelJob", [&](RpcLog& log) -> absl::Status {
    SKETCHD_ASSIGN_OR_RETURN(JobRecord job, jobs_->Cancel(req->job_id()));
    log.set_dataset(job.dataset);
    *resp = ToProto(job);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::RestartJob(grpc::ServerContext* ctx,
                                           const v1::RestartJobRequest* req, v1::Job* resp) {
  return Handle(ctx, "RestartJob", [&](RpcLog& log) -> absl::Status {
    SKETCHD_ASSIGN_OR_RETURN(JobRecord old, jobs_->Get(req->job_id()));
    log.set_dataset(old.dataset);
    if (!IsTerminal(old.state) || old.state == JobState::kSucceeded) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", old.id, " is ", JobStateName(old.state),
          "; only FAILED, CANCELLED or INTERRUPTED jobs can be restarted"));
    }
    SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, store_->GetDataset(old.dataset));
    SKETCHD_RETURN_IF_ERROR(CheckTrainable(ds, old.options));
    SKETCHD_ASSIGN_OR_RETURN(JobRecord job, jobs_->Submit(ds.name, old.options, old.id));
    *resp = ToProto(job);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::ListJobs(grpc::ServerContext* ctx, const v1::ListJobsRequest* req,
                                         v1::ListJobsResponse* resp) {
  return Handle(ctx, "ListJobs", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->dataset());
    if (!req->dataset().empty()) {
      SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->dataset()));
      SKETCHD_RETURN_IF_ERROR(store_->GetDataset(req->dataset()).status());
    }
    SKETCHD_ASSIGN_OR_RETURN(std::vector<JobRecord> jobs, store_->ListJobs(req->dataset()));
    for (JobRecord& job : jobs) {
      // Live progress of active jobs beats the once-a-second stored copy.
      if (!IsTerminal(job.state)) {
        absl::StatusOr<JobRecord> live = jobs_->Get(job.id);
        if (live.ok()) job = *live;
      }
      *resp->add_jobs() = ToProto(job);
    }
    return absl::OkStatus();
  });
}

}  // namespace sketchd
