// absl::Status → grpc::Status. The canonical codes are the same numbers in
// both, so the mapping keeps code and message; only OK needs care.
#ifndef SKETCHD_SERVER_STATUS_MAPPING_H_
#define SKETCHD_SERVER_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace sketchd {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_STATUS_MAPPING_H_
