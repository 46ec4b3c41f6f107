// Training jobs.
#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/names.h"
#include "server/pagination.h"
#include "server/proto_convert.h"
#include "server/row_stream.h"
#include "core/training/training_limits.h"
#include "server/sketch_service.h"

namespace sketchd {
namespace {

// Fail fast, before queueing, on what would only fail inside the job, and
// refuse a job whose estimated memory exceeds --max_job_bytes (an m of 2^30
// used to be accepted and abort the server from the job thread). Returns the
// estimate, which the job reserves from the memory budget when it starts.
absl::StatusOr<int64_t> AdmitTraining(const ServerOptions& limits, const DatasetRecord& ds,
                                      const TrainOptions& o) {
  if (ds.num_matrices == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset '", ds.name, "' has no training matrices; upload some with UploadTrainingMatrices"));
  }
  if (!MethodTrainsFor(o.method, o.task)) {
    const bool lowrank = o.task == SketchTask::kLowRank;
    return absl::InvalidArgumentError(absl::StrCat(
        "options.method ", TrainMethodName(o.method), " is for ",
        lowrank ? "TASK_REGRESSION" : "TASK_LOW_RANK", "; for ",
        lowrank ? "TASK_LOW_RANK" : "TASK_REGRESSION", " use ",
        JoinAlternatives(TrainMethodNames(o.task))));
  }
  // transpose trains on the Aᵢᵀ: the sketch acts on the columns, so n and
  // d swap for every size below.
  const int64_t sketch_n = o.transpose ? ds.training_cols : ds.n;
  const int64_t sketch_d = o.transpose ? ds.n : ds.training_cols;
  if (o.m > sketch_n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "options.m = ", o.m, " exceeds ", o.transpose ? "the columns d = " : "n = ", sketch_n,
        " of dataset '", ds.name, "'", o.transpose ? " (the transposed matrices' rows)" : "",
        ": a sketch with more rows than the matrices compresses nothing; use m ≤ ",
        o.transpose ? "d" : "n"));
  }
  if (o.m > limits.max_sketch_rows) {
    return absl::InvalidArgumentError(absl::StrCat("options.m = ", o.m, " exceeds the limit of ",
                                                   limits.max_sketch_rows, " (--max_sketch_rows)"));
  }
  if (o.task == SketchTask::kLowRank) {
    if (o.k > std::min(ds.n, ds.training_cols)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "options.k = ", o.k, " exceeds min(n, cols) = ", std::min(ds.n, ds.training_cols),
          " of the training matrices"));
    }
    if (o.k > o.m) {
      return absl::InvalidArgumentError(absl::StrCat(
          "options.k = ", o.k, " exceeds options.m = ", o.m,
          ": a rank-k approximation needs a sketch of at least k rows (2k is typical)"));
    }
  } else {
    if (ds.training_cols < 2) {
      return absl::FailedPreconditionError(absl::StrCat(
          "regression training needs matrices [A | b] (≥ 2 columns); '", ds.name, "' has ",
          ds.training_cols));
    }
    const int64_t d = ds.training_cols - 1;
    if (o.m < d) {
      return absl::InvalidArgumentError(absl::StrCat(
          "options.m = ", o.m, " is below d = ", d, " (columns of A in [A | b]); a regression "
          "sketch needs m ≥ d rows to keep A's column space"));
    }
  }
  // Everything else core checks (iterations, batch size, fractions, caps).
  const int64_t d = o.task == SketchTask::kRegression ? ds.training_cols - 1 : sketch_d;
  TrainingLimits caps;
  caps.max_sketch_rows = limits.max_sketch_rows;
  caps.max_rows = limits.max_rows;
  SKETCHD_RETURN_IF_ERROR(CheckTrainingSizes(o, sketch_n, d, ds.num_matrices, caps));
  // Core's estimate counts the decoded matrices; the job also holds their
  // stored bytes while it decodes them.
  TrainOptions resolved = o;
  if (resolved.threads == 0) resolved.threads = limits.training_threads;
  const int64_t core_bytes = EstimateTrainingBytes(resolved, sketch_n, d, ds.num_matrices);
  const int64_t estimate = core_bytes > INT64_MAX - ds.training_bytes
                               ? INT64_MAX
                               : core_bytes + ds.training_bytes;
  if (limits.max_job_bytes > 0 && estimate > limits.max_job_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "training on '", ds.name, "' (", ds.num_matrices, " matrices ", ds.n, "×",
        ds.training_cols, ", m = ", o.m, ") would need about ", DescribeBytes(estimate),
        " of memory, more than the limit of ", DescribeBytes(limits.max_job_bytes),
        " (--max_job_bytes); use a smaller m, fewer threads or fewer training matrices"));
  }
  return estimate;
}

}  // namespace

grpc::Status SketchServiceImpl::StartTraining(grpc::ServerContext* ctx,
                                              const v1::StartTrainingRequest* req, v1::Job* resp) {
  return Handle(ctx, "StartTraining", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->dataset());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->dataset()));
    SKETCHD_ASSIGN_OR_RETURN(TrainOptions options, FromProto(req->options()));
    const std::string& request_id = req->request_id();
    if (!request_id.empty()) {
      SKETCHD_RETURN_IF_ERROR(ValidateRequestId(request_id));
      // A retry of a call that already created its job gets that job, even
      // if the queue has filled since.
      absl::StatusOr<JobRecord> earlier = store_->FindJobByRequestId(req->dataset(), request_id);
      if (earlier.ok()) {
        absl::StatusOr<JobRecord> live = jobs_->Get(earlier->id);
        *resp = ToProto(live.ok() ? *live : *earlier);
        return absl::OkStatus();
      }
      if (!absl::IsNotFound(earlier.status())) return earlier.status();
    }
    SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, store_->GetDataset(req->dataset()));
    SKETCHD_ASSIGN_OR_RETURN(int64_t estimate, AdmitTraining(options_, ds, options));
    // Two retries racing past the lookup above: the store creates the job
    // and binds the request id in one transaction, so one creates it and
    // the other gets that job back; no second job is ever started.
    SKETCHD_ASSIGN_OR_RETURN(JobRecord job,
                             jobs_->Submit(ds.name, options, 0, estimate, request_id));
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
    if (!s.ok() && ctx->IsCancelled()) return StreamClientGone(ctx);
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
    SKETCHD_ASSIGN_OR_RETURN(int64_t estimate, AdmitTraining(options_, ds, old.options));
    SKETCHD_ASSIGN_OR_RETURN(JobRecord job, jobs_->Submit(ds.name, old.options, old.id, estimate));
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
    // Newest first: the page after job c holds ids below c.
    SKETCHD_ASSIGN_OR_RETURN(int64_t cursor, IntPageCursor("jobs", req->page_token()));
    SKETCHD_ASSIGN_OR_RETURN(
        std::string next,
        TakePage(&jobs, "jobs", req->page_size(), req->page_token(),
                 [cursor](const JobRecord& j, const std::string&) { return j.id < cursor; },
                 [](const JobRecord& j) { return absl::StrCat(j.id); }));
    resp->set_next_page_token(next);
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
