#include "server/rpc_log.h"

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace sketchd {

RpcLog::~RpcLog() {
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
