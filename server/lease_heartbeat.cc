#include "server/lease_heartbeat.h"

#include <chrono>
#include <cstdio>
#include <vector>


namespace sketchd {

LeaseHeartbeat::LeaseHeartbeat(Store* store, std::string owner, int64_t lease_us)
    : store_(store), owner_(std::move(owner)), lease_us_(lease_us) {
  thread_ = std::thread([this] { Loop(); });
}

LeaseHeartbeat::~LeaseHeartbeat() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;  // wakes Loop's Await
  }
  thread_.join();
}

void LeaseHeartbeat::Add(int64_t job_id, StopFn stop) {
  MutexLock lock(&mu_);
  jobs_[job_id] = std::move(stop);
}

void LeaseHeartbeat::Remove(int64_t job_id) {
  MutexLock lock(&mu_);
  jobs_.erase(job_id);
}

void LeaseHeartbeat::Loop() {
  const auto period = std::chrono::microseconds(std::max<int64_t>(1000, lease_us_ / 3));
  mu_.Lock();
  while (!stopping_) {
    mu_.AwaitWithTimeout(
        [this] {
          mu_.AssertHeld();
          return stopping_;
        },
        period);
    if (stopping_) break;
    std::vector<int64_t> ids;
    for (const auto& [id, stop] : jobs_) ids.push_back(id);
    mu_.Unlock();
    // Store calls outside the lock: Add/Remove must not wait for the database.
    std::vector<std::pair<int64_t, StopReason>> to_stop;
    for (int64_t id : ids) {
      absl::StatusOr<JobRecord> job = store_->RenewLease(id, owner_, lease_us_);
      if (job.ok()) {
        if (job->cancel_requested) to_stop.emplace_back(id, StopReason::kCancelRequested);
      } else if (absl::IsFailedPrecondition(job.status()) || absl::IsNotFound(job.status())) {
        to_stop.emplace_back(id, StopReason::kLeaseLost);
      } else {
        // Database unreachable: keep training and retry; the lease may still
        // hold when it is back.
        std::fprintf(stderr, "sketchd: job %lld: lease renewal failed: %s\n",
                     static_cast<long long>(id), std::string(job.status().message()).c_str());
      }
    }
    mu_.Lock();
    for (const auto& [id, reason] : to_stop) {
      auto it = jobs_.find(id);
      if (it == jobs_.end()) continue;  // finished meanwhile
      StopFn stop = std::move(it->second);
      jobs_.erase(it);
      mu_.Unlock();
      stop(reason);
      mu_.Lock();
    }
  }
  mu_.Unlock();
}

}  // namespace sketchd
