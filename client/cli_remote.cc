#include "client/cli_remote.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/validation_text.h"

namespace sketchd {

std::string WithDefaultPort(const std::string& address) {
  const std::string port = "50051";
  if (address.empty()) return "127.0.0.1:" + port;
  // gRPC target URIs (unix:/path, dns:///host:port, ...) are taken as given.
  for (const char* scheme : {"unix:", "unix-abstract:", "dns:", "ipv4:", "ipv6:"}) {
    if (address.rfind(scheme, 0) == 0) return address;
  }
  if (address.find("://") != std::string::npos) return address;
  if (address.front() == '[') {  // [v6] or [v6]:port
    return address.find("]:") != std::string::npos ? address : address + ":" + port;
  }
  const auto colons = std::count(address.begin(), address.end(), ':');
  if (colons == 1) return address;                            // host:port
  if (colons > 1) return "[" + address + "]:" + port;         // bare IPv6
  return address + ":" + port;  // bare host: gRPC would assume HTTPS's 443
}

absl::StatusOr<std::unique_ptr<SketchdClient>> MakeClient(const GlobalOptions& global) {
  ClientOptions options;
  options.address = WithDefaultPort(global.server);
  options.token = global.token;
  options.tls_ca_file = global.tls_ca;
  options.tls_cert_file = global.tls_cert;
  options.tls_key_file = global.tls_key;
  options.tls_server_name = global.tls_server_name;
  options.timeout_seconds = global.timeout_seconds;
  options.stream_timeout_seconds = std::max(600.0, global.timeout_seconds);
  return SketchdClient::Connect(options);
}

absl::StatusOr<v1::SketchSelector> ParseSketchSelector(const std::string& text, int64_t m,
                                                       uint64_t seed) {
  v1::SketchSelector selector;
  if (text.empty() || text == "default") {
    selector.set_use_default(true);
  } else if (text == "auto") {
    // The random candidate's m: --m, or (0) the dataset's first learned candidate's.
    selector.mutable_automatic()->set_random_m(m);
    selector.mutable_automatic()->set_seed(seed);
  } else if (text == "random") {
    if (m < 1) return UsageError("--sketch random needs --m (sketch rows, ≥ 1)");
    selector.mutable_random()->set_m(m);
    selector.mutable_random()->set_seed(seed);
  } else {
    int64_t version = 0;
    if (!absl::SimpleAtoi(text, &version) || version < 1) {
      return UsageError(absl::StrCat("--sketch must be a version number, 'default', 'random' or 'auto', got '",
                                     text, "'"));
    }
    selector.set_version(version);
  }
  return selector;
}

absl::Status CheckInputShape(const v1::Dataset& dataset, int64_t rows, int64_t cols,
                             const std::string& what, bool training) {
  if (rows != dataset.n()) {
    return InputError(absl::InvalidArgumentError(absl::StrCat(
        what, ": matrices have ", rows, " rows but dataset ", dataset.name(), " has n = ",
        dataset.n(), " (every matrix of a dataset has exactly n rows)")));
  }
  const int64_t d = dataset.d();
  if (d != 0 && cols != d && !(training && cols == d + 1)) {
    return InputError(absl::InvalidArgumentError(absl::StrCat(
        what, ": matrices have ", cols, " columns but dataset ", dataset.name(), " has d = ", d,
        training ? absl::StrCat(" (training matrices: ", d, " columns, or ", d + 1,
                                " for [A | b])")
                 : std::string())));
  }
  if (training && dataset.training_cols() != 0 && cols != dataset.training_cols()) {
    return InputError(absl::InvalidArgumentError(absl::StrCat(
        what, ": matrices have ", cols, " columns but the training matrices already stored in ",
        dataset.name(), " have ", dataset.training_cols())));
  }
  return absl::OkStatus();
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos()),
                          absl::UTCTimeZone());
}

Json DatasetJson(const v1::Dataset& dataset) {
  Json j = Json::Object();
  j.Set("name", dataset.name());
  j.Set("n", dataset.n());
  j.Set("d", dataset.d());
  j.Set("description", dataset.description());
  j.Set("created", FormatTime(dataset.create_time()));
  j.Set("num_training_matrices", dataset.num_training_matrices());
  j.Set("training_cols", dataset.training_cols());
  j.Set("training_bytes", dataset.training_bytes());
  j.Set("num_sketches", dataset.num_sketches());
  return j;
}

std::string JobErrorCodeName(const v1::Job& job) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(job.error_code()));
}

std::string JobErrorText(const v1::Job& job) {
  if (job.error_code() == 0 && job.error().empty()) return "";
  // A server from before Job.error_code sends 0 with a "CODE: msg" text.
  if (job.error_code() == 0) return job.error();
  return absl::StrCat(JobErrorCodeName(job), ": ", job.error());
}

Json JobJson(const v1::Job& job) {
  Json j = Json::Object();
  j.Set("job_id", job.job_id());
  j.Set("dataset", job.dataset());
  j.Set("state", JobStateName(job.state()));
  j.Set("progress", job.progress());
  j.Set("message", job.message());
  if (job.error_code() != 0) j.Set("error_code", JobErrorCodeName(job));
  if (!job.error().empty()) j.Set("error", job.error());
  const v1::TrainingOptions& o = job.options();
  j.Set("method", o.method());
  j.Set("task", WireTaskName(o.task()));
  j.Set("k", o.k());
  j.Set("m", o.m());
  j.Set("seed", static_cast<uint64_t>(o.seed()));
  j.Set("created", FormatTime(job.create_time()));
  j.Set("started", FormatTime(job.start_time()));
  j.Set("finished", FormatTime(job.end_time()));
  if (job.sketch_version() != 0) j.Set("sketch_version", job.sketch_version());
  if (job.restarted_from() != 0) j.Set("restarted_from", job.restarted_from());
  return j;
}

