// How long-running training reports progress and is stopped.
// Training code calls the callback at least every ~0.2 s of work and polls
// the token at least as often, so a cancel takes effect within a second.
#ifndef SKETCHD_CORE_TRAINING_TRAINING_CONTROL_H_
#define SKETCHD_CORE_TRAINING_TRAINING_CONTROL_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "core/parallel/reducer.h"

namespace sketchd {

// fraction in [0, 1]; message is a short human-readable status line.
using ProgressCallback = std::function<void(double fraction, const std::string& message)>;

class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

// Deadline + cancellation + progress in one object that training loops poll.
class TrainingControl {
 public:
  TrainingControl(const ProgressCallback* progress, const CancelToken* cancel,
                  double time_budget_seconds)
      : progress_(progress), cancel_(cancel),
        start_(std::chrono::steady_clock::now()), budget_(time_budget_seconds) {}

  bool cancelled() const { return cancel_ != nullptr && cancel_->cancelled(); }
  // True once the time budget (if any, > 0) is spent: stop early, keep the best so far.
  // With a stop agreement, a collective call: process 0's clock decides for all.
  bool out_of_time() const {
    if (budget_ <= 0) return false;
    const bool spent = elapsed_seconds() >= budget_;
    if (stop_agreement_ == nullptr) return spent;
    double stop = stop_agreement_->rank() == 0 && spent ? 1 : 0;
    stop_agreement_->SumInPlace(&stop, 1);
    return stop > 0;
  }
  // Training spread over processes: each process's clock would stop its
  // loop at a different step, so the ones that ran on would wait forever in
  // the next sum. Every out_of_time() then sums process 0's verdict through
  // `reducer`; every process must call it at the same points (as the
  // training loops do, being the same on every process).
  void AgreeOnStopWith(Reducer* reducer) { stop_agreement_ = reducer; }
  double elapsed_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void Report(double fraction, const std::string& message) const {
    if (progress_ != nullptr && *progress_) (*progress_)(fraction, message);
  }

 private:
  const ProgressCallback* progress_;
  const CancelToken* cancel_;
  std::chrono::steady_clock::time_point start_;
  double budget_;
  Reducer* stop_agreement_ = nullptr;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAINING_CONTROL_H_
