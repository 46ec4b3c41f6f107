#include "server/metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <array>
#include <exception>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/store.h"

namespace sketchd {
namespace {

// RPC and store latencies: from a cached metadata read (~100 µs) to a long
// LowRank stream or a slow PostgreSQL (a minute).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
  return *buckets;
}

// Training jobs run from well under a second (random sketches) to hours.
const prometheus::Histogram::BucketBoundaries& TrainingBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600};
  return *buckets;
}

// Job gauges, computed when Prometheus scrapes: the store is the truth
// (with replicas, jobs are queued and run by every replica), so counting
// events in this process would be wrong.
class JobStateCollector : public prometheus::Collectable {
 public:
  explicit JobStateCollector(Store* store) : store_(store) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    constexpr std::array<JobState, 6> kStates = {
        JobState::kQueued,    JobState::kRunning,   JobState::kSucceeded,
        JobState::kFailed,    JobState::kCancelled, JobState::kInterrupted};
    std::array<double, 6> counts{};
    bool ok = false;
    // civetweb's thread calls this: nothing may escape.
    try {
      absl::StatusOr<std::vector<JobRecord>> jobs = store_->ListJobs("");
      if (jobs.ok()) {
        ok = true;
        for (const JobRecord& job : *jobs) {
          const int index = static_cast<int>(job.state) - 1;
          if (index >= 0 && index < static_cast<int>(counts.size())) counts[index] += 1;
        }
      }
    } catch (const std::exception&) {
      ok = false;
    }
    std::vector<prometheus::MetricFamily> families;
    families.push_back(Gauge("sketchd_job_scan_ok",
                             "1 when the job gauges below could be read from the store",
                             {}, ok ? 1 : 0));
    if (!ok) return families;
    prometheus::MetricFamily by_state;
    by_state.name = "sketchd_jobs";
    by_state.help = "Training jobs in the store by state (every replica's)";
    by_state.type = prometheus::MetricType::Gauge;
    for (size_t i = 0; i < kStates.size(); ++i) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"state", std::string(JobStateName(kStates[i]))});
      metric.gauge.value = counts[i];
      by_state.metric.push_back(std::move(metric));
    }
    families.push_back(std::move(by_state));
    families.push_back(Gauge("sketchd_job_queue_depth",
                             "QUEUED jobs waiting for a worker of any replica", {}, counts[0]));
    return families;
  }

 private:
  static prometheus::MetricFamily Gauge(const char* name, const char* help,
                                        std::vector<prometheus::ClientMetric::Label> labels,
                                        double value) {
    prometheus::MetricFamily family;
    family.name = name;
    family.help = help;
    family.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric metric;
    metric.label = std::move(labels);
    metric.gauge.value = value;
    family.metric.push_back(std::move(metric));
    return family;
  }

  Store* store_;
};

}  // namespace

ServiceMetrics::ServiceMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  rpc_total_ = &prometheus::BuildCounter()
                    .Name("sketchd_rpc_total")
                    .Help("RPCs finished, by method and final gRPC status code")
                    .Register(*registry_);
  rpc_seconds_ = &prometheus::BuildHistogram()
                      .Name("sketchd_rpc_duration_seconds")
                      .Help("RPC latency from handler entry to its final status")
                      .Register(*registry_);
  payload_bytes_ = &prometheus::BuildCounter()
                         .Name("sketchd_payload_bytes_total")
                         .Help("Matrix bytes carried, by method (received by uploads, LowRank, Solve; sent by GetSketch)")
                         .Register(*registry_);
  store_seconds_ = &prometheus::BuildHistogram()
                        .Name("sketchd_store_duration_seconds")
                        .Help("Store call latency by operation (ClaimJob = job claim latency)")
                        .Register(*registry_);
  training_seconds_ = &prometheus::BuildHistogram()
                           .Name("sketchd_training_seconds")
                           .Help("Wall time of training jobs run by this process, by outcome")
                           .Register(*registry_);
}

ServiceMetrics::~ServiceMetrics() { StopServing(); }

absl::StatusOr<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Serve(const std::string& listen,
                                                                      Store* store) {
  std::unique_ptr<ServiceMetrics> metrics(new ServiceMetrics());
  metrics->jobs_collector_ = std::make_shared<JobStateCollector>(store);
  // civetweb reports a bind failure by throwing.
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(listen, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on --metrics_listen='", listen,
        "' (give a free local host:port, e.g. 0.0.0.0:9090): ", e.what()));
  }
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->jobs_collector_);
  const std::vector<int> ports = metrics->exposer_->GetListeningPorts();
  metrics->port_ = ports.empty() ? 0 : ports.front();
  return metrics;
}

void ServiceMetrics::StopServing() { exposer_.reset(); }

void ServiceMetrics::RecordRpc(absl::string_view method, absl::StatusCode code, double seconds,
                               int64_t payload_bytes) {
  const prometheus::Labels labels = {{"method", std::string(method)},
                                     {"code", absl::StatusCodeToString(code)}};
  rpc_total_->Add(labels).Increment();
  rpc_seconds_->Add(labels, LatencyBuckets()).Observe(seconds);
  if (payload_bytes > 0) {
    payload_bytes_->Add({{"method", std::string(method)}})
        .Increment(static_cast<double>(payload_bytes));
  }
}

void ServiceMetrics::RecordStoreCall(absl::string_view op, double seconds) {
  store_seconds_->Add({{"op", std::string(op)}}, LatencyBuckets()).Observe(seconds);
}

void ServiceMetrics::RecordTrainingJob(JobState outcome, double seconds) {
  training_seconds_->Add({{"outcome", std::string(JobStateName(outcome))}}, TrainingBuckets())
      .Observe(seconds);
}

}  // namespace sketchd
