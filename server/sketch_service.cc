// SketchServiceImpl's construction and the helpers every handler file shares
// (stream admission, client-gone checks, shape limits). The RPCs themselves
// live in one file per resource: dataset_, sketch_, job_ and compute_handlers.
#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/sketch_service.h"

namespace sketchd {

SketchServiceImpl::SketchServiceImpl(const ServerOptions& options, Store* store, Jobs* jobs,
                                     SketchCache* cache, MemoryBudget* memory, TokenAuth auth,
                                     ServiceMetrics* metrics)
    : options_(options),
      store_(store),
      jobs_(jobs),
      cache_(cache),
      memory_(memory),
      auth_(std::move(auth)),
      metrics_(metrics),
      buffers_(static_cast<size_t>(std::max<int64_t>(0, options.buffer_pool_bytes))) {}

SketchServiceImpl::StreamSlot::StreamSlot(SketchServiceImpl* s) : service_(s) {
  const int now = service_->streams_.fetch_add(1) + 1;
  if (now > service_->options_.max_concurrent_streams) {
    status_ = absl::ResourceExhaustedError(absl::StrCat(
        "too many concurrent streams (limit --max_concurrent_streams=",
        service_->options_.max_concurrent_streams, "); retry later"));
  }
}

SketchServiceImpl::StreamSlot::~StreamSlot() { service_->streams_.fetch_sub(1); }

absl::Status SketchServiceImpl::CheckShape(const char* what, int64_t rows, int64_t cols) const {
  if (rows < 1 || cols < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": shape ", rows, "×", cols, " is empty; rows and cols must be ≥ 1"));
  }
  if (rows > options_.max_rows) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": ", rows, " rows exceed the limit ",
                                                     options_.max_rows, " (--max_rows)"));
  }
  // Overflow-safe: rows, cols ≤ 2^63 and the comparison divides.
  if (cols > options_.max_matrix_bytes / 8 / rows) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, ": ", rows, "×", cols, " doubles exceed the limit of ", options_.max_matrix_bytes,
        " bytes per matrix (--max_matrix_bytes)"));
  }
  return absl::OkStatus();
}

}  // namespace sketchd
