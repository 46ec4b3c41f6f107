// The sketch registry.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/names.h"
#include "server/pagination.h"
#include "server/proto_convert.h"
#include "server/row_stream.h"
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
    // By version: the page after version c holds versions above c.
    SKETCHD_ASSIGN_OR_RETURN(int64_t cursor, IntPageCursor("sketches", req->page_token()));
    SKETCHD_ASSIGN_OR_RETURN(
        std::string next,
        TakePage(&all, "sketches", req->page_size(), req->page_token(),
                 [cursor](const SketchRecord& r, const std::string&) { return r.version > cursor; },
                 [](const SketchRecord& r) { return absl::StrCat(r.version); }));
    for (const SketchRecord& r : all) *resp->add_sketches() = ToProto(r);
    resp->set_next_page_token(next);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::GetSketch(grpc::ServerContext* ctx,
                                          const v1::GetSketchRequest* req,
                                          grpc::ServerWriter<v1::GetSketchResponse>* writer) {
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
    // ≤ 1 MiB of payload per message (and well under --max_message_bytes),
    // whatever n is: positions and values cost 12 bytes per entry.
    const int64_t chunk_bytes =
        std::max<int64_t>(4096, std::min<int64_t>(1 << 20, options_.max_message_bytes / 4));
    const int64_t entries_per_message = chunk_bytes / 12;
    v1::GetSketchResponse head;
    *head.mutable_info() = ToProto(record);
    head.set_m(trained->m());
    head.set_n(trained->sketch_n());
    head.mutable_block_rows()->Add(s.block_rows().begin(), s.block_rows().end());
    if (!writer->Write(head)) return StreamClientGone(ctx);
    const auto& positions = s.positions();
    const auto& values = s.values();
    const int64_t entries = static_cast<int64_t>(positions.size());
    for (int64_t i = 0; i < entries; i += entries_per_message) {
      const int64_t end = std::min(entries, i + entries_per_message);
      v1::GetSketchResponse piece;
      piece.mutable_positions()->Add(positions.begin() + i, positions.begin() + end);
      piece.mutable_values()->Add(values.begin() + i, values.begin() + end);
      if (!writer->Write(piece)) return StreamClientGone(ctx);
    }
    const std::string& bytes = record.serialized;
    for (size_t i = 0; i < bytes.size(); i += static_cast<size_t>(chunk_bytes)) {
      v1::GetSketchResponse piece;
      piece.set_serialized(bytes.substr(i, static_cast<size_t>(chunk_bytes)));
      if (!writer->Write(piece)) return StreamClientGone(ctx);
    }
    log.add_bytes(entries * 12 + static_cast<int64_t>(bytes.size()));
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