Json ValidationJson(const v1::ValidationFigures& v) {
  Json j = Json::Object();
  j.Set("metric", v.metric());
  j.Set("num_matrices", v.num_matrices());
  j.Set("learned", v.learned());
  j.Set("random", v.random());
  j.Set("random_seeds", v.random_seeds());
  j.Set("ratio", v.ratio());
  j.Set("learned_sd", v.learned_sd());
  j.Set("random_sd", v.random_sd());
  j.Set("comparable", v.comparable());
  j.Set("verdict", v.verdict());
  return j;
}

Json SketchInfoJson(const v1::SketchInfo& s) {
  Json j = Json::Object();
  j.Set("dataset", s.dataset());
  j.Set("version", s.version());
  j.Set("task", WireTaskName(s.task()));
  j.Set("method", s.method());
  j.Set("k", s.k());
  j.Set("m", s.m());
  j.Set("n", s.n());
  j.Set("d", s.d());
  j.Set("is_default", s.is_default());
  j.Set("job_id", s.job_id());
  j.Set("created", FormatTime(s.create_time()));
  j.Set("train_seconds", s.train_seconds());
  j.Set("validation", ValidationJson(s.validation()));
  j.Set("notes", s.notes());
  j.Set("serialized_bytes", s.serialized_bytes());
  return j;
}

std::vector<std::string> DatasetHeader() {
  return {"NAME", "N", "D", "MATRICES", "COLS", "STORED", "SKETCHES", "DESCRIPTION"};
}

std::vector<std::string> DatasetRow(const v1::Dataset& d) {
  return {d.name(),
          absl::StrCat(d.n()),
          d.d() == 0 ? "-" : absl::StrCat(d.d()),
          absl::StrCat(d.num_training_matrices()),
          d.training_cols() == 0 ? "-" : absl::StrCat(d.training_cols()),
          FormatBytes(d.training_bytes()),
          absl::StrCat(d.num_sketches()),
          d.description()};
}

std::vector<std::string> JobHeader() {
  return {"JOB", "DATASET", "STATE", "PROGRESS", "METHOD", "TASK", "K", "M", "SKETCH", "MESSAGE"};
}

std::vector<std::string> JobRow(const v1::Job& job) {
  const std::string error = JobErrorText(job);
  const std::string& note = error.empty() ? job.message() : error;
  return {absl::StrCat(job.job_id()),
          job.dataset(),
          JobStateName(job.state()),
          absl::StrCat(static_cast<int>(job.progress() * 100 + 0.5), "%"),
          job.options().method(),
          WireTaskName(job.options().task()),
          absl::StrCat(job.options().k()),
          absl::StrCat(job.options().m()),
          job.sketch_version() == 0 ? "-" : absl::StrCat("v", job.sketch_version()),
          note.substr(0, 60)};
}

std::vector<std::string> SketchHeader() {
  return {"VERSION", "DEFAULT", "TASK", "METHOD", "K", "M", "N", "LEARNED", "RANDOM", "RATIO",
          "TRAIN"};
}

std::vector<std::string> SketchRow(const v1::SketchInfo& s) {
  const v1::ValidationFigures& v = s.validation();
  const bool has_validation = v.num_matrices() > 0;
  return {absl::StrCat("v", s.version()),
          s.is_default() ? "*" : "",
          WireTaskName(s.task()),
          s.method(),
          absl::StrCat(s.k()),
          absl::StrCat(s.m()),
          absl::StrCat(s.n()),
          has_validation ? FormatNumber(v.learned()) : "-",
          has_validation ? FormatNumber(v.random()) : "-",
          has_validation ? FormatNumber(v.ratio()) : "-",
          FormatSeconds(s.train_seconds())};
}

std::string ValidationLine(const v1::ValidationFigures& v) {
  ValidationFigures core;  // the wording is core's (trained_sketch.h)
  core.metric = v.metric();
  core.num_matrices = v.num_matrices();
  core.learned = v.learned();
  core.random = v.random();
  core.random_seeds = v.random_seeds();
  core.learned_sd = v.learned_sd();
  core.random_sd = v.random_sd();
  return ValidationSummaryText(core);
}

std::string JobText(const v1::Job& job) {
  const v1::TrainingOptions& o = job.options();
  std::string text = absl::StrCat(
      "job ", job.job_id(), " on dataset ", job.dataset(), ": ", JobStateName(job.state()), " (",
      static_cast<int>(job.progress() * 100 + 0.5), "%)\n", "  method ", o.method(), ", task ",
      WireTaskName(o.task()), ", k=", o.k(), ", m=", o.m(), ", seed=", o.seed(), "\n");
  if (!job.message().empty()) absl::StrAppend(&text, "  message: ", job.message(), "\n");
  if (const std::string error = JobErrorText(job); !error.empty()) {
    absl::StrAppend(&text, "  error: ", error, "\n");
  }
  absl::StrAppend(&text, "  created ", FormatTime(job.create_time()));
  if (job.has_start_time()) {
    absl::StrAppend(&text, ", started ", FormatTime(job.start_time()));
  }
  if (job.has_end_time()) {
    absl::StrAppend(&text, ", finished ", FormatTime(job.end_time()));
  }
  absl::StrAppend(&text, "\n");
  if (job.sketch_version() != 0) absl::StrAppend(&text, "  sketch: v", job.sketch_version(), "\n");
  return text;
}

}  // namespace sketchd
