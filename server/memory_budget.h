// Admission control by memory. Every LowRank/Solve request and every
// training job estimates, from its header or options and before reading a
// row, the bytes it will hold at its peak (server/resource_estimates.h).
// Two limits apply:
//   per item   --max_request_bytes / --max_job_bytes: one call alone may not
//              need more (a single huge request is refused outright);
//   in total   --memory_budget_bytes: the sum over everything admitted and
//              still running, so a handful of large calls that each pass the
//              per-item limit cannot exhaust the machine together.
// Both refusals are RESOURCE_EXHAUSTED with the estimate, the limit and the
// flag, so the user knows whether to shrink the input or retry later.
#ifndef SKETCHD_SERVER_MEMORY_BUDGET_H_
#define SKETCHD_SERVER_MEMORY_BUDGET_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/mutex.h"

namespace sketchd {

//
// Thread-safety: MemoryBudget is safe for concurrent use (one per server,
// shared by handlers and job workers). A Reservation has one owner and must
// not outlive its budget.
class MemoryBudget {
 public:
  // Bytes admitted until released; returns them when destroyed.
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept { *this = std::move(other); }
    Reservation& operator=(Reservation&& other) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    ~Reservation() { Release(); }
    int64_t bytes() const { return bytes_; }
    void Release();

   private:
    friend class MemoryBudget;
    Reservation(MemoryBudget* budget, int64_t bytes) : budget_(budget), bytes_(bytes) {}
    MemoryBudget* budget_ = nullptr;
    int64_t bytes_ = 0;
  };

  // total_bytes ≤ 0: no total limit (per-item limits still apply).
  explicit MemoryBudget(int64_t total_bytes) : total_(total_bytes) {}

  // `what` names the call in the message ("LowRank", "training job 4").
  absl::StatusOr<Reservation> Reserve(absl::string_view what, int64_t estimate,
                                      int64_t per_item_limit, absl::string_view per_item_flag)
      ABSL_LOCKS_EXCLUDED(mu_);
  int64_t in_use() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t total() const { return total_; }

 private:
  void Return(int64_t bytes) ABSL_LOCKS_EXCLUDED(mu_);

  const int64_t total_;
  mutable Mutex mu_;
  int64_t in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

// "1.50 GiB (1610612736 bytes)": readable, and exact for scripts and tests.
std::string DescribeBytes(int64_t bytes);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_MEMORY_BUDGET_H_
