#include "server/rpc_log.h"

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/metrics.h"

namespace sketchd {

RpcLog::~RpcLog() {
  if (metrics_ != nullptr) {
    // A destructor must not throw (std::bad_alloc from a new label set).
    try {
      metrics_->RecordRpc(method_, status_.code(), elapsed_seconds(), bytes_);
    } catch (...) {
    }
  }
  if (!enabled_) return;
  std::string line = absl::StrCat(
      "sketchd rpc=", method_, " dataset=", dataset_.empty() ? "-" : dataset_, " bytes=", bytes_,
      " ms=", static_cast<int64_t>(elapsed_seconds() * 1e4) / 10.0, " status=",
      absl::StatusCodeToString(status_.code()));
  if (!status_.ok()) {
    absl::StrAppend(&line, " msg=\"", status_.message().substr(0, 200), "\"");
  }
  line.push_back('\n');
  // One fwrite per line keeps lines from concurrent RPCs whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace sketchd
