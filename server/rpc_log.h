// One line per RPC on stderr: method, dataset, payload bytes, duration and
// final status, e.g.
//   sketchd rpc=LowRank dataset=faces bytes=1048576 ms=12.3 status=OK
// Written when the scope ends, so every return path is logged; the same
// scope end counts the call in ServiceMetrics when /metrics is on.
#ifndef SKETCHD_SERVER_RPC_LOG_H_
#define SKETCHD_SERVER_RPC_LOG_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace sketchd {

class ServiceMetrics;

class RpcLog {
 public:
  RpcLog(bool enabled, const char* method, ServiceMetrics* metrics = nullptr)
      : enabled_(enabled), method_(method), metrics_(metrics),
        start_(std::chrono::steady_clock::now()) {}
  ~RpcLog();
  RpcLog(const RpcLog&) = delete;
  RpcLog& operator=(const RpcLog&) = delete;

  void set_dataset(const std::string& dataset) { dataset_ = dataset; }
  void add_bytes(int64_t bytes) { bytes_ += bytes; }
  void set_status(const absl::Status& status) { status_ = status; }
  double elapsed_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  bool enabled_;
  const char* method_;
  ServiceMetrics* metrics_;
  std::chrono::steady_clock::time_point start_;
  std::string dataset_;
  int64_t bytes_ = 0;
  absl::Status status_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_RPC_LOG_H_
