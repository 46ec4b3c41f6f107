// Keeps the store leases of the jobs a replica runs alive (store.h, "Job
// ownership"): one thread renews every registered job's lease a few times
// per lease period, and tells the job to stop when another replica asked to
// cancel it (RequestCancel) or when the lease was lost (this replica stalled
// past its lease and the job was taken over; writing anything more would be
// refused anyway).
#ifndef SKETCHD_SERVER_LEASE_HEARTBEAT_H_
#define SKETCHD_SERVER_LEASE_HEARTBEAT_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "server/store.h"

namespace sketchd {

class LeaseHeartbeat {
 public:
  enum class StopReason { kCancelRequested, kLeaseLost };
  using StopFn = std::function<void(StopReason)>;

  // Renews every lease_us / 3 (so two missed beats still keep the lease).
  LeaseHeartbeat(Store* store, std::string owner, int64_t lease_us);
  ~LeaseHeartbeat();

  // `stop` is called at most once, from the heartbeat thread.
  void Add(int64_t job_id, StopFn stop);
  void Remove(int64_t job_id);

 private:
  void Loop();

  Store* store_;
  const std::string owner_;
  const int64_t lease_us_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<int64_t, StopFn> jobs_;  // stop already called → removed
  std::thread thread_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_LEASE_HEARTBEAT_H_
