// The sketch registry.
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/names.h"
#include "server/proto_convert.h"
#include "server/sketch_service.h"

namespace sketchd {

grpc::Status SketchServiceImpl::ListSketches(grpc::ServerContext* ctx,
                                             const v1::ListSketchesRequest* req,
                                             v1::ListSketchesResponse* resp) {
  return Handle(ctx, "ListSketches", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->dataset());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->dataset()));
    SKETCHD_ASSIGN_OR_RETURN(std::vector<SketchRecord> all,
                             store_->ListSketches(req->dataset(), FromProto(req->task())));
    for (const SketchRecord& r : all) *resp->add_sketches() = ToProto(r);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::GetSketch(grpc::ServerContext* ctx,
                                          const v1::GetSketchRequest* req,
                                          v1::GetSketchResponse* resp) {
  return Handle(ctx, "GetSketch", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->dataset());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->dataset()));
    int64_t version = 0;
    if (req->sketch().selector_case() == v1::SketchSelector::kVersion) {
      version = req->sketch().version();
    } else if (req->sketch().selector_case() == v1::SketchSelector::kAutomatic) {
      return absl::InvalidArgumentError(
          "GetSketch exports stored sketches; sketch auto chooses per LowRank request");
    } else if (req->sketch().selector_case() == v1::SketchSelector::kRandom) {
      return absl::InvalidArgumentError(
          "GetSketch exports stored sketches; a random one is defined by (m, n, seed) alone");
    } else {
      std::optional<SketchTask> task = FromProto(req->task());
      if (!task) {
        return absl::InvalidArgumentError("the default sketch needs `task` (TASK_LOW_RANK or TASK_REGRESSION)");
      }
      SKETCHD_ASSIGN_OR_RETURN(version, store_->DefaultSketchVersion(req->dataset(), *task));
    }
    SKETCHD_ASSIGN_OR_RETURN(SketchRecord record,
                             store_->GetSketch(req->dataset(), version, req->include_serialized()));
    SKETCHD_ASSIGN_OR_RETURN(std::shared_ptr<const TrainedSketch> trained,
                             cache_->Get(req->dataset(), version));
    const CountSketch& s = trained->sketch;
    if (trained->is_dense() && !req->include_serialized()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "sketch ", version, " is dense (method subspace) and has no positions/values; "
          "export it with include_serialized (sketchctl sketches export)"));
    }
    const int64_t size = static_cast<int64_t>(s.positions().size()) * 12 +
                         static_cast<int64_t>(trained->dense.size()) * 8 +
                         static_cast<int64_t>(record.serialized.size()) + 65536;
    if (size > options_.max_message_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "sketch ", version, " needs about ", size, " bytes, over the message limit ",
          options_.max_message_bytes, "; omit include_serialized or raise --max_message_bytes"));
    }
    *resp->mutable_info() = ToProto(record);
    resp->set_m(trained->m());
    resp->set_n(trained->sketch_n());
    resp->mutable_block_rows()->Add(s.block_rows().begin(), s.block_rows().end());
    resp->mutable_positions()->Add(s.positions().begin(), s.positions().end());
    resp->mutable_values()->Add(s.values().begin(), s.values().end());
    if (req->include_serialized()) resp->set_serialized(std::move(record.serialized));
    log.add_bytes(size);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::SetDefaultSketch(grpc::ServerContext* ctx,
                                                 const v1::SetDefaultSketchRequest* req,
                                                 v1::SetDefaultSketchResponse* resp) {
  return Handle(ctx, "SetDefaultSketch", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->dataset());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->dataset()));
    SKETCHD_ASSIGN_OR_RETURN(SketchRecord r, store_->SetDefaultSketch(req->dataset(), req->version()));
    *resp->mutable_sketch() = ToProto(r);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::DeleteSketch(grpc::ServerContext* ctx,
                                             const v1::DeleteSketchRequest* req,
                                             v1::DeleteSketchResponse*) {
  return Handle(ctx, "DeleteSketch", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->dataset());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->dataset()));
    SKETCHD_RETURN_IF_ERROR(store_->DeleteSketch(req->dataset(), req->version()));
    cache_->Erase(req->dataset(), req->version());
    return absl::OkStatus();
  });
}

}  // namespace sketchd
