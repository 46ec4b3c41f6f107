// Helpers shared by the sketchctl commands that talk to a server: building
// the client from the global flags, and rendering the service's resources as
// JSON (for --json) and as table rows (for people).
#ifndef SKETCHD_CLIENT_CLI_REMOTE_H_
#define SKETCHD_CLIENT_CLI_REMOTE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cli.h"
#include "client/json.h"
#include "client/sketchd_client.h"

namespace sketchd {

// host[:port] with sketchd's port 50051 when none is given ("localhost"
// would otherwise mean port 443 to gRPC); [v6], bare IPv6 and gRPC target
// URIs (unix:, dns:, ...) handled.
std::string WithDefaultPort(const std::string& address);
absl::StatusOr<std::unique_ptr<SketchdClient>> MakeClient(const GlobalOptions& global);

// "default" | "random" | a version number → selector; random uses m and seed.
absl::StatusOr<v1::SketchSelector> ParseSketchSelector(const std::string& text, int64_t m,
                                                       uint64_t seed);

// Checks an input's shape against the dataset before anything is sent, so a
// wrong file fails fast as an input error (exit 4) naming the file. Training
// matrices may have d or d + 1 ([A | b]) columns; A of lowrank/solve has d.
absl::Status CheckInputShape(const v1::Dataset& dataset, int64_t rows, int64_t cols,
                             const std::string& what, bool training);

// "2024-05-01T12:00:00Z"; "" for an unset time.
std::string FormatTime(const google::protobuf::Timestamp& time);

Json DatasetJson(const v1::Dataset& dataset);
// "CODE: message" of a failed/cancelled/interrupted job ("" if none): the
// server sends the code (Job.error_code) and the message apart.
std::string JobErrorText(const v1::Job& job);
Json JobJson(const v1::Job& job);
Json SketchInfoJson(const v1::SketchInfo& sketch);
Json ValidationJson(const v1::ValidationFigures& validation);

std::vector<std::string> DatasetHeader();
std::vector<std::string> DatasetRow(const v1::Dataset& dataset);
std::vector<std::string> JobHeader();
std::vector<std::string> JobRow(const v1::Job& job);
std::vector<std::string> SketchHeader();
std::vector<std::string> SketchRow(const v1::SketchInfo& sketch);

// "learned 0.0041 vs random 0.0312 (mean_excess_error on 16 held-out matrices): ratio 0.13"
std::string ValidationLine(const v1::ValidationFigures& validation);
// Multi-line description of a job / sketch for `show` commands.
std::string JobText(const v1::Job& job);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_CLI_REMOTE_H_
