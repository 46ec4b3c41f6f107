// Keeps the store leases of the jobs a replica runs alive (store.h, "Job
// ownership"): one thread renews every registered job's lease a few times
// per lease period, and tells the job to stop when another replica asked to
// cancel it (RequestCancel) or when the lease was lost (this replica stalled
// past its lease and the job was taken over; writing anything more would be
// refused anyway).
//
// Thread-safety: Add and Remove are safe from any thread; the stop callbacks
// run on the heartbeat thread with no lock held, so they may call Remove.
#ifndef SKETCHD_SERVER_LEASE_HEARTBEAT_H_
#define SKETCHD_SERVER_LEASE_HEARTBEAT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "server/mutex.h"
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
  void Add(int64_t job_id, StopFn stop) ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(int64_t job_id) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  Store* store_;
  const std::string owner_;
  const int64_t lease_us_;
  Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<int64_t, StopFn> jobs_ ABSL_GUARDED_BY(mu_);  // stop already called → removed
  std::thread thread_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_LEASE_HEARTBEAT_H_
